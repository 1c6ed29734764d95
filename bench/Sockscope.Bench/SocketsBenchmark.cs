using System.Buffers;
using System.Diagnostics;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Sinks;

namespace Sockscope.Bench;

/// <summary>
/// Times the socket analysis in process, with the sockets written as JSON lines to memory: the first run (cold:
/// code not yet compiled) and the median of the rest (warm), pipelined and on one thread. The gap between cold and
/// warm is what a short command pays for start-up.
/// </summary>
internal static class SocketsBenchmark
{
    private static EtlReaderOptions s_options = new() { Order = RecordOrder.Time };

    public static int Run(string[] args)
    {
        string path = args[0];
        int runs = (int)TraceGenerator.Option(args, "--runs", 5);
        int at = Array.IndexOf(args, "--prefetch");
        s_options = new EtlReaderOptions { Order = RecordOrder.Time, ParallelDecompression = !(at >= 0 && at + 1 < args.Length && args[at + 1] == "off") };
        {
            var times = new List<double>();
            long n = 0;
            for (int i = 0; i <= runs; i++)
            {
                var sw = Stopwatch.StartNew();
                using var reader = EtlReader.Open(path, s_options);
                var feed = new SocketEventFeed(reader, Schema.SchemaCatalog.Winsock);
                var batch = new SocketEvent[4096];
                n = 0;
                for (int c; (c = feed.Fill(batch)) > 0;) n += c;
                times.Add(sw.Elapsed.TotalSeconds);
            }
            var warm = times.Skip(1).Order().ToList();
            Console.WriteLine($"| read, decode, lift | {n:N0} | | cold {times[0]:F3} s | warm {warm[warm.Count / 2]:F3} s | |");
        }
        foreach (var (parallel, json) in new[] { (true, true), (false, true), (false, false) })
        {
            var times = new List<double>();
            long events = 0, sockets = 0;
            for (int i = 0; i <= runs; i++)
            {
                var sw = Stopwatch.StartNew();
                (events, sockets) = Once(path, parallel, json);
                times.Add(sw.Elapsed.TotalSeconds);
            }
            double cold = times[0];
            var warm = times.Skip(1).Order().ToList();
            double median = warm[warm.Count / 2];
            Console.WriteLine($"| {(parallel ? "pipelined" : "one thread")}{(json ? ", JSON" : ", no output")} | {events:N0} | {sockets:N0} | cold {cold:F3} s | warm {median:F3} s | {events / median / 1e6:F2} M events/s |");
        }
        return 0;
    }

    private static (long Events, long Sockets) Once(string path, bool parallel, bool json)
    {
        using var reader = EtlReader.Open(path, s_options);
        var output = new ArrayBufferWriter<byte>(1 << 20);
        using var writer = new SocketWriter(output, SocketFormat.Jsonl);
        long written = 0;
        var summary = TraceAnalysis.Run(reader, !json ? null : s =>
        {
            writer.Write(s);
            if (output.WrittenCount > (1 << 19))
            {
                written += output.WrittenCount;
                output.ResetWrittenCount();
            }
        }, parallel: parallel);
        GC.KeepAlive(written);
        return (summary.Records, summary.Sockets);
    }
}
