using System.Buffers;
using System.Diagnostics;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Sinks;

namespace Sockscope.Bench;

/// <summary>
/// Times decoding every Winsock event of a trace into typed values, and writing them as JSON lines, on one thread:
/// median of several runs after a warm-up, with the bytes allocated per event.
/// </summary>
internal static class DecodeBenchmark
{
    public static int Run(string[] args)
    {
        string path = args[0];
        int runs = (int)TraceGenerator.Option(args, "--runs", 5);
        foreach (var mode in new[] { "read", "decode", "json" })
        {
            Once(path, mode, out _, out _); // warm-up
            var times = new List<double>();
            long events = 0, allocated = 0;
            for (int i = 0; i < runs; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                var sw = Stopwatch.StartNew();
                Once(path, mode, out events, out long checksum);
                times.Add(sw.Elapsed.TotalSeconds);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                GC.KeepAlive(checksum);
            }
            times.Sort();
            double median = times[times.Count / 2];
            Console.WriteLine($"| {mode} | {events:N0} | {median:F3} s | {events / median / 1e6:F2} M events/s | {(double)allocated / events:F2} B/event |");
        }
        return 0;
    }

    private static void Once(string path, string mode, out long events, out long checksum)
    {
        using var reader = EtlReader.Open(path, new EtlReaderOptions { Order = RecordOrder.Time });
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        var output = new ArrayBufferWriter<byte>(1 << 20);
        var names = new ProviderNames();
        using var json = new EventJsonWriter(output, reader.Clock, names);
        long n = 0, sum = 0;
        while (reader.TryRead(out var r))
        {
            if (mode == "read") { sum += r.UserData.Length; n++; continue; }
            if (!decoder.TryDecode(r, out var d)) continue;
            n++;
            if (mode == "decode")
            {
                for (int i = 0; i < d.Count; i++) sum += (long)d.Values[i].Number + d.Values[i].Length;
                continue;
            }
            names.Learn(r);
            json.Write(r, d);
            if (output.WrittenCount > (1 << 19))
            {
                json.Flush();
                sum += output.WrittenCount;
                output.ResetWrittenCount();
            }
        }
        events = n;
        checksum = sum;
    }
}
