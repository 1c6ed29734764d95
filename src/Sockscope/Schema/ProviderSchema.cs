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
    private readonly Dictionary<(ushort, byte), EventSchema> _events = new();

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

    /// <summary>Every event, by id then version.</summary>
    public IEnumerable<EventSchema> Events => _events.Values.OrderBy(e => e.Id).ThenBy(e => e.Version);

    internal void Add(EventSchema e) => _events[(e.Id, e.Version)] = e;

    /// <summary>The event with this id and version, or null.</summary>
    public EventSchema? Find(ushort id, byte version) => _events.GetValueOrDefault((id, version));
}
