using System.Globalization;
using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Schema;

namespace Sockscope.Decoding.Values;

/// <summary>
/// Renders decoded field values, as JSON values in the event format of the Winsock catalog (numbers as numbers,
/// HexInt32 as "00000000", pointers as "0x6DC", Booleans as true/false, addresses as text, value maps by name) and
/// as text for a person (status and error codes, address families, protocols and socket types by name). Structs
/// are JSON objects and arrays JSON arrays (arrays of characters one string), in text too.
/// </summary>
internal sealed class FieldFormatter
{
    /// <summary>
    /// The most elements and members written for one struct or array field; the rest are left out. A template can
    /// declare elements that take no bytes, so only this bounds the output of a small hostile payload.
    /// </summary>
    public const int MaxValuesPerField = 65_536;

    private byte[] _scratch = new byte[512];
    private readonly Dictionary<string, byte[]> _utf8 = new(ReferenceEqualityComparer.Instance);
    private readonly RememberedTexts _remembered = new();

    /// <summary>The two renderings of a value (see <see cref="ValueForm"/>).</summary>
    private enum View
    {
        /// <summary>The value as the JSON format has it (without quotes): JSON, CSV and SQLite cells.</summary>
        Value,
        /// <summary>The text a person reads: message inserts and the report.</summary>
        Text,
    }

    /// <summary>Writes field <paramref name="index"/> as a JSON value (the property name already written).</summary>
    public void WriteJson(Utf8JsonWriter json, in DecodedEvent e, int index)
    {
        var f = e.Field(index);
        if (PayloadDecoder.IsAggregate(f))
        {
            WriteAggregateJson(json, e, index);
            return;
        }
        WriteScalarJson(json, e, index, f);
    }

    private void WriteScalarJson(Utf8JsonWriter json, in DecodedEvent e, int index, FieldSchema f)
    {
        ulong number = e.Values[index].Number;
        if (MapMeaning(f, number) is { } meaning)
        {
            json.WriteStringValue(meaning);
            return;
        }
        var form = ValueForms.Of(f);
        switch (form)
        {
            case ValueForm.Float:
                WriteFloatingPoint(json, BitConverter.UInt32BitsToSingle((uint)number));
                return;
            case ValueForm.Double:
                WriteFloatingPoint(json, BitConverter.UInt64BitsToDouble(number));
                return;
        }
        var d = Scratch(MaxTextLength(e, index));
        if (!TryRender(e, index, f, form, View.Value, d, out var value)) json.WriteNullValue();
        else if (form.IsBare()) json.WriteRawValue(value, skipInputValidation: true);
        else if (IsPlainAscii(f, form)) json.WriteRawValue(Quote(value.Length), skipInputValidation: true);
        else json.WriteStringValue(value);
    }

    // JSON has no number for infinities and NaN (any bits a payload holds may be one): they go as the strings
    // "Infinity", "-Infinity" and "NaN", as System.Text.Json's named floating-point literals do.
    private static void WriteFloatingPoint(Utf8JsonWriter json, float value)
    {
        if (float.IsFinite(value)) json.WriteNumberValue(value);
        else json.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }

    private static void WriteFloatingPoint(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value)) json.WriteNumberValue(value);
        else json.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Formats field <paramref name="index"/>'s JSON value into <paramref name="d"/> (at least
    /// <see cref="MaxJsonDirectLength"/> bytes) when it is a number, a Boolean or text that needs no escaping (nearly
    /// every Winsock field), exactly as <see cref="WriteJson"/> would; returns the bytes written, or -1, having written
    /// nothing, for the rest (value-map names, strings, floating point, arrays and structs), which go through a
    /// <see cref="Utf8JsonWriter"/>.
    /// </summary>
    public int TryFormatJsonDirect(in DecodedEvent e, int index, Span<byte> d)
    {
        var f = e.Field(index);
        if (PayloadDecoder.IsAggregate(f)) return -1;
        ulong number = e.Values[index].Number;
        if (MapMeaning(f, number) is not null) return -1;
        var form = ValueForms.Of(f);
        var route = form.IsBare() ? JsonRoute.Bare : IsPlainAscii(f, form) ? JsonRoute.Quoted : JsonRoute.Writer;
        if (route == JsonRoute.Writer) return -1;
        int n = FormatJsonDirect(e, index, f, form, route, d);
        if (route == JsonRoute.Bare) Remember(f, form, index, d[..n]);
        else if (d[0] == (byte)'"') Remember(f, form, index, d.Slice(1, n - 2));
        return n;
    }

    /// <summary>
    /// The route field <paramref name="f"/>'s values take to JSON, whatever they hold: <see cref="JsonRoute.Writer"/>
    /// for the fields <see cref="TryFormatJsonDirect"/> may refuse (a value map's field goes there whole, even its
    /// values the map does not name: the writer writes those the same).
    /// </summary>
    public static JsonRoute JsonRouteOf(FieldSchema f)
    {
        if (PayloadDecoder.IsAggregate(f) || (f.Map is not null && IsInteger(f.InType))) return JsonRoute.Writer;
        var form = ValueForms.Of(f);
        return form.IsBare() ? JsonRoute.Bare : IsPlainAscii(f, form) ? JsonRoute.Quoted : JsonRoute.Writer;
    }

    /// <summary>
    /// True when the text a person reads for field <paramref name="f"/> is its JSON value (without quotes), so a
    /// message's insert can be copied from the value already written.
    /// </summary>
    public static bool TextIsJsonValue(FieldSchema f) =>
        ValueForms.Of(f).TextIsValue() && f.Known == KnownValues.None && f.Map is null;

    /// <summary>True when field <paramref name="f"/> may get a status name (<see cref="StatusName"/> is null for every other).</summary>
    public static bool MayHaveStatusName(FieldSchema f) =>
        !PayloadDecoder.IsAggregate(f) && f.EffectiveOutType is OutType.NTStatus or OutType.Win32Error;

    /// <summary>
    /// Formats the JSON value of field <paramref name="index"/> (whose schema <paramref name="f"/>, form and
    /// <see cref="JsonRouteOf">route</see>, <see cref="JsonRoute.Bare"/> or <see cref="JsonRoute.Quoted"/>, the caller
    /// looked up once) into <paramref name="d"/> (at least <see cref="MaxJsonDirectLength"/> bytes); returns the bytes
    /// written, exactly what <see cref="WriteJson"/> writes.
    /// </summary>
    public int FormatJsonDirect(in DecodedEvent e, int index, FieldSchema f, ValueForm form, JsonRoute route, Span<byte> d)
    {
        if (route == JsonRoute.Bare)
        {
            TryRender(e, index, f, form, View.Value, d, out var bare);
            return bare.Length;
        }
        if (!TryRender(e, index, f, form, View.Value, d[1..], out var text))
        {
            "null"u8.CopyTo(d);
            return 4;
        }
        int n = text.Length;
        d[0] = (byte)'"';
        d[n + 1] = (byte)'"';
        return n + 2;
    }

    /// <summary>
    /// Starts an event: until <see cref="ForgetTexts"/>, a value <see cref="TryFormatJsonDirect"/> formats whose text a
    /// person reads is the same (numbers, pointers, addresses, GUIDs) is kept, and <see cref="FormatText"/> returns it.
    /// </summary>
    public void RememberTexts() => _remembered.Begin();

    /// <summary>Ends the event <see cref="RememberTexts"/> started.</summary>
    public void ForgetTexts() => _remembered.End();

    private void Remember(FieldSchema f, ValueForm form, int index, ReadOnlySpan<byte> value)
    {
        // Value maps and the well-known value names (address families, protocols, socket types) read differently.
        if (form.TextIsValue() && f.Known == KnownValues.None && f.Map is null) _remembered.Keep(index, value);
    }

    /// <summary>The room <see cref="TryFormatJsonDirect"/> needs for field <paramref name="index"/>.</summary>
    public static int MaxJsonDirectLength(in DecodedEvent e, int index) => MaxTextLength(e, index) + 2;

    /// <summary>
    /// Writes the text a person reads for field <paramref name="index"/> into UTF-8 (names for status codes,
    /// address families, protocols, socket types and value maps, the number in brackets where it helps).
    /// </summary>
    public ReadOnlySpan<byte> FormatText(in DecodedEvent e, int index)
    {
        if (_remembered.TryGet(index, out var kept)) return kept;
        var f = e.Field(index);
        if (!e.Has(index)) return default;
        if (PayloadDecoder.IsAggregate(f)) return AggregateText(e, index);
        ulong number = e.Values[index].Number;
        var d = Scratch(MaxTextLength(e, index) + 96);
        if (MapMeaning(f, number) is { } meaning) return Utf8(meaning);
        string? name = f.Known switch
        {
            KnownValues.AddressFamily => AddressFamilies.TryGetName((uint)number, out var s) ? s : null,
            KnownValues.IpProtocol => IpProtocols.TryGetName((uint)number, out var s) ? s : null,
            KnownValues.SocketType => SocketTypes.TryGetName((uint)number, out var s) ? s : null,
            _ => null,
        };
        if (name is not null) return Utf8(name);
        return TryRender(e, index, f, ValueForms.Of(f), View.Text, d, out var text) ? text : default;
    }

    /// <summary>
    /// The value as the JSON format has it, as UTF-8 text without quotes (numbers as digits, Booleans as true/false,
    /// value maps by name, the rest as in JSON): for CSV cells. Valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> FormatValue(in DecodedEvent e, int index)
    {
        if (!e.Has(index)) return default;
        var f = e.Field(index);
        if (PayloadDecoder.IsAggregate(f)) return AggregateText(e, index);
        ulong number = e.Values[index].Number;
        var d = Scratch(MaxTextLength(e, index));
        if (MapMeaning(f, number) is { } meaning) return Utf8(meaning);
        return TryRender(e, index, f, ValueForms.Of(f), View.Value, d, out var value) ? value : default;
    }

    /// <summary>
    /// Renders a scalar field of family <paramref name="form"/> in <paramref name="view"/>, into <paramref name="d"/>
    /// (or, for a name, the name's cached bytes); false for no value. The one place each family's rendering is made.
    /// </summary>
    private bool TryRender(in DecodedEvent e, int index, FieldSchema f, ValueForm form, View view, Span<byte> d,
        out ReadOnlySpan<byte> rendered)
    {
        ulong number = e.Values[index].Number;
        int w;
        switch (form)
        {
            case ValueForm.Boolean:
                var word = number != 0 ? "true"u8 : "false"u8;
                word.CopyTo(d);
                w = word.Length;
                break;
            case ValueForm.Signed:
                Utf8Formatter.TryFormat((long)number, d, out w);
                break;
            case ValueForm.Unsigned:
                Utf8Formatter.TryFormat(number, d, out w);
                break;
            case ValueForm.SignedAsUnsigned:
                if (view == View.Text) Utf8Formatter.TryFormat(number, d, out w);
                else Utf8Formatter.TryFormat((long)number, d, out w);
                break;
            case ValueForm.NetworkPort:
                Utf8Formatter.TryFormat(e.NetworkUInt16(index), d, out w);
                break;
            case ValueForm.WidePort:
                if (view == View.Text) Utf8Formatter.TryFormat(e.NetworkUInt16(index), d, out w);
                else Utf8Formatter.TryFormat(number, d, out w);
                break;
            case ValueForm.Float:
                Utf8Formatter.TryFormat(BitConverter.UInt32BitsToSingle((uint)number), d, out w);
                break;
            case ValueForm.Double:
                Utf8Formatter.TryFormat(BitConverter.UInt64BitsToDouble(number), d, out w);
                break;
            case ValueForm.Character:
                w = CharsToUtf8(f.InType, e.Bytes(index), d);
                break;
            case ValueForm.Status when view == View.Text:
                rendered = StatusText(f.EffectiveOutType, (uint)number, d);
                return true;
            default:
                w = FormatJsonText(e, index, d);
                if (w < 0)
                {
                    rendered = default;
                    return false;
                }
                break;
        }
        rendered = d[..w];
        return true;
    }

    /// <summary>A status code as a person reads it: its symbolic name where known, else its hex with 0x.</summary>
    private ReadOnlySpan<byte> StatusText(OutType outType, uint value, Span<byte> d)
    {
        // Nearly every status a trace holds is the same success code: its name's bytes are kept at hand rather than
        // looked up in the name table and then the UTF-8 cache for every event.
        if (_lastStatusName is not null && value == _lastStatus && outType == _lastStatusType) return _lastStatusName;
        string? name = outType switch
        {
            OutType.NTStatus when NtStatusNames.TryGetName(value, out var status) => status,
            OutType.Win32Error when Win32ErrorNames.TryGetName(value, out var error) => error,
            _ => null,
        };
        if (name is null) return Hex32(d, value, prefix: true);
        _lastStatus = value;
        _lastStatusType = outType;
        _lastStatusName = Utf8(name);
        return _lastStatusName;
    }

    private uint _lastStatus;
    private OutType _lastStatusType;
    private byte[]? _lastStatusName;

    /// <summary>The name a value map gives an integer field's value, or null.</summary>
    private static string? MapMeaning(FieldSchema f, ulong number) =>
        f.Map is { } map && IsInteger(f.InType) ? map.Lookup(number) : null;

    /// <summary>The symbolic name of a status, error or HRESULT field whose value is not zero, or null.</summary>
    public static string? StatusName(in DecodedEvent e, int index)
    {
        if (!e.Has(index)) return null;
        uint value = (uint)e.Values[index].Number;
        if (value == 0) return null;
        var f = e.Field(index);
        // An aggregate's number is its element count, no status.
        if (PayloadDecoder.IsAggregate(f)) return null;
        return f.EffectiveOutType switch
        {
            OutType.NTStatus => NtStatusNames.TryGetName(value, out var s) ? s : null,
            OutType.Win32Error => Win32ErrorNames.TryGetName(value, out var s) ? s : null,
            _ => null,
        };
    }

    /// <summary>The string forms shared by JSON and text: returns bytes written, or -1 for none.</summary>
    private static int FormatJsonText(in DecodedEvent e, int index, Span<byte> d)
    {
        var f = e.Field(index);
        var bytes = e.Bytes(index);
        ulong number = e.Values[index].Number;
        switch (f.EffectiveOutType)
        {
            case OutType.HexInt8:
                Utf8Formatter.TryFormat((byte)number, d, out int h8, new StandardFormat('X', 2));
                return h8;
            case OutType.HexInt16:
                Utf8Formatter.TryFormat((ushort)number, d, out int h16, new StandardFormat('X', 4));
                return h16;
            case OutType.HexInt32:
            case OutType.Win32Error when f.InType == InType.HexInt32:
                // The catalog's format: eight digits, no prefix ("00000000").
                Utf8Formatter.TryFormat((uint)number, d, out int h32, new StandardFormat('X', 8));
                return h32;
            case OutType.NTStatus:
            case OutType.Win32Error:
            case OutType.HResult:
            case OutType.ErrorCode:
                return Hex32(d, (uint)number, prefix: true).Length;
            case OutType.HexInt64:
            case OutType.CodePointer:
                // Pointers and 64-bit hex as "0x6DC": no leading zeros.
                d[0] = (byte)'0';
                d[1] = (byte)'x';
                Utf8Formatter.TryFormat(number, d[2..], out int h64, new StandardFormat('X'));
                return 2 + h64;
            case OutType.IPv4:
                if (bytes.Length < 4) return HexOf(bytes, d);
                return AddressFormatter.FormatIPv4(bytes, d);
            case OutType.IPv6:
                if (bytes.Length < 16) return HexOf(bytes, d);
                return AddressFormatter.FormatIPv6(bytes, d);
            case OutType.SocketAddress:
                return AddressFormatter.FormatSocketAddress(bytes, d);
            case OutType.Guid:
                if (bytes.Length < 16) return HexOf(bytes, d);
                new Guid(bytes[..16]).TryFormat(d, out int g, "B");
                System.Text.Ascii.ToUpperInPlace(d[..g], out _);
                return g;
            case OutType.DateTime or OutType.DateTimeUtc or OutType.CultureInsensitiveDateTime:
                if (f.InType == InType.FileTime) return FormatFileTime((long)number, d);
                if (f.InType == InType.SystemTime && bytes.Length >= 16) return FormatSystemTime(bytes, d);
                break;
        }
        switch (f.InType)
        {
            case InType.UnicodeString:
            case InType.CountedString:
                System.Text.Unicode.Utf8.FromUtf16(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, char>(bytes[..(bytes.Length & ~1)]), d, out _, out int written, replaceInvalidSequences: true);
                return written;
            case InType.AnsiString:
            case InType.CountedAnsiString:
                // 8-bit strings are UTF-8 (TraceLogging's Utf8 out-type, and most providers) or Windows-1252 (the
                // TraceLogging default): bytes that are no UTF-8 are read as 1252 instead of replaced.
                if (!System.Text.Unicode.Utf8.IsValid(bytes)) return CharsToUtf8(InType.UInt8, bytes, d);
                bytes.CopyTo(d);
                return bytes.Length;
            case InType.Sid:
                return SidText.TryFormat(bytes, d, out int sidLength) ? sidLength : HexOf(bytes, d);
            case InType.Binary:
            case InType.CountedBinary:
                return HexOf(bytes, d);
        }
        Utf8Formatter.TryFormat(number, d, out int plain);
        return plain;
    }

    private static int MaxTextLength(in DecodedEvent e, int index)
    {
        int bytes = e.Bytes(index).Length;
        return Math.Max(AddressFormatter.MaxLength, bytes * 3 + 64);
    }

    private Span<byte> Scratch(int size)
    {
        if (_scratch.Length < size + 2) _scratch = new byte[Math.Max(size + 2, _scratch.Length * 2)];
        return _scratch.AsSpan(1, size);
    }

    /// <summary>Wraps the text already in the scratch buffer (which has room before and after) in quotes.</summary>
    private ReadOnlySpan<byte> Quote(int n)
    {
        _scratch[0] = (byte)'"';
        _scratch[n + 1] = (byte)'"';
        return _scratch.AsSpan(0, n + 2);
    }

    /// <summary>Out-types whose text is ASCII with nothing JSON must escape, so it can go in raw.</summary>
    private static bool IsPlainAscii(FieldSchema f, ValueForm form) =>
        form is ValueForm.Text or ValueForm.Status && f.EffectiveOutType is OutType.HexInt8 or OutType.HexInt16 or OutType.HexInt32 or OutType.HexInt64 or OutType.IPv4
            or OutType.IPv6 or OutType.SocketAddress or OutType.Guid or OutType.HexBinary or OutType.NTStatus
            or OutType.Win32Error or OutType.HResult or OutType.CodePointer
        && f.InType is not (InType.UnicodeString or InType.AnsiString or InType.CountedString or InType.CountedAnsiString);

    private static bool IsInteger(InType t) => t is InType.Int8 or InType.UInt8 or InType.Int16 or InType.UInt16 or InType.Int32
        or InType.UInt32 or InType.Int64 or InType.UInt64 or InType.HexInt32 or InType.HexInt64 or InType.Boolean;

    private static ReadOnlySpan<byte> Hex32(Span<byte> d, uint value, bool prefix)
    {
        int n = 0;
        if (prefix) { d[0] = (byte)'0'; d[1] = (byte)'x'; n = 2; }
        Utf8Formatter.TryFormat(value, d[n..], out int w, new StandardFormat('X', 8));
        return d[..(n + w)];
    }

    private static int HexOf(ReadOnlySpan<byte> bytes, Span<byte> d)
    {
        Convert.TryToHexString(bytes.Length > d.Length / 2 ? bytes[..(d.Length / 2)] : bytes, d, out int n);
        return n;
    }

    /// <summary>
    /// The UTF-8 of a name from a table or map. The same few hundred strings come back for millions of events, so
    /// their bytes are kept (by reference, bounded) instead of encoded each time.
    /// </summary>
    private byte[] Utf8(string s)
    {
        if (!_utf8.TryGetValue(s, out var bytes))
        {
            bytes = Encoding.UTF8.GetBytes(s);
            if (_utf8.Count < 4096) _utf8[s] = bytes;
        }
        return bytes;
    }

    private static int FormatFileTime(long fileTime, Span<byte> d)
    {
        var t = Etl.EtlClock.FromFileTime(fileTime);
        t.TryFormat(d, out int n, "yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
        return n;
    }

    private static int FormatSystemTime(ReadOnlySpan<byte> b, Span<byte> d)
    {
        int year = BinaryPrimitives.ReadUInt16LittleEndian(b), month = BinaryPrimitives.ReadUInt16LittleEndian(b[2..]);
        int day = BinaryPrimitives.ReadUInt16LittleEndian(b[6..]), hour = BinaryPrimitives.ReadUInt16LittleEndian(b[8..]);
        int minute = BinaryPrimitives.ReadUInt16LittleEndian(b[10..]), second = BinaryPrimitives.ReadUInt16LittleEndian(b[12..]);
        int ms = BinaryPrimitives.ReadUInt16LittleEndian(b[14..]);
        try
        {
            new DateTime(year, month, day, hour, minute, second, ms).TryFormat(d, out int n, "yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
            return n;
        }
        catch (ArgumentOutOfRangeException)
        {
            return HexOf(b[..16], d);
        }
    }

    // Structs and arrays. Their members and elements are laid out again from the aggregate's bytes with the
    // decoder's own measure, and each scalar goes through a one-field view of its bytes, so a value inside a struct
    // or array renders exactly as the same value at the top level does.
    private FieldValue[] _element = new FieldValue[32];
    private int _budget;
    private ArrayBufferWriter<byte>? _aggregateText;
    private Utf8JsonWriter? _aggregateJson;

    private void WriteAggregateJson(Utf8JsonWriter json, in DecodedEvent e, int index)
    {
        _budget = MaxValuesPerField;
        if (_element.Length < e.Count) _element = new FieldValue[Math.Max(e.Count, _element.Length * 2)];
        int count = (int)Math.Min(e.Values[index].Number, int.MaxValue);
        WriteAggregate(json, e, index, e.Bytes(index), count, e.Values[..index], 0);
    }

    /// <summary>Writes struct or array field <paramref name="i"/>, whose elements are <paramref name="value"/>.</summary>
    private void WriteAggregate(Utf8JsonWriter json, in DecodedEvent e, int i, ReadOnlySpan<byte> value, int count,
        ReadOnlySpan<FieldValue> refs, int depth)
    {
        var fields = e.Schema.Fields;
        var f = fields[i];
        if (f.InType == InType.Struct)
        {
            bool array = PayloadDecoder.IsArray(f);
            int next = PayloadDecoder.NextField(fields, i);
            if (array) json.WriteStartArray();
            int pos = 0;
            for (int n = 0; n < count && _budget > 0; n++)
            {
                _budget--;
                json.WriteStartObject();
                for (int m = i + 1; m < next && _budget > 0;)
                {
                    if (!PayloadDecoder.Measure(fields, m, value[pos..], e.PointerSize, refs, depth + 1, out var x)) break;
                    _budget--;
                    json.WritePropertyName(fields[m].Name);
                    var bytes = value.Slice(pos + x.ValueOffset, x.ValueLength);
                    if (PayloadDecoder.IsAggregate(fields[m])) WriteAggregate(json, e, m, bytes, x.Count, refs, depth + 1);
                    else WriteElementJson(json, e, m, bytes);
                    pos += x.Consumed;
                    m = x.Next;
                }
                json.WriteEndObject();
            }
            if (array) json.WriteEndArray();
            return;
        }
        if (ValueForms.IsCharType(f.InType) && f.OutType == OutType.String)
        {
            // An array of characters is text: one string, as a person would read it.
            var d = Scratch(value.Length * 3 + 8);
            json.WriteStringValue(d[..CharsToUtf8(f.InType, value, d)]);
            return;
        }
        json.WriteStartArray();
        int width = PayloadDecoder.ElementWidth(f, e.PointerSize, refs);
        int p = 0;
        for (int n = 0; n < count && _budget > 0; n++)
        {
            _budget--;
            int offset = 0, length = width, consumed = width;
            if (width >= 0 ? width > value.Length - p : !PayloadDecoder.ScalarExtent(f, value[p..], out offset, out length, out consumed)) break;
            WriteElementJson(json, e, i, value.Slice(p + offset, length));
            p += consumed;
        }
        json.WriteEndArray();
    }

    /// <summary>Writes one scalar element or member of field <paramref name="field"/>, whose bytes are <paramref name="bytes"/>.</summary>
    private void WriteElementJson(Utf8JsonWriter json, in DecodedEvent e, int field, ReadOnlySpan<byte> bytes)
    {
        var f = e.Schema.Fields[field];
        ulong number = IsFixedNumber(f.InType) && bytes.Length > 0 ? PayloadDecoder.ReadNumber(f.InType, bytes) : 0;
        _element[field] = new FieldValue { Offset = 0, Length = bytes.Length, Number = number };
        var view = new DecodedEvent(e.Schema, _element.AsSpan(0, e.Count), bytes, e.PointerSize, DecodeStatus.Complete);
        WriteScalarJson(json, view, field, f);
    }

    /// <summary>
    /// A struct's or array's text: an array of characters as the text itself, anything else as compact JSON
    /// (cells and messages have no better form for nested values). Valid until the next call.
    /// </summary>
    private ReadOnlySpan<byte> AggregateText(in DecodedEvent e, int index)
    {
        var f = e.Field(index);
        if (f.InType != InType.Struct && ValueForms.IsCharType(f.InType) && f.OutType == OutType.String)
        {
            var bytes = e.Bytes(index);
            var d = Scratch(bytes.Length * 3 + 8);
            return d[..CharsToUtf8(f.InType, bytes, d)];
        }
        _aggregateText ??= new ArrayBufferWriter<byte>(256);
        _aggregateJson ??= new Utf8JsonWriter(_aggregateText,
            new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        _aggregateText.ResetWrittenCount();
        _aggregateJson.Reset();
        WriteAggregateJson(_aggregateJson, e, index);
        _aggregateJson.Flush();
        return _aggregateText.WrittenSpan;
    }

    private static bool IsFixedNumber(InType t) => t is InType.Int8 or InType.UInt8 or InType.Int16 or InType.UInt16 or InType.Int32
        or InType.UInt32 or InType.Int64 or InType.UInt64 or InType.HexInt32 or InType.HexInt64 or InType.Float or InType.Double
        or InType.Boolean or InType.FileTime or InType.Pointer or InType.SizeT;

    /// <summary>
    /// Characters to UTF-8, trailing NULs dropped: UInt16 as UTF-16 code units (unpaired surrogates replaced),
    /// 8-bit as Windows-1252, the code page TraceLogging gives 8-bit characters. Needs 3 bytes of room per byte.
    /// </summary>
    private static int CharsToUtf8(InType type, ReadOnlySpan<byte> bytes, Span<byte> d)
    {
        if (type == InType.UInt16)
        {
            var chars = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, char>(bytes[..(bytes.Length & ~1)]);
            chars = chars.TrimEnd('\0');
            System.Text.Unicode.Utf8.FromUtf16(chars, d, out _, out int written, replaceInvalidSequences: true);
            return written;
        }
        bytes = bytes.TrimEnd((byte)0);
        int n = 0;
        foreach (byte b in bytes)
        {
            if (b < 0x80) { d[n++] = b; continue; }
            var rune = new Rune(b < 0xA0 ? Cp1252High[b - 0x80] : (char)b);
            n += rune.EncodeToUtf8(d[n..]);
        }
        return n;
    }

    // Windows-1252 0x80-0x9F (the five unassigned bytes map to the C1 controls, as Windows' own conversion does).
    private static ReadOnlySpan<char> Cp1252High =>
        "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
        "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";
}
