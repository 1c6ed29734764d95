using Sockscope.Etl;

namespace Sockscope.Bench;

/// <summary>
/// How much a trace's stream merge must hold to deliver it in exact time order: reads the file as a stream (front to
/// back, never by offset) with merge budgets of 64 KiB, 128 KiB, … doubling, and reports the first budget with no
/// record out of order, what the merge held then, and the records out of order at the budget below. The default
/// <see cref="EtlReaderOptions.StreamMergeBytes"/> is chosen from these figures.
/// </summary>
internal static class StreamWindowBenchmark
{
    public static int Run(string[] args)
    {
        foreach (string path in args.Where(a => !a.StartsWith("--")))
        {
            long below = -1;
            for (long budget = 64 << 10; ; budget *= 2)
            {
                var (late, peak, buffers, processors) = Read(path, budget);
                if (late == 0)
                {
                    Console.WriteLine($"| {Path.GetFileName(path)} | {new FileInfo(path).Length / 1048576.0:F1} MB | {buffers:N0} | {processors} | " +
                                      $"{Size(budget)} | {peak / 1048576.0:F2} MiB | {(below < 0 ? "–" : below.ToString("N0"))} |");
                    break;
                }
                below = late;
                if (budget >= 4L << 30)
                {
                    Console.WriteLine($"| {Path.GetFileName(path)} | more than 4 GiB: {late:N0} records out of order |");
                    break;
                }
            }
        }
        return 0;
    }

    private static (long Late, long Peak, long Buffers, uint Processors) Read(string path, long budget)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        using var reader = EtlReader.Open(file, path, new EtlReaderOptions { StreamMergeBytes = budget });
        while (reader.TryRead(out _)) { }
        return (reader.Diagnostics.RecordsOutOfOrder, reader.StreamMerge!.PeakHeld, reader.BuffersFound, reader.Header.NumberOfProcessors);
    }

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";
}
