using Sockscope.Etl;
using Sockscope.Events;

namespace Sockscope.Sinks;

/// <summary>
/// What a sink writes for each provider (its name and GUID, encoded for that sink), made once per provider and made
/// again only when the trace teaches the provider a new name (TraceLogging traits and rundown events can name a
/// provider after its first records).
/// </summary>
internal sealed class ProviderFormCache<T>
{
    private sealed class Entry(Guid guid)
    {
        public readonly Guid Guid = guid;
        public string? Name;
        public bool Made;
        public int NamesVersion = -1;
        public T Form = default!;
    }

    private readonly ProviderNames _names;
    private readonly Func<Guid, string?, T> _make;
    private readonly Dictionary<Guid, Entry> _entries = new();
    private Entry? _last;

    /// <param name="names">Where names come from.</param>
    /// <param name="make">Encodes a provider's GUID and name (null when unknown) for the sink.</param>
    public ProviderFormCache(ProviderNames names, Func<Guid, string?, T> make)
    {
        _names = names ?? throw new ArgumentNullException(nameof(names));
        _make = make;
    }

    /// <summary>The form for the record's provider (the kernel event class for kernel records).</summary>
    public T Get(in EtlRecord record)
    {
        Guid guid = _names.GuidOf(record);
        var entry = _last;
        // Names change only when the trace teaches one: until then the form made for them stands.
        if (entry is not null && entry.Guid == guid && entry.NamesVersion == _names.Version) return entry.Form;
        string? name = _names.NameOf(record);
        if (entry is null || entry.Guid != guid)
        {
            if (!_entries.TryGetValue(guid, out entry))
            {
                entry = new Entry(guid);
                _entries.Add(guid, entry);
            }
            _last = entry;
        }
        if (!entry.Made || (!ReferenceEquals(entry.Name, name) && entry.Name != name))
        {
            entry.Name = name;
            entry.Form = _make(guid, name);
            entry.Made = true;
        }
        entry.NamesVersion = _names.Version;
        return entry.Form;
    }
}
