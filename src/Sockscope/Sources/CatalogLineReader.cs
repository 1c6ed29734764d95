using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sockscope.Schema;

namespace Sockscope.Sources;

/// <summary>
/// Reads a line of the catalog's format (what <c>sockscope dump</c> writes) in one <see cref="Utf8JsonReader"/> pass
/// over the line, and one over its <c>event_data</c>, straight into the payload: nothing is allocated per line.
/// </summary>
/// <remarks>
/// It reads the lines a collector writes, and declines every line it might read otherwise than
/// <see cref="CatalogJsonFormat"/> over a parsed document does: a line that is no event or no known event, that
/// repeats a key or escapes one, whose text read is escaped or not ASCII (where the document path may meet text that
/// is not UTF-8), whose value would throw, or that has more than 16 field values. The source reads a declined line
/// through the document path, which says exactly what is wrong with it, so both paths give the same records and the
/// same problems.
/// </remarks>
internal sealed class CatalogLineReader
{
    // An event's few field values are checked for repeats pairwise; more go to the document path.
    private const int MaxDataKeys = 16;

    private static readonly JsonReaderOptions LineOptions = new() { MaxDepth = JsonEventSource.LineOptions.MaxDepth };

    private readonly SchemaCatalog _catalog;
    private readonly PayloadBuilder _builder;
    private readonly Dictionary<EventSchema, FieldNames> _names = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ValueMap, Dictionary<string, ulong>.AlternateLookup<ReadOnlySpan<char>>> _maps = new(ReferenceEqualityComparer.Instance);
    private char[] _chars = new char[256];
    private byte[] _scratch = new byte[256];
    // Socket addresses and IP addresses other than IPv4 ones in their usual form, by their text (null: no address), up
    // to a bound: a host talks to few.
    private const int MaxSockaddrsKept = 16_384, MaxAddressesKept = 16_384;
    private readonly Dictionary<string, byte[]?>.AlternateLookup<ReadOnlySpan<char>> _sockaddrs = new Dictionary<string, byte[]?>().GetAlternateLookup<ReadOnlySpan<char>>();
    private readonly Dictionary<string, byte[]?>.AlternateLookup<ReadOnlySpan<char>> _addresses = new Dictionary<string, byte[]?>().GetAlternateLookup<ReadOnlySpan<char>>();
    private readonly byte[] _dottedQuad = new byte[4];
    private readonly byte[] _lastGuidText = new byte[64];
    private int _lastGuidLength;
    private Guid _lastGuid;
    private readonly int[] _keyStart = new int[MaxDataKeys];
    private readonly int[] _keyLength = new int[MaxDataKeys];

    public CatalogLineReader(SchemaCatalog catalog, PayloadBuilder builder)
    {
        _catalog = catalog;
        _builder = builder;
    }

    /// <summary>
    /// Reads <paramref name="line"/> into <paramref name="e"/> and the payload builder; false when it declines the
    /// line (nothing then counts). <paramref name="valuesNotUnderstood"/>: field values read as zero.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> line, JsonEvent e, [NotNullWhen(true)] out EventSchema? schema, out ReadOnlySpan<byte> payload, out int valuesNotUnderstood)
    {
        schema = null;
        payload = default;
        valuesNotUnderstood = 0;
        e.Reset();
        try
        {
            if (!TryReadLine(line, e, out schema, out valuesNotUnderstood)) return false;
            payload = _builder.Build();
            return true;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or OverflowException or InvalidOperationException)
        {
            return false;
        }
    }

    private bool TryReadLine(ReadOnlySpan<byte> line, JsonEvent e, [NotNullWhen(true)] out EventSchema? schema, out int notUnderstood)
    {
        schema = null;
        notUnderstood = 0;
        int dataStart = -1, dataEnd = -1;
        bool system = false, data = false;
        var r = new Utf8JsonReader(line, LineOptions);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            bool isSystem = r.ValueSpan.SequenceEqual("system"u8), isData = !isSystem && r.ValueSpan.SequenceEqual("event_data"u8);
            r.Read();
            if (isSystem)
            {
                if (system || r.TokenType != JsonTokenType.StartObject || !TryReadSystem(ref r, e)) return false;
                system = true;
                schema = SchemaOf(e);
                if (schema is null) return false;
            }
            else if (isData)
            {
                if (data || r.TokenType != JsonTokenType.StartObject) return false;
                data = true;
                if (schema is not null)
                {
                    // The usual order, system first: the values go straight into the payload.
                    if (!TryReadData(ref r, 0, line, schema, out notUnderstood)) return false;
                }
                else
                {
                    dataStart = (int)r.TokenStartIndex;
                    r.Skip();
                    dataEnd = (int)r.BytesConsumed;
                }
            }
            else r.Skip();
        }
        // Past the object only white space may follow (the reader throws on anything else).
        if (r.Read() || !system || !data || schema is null) return false;
        if (dataStart >= 0)
        {
            var d = new Utf8JsonReader(line[dataStart..dataEnd], LineOptions);
            d.Read();
            if (!TryReadData(ref d, dataStart, line, schema, out notUnderstood)) return false;
        }
        return true;
    }

    private EventSchema? SchemaOf(JsonEvent e)
    {
        var provider = e.Provider != Guid.Empty ? _catalog.Find(e.Provider) : null;
        var schema = provider?.Find((ushort)e.Id, e.Version);
        if (schema is null) return null;
        e.Style = JsonValueStyle.Catalog;
        // The catalog's format says no pointer size: 8 bytes, as the document path has it.
        e.PointerSize = 8;
        return schema;
    }

    [Flags]
    private enum SystemKeys
    {
        Provider = 1, Guid = 2, EventId = 4, Version = 8, Level = 16, Task = 32, Opcode = 64, Keywords = 128, Time = 256, Execution = 512,
    }

    private bool TryReadSystem(ref Utf8JsonReader r, JsonEvent e)
    {
        SystemKeys seen = 0;
        bool eventId = false, time = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            var name = r.ValueSpan;
            SystemKeys key = name.Length switch
            {
                4 when name.SequenceEqual("guid"u8) => SystemKeys.Guid,
                4 when name.SequenceEqual("task"u8) => SystemKeys.Task,
                5 when name.SequenceEqual("level"u8) => SystemKeys.Level,
                6 when name.SequenceEqual("opcode"u8) => SystemKeys.Opcode,
                7 when name.SequenceEqual("version"u8) => SystemKeys.Version,
                8 when name.SequenceEqual("provider"u8) => SystemKeys.Provider,
                8 when name.SequenceEqual("event_id"u8) => SystemKeys.EventId,
                8 when name.SequenceEqual("keywords"u8) => SystemKeys.Keywords,
                9 when name.SequenceEqual("execution"u8) => SystemKeys.Execution,
                12 when name.SequenceEqual("time_created"u8) => SystemKeys.Time,
                _ => 0,
            };
            r.Read();
            if (key == 0)
            {
                r.Skip();
                continue;
            }
            // The document path takes a repeated key's last value: a repeat goes there.
            if ((seen & key) != 0) return false;
            seen |= key;
            ulong n;
            switch (key)
            {
                case SystemKeys.Provider:
                    // Read only when the GUID names no provider, which this path declines; text that is not ASCII may not be UTF-8.
                    if (r.TokenType == JsonTokenType.String && !TryText(ref r, out _)) return false;
                    r.Skip();
                    break;
                case SystemKeys.Guid:
                    if (r.TokenType == JsonTokenType.String)
                    {
                        if (r.ValueIsEscaped) return false;
                        if (!TryProviderGuid(r.ValueSpan, out e.Provider)) return false;
                    }
                    else r.Skip();
                    break;
                case SystemKeys.EventId:
                    if (TryNumber(ref r, out n, out bool declined) is var ok && declined) return false;
                    eventId = ok && n <= ushort.MaxValue;
                    e.Id = (int)n;
                    break;
                case SystemKeys.Time:
                    if (r.TokenType != JsonTokenType.String || !TryText(ref r, out var created)) return false;
                    time = JsonValues.TryFileTime(created, out e.FileTime);
                    break;
                case SystemKeys.Execution:
                    if (r.TokenType != JsonTokenType.StartObject) r.Skip();
                    else if (!TryReadExecution(ref r, e)) return false;
                    break;
                default:
                    if (TryNumber(ref r, out n, out declined) is var read && declined) return false;
                    if (!read) n = 0;
                    if (key == SystemKeys.Version) e.Version = (byte)n;
                    else if (key == SystemKeys.Level) e.Level = (byte)n;
                    else if (key == SystemKeys.Task) e.Task = (ushort)n;
                    else if (key == SystemKeys.Opcode) e.Opcode = (byte)n;
                    else e.Keywords = n;
                    break;
            }
        }
        // No event_id or no time: the document path says which.
        return eventId && time;
    }

    /// <summary>The provider's GUID: a line's provider is most often the one before, so its text is compared first.</summary>
    private bool TryProviderGuid(ReadOnlySpan<byte> raw, out Guid guid)
    {
        guid = _lastGuid;
        if (raw.SequenceEqual(_lastGuidText.AsSpan(0, _lastGuidLength))) return true;
        if (!Ascii.IsValid(raw)) return false;
        if (_chars.Length < raw.Length) _chars = new char[Math.Max(raw.Length, 2 * _chars.Length)];
        Ascii.ToUtf16(raw, _chars, out int written);
        guid = JsonValues.Guid(_chars.AsSpan(0, written));
        if (raw.Length <= _lastGuidText.Length)
        {
            raw.CopyTo(_lastGuidText);
            _lastGuidLength = raw.Length;
            _lastGuid = guid;
        }
        return true;
    }

    private bool TryReadExecution(ref Utf8JsonReader r, JsonEvent e)
    {
        bool pid = false, tid = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            bool isPid = r.ValueSpan.SequenceEqual("process_id"u8), isTid = !isPid && r.ValueSpan.SequenceEqual("thread_id"u8);
            r.Read();
            if (!isPid && !isTid)
            {
                r.Skip();
                continue;
            }
            if (isPid ? pid : tid) return false;
            if (TryNumber(ref r, out ulong n, out bool declined) is var read && declined) return false;
            if (!read) n = 0;
            if (isPid) { pid = true; e.ProcessId = (uint)n; }
            else { tid = true; e.ThreadId = (uint)n; }
        }
        return true;
    }

    /// <summary>The field values, from the reader's StartObject to its end; <paramref name="at"/>: where the reader's input starts in the line.</summary>
    private bool TryReadData(ref Utf8JsonReader r, int at, ReadOnlySpan<byte> line, EventSchema schema, out int notUnderstood)
    {
        notUnderstood = 0;
        var names = Names(schema);
        _builder.Reset(schema, 8);
        int keys = 0;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            // The document path reads each key as text (and reports a repeated one by name).
            if (r.ValueIsEscaped || keys == MaxDataKeys) return false;
            var key = r.ValueSpan;
            if (!Ascii.IsValid(key)) return false;
            for (int j = 0; j < keys; j++)
                if (_keyLength[j] == key.Length && line.Slice(_keyStart[j], key.Length).SequenceEqual(key)) return false;
            _keyStart[keys] = at + (int)r.TokenStartIndex + 1;
            _keyLength[keys++] = key.Length;
            int k = names.IndexOf(key);
            r.Read();
            if (k < 0 || names.IsLength[k] || r.TokenType == JsonTokenType.Null)
            {
                r.Skip();
                continue;
            }
            switch (TrySet(ref r, k, schema.Fields[k]))
            {
                case SetResult.Declined: return false;
                case SetResult.NotUnderstood: notUnderstood++; break;
            }
        }
        return true;
    }

    private enum SetResult { Set, NotUnderstood, Declined }

    /// <summary>A field's value into the payload, as <see cref="JsonFieldValues.TrySet"/> reads the catalog's values.</summary>
    private SetResult TrySet(ref Utf8JsonReader r, int k, FieldSchema f)
    {
        bool isString = r.TokenType == JsonTokenType.String;
        ReadOnlySpan<char> text = default;
        if (isString && !TryText(ref r, out text)) return SetResult.Declined;
        switch (f.InType)
        {
            case InType.Int8 or InType.UInt8 or InType.Int16 or InType.UInt16 or InType.Int32 or InType.UInt32 or InType.Int64 or InType.UInt64
                or InType.HexInt32 or InType.HexInt64 or InType.Boolean or InType.Pointer or InType.SizeT or InType.FileTime:
            {
                ulong value;
                if (isString)
                {
                    var s = text.Trim();
                    // The legacy events' IPv4 addresses: a UInt32 whose bytes are the address in network order.
                    if (f.EffectiveOutType == OutType.IPv4 && TryAddress(s, out var ip) && ip.Length == 4)
                    {
                        _builder.Set(k, BinaryPrimitives.ReadUInt32LittleEndian(ip));
                        return SetResult.Set;
                    }
                    if (f.Map is { } map && MapNames(map).TryGetValue(s, out value))
                    {
                        _builder.Set(k, value);
                        return SetResult.Set;
                    }
                    // The catalog writes decimal values as JSON numbers: its text numbers are hex.
                    if (!JsonValues.TryNumber(s, out value, bareHex: true)) return SetResult.NotUnderstood;
                }
                else
                {
                    if (TryNumber(ref r, out value, out bool declined) is var read && declined) return SetResult.Declined;
                    if (!read) return SetResult.NotUnderstood;
                }
                // Catalog renderings show ports in host order; the payload holds them in network order.
                if (f.EffectiveOutType == OutType.Port && f.InType == InType.UInt16) value = BinaryPrimitives.ReverseEndianness((ushort)value);
                _builder.Set(k, value);
                return SetResult.Set;
            }
            case InType.UnicodeString or InType.AnsiString or InType.CountedString or InType.CountedAnsiString:
                if (!isString)
                {
                    r.Skip();
                    return SetResult.NotUnderstood;
                }
                _builder.SetText(k, text);
                return SetResult.Set;
            case InType.Guid:
            {
                // The document path reads any other value as text, which throws.
                if (!isString) return SetResult.Declined;
                var g = JsonValues.Guid(text);
                if (g == Guid.Empty && !text.SequenceEqual("{00000000-0000-0000-0000-000000000000}") && !text.SequenceEqual("00000000-0000-0000-0000-000000000000"))
                    return SetResult.NotUnderstood;
                g.TryWriteBytes(_builder.Reserve(k, 16));
                return SetResult.Set;
            }
            case InType.Binary or InType.CountedBinary:
                if (r.TokenType == JsonTokenType.StartArray) return SetResult.Declined;
                if (!isString)
                {
                    r.Skip();
                    return SetResult.NotUnderstood;
                }
                return TrySetBytes(k, f, text.Trim());
            default:
                r.Skip();
                return SetResult.NotUnderstood;
        }
    }

    private SetResult TrySetBytes(int k, FieldSchema f, ReadOnlySpan<char> s)
    {
        var type = f.EffectiveOutType;
        if (type == OutType.SocketAddress && !s.IsEmpty)
        {
            Span<byte> v4 = stackalloc byte[16];
            if (TrySockaddrV4(s, v4))
            {
                v4.CopyTo(_builder.Reserve(k, 16));
                return SetResult.Set;
            }
            // IPv6 and the less common forms: parsed by the document path's code, once per address text.
            if (!_sockaddrs.TryGetValue(s, out var sockaddr))
            {
                if (!JsonFieldValues.TrySockaddr(s.ToString(), out sockaddr)) sockaddr = null;
                if (_sockaddrs.Dictionary.Count < MaxSockaddrsKept) _sockaddrs[s] = sockaddr;
            }
            if (sockaddr is not null)
            {
                sockaddr.CopyTo(_builder.Reserve(k, sockaddr.Length));
                return SetResult.Set;
            }
        }
        if (type is OutType.IPv6 or OutType.IPv4 && TryAddress(s, out var address))
        {
            address.CopyTo(_builder.Reserve(k, address.Length));
            return SetResult.Set;
        }
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        if (s.ContainsAny(' ', '-')) return SetResult.Declined;
        if (s.Length % 2 != 0) return SetResult.NotUnderstood;
        if (_scratch.Length < s.Length / 2) _scratch = new byte[Math.Max(s.Length / 2, 2 * _scratch.Length)];
        var bytes = _scratch.AsSpan(0, s.Length / 2);
        if (Convert.FromHexString(s, bytes, out _, out _) != System.Buffers.OperationStatus.Done) return SetResult.NotUnderstood;
        bytes.CopyTo(_builder.Reserve(k, bytes.Length));
        return SetResult.Set;
    }

    /// <summary>An IP address's bytes, as <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/> reads its text.</summary>
    private bool TryAddress(ReadOnlySpan<char> s, out ReadOnlySpan<byte> address)
    {
        address = _dottedQuad;
        if (TryDottedQuad(s, out int end, _dottedQuad) && end == s.Length) return true;
        if (!_addresses.TryGetValue(s, out var bytes))
        {
            bytes = IPAddress.TryParse(s, out var ip) ? ip.GetAddressBytes() : null;
            if (_addresses.Dictionary.Count < MaxAddressesKept) _addresses[s] = bytes;
        }
        address = bytes;
        return bytes is not null;
    }

    /// <summary>"a.b.c.d" in decimal without leading zeros at the start of <paramref name="s"/>; <paramref name="end"/>: where it ends.</summary>
    private static bool TryDottedQuad(ReadOnlySpan<char> s, out int end, Span<byte> address)
    {
        end = 0;
        for (int part = 0; part < 4; part++)
        {
            if (part > 0 && (end == s.Length || s[end++] != '.')) return false;
            int start = end, value = 0;
            while (end < s.Length && char.IsAsciiDigit(s[end]) && end - start < 3) value = value * 10 + (s[end++] - '0');
            int digits = end - start;
            if (digits == 0 || (digits > 1 && s[start] == '0') || value > 255) return false;
            address[part] = (byte)value;
        }
        // A fourth digit makes it no address.
        return end == s.Length || !char.IsAsciiDigit(s[end]);
    }

    /// <summary>
    /// "a.b.c.d:port" in decimal without leading zeros, as a SOCKADDR_IN; false for any other form, which
    /// <see cref="JsonFieldValues.TrySockaddr"/> reads.
    /// </summary>
    private static bool TrySockaddrV4(ReadOnlySpan<char> s, Span<byte> sockaddr)
    {
        Span<byte> address = stackalloc byte[4];
        if (!TryDottedQuad(s, out int at, address) || at == s.Length || s[at++] != ':') return false;
        int start = at, port = 0;
        while (at < s.Length && char.IsAsciiDigit(s[at]) && at - start < 5) port = port * 10 + (s[at++] - '0');
        int digits = at - start;
        if (digits == 0 || (digits > 1 && s[start] == '0') || at != s.Length || port > ushort.MaxValue) return false;
        sockaddr.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(sockaddr, 2);
        BinaryPrimitives.WriteUInt16BigEndian(sockaddr[2..], (ushort)port);
        address.CopyTo(sockaddr[4..]);
        return true;
    }

    /// <summary>A map's names and their values, found ignoring case; the first entry of a name wins, as in the document path's scan.</summary>
    private Dictionary<string, ulong>.AlternateLookup<ReadOnlySpan<char>> MapNames(ValueMap map)
    {
        if (!_maps.TryGetValue(map, out var names))
        {
            var byName = new Dictionary<string, ulong>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in map.Entries) byName.TryAdd(entry.Value, entry.Key);
            names = byName.GetAlternateLookup<ReadOnlySpan<char>>();
            if (_maps.Count < 65_536) _maps[map] = names;
        }
        return names;
    }

    /// <summary>
    /// The token's number as <see cref="JsonValues.TryNumber(JsonElement, out ulong, bool)"/> reads it (a string as
    /// text, in decimal); <paramref name="declined"/> when its text is escaped or not ASCII. Skips an object or array.
    /// </summary>
    private bool TryNumber(ref Utf8JsonReader r, out ulong value, out bool declined)
    {
        value = 0;
        declined = false;
        switch (r.TokenType)
        {
            case JsonTokenType.Number:
                if (r.TryGetUInt64(out value)) return true;
                if (r.TryGetInt64(out long signed)) { value = (ulong)signed; return true; }
                if (r.TryGetDouble(out double d) && d >= 0 && d < 1.8e19) { value = (ulong)d; return true; }
                return false;
            case JsonTokenType.True: value = 1; return true;
            case JsonTokenType.False: return true;
            case JsonTokenType.String:
                if (!TryText(ref r, out var text)) { declined = true; return false; }
                return JsonValues.TryNumber(text.Trim(), out value);
            default:
                r.Skip();
                return false;
        }
    }

    /// <summary>The string token as text, when it is unescaped ASCII (so the document path reads it the same, without throwing).</summary>
    private bool TryText(scoped ref Utf8JsonReader r, out ReadOnlySpan<char> text)
    {
        text = default;
        var raw = r.ValueSpan;
        if (r.ValueIsEscaped) return false;
        if (_chars.Length < raw.Length) _chars = new char[Math.Max(raw.Length, 2 * _chars.Length)];
        if (Ascii.ToUtf16(raw, _chars, out int written) != System.Buffers.OperationStatus.Done) return false;
        text = _chars.AsSpan(0, written);
        return true;
    }

    private FieldNames Names(EventSchema schema)
    {
        if (!_names.TryGetValue(schema, out var names))
        {
            names = new FieldNames(schema);
            // A catalog holds a bounded number of events; the bound keeps a custom one's from growing the table without end.
            if (_names.Count < 65_536) _names[schema] = names;
        }
        return names;
    }

    /// <summary>An event's field names in UTF-8, and which fields are lengths (filled from the bytes they measure).</summary>
    private sealed class FieldNames
    {
        private readonly byte[][] _names;
        public readonly bool[] IsLength;

        public FieldNames(EventSchema schema)
        {
            var fields = schema.Fields;
            _names = fields.Select(f => Encoding.UTF8.GetBytes(f.Name)).ToArray();
            IsLength = new bool[fields.Count];
            foreach (var f in fields)
                if (f.LengthField >= 0) IsLength[f.LengthField] = true;
        }

        public int IndexOf(ReadOnlySpan<byte> name)
        {
            for (int i = 0; i < _names.Length; i++)
                if (name.SequenceEqual(_names[i])) return i;
            return -1;
        }
    }
}
