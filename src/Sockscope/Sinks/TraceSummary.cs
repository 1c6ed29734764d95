using System.Runtime.InteropServices;
using Sockscope.Etl;
using Sockscope.Events;

namespace Sockscope.Sinks;

/// <summary>
/// The numbers <c>sockscope info</c> shows, gathered in one pass over the records: how many records, how many of
/// each header layout, how many per provider, and the earliest and latest time stamps. Everything about the file
/// itself (header, buffers, damage) is on the <see cref="EtlReader"/>.
/// </summary>
/// <example>
/// <code>
/// var names = new ProviderNames();
/// var summary = new TraceSummary(names);
/// while (reader.TryRead(out var r)) { names.Learn(r); summary.Add(r); }
/// </code>
/// </example>
internal sealed class TraceSummary
{
    private readonly ProviderNames _names;
    private readonly long[] _perFamily = new long[Enum.GetValues<TraceHeaderFamily>().Length];
    private readonly Dictionary<Guid, ProviderTally> _providers = new();

    /// <summary>Creates an empty summary.</summary>
    /// <param name="names">Provider names; the caller lets it learn every record before adding it.</param>
    public TraceSummary(ProviderNames names) => _names = names ?? throw new ArgumentNullException(nameof(names));

    /// <summary>Records added.</summary>
    public long Events { get; private set; }

    /// <summary>The smallest raw time stamp seen (file order is not time order), or null before any record.</summary>
    public long? FirstTimestamp => Events > 0 ? _first : null;

    /// <summary>The largest raw time stamp seen, or null before any record.</summary>
    public long? LastTimestamp => Events > 0 ? _last : null;

    private long _first = long.MaxValue;
    private long _last = long.MinValue;

    /// <summary>Counts one record.</summary>
    public void Add(in EtlRecord record)
    {
        Events++;
        _perFamily[(int)record.Family]++;
        long stamp = record.Timestamp;
        if (stamp < _first) _first = stamp;
        if (stamp > _last) _last = stamp;
        ref var tally = ref CollectionsMarshal.GetValueRefOrAddDefault(_providers, _names.GuidOf(record), out _);
        tally.Events++;
        // Kernel records are named by their event class, which only the record (not its GUID) tells.
        if (tally.Name is null && record.Family.IsKernelKind()) tally.Name = _names.NameOf(record);
    }

    /// <summary>Records of one header layout.</summary>
    public long CountOf(TraceHeaderFamily family) => _perFamily[(int)family];

    /// <summary>Record counts per header layout that occurs, keyed by <see cref="TraceHeaderTypes.LayoutName"/>, in layout order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> HeaderTypes =>
        Enum.GetValues<TraceHeaderFamily>().Where(f => _perFamily[(int)f] > 0)
            .Select(f => KeyValuePair.Create(f.LayoutName(), _perFamily[(int)f])).ToList();

    /// <summary>
    /// Records per provider (kernel records: per event class), most records first, then by GUID. Names are looked up
    /// when this is read, so names learned late in the trace count.
    /// </summary>
    public IReadOnlyList<ProviderEvents> Providers =>
        _providers.Select(p => new ProviderEvents(p.Key, p.Value.Name ?? _names.NameOf(p.Key), p.Value.Events))
            .OrderByDescending(p => p.Events).ThenBy(p => p.Provider.ToString(), StringComparer.Ordinal).ToList();

    /// <summary>One provider's record count.</summary>
    /// <param name="Provider">The provider GUID (kernel records: the event-class GUID, or empty when unknown).</param>
    /// <param name="Name">The provider's name, or null when unknown.</param>
    /// <param name="Events">Records of the provider.</param>
    public readonly record struct ProviderEvents(Guid Provider, string? Name, long Events);

    private struct ProviderTally
    {
        public long Events;
        public string? Name;
    }
}
