using System.Runtime.ExceptionServices;

namespace Sockscope.Fuzz.Afl;

/// <summary>A one-buffer input that broke <see cref="OneBufferCheck"/>: thrown so that afl-fuzz keeps it as a crash.</summary>
internal sealed class OneBufferViolationException(string signature, string message) : Exception(message)
{
    /// <summary>What groups it with alike violations (<see cref="OneBufferCheck.Signature"/>).</summary>
    public string Signature { get; } = signature;
}

/// <summary>An input that made the tool allocate past the fuzzer's bound: thrown so that afl-fuzz keeps it as a crash.</summary>
internal sealed class AllocationBoundException(string message) : Exception(message);

/// <summary>
/// What afl-fuzz runs for each input: the same checks as the mutation fuzzer's (<see cref="FuzzEngine.Target"/>, the
/// allocation bound, and the one-buffer check for an input that differs from a seed only in one buffer header), a
/// failure thrown so afl-fuzz keeps the input.
/// </summary>
internal sealed class AflTarget(IReadOnlyList<FuzzSeed> seeds, string work)
{
    /// <summary>One thread reads: a second one's edges, interleaved, would look like new coverage on every run.</summary>
    public static readonly Etl.EtlReaderOptions ReaderOptions = new() { ParallelDecompression = false };

    private readonly FuzzEngine.TargetBuffers _buffers = new();
    private readonly string _path = Path.Combine(work, "input");
    private readonly FuzzSettings _limits = new() { WorkDirectory = work };
    private readonly MemoryStream _input = new();

    /// <summary>Runs one input; throws what the mutation fuzzer would call a failure.</summary>
    public void Run(Stream stream)
    {
        _input.SetLength(0);
        stream.CopyTo(_input);
        var bytes = _input.GetBuffer().AsSpan(0, (int)_input.Length);
        File.WriteAllBytes(_path, bytes);
        var outcome = FuzzEngine.Target(_path, _buffers, allThreads: true, ReaderOptions);
        if (outcome.Crash is { } crash) ExceptionDispatchInfo.Throw(crash);
        if (outcome.Allocated > _limits.AllocationLimit + _limits.AllocationPerInputByte * bytes.Length)
            throw new AllocationBoundException($"{outcome.Allocated:N0} bytes allocated for {bytes.Length:N0} bytes of input");
        CheckOneBuffer(bytes);
    }

    /// <summary>For an input that is a seed with one buffer header changed: the one-buffer check, a violation thrown.</summary>
    private void CheckOneBuffer(ReadOnlySpan<byte> input)
    {
        foreach (var seed in seeds)
        {
            if (OneBufferCheck.DamagedBuffer(seed, input) is not { } buffer) continue;
            string? why = OneBufferCheck.Violation(_path, seed, new BufferDamage(buffer.Index, ""), work, ReaderOptions);
            if (why is not null)
                throw new OneBufferViolationException(OneBufferCheck.Signature(seed.Bytes, input, buffer, why), $"{seed.Name}, buffer {buffer.Index}: {why}");
            return;
        }
    }
}
