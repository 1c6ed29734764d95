using System.Buffers.Binary;
using System.Text;

namespace Sockscope.Schema;

/// <summary>
/// Lays out an event payload from its schema and field values, as the provider would write it: pointers in the
/// record's pointer size, Booleans in 4 bytes, strings NUL-terminated, and a Binary's length field filled from its
/// bytes unless set. Unset fields are zero (or empty). For writing traces (samples, tests, synthesised scenarios).
/// </summary>
internal sealed class PayloadBuilder
{
    private readonly EventSchema _schema;
    private readonly int _pointerSize;
    private readonly ulong[] _numbers;
    private readonly byte[]?[] _bytes;
    private readonly bool[] _numberSet;

    /// <summary>Starts a payload for <paramref name="schema"/> with pointers of <paramref name="pointerSize"/> bytes.</summary>
    public PayloadBuilder(EventSchema schema, int pointerSize)
    {
        if (pointerSize is not (4 or 8)) throw new ArgumentOutOfRangeException(nameof(pointerSize));
        _schema = schema;
        _pointerSize = pointerSize;
        _numbers = new ulong[schema.Fields.Count];
        _bytes = new byte[schema.Fields.Count][];
        _numberSet = new bool[schema.Fields.Count];
    }

    /// <summary>The schema.</summary>
    public EventSchema Schema => _schema;

    /// <summary>Sets an integer, pointer or Boolean field (Boolean: 0 or 1).</summary>
    public PayloadBuilder Set(string field, ulong value)
    {
        int i = Index(field);
        _numbers[i] = value;
        _numberSet[i] = true;
        return this;
    }

    /// <summary>Sets a Boolean field.</summary>
    public PayloadBuilder Set(string field, bool value) => Set(field, value ? 1UL : 0UL);

    /// <summary>Sets a Binary, GUID, SID or fixed-layout field from raw bytes.</summary>
    public PayloadBuilder Set(string field, ReadOnlySpan<byte> bytes)
    {
        _bytes[Index(field)] = bytes.ToArray();
        return this;
    }

    /// <summary>Sets a GUID field.</summary>
    public PayloadBuilder Set(string field, Guid value) => Set(field, value.ToByteArray());

    /// <summary>Sets a string field.</summary>
    public PayloadBuilder Set(string field, string text)
    {
        int i = Index(field);
        var f = _schema.Fields[i];
        _bytes[i] = f.InType is InType.AnsiString or InType.CountedAnsiString ? Encoding.UTF8.GetBytes(text) : Encoding.Unicode.GetBytes(text);
        return this;
    }

    /// <summary>The payload's bytes.</summary>
    public byte[] ToArray()
    {
        var fields = _schema.Fields;
        // Fill length fields from the bytes they measure, unless set explicitly.
        for (int i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            if (f.LengthField >= 0 && !_numberSet[f.LengthField] && _bytes[i] is { } data)
                _numbers[f.LengthField] = f.InType == InType.UnicodeString ? (ulong)(data.Length / 2) : (ulong)data.Length;
        }
        using var stream = new MemoryStream();
        Span<byte> scratch = stackalloc byte[16];
        for (int i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            ulong n = _numbers[i];
            byte[]? data = _bytes[i];
            switch (f.InType)
            {
                case InType.Int8: case InType.UInt8: stream.WriteByte((byte)n); break;
                case InType.Int16: case InType.UInt16:
                    if (data is { Length: 2 }) stream.Write(data);
                    else { BinaryPrimitives.WriteUInt16LittleEndian(scratch, (ushort)n); stream.Write(scratch[..2]); }
                    break;
                case InType.Int32: case InType.UInt32: case InType.HexInt32: case InType.Boolean: case InType.Float:
                    if (data is { Length: 4 }) stream.Write(data);
                    else { BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)n); stream.Write(scratch[..4]); }
                    break;
                case InType.Int64: case InType.UInt64: case InType.HexInt64: case InType.Double: case InType.FileTime:
                    BinaryPrimitives.WriteUInt64LittleEndian(scratch, n);
                    stream.Write(scratch[..8]);
                    break;
                case InType.Pointer: case InType.SizeT:
                    if (_pointerSize == 4) { BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)n); stream.Write(scratch[..4]); }
                    else { BinaryPrimitives.WriteUInt64LittleEndian(scratch, n); stream.Write(scratch[..8]); }
                    break;
                case InType.Guid: case InType.SystemTime:
                    stream.Write(Fit(data, 16));
                    break;
                case InType.Binary:
                    int length = f.LengthField >= 0 ? (int)Math.Min(_numbers[f.LengthField], 1 << 20) : Math.Max(f.FixedLength, 0);
                    stream.Write(Fit(data, length));
                    break;
                case InType.UnicodeString:
                    if (f.FixedLength >= 0) stream.Write(Fit(data, f.FixedLength * 2));
                    else { stream.Write(data ?? []); stream.WriteByte(0); stream.WriteByte(0); }
                    break;
                case InType.AnsiString:
                    if (f.FixedLength >= 0) stream.Write(Fit(data, f.FixedLength));
                    else { stream.Write(data ?? []); stream.WriteByte(0); }
                    break;
                case InType.CountedString: case InType.CountedAnsiString: case InType.CountedBinary:
                    BinaryPrimitives.WriteUInt16LittleEndian(scratch, (ushort)(data?.Length ?? 0));
                    stream.Write(scratch[..2]);
                    stream.Write(data ?? []);
                    break;
                case InType.Sid:
                    stream.Write(data ?? [1, 0, 0, 0, 0, 0, 0, 0]);
                    break;
                default:
                    throw new NotSupportedException($"field {f.Name}: in-type {f.InType} cannot be written");
            }
        }
        return stream.ToArray();
    }

    private static byte[] Fit(byte[]? data, int length)
    {
        var result = new byte[length];
        data?.AsSpan(0, Math.Min(length, data.Length)).CopyTo(result);
        return result;
    }

    private int Index(string field)
    {
        int i = _schema.IndexOf(field);
        if (i < 0) throw new ArgumentException($"{_schema.Provider.Name} event {_schema.Id} has no field {field}", nameof(field));
        return i;
    }
}
