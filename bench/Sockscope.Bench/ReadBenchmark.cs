using System.Diagnostics;
using Sockscope.Etl;

namespace Sockscope.Bench;

/// <summary>
/// Reads every record of a file, touching the header fields and payload span of each, and reports file MB/s,
/// decompressed MB/s, events/s and peak working set: median of several runs in one process after a warm-up.
/// </summary>
internal static class ReadBenchmark
{
    public static int Run(string[] args)
    {
        string path = args[0];
        var order = args.Contains("file") ? RecordOrder.File : RecordOrder.Time;
        int runs = (int)TraceGenerator.Option(args, "--runs", 5);
        long fileBytes = new FileInfo(path).Length;
        Once(path, order, out _, out _, out _); // warm-up: JIT and page cache
        var seconds = new List<double>();
        long events = 0, payload = 0, decompressed = 0;
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            Once(path, order, out events, out payload, out decompressed);
            seconds.Add(sw.Elapsed.TotalSeconds);
        }
        seconds.Sort();
        double median = seconds[seconds.Count / 2];
        double peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
        Console.WriteLine($"| {Path.GetFileName(path)} | {order} | {fileBytes / 1048576.0:F0} MB | {events:N0} | {median:F3} s | " +
                          $"{fileBytes / 1048576.0 / median:F0} MB/s | {decompressed / 1048576.0 / median:F0} MB/s | {events / median / 1e6:F2} M/s | {peakMb:F0} MB |");
        Console.WriteLine($"(runs: {string.Join(", ", seconds.Select(s => s.ToString("F3")))}; checksum {payload})");
        return 0;
    }

    private static void Once(string path, RecordOrder order, out long events, out long checksum, out long bytes)
    {
        using var reader = EtlReader.Open(path, new EtlReaderOptions { Order = order });
        long n = 0, sum = 0, recordBytes = 0;
        while (reader.TryRead(out var r))
        {
            n++;
            sum += r.Id + r.ProcessId + r.ThreadId + r.UserData.Length + (r.Timestamp & 0xFF) + r.ProviderId.GetHashCode() & 0xFFFF;
            recordBytes += r.Size;
        }
        events = n;
        checksum = sum;
        bytes = recordBytes;
    }
}
