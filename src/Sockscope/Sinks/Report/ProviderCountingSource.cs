using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Sources;

namespace Sockscope.Sinks.Report;

/// <summary>
/// Hands on every record of a source while counting them per provider, so a report of a trace with no Winsock events
/// can say what the trace does hold. The analysis sees only Winsock events; this sees every record on its way there.
/// </summary>
internal sealed class ProviderCountingSource(IEventSource inner) : IEventSource
{
    /// <summary>Providers counted on their own at most; a hostile file's endless GUIDs are counted together past it.</summary>
    public const int MaxProviders = 1024;

    private readonly ProviderNames _names = new();
    private readonly Dictionary<Guid, Tally> _counts = new();
    // Records come in runs of one provider: the last one's tally is kept at hand.
    private Guid _lastGuid;
    private Tally? _last;

    private sealed class Tally
    {
        public long Records;
        public string? Name;
    }

    /// <summary>Records of providers past <see cref="MaxProviders"/>.</summary>
    public long OtherRecords { get; private set; }

    public string Path => inner.Path;
    public EtlClock Clock => inner.Clock;
    public EtlDiagnostics Diagnostics => inner.Diagnostics;
    public long StartStamp => inner.StartStamp;
    public EventLoss Loss => inner.Loss;

    public bool TryRead(out EtlRecord record)
    {
        if (!inner.TryRead(out record)) return false;
        _names.Learn(record);
        var guid = _names.GuidOf(record);
        var tally = _last;
        if (tally is null || guid != _lastGuid)
        {
            if (!_counts.TryGetValue(guid, out tally))
            {
                if (_counts.Count >= MaxProviders)
                {
                    OtherRecords++;
                    return true;
                }
                _counts.Add(guid, tally = new Tally());
            }
            _last = tally;
            _lastGuid = guid;
        }
        tally.Records++;
        // Kernel records are named by their event class, which only the record (not its GUID) tells.
        if (tally.Name is null && record.Family.IsKernelKind()) tally.Name = _names.NameOf(record);
        return true;
    }

    /// <summary>Records per provider, the most first (then by name), with the name the trace or the well-known list gives.</summary>
    public IReadOnlyList<ReportProvider> Providers() =>
        _counts.Select(p => new ReportProvider(p.Value.Name ?? _names.NameOf(p.Key), p.Key, p.Value.Records))
            .OrderByDescending(p => p.Records).ThenBy(p => p.Provider.ToString(), StringComparer.Ordinal).ToList();

    // The caller opened the source and disposes it; this only looks on.
    public void Dispose() { }
}
