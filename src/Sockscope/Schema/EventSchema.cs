namespace Sockscope.Schema;

/// <summary>A named numeric value of a manifest (task, opcode, level).</summary>
/// <param name="Value">The number.</param>
/// <param name="Name">The manifest's name, if any.</param>
public readonly record struct NamedValue(int Value, string? Name);

/// <summary>Where one build's knowledge of an event came from.</summary>
/// <param name="Build">The build label (for example "W11_24H2").</param>
/// <param name="Repository">The public repository of the dump.</param>
/// <param name="Path">The file in it.</param>
/// <param name="Commit">The commit.</param>
public sealed record Provenance(string Build, string Repository, string Path, string Commit);

/// <summary>One event of a provider at one version: descriptor values, message, template, and the builds that have it.</summary>
public sealed class EventSchema
{
    /// <summary>The provider.</summary>
    public required ProviderSchema Provider { get; init; }
    /// <summary>Event id.</summary>
    public required ushort Id { get; init; }
    /// <summary>Event version.</summary>
    public required byte Version { get; init; }
    /// <summary>The manifest symbol.</summary>
    public required string Symbol { get; init; }
    /// <summary>Task.</summary>
    public NamedValue Task { get; init; }
    /// <summary>Opcode.</summary>
    public NamedValue Opcode { get; init; }
    /// <summary>Level.</summary>
    public NamedValue Level { get; init; }
    /// <summary>Keyword mask.</summary>
    public ulong Keywords { get; init; }
    /// <summary>Keyword names.</summary>
    public IReadOnlyList<string> KeywordNames { get; init; } = [];
    /// <summary>Channel path, if any.</summary>
    public string? Channel { get; init; }
    /// <summary>Message template with %1 … inserts, if any.</summary>
    public string? Message { get; init; }
    /// <summary>The fields in payload order.</summary>
    public required IReadOnlyList<FieldSchema> Fields { get; init; }
    /// <summary>Labels of the builds that have this event at this version.</summary>
    public IReadOnlyList<string> Builds { get; init; } = [];
    /// <summary>Where each build's knowledge came from.</summary>
    public IReadOnlyList<Provenance> Provenance { get; init; } = [];
    /// <summary>Notes on values that were inferred or applied from another build.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>();

    /// <summary>The decoder's compiled form of the template (made on first use).</summary>
    internal object? CompiledTemplate;
    internal bool TemplateCompiled;

    /// <summary>The task's name, else the symbol: what the message is when the event has none.</summary>
    public string TaskName => Task.Name ?? Symbol;

    /// <summary>Index of a field by name, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Fields.Count; i++)
            if (string.Equals(Fields[i].Name, name, StringComparison.Ordinal)) return i;
        return -1;
    }
}
