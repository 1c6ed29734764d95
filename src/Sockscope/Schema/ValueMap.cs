namespace Sockscope.Schema;

/// <summary>A manifest value map (or bit map): numbers a field takes and what each means.</summary>
public sealed class ValueMap
{
    private readonly Dictionary<ulong, string> _entries;

    /// <summary>The map's name in the manifest.</summary>
    public string Name { get; }
    /// <summary>True for a bitMap (flags), false for a valueMap.</summary>
    public bool IsBitMap { get; }
    /// <summary>The entries in manifest order.</summary>
    public IReadOnlyList<KeyValuePair<ulong, string>> Entries { get; }

    /// <summary>Creates a map.</summary>
    public ValueMap(string name, bool isBitMap, IEnumerable<KeyValuePair<ulong, string>> entries)
    {
        Name = name;
        IsBitMap = isBitMap;
        Entries = entries.ToArray();
        _entries = new Dictionary<ulong, string>();
        foreach (var (k, v) in Entries) _entries.TryAdd(k, v);
    }

    /// <summary>The meaning of one value (a valueMap entry), or null.</summary>
    public string? Lookup(ulong value) => _entries.GetValueOrDefault(value);
}
