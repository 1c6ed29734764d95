namespace Sockscope.Schema;

/// <summary>A Windows build a schema was read from.</summary>
/// <param name="Label">The label (for example "W11_24H2").</param>
/// <param name="Os">The product name.</param>
/// <param name="OsBuild">The OS build as the source gives it (for example "26100" or "18362/18363").</param>
public sealed record BuildInfo(string Label, string Os, string OsBuild)
{
    /// <summary>The build numbers this label covers.</summary>
    public IEnumerable<int> Numbers()
    {
        foreach (var part in OsBuild.Split('/', ' '))
            if (int.TryParse(part, out int n)) yield return n;
    }
}

/// <summary>A provider's schema: its events by id and version, and the manifest's names.</summary>
public sealed class ProviderSchema
{
    // An event id and version can have more than one variant when its descriptor changed between builds (AFD 33,
    // 34 and 1033 gained a keyword after Windows 7); the layout is the same, oldest variant first.
    private readonly Dictionary<(ushort, byte), List<EventSchema>> _events = new();

    /// <summary>The provider name.</summary>
    public required string Name { get; init; }
    /// <summary>The provider GUID.</summary>
    public required Guid Guid { get; init; }
    /// <summary>The binary that carries the manifest.</summary>
    public string? Binary { get; init; }
    /// <summary>The publisher message.</summary>
    public string? Message { get; init; }
    /// <summary>Builds the schema covers, oldest first.</summary>
    public IReadOnlyList<BuildInfo> Builds { get; init; } = [];
    /// <summary>Value maps by name.</summary>
    public IReadOnlyDictionary<string, ValueMap> Maps { get; init; } = new Dictionary<string, ValueMap>();
    /// <summary>Keyword names by mask.</summary>
    public IReadOnlyList<KeyValuePair<ulong, string>> Keywords { get; init; } = [];
    /// <summary>Channels.</summary>
    public IReadOnlyList<string> Channels { get; init; } = [];

    /// <summary>Every event variant, by id, then version, then oldest builds first.</summary>
    public IEnumerable<EventSchema> Events => _events.Values.SelectMany(v => v).OrderBy(e => e.Id).ThenBy(e => e.Version).ThenBy(BuildOrder);

    /// <summary>The number of distinct event ids.</summary>
    public int EventIdCount => _events.Keys.Select(k => k.Item1).Distinct().Count();

    internal void Add(EventSchema e)
    {
        if (!_events.TryGetValue((e.Id, e.Version), out var list)) _events[(e.Id, e.Version)] = list = new List<EventSchema>();
        list.Add(e);
        list.Sort((a, b) => BuildOrder(a).CompareTo(BuildOrder(b)));
    }

    /// <summary>The event with this id and version as the newest builds have it, or null.</summary>
    public EventSchema? Find(ushort id, byte version) => _events.TryGetValue((id, version), out var list) ? list[^1] : null;

    /// <summary>The event with this id and version as a build (by label) has it; the newest variant when no variant names the build.</summary>
    public EventSchema? Find(ushort id, byte version, string buildLabel)
    {
        if (!_events.TryGetValue((id, version), out var list)) return null;
        return list.FirstOrDefault(e => e.Builds.Contains(buildLabel)) ?? list[^1];
    }

    /// <summary>The variants of one event id and version, oldest first.</summary>
    public IReadOnlyList<EventSchema> Variants(ushort id, byte version) =>
        _events.TryGetValue((id, version), out var list) ? list : [];

    private int BuildOrder(EventSchema e)
    {
        int best = int.MaxValue;
        foreach (var label in e.Builds)
        {
            for (int i = 0; i < Builds.Count; i++)
                if (Builds[i].Label == label) { best = Math.Min(best, i); break; }
        }
        return best;
    }
}
