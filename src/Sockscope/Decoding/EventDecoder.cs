using Sockscope.Etl;
using Sockscope.Schema;

namespace Sockscope.Decoding;

/// <summary>
/// Decodes EVENT_HEADER records whose provider, event id and version the catalog knows (never by opcode: one AFD
/// event is logged with opcode 10 on entry and 12 on exit). Reuses one value buffer: a decoded event is valid until
/// the next call. Not thread-safe.
/// </summary>
public sealed class EventDecoder
{
    private readonly SchemaCatalog _catalog;
    private readonly Dictionary<(Guid, ushort, byte), EventSchema?> _cache = new();
    private readonly DecodeBuffer _buffer = new();
    private (Guid Provider, ushort Id, byte Version) _lastKey;
    private EventSchema? _last;
    private bool _hasLast;

    /// <summary>Creates a decoder over a catalog.</summary>
    public EventDecoder(SchemaCatalog catalog) => _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));

    /// <summary>The catalog.</summary>
    public SchemaCatalog Catalog => _catalog;

    /// <summary>The schema for a record, or null when the catalog does not know it (or it is no EVENT_HEADER record).</summary>
    public EventSchema? SchemaOf(in EtlRecord record)
    {
        if (record.Family != TraceHeaderFamily.EventHeader) return null;
        var key = (record.ProviderId, record.Id, (byte)record.Version);
        if (_hasLast && key == _lastKey) return _last;
        if (!_cache.TryGetValue(key, out var schema))
        {
            schema = _catalog.Find(key.ProviderId, key.Id, key.Item3);
            if (_cache.Count < 65_536) _cache[key] = schema;
        }
        _lastKey = key;
        _last = schema;
        _hasLast = true;
        return schema;
    }

    /// <summary>Decodes a record; false when the catalog has no schema for it.</summary>
    public bool TryDecode(in EtlRecord record, out DecodedEvent decoded)
        => _buffer.TryDecode(SchemaOf(record), record, out decoded);

    /// <summary>Decodes a payload against a schema.</summary>
    public DecodedEvent Decode(EventSchema schema, ReadOnlySpan<byte> payload, int pointerSize) => _buffer.Decode(schema, payload, pointerSize);
}
