using System.Buffers.Binary;
using System.Text;

namespace Sockscope.Schema;

/// <summary>
/// Lays out an event payload from its schema and field values, as the provider would write it: pointers in the
/// record's pointer size, Booleans in 4 bytes, strings NUL-terminated, and a Binary's length field filled from its
/// bytes unless set. Unset fields are zero (or empty). For writing traces (samples, tests, synthesised scenarios) and
/// for reading JSON events back into records.
/// </summary>
/// <remarks>
/// One builder can be <see cref="Reset"/> from event to event: its arrays, the field bytes and the payload are kept
/// and grown, so a reader that builds one payload per line allocates nothing per line.
/// </remarks>
internal sealed class PayloadBuilder
{
    private EventSchema _schema;
    private int _pointerSize;
    private ulong[] _numbers = [];
    private bool[] _numberSet = [];
    // Each field's bytes in _values: start and length, length -1 when unset.
    private int[] _bytesStart = [];
    private int[] _bytesLength = [];
    private byte[] _values = new byte[256];
    private int _valuesUsed;
    private byte[] _payload = new byte[256];
    private int _payloadLength;

    /// <summary>Starts a payload for <paramref name="schema"/> with pointers of <paramref name="pointerSize"/> bytes.</summary>
    public PayloadBuilder(EventSchema schema, int pointerSize)
    {
        _schema = schema;
        Reset(schema, pointerSize);
    }

    /// <summary>A builder to <see cref="Reset"/> before each payload.</summary>
    public PayloadBuilder() => _schema = null!;

    /// <summary>The schema.</summary>
    public EventSchema Schema => _schema;

    /// <summary>Starts over: a payload for <paramref name="schema"/> with no field set.</summary>
    public void Reset(EventSchema schema, int pointerSize)
    {
        if (pointerSize is not (4 or 8)) throw new ArgumentOutOfRangeException(nameof(pointerSize));
        _schema = schema;
        _pointerSize = pointerSize;
        int count = schema.Fields.Count;
        if (_numbers.Length < count)
        {
            _numbers = new ulong[count];
            _numberSet = new bool[count];
            _bytesStart = new int[count];
            _bytesLength = new int[count];
        }
        Array.Clear(_numbers, 0, count);
        Array.Clear(_numberSet, 0, count);
        _bytesLength.AsSpan(0, count).Fill(-1);
        _valuesUsed = 0;
    }

    /// <summary>Sets an integer, pointer or Boolean field (Boolean: 0 or 1).</summary>
    public PayloadBuilder Set(string field, ulong value)
    {
        Set(Index(field), value);
        return this;
    }

    /// <summary>Sets the integer, pointer or Boolean field at <paramref name="index"/>.</summary>
    public void Set(int index, ulong value)
    {
        _numbers[index] = value;
        _numberSet[index] = true;
    }

    /// <summary>Sets a Boolean field.</summary>
    public PayloadBuilder Set(string field, bool value) => Set(field, value ? 1UL : 0UL);

    /// <summary>Sets a Binary, GUID, SID or fixed-layout field from raw bytes.</summary>
    public PayloadBuilder Set(string field, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(Index(field), bytes.Length));
        return this;
    }

    /// <summary>
    /// Room for the bytes of the field at <paramref name="index"/>, which become its value: the caller fills them
    /// (valid until the next call).
    /// </summary>
    public Span<byte> Reserve(int index, int length)
    {
        if (_values.Length - _valuesUsed < length) Array.Resize(ref _values, Math.Max(_values.Length * 2, _valuesUsed + length));
        _bytesStart[index] = _valuesUsed;
        _bytesLength[index] = length;
        _valuesUsed += length;
        return _values.AsSpan(_valuesUsed - length, length);
    }

    /// <summary>Sets a GUID field.</summary>
    public PayloadBuilder Set(string field, Guid value)
    {
        value.TryWriteBytes(Reserve(Index(field), 16));
        return this;
    }

    /// <summary>Sets a string field.</summary>
    public PayloadBuilder Set(string field, string text)
    {
        SetText(Index(field), text);
        return this;
    }

    /// <summary>Sets the string field at <paramref name="index"/>: UTF-8 for an ANSI string, UTF-16 for the others.</summary>
    public void SetText(int index, ReadOnlySpan<char> text)
    {
        var encoding = _schema.Fields[index].InType is InType.AnsiString or InType.CountedAnsiString ? Encoding.UTF8 : Encoding.Unicode;
        var bytes = Reserve(index, encoding.GetByteCount(text));
        encoding.GetBytes(text, bytes);
    }

    /// <summary>The payload's bytes.</summary>
    public byte[] ToArray() => Build().ToArray();

    /// <summary>The payload's bytes, valid until the builder is next used.</summary>
    public ReadOnlySpan<byte> Build()
    {
        var fields = _schema.Fields;
        // Fill length fields from the bytes they measure, unless set explicitly.
        for (int i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            if (f.LengthField >= 0 && !_numberSet[f.LengthField] && _bytesLength[i] >= 0)
                _numbers[f.LengthField] = f.InType == InType.UnicodeString ? (ulong)(_bytesLength[i] / 2) : (ulong)_bytesLength[i];
        }
        _payloadLength = 0;
        for (int i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            ulong n = _numbers[i];
            bool set = _bytesLength[i] >= 0;
            var data = set ? _values.AsSpan(_bytesStart[i], _bytesLength[i]) : default;
            switch (f.InType)
            {
                case InType.Int8: case InType.UInt8: Room(1)[0] = (byte)n; break;
                case InType.Int16: case InType.UInt16:
                    if (data.Length == 2) data.CopyTo(Room(2));
                    else BinaryPrimitives.WriteUInt16LittleEndian(Room(2), (ushort)n);
                    break;
                case InType.Int32: case InType.UInt32: case InType.HexInt32: case InType.Boolean: case InType.Float:
                    if (data.Length == 4) data.CopyTo(Room(4));
                    else BinaryPrimitives.WriteUInt32LittleEndian(Room(4), (uint)n);
                    break;
                case InType.Int64: case InType.UInt64: case InType.HexInt64: case InType.Double: case InType.FileTime:
                    BinaryPrimitives.WriteUInt64LittleEndian(Room(8), n);
                    break;
                case InType.Pointer: case InType.SizeT:
                    if (_pointerSize == 4) BinaryPrimitives.WriteUInt32LittleEndian(Room(4), (uint)n);
                    else BinaryPrimitives.WriteUInt64LittleEndian(Room(8), n);
                    break;
                case InType.Guid: case InType.SystemTime:
                    Fit(data, 16);
                    break;
                case InType.Binary:
                    int length = f.LengthField >= 0 ? (int)Math.Min(_numbers[f.LengthField], 1 << 20) : Math.Max(f.FixedLength, 0);
                    Fit(data, length);
                    break;
                case InType.UnicodeString:
                    if (f.FixedLength >= 0) Fit(data, f.FixedLength * 2);
                    else { data.CopyTo(Room(data.Length)); Room(2).Clear(); }
                    break;
                case InType.AnsiString:
                    if (f.FixedLength >= 0) Fit(data, f.FixedLength);
                    else { data.CopyTo(Room(data.Length)); Room(1).Clear(); }
                    break;
                case InType.CountedString: case InType.CountedAnsiString: case InType.CountedBinary:
                    BinaryPrimitives.WriteUInt16LittleEndian(Room(2), (ushort)data.Length);
                    data.CopyTo(Room(data.Length));
                    break;
                case InType.Sid:
                    if (set) data.CopyTo(Room(data.Length));
                    else ((ReadOnlySpan<byte>)[1, 0, 0, 0, 0, 0, 0, 0]).CopyTo(Room(8));
                    break;
                default:
                    throw new NotSupportedException($"field {f.Name}: in-type {f.InType} cannot be written");
            }
        }
        return _payload.AsSpan(0, _payloadLength);
    }

    /// <summary>The next <paramref name="length"/> bytes of the payload, to write.</summary>
    private Span<byte> Room(int length)
    {
        if (_payload.Length - _payloadLength < length) Array.Resize(ref _payload, Math.Max(_payload.Length * 2, _payloadLength + length));
        _payloadLength += length;
        return _payload.AsSpan(_payloadLength - length, length);
    }

    /// <summary>Writes <paramref name="data"/> cut or padded with zeros to <paramref name="length"/> bytes.</summary>
    private void Fit(ReadOnlySpan<byte> data, int length)
    {
        var room = Room(length);
        int n = Math.Min(length, data.Length);
        data[..n].CopyTo(room);
        room[n..].Clear();
    }

    private int Index(string field)
    {
        int i = _schema.IndexOf(field);
        if (i < 0) throw new ArgumentException($"{_schema.Provider.Name} event {_schema.Id} has no field {field}", nameof(field));
        return i;
    }
}
