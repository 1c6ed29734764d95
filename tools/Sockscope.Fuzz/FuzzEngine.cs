using System.Buffers;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
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
    /// <summary>The seeds, when made beforehand; else <see cref="FuzzSeeds.Make"/> makes them in <see cref="WorkDirectory"/>.</summary>
    public IReadOnlyList<FuzzSeed>? Seeds { get; init; }
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
    /// <summary>
    /// Whether an input's allocation is counted over the whole process (true: the fuzzer alone in its process, so what
    /// the reader's decompression thread allocates counts too) or on the input's own thread only (false: when the
    /// process runs other work meanwhile, as the test host does, whose allocation is no input's doing).
    /// </summary>
    public bool CountAllThreads { get; init; } = true;
    /// <summary>
    /// The share of inputs (0 to 1) made by <see cref="OneBufferDamage"/> from the traces that read without problems and
    /// held to <see cref="OneBufferCheck"/> besides the other checks; the rest are blind mutations.
    /// </summary>
    public double OneBufferShare { get; init; }
    /// <summary>
    /// How the traces are read (null: as the tool reads them). The coverage-guided harness turns the decompression
    /// ahead off: its thread's edges, interleaved with the reading thread's, read as new coverage on every run.
    /// </summary>
    public EtlReaderOptions? ReaderOptions { get; init; }
    /// <summary>Stops the run early, once the input running then is done (what ran is still summed up).</summary>
    public CancellationToken Stop { get; init; }
}

/// <summary>An input that crashed, hung, allocated without bound or broke the one-buffer check ("one-buffer").</summary>
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
    /// <summary>Inputs made by <see cref="OneBufferDamage"/> and held to <see cref="OneBufferCheck"/>.</summary>
    public long OneBufferInputs { get; set; }
    /// <summary>Of those, the ones that broke the check.</summary>
    public long OneBufferViolations { get; set; }
    /// <summary>The one-buffer inputs and violations by the kind of damage (<see cref="BufferDamage.Kind"/>).</summary>
    public SortedDictionary<string, (long Inputs, long Violations)> OneBufferKinds { get; } = new(StringComparer.Ordinal);
    /// <summary>The violations grouped by <see cref="OneBufferCheck.Signature"/>, with how many each.</summary>
    public SortedDictionary<string, long> OneBufferSignatures { get; } = new(StringComparer.Ordinal);
    /// <summary>How long the run had gone when the first one-buffer violation came, if one did.</summary>
    public TimeSpan? FirstOneBufferViolation { get; set; }
    /// <summary>Seeds used.</summary>
    public int Seeds { get; set; }
    /// <summary>How long it ran.</summary>
    public TimeSpan Elapsed { get; set; }
}

/// <summary>
/// A mutation fuzzer over the whole tool: each input (a mutated trace or JSON lines file) is analysed as `sockets`
/// does, dumped as `dump --all` does, and reported as `report` does. A failure is an exception other than the
/// documented "unusable input" one, an input still running after <see cref="FuzzSettings.HangAfter"/>, one that
/// makes the tool allocate more than its bound, or (for <see cref="FuzzSettings.OneBufferShare"/> of the inputs, one
/// buffer header of a trace damaged) one that breaks <see cref="OneBufferCheck"/>.
/// </summary>
/// <remarks>
/// One long-lived thread makes and runs the inputs, one after another; the calling thread watches it and declares a
/// hang when one input has run for <see cref="FuzzSettings.HangAfter"/> of the time the process itself ran
/// (<see cref="HangWatch"/>). (A new thread per input cost more than the smaller inputs take to run.)
/// </remarks>
public static class FuzzEngine
{
    /// <summary>
    /// Runs until the time or the inputs run out, <see cref="FuzzSettings.Stop"/> is signalled (the input running
    /// then is finished first), or a hang (a hung input's thread cannot be stopped; it is left behind as a background thread).
    /// </summary>
    public static FuzzResult Run(FuzzSettings settings, Action<string>? log = null)
    {
        Directory.CreateDirectory(settings.WorkDirectory);
        var seeds = settings.Seeds?.ToList() ?? FuzzSeeds.Make(settings.WorkDirectory, settings.RealTraces);
        var result = new FuzzResult { Seeds = seeds.Count };
        var clock = Stopwatch.StartNew();
        var worker = new Worker(settings, seeds, result, clock, log);
        // The default stack size, as a LongRunning task's thread had.
        var thread = new Thread(worker.Loop) { IsBackground = true, Name = "fuzz input" };
        thread.Start();
        var watch = new HangWatch(settings.HangAfter, Stopwatch.Frequency);
        while (true)
        {
            if (worker.Finished.Wait(watch.Slice)) break;
            // The input running now and when it started (read in this order, the start is never older than the input's).
            long input = Volatile.Read(ref worker.Running);
            long started = Volatile.Read(ref worker.StartedAt);
            // Running for HangAfter: claim it, so the worker does nothing more if it ever returns.
            if (watch.Hung(input, started, Stopwatch.GetTimestamp()) && Interlocked.CompareExchange(ref worker.Running, -1, input) == input)
            {
                Fail(result, settings, new FuzzFailure("hang", worker.Seed.Name, $"still running after {settings.HangAfter.TotalSeconds:N0} s",
                    worker.Input.ToArray(), worker.Steps.ToList()));
                break;
            }
        }
        worker.Error?.Throw();
        result.Elapsed = clock.Elapsed;
        return result;
    }

    /// <summary>The thread that makes and runs the inputs; what it runs now, for the watching thread.</summary>
    private sealed class Worker(FuzzSettings settings, List<FuzzSeed> seeds, FuzzResult result, Stopwatch clock, Action<string>? log)
    {
        /// <summary>The number (from 1) of the input in the target now; 0 between inputs; -1 once declared hung.</summary>
        public long Running;
        /// <summary>When the input in <see cref="Running"/> started (a <see cref="Stopwatch"/> timestamp).</summary>
        public long StartedAt;
        /// <summary>Set when the loop ends (not when an input hangs).</summary>
        public readonly ManualResetEventSlim Finished = new();
        /// <summary>An exception outside the target (writing the input or a failure), to be thrown on the calling thread.</summary>
        public ExceptionDispatchInfo? Error;
        /// <summary>The seed of the input running now.</summary>
        public FuzzSeed Seed { get; private set; } = null!;
        /// <summary>The input running now (the mutator's buffer: read only while the worker is held in the target).</summary>
        public ReadOnlyMemory<byte> Input { get; private set; }
        /// <summary>The mutations that made <see cref="Input"/>.</summary>
        public List<string> Steps { get; private set; } = new();

        private readonly Random _rng = new(settings.Seed);
        private Mutator _mutator = null!;
        private OneBufferDamage _damage = null!;

        public void Loop()
        {
            try
            {
                _mutator = new Mutator(_rng);
                _damage = new OneBufferDamage(_rng);
                var mapped = seeds.Where(s => s.Buffers is not null).ToList();
                var buffers = new TargetBuffers();
                string path = Path.Combine(settings.WorkDirectory, "input");
                var lastLog = TimeSpan.Zero;
                long number = 0;
                while (clock.Elapsed < settings.Duration && result.Inputs < settings.MaxInputs && !settings.Stop.IsCancellationRequested)
                {
                    // No draw when the share is 0, so such a run makes the inputs it made before the check existed.
                    bool oneBuffer = settings.OneBufferShare > 0 && mapped.Count > 0 && _rng.NextDouble() < settings.OneBufferShare;
                    FuzzSeed seed;
                    ReadOnlyMemory<byte> bytes;
                    BufferDamage damage = default;
                    if (oneBuffer)
                    {
                        seed = Seed = mapped[_rng.Next(mapped.Count)];
                        bytes = Input = _damage.Damage(seed, out damage);
                        Steps = _damage.Steps;
                    }
                    else
                    {
                        seed = Seed = seeds[_rng.Next(seeds.Count)];
                        bytes = Input = _mutator.Mutate(seed, seeds);
                        Steps = _mutator.Steps;
                    }
                    WriteInput(path, bytes.Span);
                    result.Inputs++;
                    number++;
                    long started = Stopwatch.GetTimestamp();
                    Volatile.Write(ref StartedAt, started);
                    Volatile.Write(ref Running, number);
                    var outcome = Target(path, buffers, settings.CountAllThreads, settings.ReaderOptions);
                    // Within the hang watch: a reader that loops on the damaged file loops here too.
                    string? violation = oneBuffer && outcome.Crash is null ? OneBufferCheck.Violation(path, seed, damage, settings.WorkDirectory, settings.ReaderOptions) : null;
                    // Declared hung while it ran: the watching thread has reported it and returned.
                    if (Interlocked.CompareExchange(ref Running, 0, number) != number) return;
                    var took = Stopwatch.GetElapsedTime(started);
                    if (took > result.Slowest) result.Slowest = took;
                    result.Events += outcome.Events;
                    if (outcome.Allocated > result.MostAllocated) result.MostAllocated = outcome.Allocated;
                    if (outcome.Refused) result.Refused++;
                    if (outcome.Damaged) result.Damaged++;
                    if (outcome.Crash is { } crash)
                        Fail(result, settings, new FuzzFailure("crash", seed.Name, crash.ToString(), bytes.ToArray(), Steps.ToList()));
                    else if (outcome.Allocated > settings.AllocationLimit + settings.AllocationPerInputByte * bytes.Length)
                        Fail(result, settings, new FuzzFailure("allocation", seed.Name, $"{outcome.Allocated:N0} bytes allocated for {bytes.Length:N0} bytes of input", bytes.ToArray(), Steps.ToList()));
                    if (oneBuffer) Tally(seed, bytes.Span, damage, violation);
                    if (log is not null && clock.Elapsed - lastLog > TimeSpan.FromSeconds(10))
                    {
                        lastLog = clock.Elapsed;
                        log($"{clock.Elapsed:hh\\:mm\\:ss} {result.Inputs:N0} inputs, {result.Failures.Count} failures, {result.Refused:N0} refused, {result.Damaged:N0} damaged" +
                            (result.OneBufferInputs > 0 ? $", one-buffer {result.OneBufferViolations:N0} of {result.OneBufferInputs:N0} violated" : ""));
                    }
                }
            }
            catch (Exception e)
            {
                Error = ExceptionDispatchInfo.Capture(e);
            }
            Finished.Set();
        }

        /// <summary>Counts a one-buffer input, and keeps it as a failure when it broke the check.</summary>
        private void Tally(FuzzSeed seed, ReadOnlySpan<byte> input, BufferDamage damage, string? violation)
        {
            result.OneBufferInputs++;
            var (inputs, violations) = result.OneBufferKinds.GetValueOrDefault(damage.Kind);
            result.OneBufferKinds[damage.Kind] = (inputs + 1, violations + (violation is null ? 0 : 1));
            if (violation is null) return;
            result.OneBufferViolations++;
            result.FirstOneBufferViolation ??= clock.Elapsed;
            string signature = OneBufferCheck.Signature(seed.Bytes, input, seed.Buffers!.Buffers[damage.Buffer], violation);
            long seen = result.OneBufferSignatures[signature] = result.OneBufferSignatures.GetValueOrDefault(signature) + 1;
            // A few of each kind are enough to debug it (the steps say which fields and values); a long run against
            // a reader that fails the check would otherwise save hundreds of thousands.
            if (seen <= 5)
                Fail(result, settings, new FuzzFailure("one-buffer", seed.Name, $"{damage.Kind}: {violation} [{signature}]", input.ToArray(), Steps.ToList()));
        }
    }

    /// <summary>
    /// Writes the input over the last one (its pages of a tmpfs file are kept, rather than freed by a truncation and
    /// taken again), then cuts the file to the input's length.
    /// </summary>
    private static void WriteInput(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write);
        RandomAccess.Write(file, bytes, 0);
        RandomAccess.SetLength(file, bytes.Length);
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

    /// <summary>
    /// Where the targets' output goes, kept from one input to the next: the fuzzer's own buffers, so their growth is
    /// not counted as the tool's allocation.
    /// </summary>
    public sealed class TargetBuffers
    {
        /// <summary>The JSON lines of the analysis and the dump (emptied when it passes 1 MiB).</summary>
        public ArrayBufferWriter<byte> Output { get; } = new(1 << 16);
        /// <summary>The report's page.</summary>
        public MemoryStream Page { get; } = new();
    }

    /// <summary>Runs one input through the analysis, the dump and the report, and reads it once more as a stream (as from a pipe), on the calling thread, writing to <paramref name="buffers"/>.</summary>
    /// <param name="path">The input.</param>
    /// <param name="buffers">Where the output goes.</param>
    /// <param name="allThreads">Count the allocation of the whole process (see <see cref="FuzzSettings.CountAllThreads"/>), else of this thread.</param>
    /// <param name="options">How traces are read; null for the tool's defaults.</param>
    public static Outcome Target(string path, TargetBuffers buffers, bool allThreads, EtlReaderOptions? options = null)
    {
        var output = buffers.Output;
        output.ResetWrittenCount();
        buffers.Page.SetLength(0);
        // Over the whole process the watching thread adds nothing: it allocates nothing while an input runs.
        long Allocated() => allThreads ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
        long before = Allocated();
        bool damaged = false;
        long events = 0, records = 0;
        try
        {
            using (var source = EventSources.Open(path, options: options))
            {
                using var sockets = new SocketWriter(output, SocketFormat.Jsonl);
                TraceAnalysis.Run(source, s =>
                {
                    sockets.Write(s);
                    if (output.WrittenCount > 1 << 20) output.ResetWrittenCount();
                }, parallel: false);
                damaged |= source.Diagnostics.ProblemCount > 0;
            }
            using (var source = EventSources.Open(path, options: options))
            {
                var names = new ProviderNames();
                var decoder = new EventDecoder(SchemaCatalog.Winsock);
                // As `dump --all` does: events the catalog does not know may describe themselves (TraceLogging).
                var selfDescribed = new Sockscope.Decoding.TraceLogging.TraceLoggingDecoder(names);
                using var json = new EventJsonWriter(output, source.Clock, names);
                while (source.TryRead(out var r))
                {
                    records++;
                    names.Learn(r);
                    if (decoder.TryDecode(r, out var d) || selfDescribed.TryDecode(r, out d)) { json.Write(r, d); events++; }
                    else json.Write(r);
                    if (output.WrittenCount > 1 << 20) { json.Flush(); output.ResetWrittenCount(); }
                }
            }
            using (var source = EventSources.Open(path, options: options))
            {
                var data = HtmlReport.Collect(source, path);
                HtmlReport.Write(buffers.Page, data);
            }
            // As `cat FILE | sockscope … -` reads it: front to back, merged in a bounded window. The buffers found are the
            // file's, so every record the file gives must come out of the stream too (in another order at most).
            long streamed = 0;
            using (var source = EventSources.Open(new BufferedStream(File.OpenRead(path), 1 << 16), path, options: options))
            {
                while (source.TryRead(out _)) streamed++;
            }
            if (streamed != records)
                return new Outcome(false, damaged, events, Allocated() - before,
                    new InvalidDataException($"read as a stream it gave {streamed} records, read as a file {records}"));
            return new Outcome(false, damaged, events, Allocated() - before, null);
        }
        catch (EtlFormatException)
        {
            return new Outcome(true, damaged, events, Allocated() - before, null);
        }
        catch (Exception e)
        {
            return new Outcome(false, damaged, events, Allocated() - before, e);
        }
    }
}
