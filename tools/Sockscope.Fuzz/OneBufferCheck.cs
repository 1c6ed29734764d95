using System.Text;
using Sockscope.Etl;

namespace Sockscope.Fuzz;

/// <summary>
/// The one-buffer check: with exactly one buffer of a trace damaged, every event of the other buffers still comes
/// out, and no provider gains events. Per provider GUID, the damaged file must give at least what the same file with
/// that buffer removed gives (for the first buffer, which holds the logfile header: the seed's events less that
/// buffer's, since without it there is no file to read), and at most what the undamaged seed gives.
/// </summary>
public static class OneBufferCheck
{
    /// <summary>
    /// Why the damaged input at <paramref name="path"/>, made from <paramref name="seed"/> by
    /// <paramref name="damage"/>, breaks the check, or null when it keeps it. <paramref name="work"/> is where the
    /// reference file (the seed without the buffer) is written; <paramref name="options"/> how both are read (null: as
    /// the tool reads them).
    /// </summary>
    public static string? Violation(string path, FuzzSeed seed, BufferDamage damage, string work, EtlReaderOptions? options = null)
    {
        var map = seed.Buffers ?? throw new ArgumentException($"{seed.Name} has no buffer map", nameof(seed));
        var reference = map.Without(damage.Buffer, seed.Bytes, work, options);
        var damaged = ProviderCounts.Read(path, out bool refused, options);
        return Compare(damaged, refused, reference, map.Total);
    }

    /// <summary>
    /// Why <paramref name="damaged"/> (the events read from the damaged file; <paramref name="refused"/> when it was
    /// refused as no ETL file) breaks the check against <paramref name="reference"/> (the file without the damaged
    /// buffer) and <paramref name="original"/> (the undamaged file), or null.
    /// </summary>
    public static string? Compare(ProviderCounts damaged, bool refused, ProviderCounts reference, ProviderCounts original)
    {
        var lost = new List<string>();
        var extra = new List<string>();
        foreach (var id in reference.Providers.Union(damaged.Providers).Order())
        {
            if (damaged[id] < reference[id])
                lost.Add($"{Name(id)}: {damaged[id]:N0} events, {reference[id]:N0} without the damaged buffer");
            else if (damaged[id] > original[id])
                extra.Add($"{Name(id)}: {damaged[id]:N0} events, {original[id]:N0} in the undamaged file");
        }
        if (lost.Count == 0 && extra.Count == 0) return null;
        var why = new StringBuilder();
        if (refused) why.Append("refused as no ETL file; ");
        if (lost.Count > 0) why.Append($"events of other buffers lost for {lost.Count} providers ({string.Join("; ", lost.Take(3))})");
        if (lost.Count > 0 && extra.Count > 0) why.Append("; ");
        if (extra.Count > 0) why.Append($"more events than the file has for {extra.Count} providers ({string.Join("; ", extra.Take(3))})");
        return why.ToString();
    }

    /// <summary>
    /// Groups violations that are alike, as one reader bug would make them: the damaged buffer's kind (first,
    /// compressed, plain), whether its BufferSize was among the fields changed (the size decides where the next buffer
    /// is looked for; the other fields only how this one is read), and what went wrong (refused, events lost, more
    /// events), e.g. "compressed buffer, BufferSize changed: lost".
    /// </summary>
    public static string Signature(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> input, SeedBuffer buffer, string violation)
    {
        bool size = !input.Slice(buffer.Offset, 4).SequenceEqual(seed.Slice(buffer.Offset, 4));
        string kind = buffer.Index == 0 ? "first" : buffer.Compressed ? "compressed" : "plain";
        string outcome = violation.StartsWith("refused", StringComparison.Ordinal) ? "refused"
            : violation.Contains("lost", StringComparison.Ordinal) ? "lost" : "more";
        return $"{kind} buffer, BufferSize {(size ? "changed" : "kept")}: {outcome}";
    }

    /// <summary>
    /// The buffer of <paramref name="seed"/> whose header holds every byte in which <paramref name="input"/> (of the
    /// same length) differs from the seed, or null: how an input a coverage-guided fuzzer made, blind to what a buffer
    /// is, is found to be a one-buffer input.
    /// </summary>
    public static SeedBuffer? DamagedBuffer(FuzzSeed seed, ReadOnlySpan<byte> input)
    {
        if (seed.Buffers is not { } map || input.Length != seed.Bytes.Length) return null;
        var bytes = seed.Bytes.AsSpan();
        int first = bytes.CommonPrefixLength(input);
        if (first == bytes.Length) return null;
        int last = bytes.Length - 1;
        while (bytes[last] == input[last]) last--;
        foreach (var buffer in map.Buffers)
            if (first >= buffer.Offset && last < buffer.Offset + WmiBufferHeader.Size) return buffer;
        return null;
    }

    private static string Name(Guid id) => id == Guid.Empty ? "kernel records (no provider GUID)" : id.ToString("B");
}
