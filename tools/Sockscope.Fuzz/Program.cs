using System.Runtime.InteropServices;
using Sockscope.Fuzz;

// A mutation fuzzer over the whole tool (no fuzzing package for .NET is on this machine's mirror).
// Usage: dotnet run -c Release --project tools/Sockscope.Fuzz -- [--seconds N] [--inputs N] [--seed N] [--real DIR] [--failures DIR]
string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
string work = Directory.Exists("/dev/shm") ? Path.Combine("/dev/shm", $"sockscope-fuzz-{Environment.ProcessId}") : Path.Combine(Path.GetTempPath(), $"sockscope-fuzz-{Environment.ProcessId}");
string real = Arg("--real", Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/etl-samples"));
// Ctrl+C or SIGTERM stops the run after the input running then, and the summary is still printed; a second Ctrl+C ends it at once.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (stop.IsCancellationRequested) return;
    e.Cancel = true;
    Console.Error.WriteLine("stopping after the input running now (Ctrl+C again to end at once)");
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
var settings = new FuzzSettings
{
    Seed = int.Parse(Arg("--seed", "1")),
    Duration = TimeSpan.FromSeconds(double.Parse(Arg("--seconds", "60"))),
    MaxInputs = long.Parse(Arg("--inputs", long.MaxValue.ToString())),
    WorkDirectory = work,
    RealTraces = Directory.Exists(real) ? Path.GetFullPath(real) : null,
    FailuresDirectory = Arg("--failures", "fuzz-failures"),
    Stop = stop.Token,
};
try
{
    var result = FuzzEngine.Run(settings, Console.Error.WriteLine);
    Console.WriteLine($"seed {settings.Seed}{(stop.IsCancellationRequested ? " (stopped early)" : "")}: {result.Inputs:N0} inputs from {result.Seeds} seeds in {result.Elapsed.TotalSeconds:N0} s " +
        $"({result.Inputs / Math.Max(result.Elapsed.TotalSeconds, 1e-9):N0}/s): {result.Failures.Count} failures " +
        $"({result.Failures.Count(f => f.Kind == "crash")} crashes, {result.Failures.Count(f => f.Kind == "hang")} hangs, " +
        $"{result.Failures.Count(f => f.Kind == "allocation")} unbounded allocations); {result.Refused:N0} refused as unusable, " +
        $"{result.Damaged:N0} read with damage reported, {result.Events:N0} events decoded; slowest input {result.Slowest.TotalMilliseconds:N0} ms, " +
        $"most allocated by one input {result.MostAllocated / 1048576.0:N1} MiB; real traces: {(settings.RealTraces is null ? "none" : settings.RealTraces)}");
    foreach (var f in result.Failures.Take(20)) Console.WriteLine(f);
    return result.Failures.Count == 0 ? 0 : 1;
}
finally
{
    try { Directory.Delete(work, recursive: true); } catch (IOException) { }
}
