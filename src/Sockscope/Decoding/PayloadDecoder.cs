using System.Buffers.Binary;
using Sockscope.Schema;

namespace Sockscope.Decoding;

/// <summary>
/// Lays a template over a payload: finds where each field lies and reads integers, never reading past the payload
/// and never throwing. A payload shorter than its template yields the fields it holds; a longer one, its fields and
/// a flag.
/// </summary>
public static class PayloadDecoder
{
    /// <summary>Decodes <paramref name="payload"/> into <paramref name="values"/> (one per field of the schema).</summary>
    public static DecodeStatus Decode(IReadOnlyList<FieldSchema> fields, ReadOnlySpan<byte> payload, int pointerSize, Span<FieldValue> values)
    {
        int at = 0;
        var status = DecodeStatus.Complete;
        for (int i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            int size = Width(f, pointerSize, values);
            int count = f.CountField >= 0 && values[f.CountField].IsPresent ? (int)Math.Min(values[f.CountField].Number, int.MaxValue) : f.FixedCount;
            if (size >= 0)
            {
                long total = (long)size * count;
                if (total > payload.Length - at)
                {
                    status |= DecodeStatus.Truncated;
                    values[i] = FieldValue.Missing;
                    for (int j = i + 1; j < fields.Count; j++) values[j] = FieldValue.Missing;
                    return status;
                }
                ulong number = 0;
                if (count == 1) number = ReadNumber(f.InType, payload.Slice(at, size));
                values[i] = new FieldValue { Offset = at, Length = (int)total, Number = number };
                at += (int)total;
                continue;
            }
            // Variable-size fields: strings up to their terminator, counted strings and SIDs.
            var rest = payload[at..];
            if (rest.IsEmpty)
            {
                status |= DecodeStatus.Truncated;
                for (int j = i; j < fields.Count; j++) values[j] = FieldValue.Missing;
                return status;
            }
            int length, consumed;
            switch (f.InType)
            {
                case InType.UnicodeString:
                    length = FindUtf16Terminator(rest);
                    consumed = length < 0 ? rest.Length & ~1 : length + 2;
                    if (length < 0) { length = rest.Length & ~1; status |= DecodeStatus.Truncated; }
                    break;
                case InType.AnsiString:
                    length = rest.IndexOf((byte)0);
                    consumed = length < 0 ? rest.Length : length + 1;
                    if (length < 0) { length = rest.Length; status |= DecodeStatus.Truncated; }
                    break;
                case InType.CountedString:
                case InType.CountedAnsiString:
                case InType.CountedBinary:
                    if (rest.Length < 2) { length = -1; consumed = 0; break; }
                    length = BinaryPrimitives.ReadUInt16LittleEndian(rest);
                    if (length > rest.Length - 2) { length = rest.Length - 2; status |= DecodeStatus.Truncated; }
                    values[i] = new FieldValue { Offset = at + 2, Length = length, Number = (ulong)length };
                    at += 2 + length;
                    continue;
                case InType.Sid:
                    length = SidLength(rest);
                    consumed = length;
                    if (length < 0) { length = rest.Length; consumed = rest.Length; status |= DecodeStatus.Truncated; }
                    break;
                default:
                    length = -1;
                    consumed = 0;
                    break;
            }
            if (length < 0)
            {
                status |= DecodeStatus.Truncated;
                for (int j = i; j < fields.Count; j++) values[j] = FieldValue.Missing;
                return status;
            }
            values[i] = new FieldValue { Offset = at, Length = length };
            at += consumed;
        }
        if (at < payload.Length) status |= DecodeStatus.ExtraBytes;
        return status;
    }

    /// <summary>Bytes one element of a fixed-layout field takes, or -1 for variable-size fields.</summary>
    private static int Width(FieldSchema f, int pointerSize, ReadOnlySpan<FieldValue> values)
    {
        switch (f.InType)
        {
            case InType.Int8: case InType.UInt8: return 1;
            case InType.Int16: case InType.UInt16: return 2;
            case InType.Int32: case InType.UInt32: case InType.HexInt32: case InType.Float: case InType.Boolean: return 4;
            case InType.Int64: case InType.UInt64: case InType.HexInt64: case InType.Double: case InType.FileTime: return 8;
            case InType.Pointer: case InType.SizeT: return pointerSize;
            case InType.Guid: case InType.SystemTime: return 16;
            case InType.Binary:
                if (f.LengthField >= 0) return values[f.LengthField].IsPresent ? (int)Math.Min(values[f.LengthField].Number, int.MaxValue) : 0;
                return Math.Max(f.FixedLength, 0);
            case InType.UnicodeString:
                return f.FixedLength >= 0 ? f.FixedLength * 2 : f.LengthField >= 0 ? (int)Math.Min(values[f.LengthField].Number * 2, int.MaxValue) : -1;
            case InType.AnsiString:
                return f.FixedLength >= 0 ? f.FixedLength : f.LengthField >= 0 ? (int)Math.Min(values[f.LengthField].Number, int.MaxValue) : -1;
            default: return -1;
        }
    }

    private static ulong ReadNumber(InType type, ReadOnlySpan<byte> b) => type switch
    {
        InType.Int8 => (ulong)(long)(sbyte)b[0],
        InType.UInt8 => b[0],
        InType.Int16 => (ulong)(long)BinaryPrimitives.ReadInt16LittleEndian(b),
        InType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
        InType.Int32 => (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(b),
        InType.UInt32 or InType.HexInt32 or InType.Boolean or InType.Float => BinaryPrimitives.ReadUInt32LittleEndian(b),
        InType.Int64 or InType.UInt64 or InType.HexInt64 or InType.Double or InType.FileTime => BinaryPrimitives.ReadUInt64LittleEndian(b),
        InType.Pointer or InType.SizeT => b.Length == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b),
        _ => 0,
    };

    private static int FindUtf16Terminator(ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i + 1 < bytes.Length; i += 2)
            if (bytes[i] == 0 && bytes[i + 1] == 0) return i;
        return -1;
    }

    private static int SidLength(ReadOnlySpan<byte> b)
    {
        if (b.Length < 8) return -1;
        int length = 8 + 4 * b[1];
        return b[1] <= 15 && length <= b.Length ? length : -1;
    }
}
