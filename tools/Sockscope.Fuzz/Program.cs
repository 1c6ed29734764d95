using System.Runtime.InteropServices;
using Sockscope.Fuzz;

// A mutation fuzzer over the whole tool, with the one-buffer check for a share of the inputs (--one-buffer, 0 to 1).
// Usage: dotnet run -c Release --project tools/Sockscope.Fuzz -- [--seconds N] [--inputs N] [--seed N] [--one-buffer F] [--real DIR] [--failures DIR]
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
    OneBufferShare = double.Parse(Arg("--one-buffer", "0.25"), System.Globalization.CultureInfo.InvariantCulture),
    Stop = stop.Token,
};
try
{
    var result = FuzzEngine.Run(settings, Console.Error.WriteLine);
    Console.WriteLine($"seed {settings.Seed}{(stop.IsCancellationRequested ? " (stopped early)" : "")}: {result.Inputs:N0} inputs from {result.Seeds} seeds in {result.Elapsed.TotalSeconds:N0} s " +
        $"({result.Inputs / Math.Max(result.Elapsed.TotalSeconds, 1e-9):N0}/s): {result.Failures.Count} failures kept " +
        $"({result.Failures.Count(f => f.Kind == "crash")} crashes, {result.Failures.Count(f => f.Kind == "hang")} hangs, " +
        $"{result.Failures.Count(f => f.Kind == "allocation")} unbounded allocations, {result.OneBufferViolations:N0} one-buffer violations); {result.Refused:N0} refused as unusable, " +
        $"{result.Damaged:N0} read with damage reported, {result.Events:N0} events decoded; slowest input {result.Slowest.TotalMilliseconds:N0} ms, " +
        $"most allocated by one input {result.MostAllocated / 1048576.0:N1} MiB; real traces: {(settings.RealTraces is null ? "none" : settings.RealTraces)}");
    Console.WriteLine($"one-buffer check: {result.OneBufferInputs:N0} inputs, {result.OneBufferViolations:N0} violated" +
        (result.FirstOneBufferViolation is { } first ? $" (first after {first.TotalSeconds:N1} s), {result.OneBufferSignatures.Count} kinds of violation" : ""));
    foreach (var (kind, (inputs, violations)) in result.OneBufferKinds.Where(k => k.Value.Violations > 0))
        Console.WriteLine($"  {kind}: {violations:N0} of {inputs:N0} violated");
    foreach (var (signature, count) in result.OneBufferSignatures) Console.WriteLine($"  [{signature}]: {count:N0}");
    foreach (var f in result.Failures.Where(f => f.Kind != "one-buffer").Take(20)) Console.WriteLine(f);
    foreach (var f in result.Failures.Where(f => f.Kind == "one-buffer").Take(10)) Console.WriteLine(f);
    return result.Failures.Count == 0 ? 0 : 1;
}
finally
{
    try { Directory.Delete(work, recursive: true); } catch (IOException) { }
}
