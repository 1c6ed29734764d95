using System.Diagnostics;
using Sockscope.Etl;

namespace Sockscope.Bench;

/// <summary>
/// Reads every record of a file, touching the header fields and payload span of each, and reports file MB/s,
/// decompressed MB/s, events/s and peak working set: median of several runs in one process after a warm-up.
/// With --prefetch both, runs with the parallel decompression on and off alternate (a shared machine's noise then
/// falls on both alike), and the prefetcher's counts are shown. With --source stream the file is read as a stream that
/// cannot seek would be (EtlReader.Open(Stream), front to back), and with --source both the two alternate. FILE "-"
/// reads standard input once, as a pipe; --once reads a file once with no warm-up, to time it the same way as a
/// whole process.
/// </summary>
internal static class ReadBenchmark
{
    public static int Run(string[] args)
    {
        string path = args[0];
        var order = args.Contains("file") ? RecordOrder.File : RecordOrder.Time;
        long mergeBytes = TraceGenerator.Option(args, "--merge-mb", EtlReaderOptions.Default.StreamMergeBytes >> 20) << 20;
        if (path == "-") return FromStandardInput(order, mergeBytes);
        int runs = (int)TraceGenerator.Option(args, "--runs", 5);
        bool once = args.Contains("--once");
        int at = Array.IndexOf(args, "--prefetch");
        string prefetch = at >= 0 && at + 1 < args.Length ? args[at + 1] : "on";
        at = Array.IndexOf(args, "--source");
        string source = at >= 0 && at + 1 < args.Length ? args[at + 1] : "file";
        string[] modes = (prefetch, source) switch
        {
            (_, "both") => ["file", "stream"],
            (_, "stream") => ["stream"],
            ("both", _) => ["prefetch on", "prefetch off"],
            ("off", _) => ["prefetch off"],
            _ => ["prefetch on"],
        };
        long fileBytes = new FileInfo(path).Length;
        if (once) runs = 1;
        else foreach (string mode in modes) Once(path, order, mode, mergeBytes); // warm-up: JIT and page cache
        var seconds = modes.ToDictionary(m => m, _ => new List<double>());
        var last = new Dictionary<string, Result>();
        for (int i = 0; i < runs; i++)
        {
            foreach (string mode in modes)
            {
                var sw = Stopwatch.StartNew();
                last[mode] = Once(path, order, mode, mergeBytes);
                seconds[mode].Add(sw.Elapsed.TotalSeconds);
            }
        }
        double peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
        foreach (string mode in modes)
        {
            var s = seconds[mode];
            s.Sort();
            double median = s[s.Count / 2];
            var r = last[mode];
            Console.WriteLine($"| {Path.GetFileName(path)} | {order} | {mode} | {fileBytes / 1048576.0:F0} MB | {r.Events:N0} | {median:F3} s | " +
                              $"{fileBytes / 1048576.0 / median:F0} MB/s | {r.Bytes / 1048576.0 / median:F0} MB/s | {r.Events / median / 1e6:F2} M/s | {peakMb:F0} MB |");
            Console.WriteLine($"(runs: {string.Join(", ", s.Select(x => x.ToString("F3")))}; checksum {r.Checksum}; " +
                              $"prefetched {r.Prefetched} (helped {r.Helped}), decompressed inline {r.Inline}, taken back {r.TakenBack})");
        }
        return 0;
    }

    private readonly record struct Result(long Events, long Checksum, long Bytes, long Prefetched, long Helped, long Inline, long TakenBack);

    private static Result Once(string path, RecordOrder order, string mode, long mergeBytes)
    {
        var options = new EtlReaderOptions { Order = order, ParallelDecompression = mode != "prefetch off", StreamMergeBytes = mergeBytes };
        using var reader = mode == "stream"
            ? EtlReader.Open(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0), path, options)
            : EtlReader.Open(path, options);
        return Touch(reader);
    }

    private static Result Touch(EtlReader reader)
    {
        long n = 0, sum = 0, recordBytes = 0;
        while (reader.TryRead(out var r))
        {
            n++;
            sum += r.Id + r.ProcessId + r.ThreadId + r.UserData.Length + (r.Timestamp & 0xFF) + r.ProviderId.GetHashCode() & 0xFFFF;
            recordBytes += r.Size;
        }
        var p = reader.Prefetcher;
        return new Result(n, sum, recordBytes, p?.Prefetched ?? 0, p?.Helped ?? 0, p?.DecompressedInline ?? 0, p?.TakenBack ?? 0);
    }

    /// <summary>Reads standard input once, front to back, and prints what it read and what the merge held.</summary>
    private static int FromStandardInput(RecordOrder order, long mergeBytes)
    {
        var sw = Stopwatch.StartNew();
        using var reader = EtlReader.Open(Console.OpenStandardInput(), "-", new EtlReaderOptions { Order = order, StreamMergeBytes = mergeBytes });
        var r = Touch(reader);
        double seconds = sw.Elapsed.TotalSeconds;
        double peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
        double fileMb = reader.FileLength / 1048576.0;
        Console.WriteLine($"| - | {order} | pipe | {fileMb:F0} MB | {r.Events:N0} | {seconds:F3} s | {fileMb / seconds:F0} MB/s | " +
                          $"{r.Bytes / 1048576.0 / seconds:F0} MB/s | {r.Events / seconds / 1e6:F2} M/s | {peakMb:F0} MB |");
        Console.WriteLine($"(checksum {r.Checksum}; merge held at most {reader.StreamMerge!.PeakHeld / 1048576.0:F1} MiB of {mergeBytes >> 20} MiB; " +
                          $"records out of order {reader.Diagnostics.RecordsOutOfOrder}; problems {reader.Diagnostics.ProblemCount}; gc {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} pause {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms, allocated {GC.GetTotalAllocatedBytes() >> 20} MiB)");
        return 0;
    }
}
