using Sockscope.Etl;

namespace Sockscope.Fuzz;

/// <summary>One buffer of a seed trace: where it lies and the events it holds, per provider.</summary>
public sealed record SeedBuffer(int Index, int Offset, int Size, bool Compressed, IReadOnlyDictionary<Guid, long> Events);

/// <summary>
/// The buffers of an ETL seed that reads without a single problem, found by following each header's BufferSize from
/// the start of the file, with the events each holds: what the one-buffer check needs to tell what damaging one
/// buffer may cost. Null for a seed that reads with problems (some of the real traces): its expectations would be
/// the reader's guesses, not facts.
/// </summary>
public sealed class SeedBuffers
{
    private readonly Dictionary<int, ProviderCounts> _without = new();

    private SeedBuffers(IReadOnlyList<SeedBuffer> buffers, ProviderCounts total)
    {
        Buffers = buffers;
        Total = total;
    }

    /// <summary>The buffers, in file order; the first holds the logfile header.</summary>
    public IReadOnlyList<SeedBuffer> Buffers { get; }

    /// <summary>The events of the whole seed, per provider.</summary>
    public ProviderCounts Total { get; }

    /// <summary>
    /// The buffers of the trace in <paramref name="bytes"/> (also at <paramref name="path"/>), or null when its chain of
    /// buffer sizes does not cover the file exactly or the reader reports any problem in it.
    /// </summary>
    public static SeedBuffers? Find(string path, byte[] bytes)
    {
        var spans = new List<(int Offset, int Size, bool Compressed)>();
        long at = 0;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < WmiBufferHeader.Size) return null;
            var header = WmiBufferHeader.Read(bytes.AsSpan((int)at));
            if (header.BufferSize < WmiBufferHeader.Size || header.BufferSize > bytes.Length - at) return null;
            spans.Add(((int)at, (int)header.BufferSize, header.IsCompressed));
            at += header.BufferSize;
        }
        var perBuffer = new Dictionary<long, Dictionary<Guid, long>>();
        var total = new ProviderCounts();
        try
        {
            using var reader = EtlReader.Open(path);
            while (reader.TryRead(out var r))
            {
                var id = r.ProviderId;
                if (!perBuffer.TryGetValue(r.BufferOffset, out var counts)) perBuffer[r.BufferOffset] = counts = new();
                counts[id] = counts.GetValueOrDefault(id) + 1;
                total.Add(id, 1);
            }
            if (reader.Diagnostics.ProblemCount > 0) return null;
        }
        catch (EtlFormatException)
        {
            return null;
        }
        var buffers = spans.Select((s, i) => new SeedBuffer(i, s.Offset, s.Size, s.Compressed,
            perBuffer.GetValueOrDefault(s.Offset) ?? new Dictionary<Guid, long>())).ToList();
        // Every event lies in a buffer of the chain (else the chain and the reader disagree about the file).
        if (buffers.Sum(b => b.Events.Values.Sum()) != total.Sum) return null;
        return new SeedBuffers(buffers, total);
    }

    /// <summary>
    /// What the reader delivers, per provider, from the seed with buffer <paramref name="index"/> removed: read from
    /// that file (written in <paramref name="work"/>) for any buffer but the first; for the first, which holds the
    /// logfile header and without which the file is no ETL file, the seed's events less those of that buffer.
    /// Kept once found (the options, how the file is read, make no difference to what a correct reader delivers).
    /// </summary>
    public ProviderCounts Without(int index, byte[] seed, string work, EtlReaderOptions? options = null)
    {
        if (_without.TryGetValue(index, out var known)) return known;
        ProviderCounts counts;
        var buffer = Buffers[index];
        if (index == 0)
        {
            counts = Total.Clone();
            foreach (var (id, n) in buffer.Events) counts.Add(id, -n);
        }
        else
        {
            string path = Path.Combine(work, "reference");
            using (var file = File.Create(path))
            {
                file.Write(seed, 0, buffer.Offset);
                file.Write(seed, buffer.Offset + buffer.Size, seed.Length - buffer.Offset - buffer.Size);
            }
            counts = ProviderCounts.Read(path, out _, options);
        }
        _without[index] = counts;
        return counts;
    }
}
