using System.Buffers.Binary;
using System.Text;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;

namespace Sockscope.Decoding.TraceLogging;

/// <summary>
/// Decodes TraceLogging (self-describing) events: EVENT_HEADER records that carry their own schema in an
/// <see cref="ExtendedDataType.EventSchemaTraceLogging"/> item (see <see cref="TraceLoggingMetadata"/>).
/// </summary>
/// <remarks>
/// Every event of a kind repeats the same metadata bytes, so schemas are kept by those bytes (with the provider,
/// event id and version, which the schema names): after the first event of each kind, decoding allocates nothing.
/// At most <see cref="MaxCachedSchemas"/> kinds are kept; past that the cache starts over, so a hostile trace cannot
/// grow memory without bound. Metadata that cannot be read is remembered as such and its events are not decoded.
/// Reuses one value buffer: a decoded event is valid until the next call. Not thread-safe.
/// </remarks>
internal sealed class TraceLoggingDecoder
{
    /// <summary>The most event kinds whose schemas are kept at once.</summary>
    public const int MaxCachedSchemas = 4096;

    // Cache key: provider GUID, event id, version, then the metadata bytes.
    private const int KeyHeader = 16 + 2 + 1;

    private readonly ProviderNames? _names;
    private readonly Dictionary<byte[], EventSchema?> _schemas = new(KeyComparer.Instance);
    private readonly Dictionary<byte[], EventSchema?>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly Dictionary<Guid, ProviderSchema> _providers = new();
    private byte[] _key = new byte[256];
    private byte[]? _lastKey;
    private EventSchema? _last;
    private readonly DecodeBuffer _buffer = new();

    /// <summary>Creates a decoder.</summary>
    /// <param name="names">
    /// Names for providers whose events carry no provider traits item; without one (or a name there) a provider
    /// is named by its GUID in braces.
    /// </param>
    public TraceLoggingDecoder(ProviderNames? names = null)
    {
        _names = names;
        _lookup = _schemas.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>How many event kinds (readable or not) the cache holds now.</summary>
    public int CachedKinds => _schemas.Count;

    /// <summary>How many event kinds had metadata that could not be read.</summary>
    public int RejectedKinds { get; private set; }

    /// <summary>Why the last refused metadata was refused, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>The TraceLogging metadata item of a record, if it has one.</summary>
    public static bool TryGetMetadata(in EtlRecord record, out ReadOnlySpan<byte> metadata)
    {
        metadata = default;
        if (record.Family != TraceHeaderFamily.EventHeader) return false;
        foreach (var item in record.ExtendedData)
        {
            if (item.Type != ExtendedDataType.EventSchemaTraceLogging) continue;
            metadata = item.Data;
            return true;
        }
        return false;
    }

    /// <summary>The schema a record's TraceLogging metadata describes; null when it has none or it cannot be read.</summary>
    public EventSchema? SchemaOf(in EtlRecord record)
    {
        if (record.Family != TraceHeaderFamily.EventHeader) return null;
        ReadOnlySpan<byte> metadata = default, traits = default;
        bool found = false;
        foreach (var item in record.ExtendedData)
        {
            if (item.Type == ExtendedDataType.EventSchemaTraceLogging)
            {
                metadata = item.Data;
                found = true;
            }
            else if (item.Type == ExtendedDataType.ProviderTraits) traits = item.Data;
        }
        if (!found) return null;

        int length = KeyHeader + metadata.Length;
        if (_key.Length < length) _key = new byte[Math.Max(length, _key.Length * 2)];
        var key = _key.AsSpan(0, length);
        var provider = record.ProviderId;
        provider.TryWriteBytes(key);
        ushort id = record.Id;
        byte version = (byte)record.Version;
        BinaryPrimitives.WriteUInt16LittleEndian(key[16..], id);
        key[18] = version;
        metadata.CopyTo(key[KeyHeader..]);
        // Events of one kind tend to come in runs: compare with the last kind before hashing.
        if (_lastKey is not null && key.SequenceEqual(_lastKey)) return _last;
        if (!_lookup.TryGetValue(key, out var stored, out var schema))
        {
            schema = Build(provider, id, version, metadata, traits);
            if (_schemas.Count >= MaxCachedSchemas)
            {
                _schemas.Clear();
                _providers.Clear();
            }
            stored = key.ToArray();
            _schemas[stored] = schema;
        }
        _lastKey = stored;
        _last = schema;
        return schema;
    }

    /// <summary>Decodes a record by its TraceLogging metadata; false when it has none or it cannot be read.</summary>
    public bool TryDecode(in EtlRecord record, out DecodedEvent decoded)
        => _buffer.TryDecode(SchemaOf(record), record, out decoded);

    /// <summary>Decodes a payload against a schema (from <see cref="SchemaOf"/>).</summary>
    public DecodedEvent Decode(EventSchema schema, ReadOnlySpan<byte> payload, int pointerSize) => _buffer.Decode(schema, payload, pointerSize);

    private EventSchema? Build(Guid provider, ushort id, byte version, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> traits)
    {
        if (TraceLoggingMetadata.TryParse(metadata, ProviderFor(provider, traits), id, version, out var schema, out var error))
            return schema;
        RejectedKinds++;
        LastError = error;
        return null;
    }

    /// <summary>
    /// One schema object per provider and name: the traits item names a TraceLogging provider; failing that, the
    /// names learned from the trace; failing that, its GUID.
    /// </summary>
    private ProviderSchema ProviderFor(Guid guid, ReadOnlySpan<byte> traits)
    {
        string? name = null;
        if (TraceLoggingTraits.TryGetProviderName(traits, out var utf8) && utf8.Length <= ProviderNames.MaxNameLength)
            name = Encoding.UTF8.GetString(utf8);
        name ??= _names?.NameOf(guid) ?? guid.ToString("B").ToUpperInvariant();
        if (_providers.TryGetValue(guid, out var known) && known.Name == name) return known;
        var schema = new ProviderSchema { Name = name, Guid = guid };
        _providers[guid] = schema;
        return schema;
    }

    /// <summary>Compares cache keys by content, and looks them up by span without making an array.</summary>
    private sealed class KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] key) => GetHashCode((ReadOnlySpan<byte>)key);
        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);
        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        public int GetHashCode(ReadOnlySpan<byte> key)
        {
            var hash = new HashCode();
            hash.AddBytes(key);
            return hash.ToHashCode();
        }
    }
}
