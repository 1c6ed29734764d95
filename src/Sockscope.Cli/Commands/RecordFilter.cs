using Sockscope.Etl;
using Sockscope.Schema;
using Sockscope.Events;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary>
/// Decides which records <c>dump</c> writes. Every test is a comparison of header fields (times as raw stamps,
/// converted once), so records that are left out cost next to nothing; the provider name is compared only when
/// the record's provider name changes.
/// </summary>
internal sealed class RecordFilter
{
    private readonly ProviderNames _names;
    private readonly SchemaCatalog _catalog;
    private readonly DumpScope _scope;
    private readonly long _from = long.MinValue;
    private readonly long _to = long.MaxValue;
    private readonly int _eventId = -1;
    private readonly long _processId = -1;
    private readonly Guid? _providerGuid;
    private readonly string? _providerName;
    private readonly Guid? _providerNameGuid;
    private string? _lastName;
    private Guid _lastProvider;
    private bool _lastProviderKnown;
    private bool _lastProviderInCatalog;
    private bool _lastNameMatches;

    /// <summary>
    /// A filter for <paramref name="settings"/> over the trace <paramref name="reader"/> reads; without --all, the
    /// providers of <paramref name="catalog"/> (the built-in Winsock catalog when none is given) are in scope.
    /// </summary>
    public RecordFilter(DumpSettings settings, IEventSource reader, ProviderNames names, SchemaCatalog? catalog = null)
    {
        _names = names;
        _catalog = catalog ?? SchemaCatalog.Winsock;
        _scope = settings.Scope;
        if (settings.From is { } from) _from = from.ToStamp(reader);
        if (settings.To is { } to) _to = to.ToStamp(reader);
        if (settings.EventId is { } id) _eventId = id;
        if (settings.ProcessId is { } pid) _processId = pid;
        if (settings.Provider is { } provider)
        {
            if (Guid.TryParse(provider, out var guid)) _providerGuid = guid;
            else
            {
                _providerName = provider.Trim();
                // A known name (short ones included) also matches records whose provider has not announced its name in the trace.
                _providerNameGuid = ProviderChoice.Resolve(provider, _catalog);
            }
        }
    }

    /// <summary>
    /// True once a record of the named provider was seen, whatever the other filters said of it. Only a provider
    /// named by a name no table knows can stay unseen for a reason the user must hear: no such provider in the trace.
    /// </summary>
    public bool ProviderSeen { get; private set; }

    /// <summary>Records seen of the providers in scope (every record with --all), before the other filters.</summary>
    public long RecordsInScope { get; private set; }

    /// <summary>True when the record is to be written. The names must have learned the record already.</summary>
    public bool Matches(in EtlRecord record)
    {
        if (!InScope(record)) return false;
        RecordsInScope++;
        // The provider first, so ProviderSeen knows of every record of it.
        if (_providerGuid is { } guid && _names.GuidOf(record) != guid) return false;
        if (_providerName is not null && !NameMatches(record)) return false;
        long stamp = record.Timestamp;
        // --from is inclusive and --to exclusive, so consecutive windows never share a record.
        if (stamp < _from || stamp >= _to) return false;
        if (_eventId >= 0 && record.Id != _eventId) return false;
        if (_processId >= 0 && (!record.HasProcessInfo || record.ProcessId != _processId)) return false;
        return true;
    }

    private bool InScope(in EtlRecord record)
    {
        if (_scope != DumpScope.Winsock) return true;
        if (record.Family != TraceHeaderFamily.EventHeader) return false;
        // Records come in runs of one provider: look the catalog up only when the provider changes.
        Guid provider = record.ProviderId;
        if (provider != _lastProvider || !_lastProviderKnown)
        {
            _lastProvider = provider;
            _lastProviderKnown = true;
            _lastProviderInCatalog = _catalog.Find(provider) is not null;
        }
        return _lastProviderInCatalog;
    }

    private bool NameMatches(in EtlRecord record)
    {
        if (_providerNameGuid is { } known && _names.GuidOf(record) == known) return ProviderSeen = true;
        string? name = _names.NameOf(record);
        if (!ReferenceEquals(name, _lastName))
        {
            _lastName = name;
            _lastNameMatches = string.Equals(name, _providerName, StringComparison.OrdinalIgnoreCase);
        }
        if (_lastNameMatches) ProviderSeen = true;
        return _lastNameMatches;
    }
}
