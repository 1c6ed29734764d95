using Sockscope.Etl;

namespace Sockscope.Fuzz;

/// <summary>
/// Events per provider GUID, as <see cref="EtlReader"/> delivers them (kernel records, which carry no provider GUID,
/// count under <see cref="Guid.Empty"/>).
/// </summary>
public sealed class ProviderCounts
{
    private readonly Dictionary<Guid, long> _counts = new();

    /// <summary>The events of <paramref name="provider"/>.</summary>
    public long this[Guid provider] => _counts.GetValueOrDefault(provider);

    /// <summary>The providers with any events counted.</summary>
    public IEnumerable<Guid> Providers => _counts.Where(p => p.Value != 0).Select(p => p.Key);

    /// <summary>All the events.</summary>
    public long Sum => _counts.Values.Sum();

    /// <summary>Counts <paramref name="events"/> more (or fewer) of <paramref name="provider"/>.</summary>
    public void Add(Guid provider, long events) => _counts[provider] = _counts.GetValueOrDefault(provider) + events;

    /// <summary>A copy.</summary>
    public ProviderCounts Clone()
    {
        var copy = new ProviderCounts();
        foreach (var (id, n) in _counts) copy._counts[id] = n;
        return copy;
    }

    /// <summary>
    /// Reads the trace at <paramref name="path"/> with <paramref name="options"/> (null: as the tool does, in time
    /// order, decompressing ahead) and counts its events; a file refused as no ETL file counts none and sets
    /// <paramref name="refused"/>.
    /// </summary>
    public static ProviderCounts Read(string path, out bool refused, EtlReaderOptions? options = null)
    {
        var counts = new ProviderCounts();
        refused = false;
        try
        {
            using var reader = EtlReader.Open(path, options);
            while (reader.TryRead(out var r)) counts.Add(r.ProviderId, 1);
        }
        catch (EtlFormatException)
        {
            refused = true;
        }
        return counts;
    }
}
