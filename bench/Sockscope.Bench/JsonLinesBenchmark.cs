using System.Diagnostics;
using Sockscope.Etl;
using Sockscope.Sources;

namespace Sockscope.Bench;

/// <summary>
/// Reads every event of a JSON-lines file (any of the formats read) into records, touching each record's header and
/// payload, and reports events/s, MB/s of JSON and bytes allocated per event: median of several runs in one process
/// after a warm-up. With --documents every line is read through the parsed-document path (the path a declined line
/// takes), for comparison; with --paths both, the two alternate.
/// </summary>
internal static class JsonLinesBenchmark
{
    public static int Run(string[] args)
    {
        string path = args[0];
        int runs = (int)TraceGenerator.Option(args, "--runs", 5);
        int at = Array.IndexOf(args, "--paths");
        string paths = at >= 0 && at + 1 < args.Length ? args[at + 1] : args.Contains("--documents") ? "documents" : "lines";
        string[] modes = paths == "both" ? ["lines", "documents"] : [paths];
        long fileBytes = new FileInfo(path).Length;
        foreach (string mode in modes) Once(path, mode); // warm-up: JIT and page cache
        var seconds = modes.ToDictionary(m => m, _ => new List<double>());
        var last = new Dictionary<string, Result>();
        for (int i = 0; i < runs; i++)
        {
            foreach (string mode in modes)
            {
                var sw = Stopwatch.StartNew();
                last[mode] = Once(path, mode);
                seconds[mode].Add(sw.Elapsed.TotalSeconds);
            }
        }
        Console.WriteLine("| file | path | MB | events | median | MB/s | events/s | allocated/event |");
        foreach (string mode in modes)
        {
            var s = seconds[mode];
            s.Sort();
            double median = s[s.Count / 2];
            var r = last[mode];
            Console.WriteLine($"| {Path.GetFileName(path)} | {mode} | {fileBytes / 1048576.0:F0} | {r.Events:N0} | {median:F3} s | " +
                              $"{fileBytes / 1048576.0 / median:F0} | {r.Events / median / 1e6:F2} M/s | {(double)r.Allocated / Math.Max(1, r.Events):F1} B |");
            Console.WriteLine($"(runs: {string.Join(", ", s.Select(x => x.ToString("F3")))}; checksum {r.Checksum}; bad lines {r.BadLines}; unknown {r.Unknown}; lines read as documents {r.Documents:N0}; last run's CPU {r.Cpu:F3} s)");
        }
        return 0;
    }

    private readonly record struct Result(long Events, long Checksum, long Allocated, long BadLines, long Unknown, long Documents, double Cpu);

    private static Result Once(string path, string mode)
    {
        using var source = (JsonEventSource)EventSources.Open(path);
        source.DocumentsOnly = mode == "documents";
        long events = 0, checksum = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        while (source.TryRead(out EtlRecord record))
        {
            events++;
            checksum += record.Timestamp ^ record.Id ^ record.UserData.Length;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        return new Result(events, checksum, allocated, source.BadLines, source.UnknownEvents, source.DocumentLines, cpuSeconds);
    }
}
