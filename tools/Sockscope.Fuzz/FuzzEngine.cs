using System.Buffers;
using System.Diagnostics;
using Sockscope.Analysis;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Sinks;
using Sockscope.Sinks.Report;
using Sockscope.Sources;

namespace Sockscope.Fuzz;

/// <summary>Settings of a fuzzing run.</summary>
public sealed class FuzzSettings
{
    /// <summary>The random seed: the same seed and settings give the same inputs.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Stop after this long.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>Stop after this many inputs.</summary>
    public long MaxInputs { get; init; } = long.MaxValue;
    /// <summary>Where inputs are written (a tmpfs folder is fastest).</summary>
    public required string WorkDirectory { get; init; }
    /// <summary>Real traces to add to the seeds (../shared/etl-samples), when present.</summary>
    public string? RealTraces { get; init; }
    /// <summary>Where failing inputs are saved, or null.</summary>
    public string? FailuresDirectory { get; init; }
    /// <summary>An input still running after this long is a hang.</summary>
    public TimeSpan HangAfter { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Bytes one input may make the tool allocate, beyond <see cref="AllocationPerInputByte"/> for each of its bytes.</summary>
    public long AllocationLimit { get; init; } = 256L << 20;
    /// <summary>Bytes the tool may allocate for each byte of the input.</summary>
    public long AllocationPerInputByte { get; init; } = 400;
}

/// <summary>An input that crashed, hung or allocated without bound.</summary>
public sealed record FuzzFailure(string Kind, string Seed, string Detail, byte[] Input, IReadOnlyList<string> Steps)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind} from {Seed} ({string.Join("; ", Steps)}): {Detail}";
}

/// <summary>What a run did.</summary>
public sealed class FuzzResult
{
    /// <summary>Inputs run.</summary>
    public long Inputs { get; set; }
    /// <summary>Inputs refused as unusable (not an ETL file, no JSON events): an answer, not a failure.</summary>
    public long Refused { get; set; }
    /// <summary>Inputs read with problems reported (damage found and said).</summary>
    public long Damaged { get; set; }
    /// <summary>Events decoded in all.</summary>
    public long Events { get; set; }
    /// <summary>The most bytes one input made the tool allocate.</summary>
    public long MostAllocated { get; set; }
    /// <summary>The longest one input took.</summary>
    public TimeSpan Slowest { get; set; }
    /// <summary>The failures.</summary>
    public List<FuzzFailure> Failures { get; } = new();
    /// <summary>Seeds used.</summary>
    public int Seeds { get; set; }
    /// <summary>How long it ran.</summary>
    public TimeSpan Elapsed { get; set; }
}

/// <summary>
/// A mutation fuzzer over the whole tool: each input (a mutated trace or JSON lines file) is analysed as `sockets`
/// does, dumped as `dump --all` does, and reported as `report` does. A failure is an exception other than the
/// documented "unusable input" one, an input still running after <see cref="FuzzSettings.HangAfter"/>, or one that
/// makes the tool allocate more than its bound.
/// </summary>
public static class FuzzEngine
{
    /// <summary>Runs until the time or the inputs run out, or a hang (a hung input's thread cannot be stopped).</summary>
    public static FuzzResult Run(FuzzSettings settings, Action<string>? log = null)
    {
        Directory.CreateDirectory(settings.WorkDirectory);
        var seeds = FuzzSeeds.Make(settings.WorkDirectory, settings.RealTraces);
        var result = new FuzzResult { Seeds = seeds.Count };
        var rng = new Random(settings.Seed);
        var mutator = new Mutator(rng);
        string input = Path.Combine(settings.WorkDirectory, "input");
        var clock = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        while (clock.Elapsed < settings.Duration && result.Inputs < settings.MaxInputs)
        {
            var seed = seeds[rng.Next(seeds.Count)];
            byte[] bytes = mutator.Mutate(seed, seeds);
            File.WriteAllBytes(input, bytes);
            result.Inputs++;
            var started = clock.Elapsed;
            var run = Task.Factory.StartNew(() => Target(input), TaskCreationOptions.LongRunning);
            if (!run.Wait(settings.HangAfter))
            {
                Fail(result, settings, new FuzzFailure("hang", seed.Name, $"still running after {settings.HangAfter.TotalSeconds:N0} s", bytes, mutator.Steps.ToList()));
                break;
            }
            var took = clock.Elapsed - started;
            if (took > result.Slowest) result.Slowest = took;
            var outcome = run.Result;
            result.Events += outcome.Events;
            if (outcome.Allocated > result.MostAllocated) result.MostAllocated = outcome.Allocated;
            if (outcome.Refused) result.Refused++;
            if (outcome.Damaged) result.Damaged++;
            if (outcome.Crash is { } crash)
                Fail(result, settings, new FuzzFailure("crash", seed.Name, crash.ToString(), bytes, mutator.Steps.ToList()));
            else if (outcome.Allocated > settings.AllocationLimit + settings.AllocationPerInputByte * bytes.Length)
                Fail(result, settings, new FuzzFailure("allocation", seed.Name, $"{outcome.Allocated:N0} bytes allocated for {bytes.Length:N0} bytes of input", bytes, mutator.Steps.ToList()));
            if (log is not null && clock.Elapsed - lastLog > TimeSpan.FromSeconds(10))
            {
                lastLog = clock.Elapsed;
                log($"{clock.Elapsed:hh\\:mm\\:ss} {result.Inputs:N0} inputs, {result.Failures.Count} failures, {result.Refused:N0} refused, {result.Damaged:N0} damaged");
            }
        }
        result.Elapsed = clock.Elapsed;
        return result;
    }

    private static void Fail(FuzzResult result, FuzzSettings settings, FuzzFailure failure)
    {
        if (result.Failures.Count < 1000) result.Failures.Add(failure);
        if (settings.FailuresDirectory is not { } dir) return;
        Directory.CreateDirectory(dir);
        string name = $"{failure.Kind}-{result.Failures.Count:D4}";
        File.WriteAllBytes(Path.Combine(dir, name + ".bin"), failure.Input);
        File.WriteAllText(Path.Combine(dir, name + ".txt"), failure.ToString());
    }

    /// <summary>What one input did.</summary>
    public readonly record struct Outcome(bool Refused, bool Damaged, long Events, long Allocated, Exception? Crash);

    /// <summary>Runs one input through the analysis, the dump and the report, on the calling thread.</summary>
    public static Outcome Target(string path)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool damaged = false;
        long events = 0;
        try
        {
            var output = new ArrayBufferWriter<byte>(1 << 16);
            using (var source = EventSources.Open(path))
            {
                using var sockets = new SocketWriter(output, SocketFormat.Jsonl);
                TraceAnalysis.Run(source, s =>
                {
                    sockets.Write(s);
                    if (output.WrittenCount > 1 << 20) output.ResetWrittenCount();
                }, parallel: false);
                damaged |= source.Diagnostics.ProblemCount > 0;
            }
            using (var source = EventSources.Open(path))
            {
                var names = new ProviderNames();
                var decoder = new EventDecoder(SchemaCatalog.Winsock);
                // As `dump --all` does: events the catalog does not know may describe themselves (TraceLogging).
                var selfDescribed = new Sockscope.Decoding.TraceLogging.TraceLoggingDecoder(names);
                using var json = new EventJsonWriter(output, source.Clock, names);
                while (source.TryRead(out var r))
                {
                    names.Learn(r);
                    if (decoder.TryDecode(r, out var d) || selfDescribed.TryDecode(r, out d)) { json.Write(r, d); events++; }
                    else json.Write(r);
                    if (output.WrittenCount > 1 << 20) { json.Flush(); output.ResetWrittenCount(); }
                }
            }
            using (var source = EventSources.Open(path))
            {
                var data = HtmlReport.Collect(source, path);
                using var page = new MemoryStream();
                HtmlReport.Write(page, data);
            }
            return new Outcome(false, damaged, events, GC.GetAllocatedBytesForCurrentThread() - before, null);
        }
        catch (EtlFormatException)
        {
            return new Outcome(true, damaged, events, GC.GetAllocatedBytesForCurrentThread() - before, null);
        }
        catch (Exception e)
        {
            return new Outcome(false, damaged, events, GC.GetAllocatedBytesForCurrentThread() - before, e);
        }
    }
}
