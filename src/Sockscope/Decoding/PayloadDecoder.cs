using System.Buffers.Binary;
using Sockscope.Schema;

namespace Sockscope.Decoding;

/// <summary>
/// Lays a template over a payload: finds where each field lies and reads integers, never reading past the payload
/// and never throwing. A payload shorter than its template yields the fields it holds; a longer one, its fields and
/// a flag.
/// </summary>
/// <remarks>
/// Structs and arrays (TraceLogging and manifest templates) get one value spanning all their bytes, whose
/// <see cref="FieldValue.Number"/> is the element count; a struct's members get no value of their own (they are
/// laid out again, element by element, by whoever renders the struct), so a consumer that walks the top-level
/// fields sees each struct once.
/// </remarks>
internal static class PayloadDecoder
{
    /// <summary>
    /// The <see cref="FieldSchema.CountField"/> of an array whose element count is a UInt16 just before its
    /// elements in the payload (TraceLogging's variable-count arrays), rather than an earlier field.
    /// </summary>
    public const int CountInPayload = -2;

    /// <summary>The deepest nesting of structs laid out; deeper templates are refused where they are built.</summary>
    public const int MaxDepth = 32;

    /// <summary>True for an array: a constant count other than 1, or a count from a field or the payload.</summary>
    public static bool IsArray(FieldSchema f) => f.CountField != -1 || f.FixedCount != 1;

    /// <summary>True for a struct or an array: fields whose value spans elements rather than holding one number.</summary>
    public static bool IsAggregate(FieldSchema f) => f.InType == InType.Struct || f.CountField != -1 || f.FixedCount != 1;

    /// <summary>Decodes <paramref name="payload"/> into <paramref name="values"/> (one per field of the schema).</summary>
    public static DecodeStatus Decode(IReadOnlyList<FieldSchema> fields, ReadOnlySpan<byte> payload, int pointerSize, Span<FieldValue> values)
    {
        int at = 0;
        var status = DecodeStatus.Complete;
        for (int i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            if (f.InType == InType.Struct || f.CountField < -1)
            {
                // Not by ref: a local whose address is taken stays in memory for the whole loop.
                var (next, taken) = DecodeAggregate(fields, i, payload, at, pointerSize, values);
                if (next < 0) return status | DecodeStatus.Truncated;
                at += taken;
                i = next - 1;
                continue;
            }
            int size = ElementWidth(f, pointerSize, values);
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
                // An array's number is its element count; its elements are read from its bytes.
                ulong number = count == 1 && f.CountField == -1 ? ReadNumber(f.InType, payload.Slice(at, size)) : (ulong)count;
                values[i] = new FieldValue { Offset = at, Length = (int)total, Number = number };
                at += (int)total;
                continue;
            }
            if (count != 1 || f.CountField >= 0)
            {
                // An array of strings, SIDs or counted values: each element measures itself.
                var (next, taken) = DecodeAggregate(fields, i, payload, at, pointerSize, values);
                if (next < 0) return status | DecodeStatus.Truncated;
                at += taken;
                i = next - 1;
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
                case InType.AnsiString:
                    bool wide = f.InType == InType.UnicodeString;
                    length = wide ? FindUtf16Terminator(rest) : rest.IndexOf((byte)0);
                    if (length < 0)
                    {
                        // No terminator: the string takes the rest of the payload and nothing can follow it.
                        values[i] = new FieldValue { Offset = at, Length = wide ? rest.Length & ~1 : rest.Length };
                        for (int j = i + 1; j < fields.Count; j++) values[j] = FieldValue.Missing;
                        return status | DecodeStatus.Truncated;
                    }
                    consumed = length + (wide ? 2 : 1);
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

    /// <summary>
    /// Lays out the struct or array at field <paramref name="i"/>, which starts at <paramref name="at"/>: one value
    /// spanning its elements (after a variable-count array's count), no value for a struct's members. Returns the
    /// index of the field after it and the bytes it took, or -1 when the payload ended inside it (it and later
    /// fields are then missing).
    /// </summary>
    private static (int Next, int Consumed) DecodeAggregate(IReadOnlyList<FieldSchema> fields, int i, ReadOnlySpan<byte> payload,
        int at, int pointerSize, Span<FieldValue> values)
    {
        if (!Measure(fields, i, payload[at..], pointerSize, values[..i], 0, out var extent))
        {
            for (int j = i; j < fields.Count; j++) values[j] = FieldValue.Missing;
            return (-1, 0);
        }
        values[i] = new FieldValue { Offset = at + extent.ValueOffset, Length = extent.ValueLength, Number = (ulong)extent.Count };
        for (int j = i + 1; j < extent.Next; j++) values[j] = FieldValue.Missing;
        return (extent.Next, extent.Consumed);
    }

    /// <summary>Where one field (a scalar, an array, or a struct with its members) lies at the start of some bytes.</summary>
    internal struct Extent
    {
        /// <summary>Where the value starts: after a counted value's or variable-count array's UInt16, else 0.</summary>
        public int ValueOffset;
        /// <summary>Bytes of the value: a string without its terminator, all elements of an array or struct.</summary>
        public int ValueLength;
        /// <summary>Bytes the field takes in all.</summary>
        public int Consumed;
        /// <summary>Element count (1 for a scalar or a plain struct).</summary>
        public int Count;
        /// <summary>Index of the field after this one and its members.</summary>
        public int Next;
    }

    /// <summary>
    /// Measures field <paramref name="i"/> at the start of <paramref name="rest"/>; false when the bytes end inside
    /// it or the template is malformed. <paramref name="refs"/> holds the top-level values a length or count may
    /// name (only fields before the top-level field being laid out, so nothing stale is read).
    /// </summary>
    internal static bool Measure(IReadOnlyList<FieldSchema> fields, int i, ReadOnlySpan<byte> rest, int pointerSize,
        ReadOnlySpan<FieldValue> refs, int depth, out Extent extent)
    {
        extent = default;
        if (depth > MaxDepth || (uint)i >= (uint)fields.Count) return false;
        var f = fields[i];
        int at = 0, count;
        if (f.CountField == CountInPayload)
        {
            if (rest.Length < 2) return false;
            count = BinaryPrimitives.ReadUInt16LittleEndian(rest);
            at = 2;
        }
        else if (f.CountField >= 0)
            count = f.CountField < refs.Length && refs[f.CountField].IsPresent ? (int)Math.Min(refs[f.CountField].Number, int.MaxValue) : f.FixedCount;
        else count = Math.Max(f.FixedCount, 0);

        if (f.InType == InType.Struct)
        {
            int next = NextField(fields, i, depth);
            if (next < 0) return false;
            int pos = at;
            for (int e = 0; e < count; e++)
            {
                int start = pos;
                for (int m = i + 1; m < next;)
                {
                    if (!Measure(fields, m, rest[pos..], pointerSize, refs, depth + 1, out var member)) return false;
                    pos += member.Consumed;
                    m = member.Next;
                }
                // Elements are laid out alike from alike bytes: one that took nothing means all the rest take nothing.
                if (pos == start) break;
            }
            extent = new Extent { ValueOffset = at, ValueLength = pos - at, Consumed = pos, Count = count, Next = next };
            return true;
        }

        bool array = IsArray(f);
        int width = ElementWidth(f, pointerSize, refs);
        if (width >= 0)
        {
            long total = (long)width * count;
            if (total > rest.Length - at) return false;
            extent = new Extent { ValueOffset = at, ValueLength = (int)total, Consumed = at + (int)total, Count = count, Next = i + 1 };
            return true;
        }
        if (!array)
        {
            if (!ScalarExtent(f, rest, out int valueOffset, out int valueLength, out int consumed)) return false;
            extent = new Extent { ValueOffset = valueOffset, ValueLength = valueLength, Consumed = consumed, Count = 1, Next = i + 1 };
            return true;
        }
        int p = at;
        for (int e = 0; e < count; e++)
        {
            if (!ScalarExtent(f, rest[p..], out _, out _, out int consumed)) return false;
            p += consumed;
        }
        extent = new Extent { ValueOffset = at, ValueLength = p - at, Consumed = p, Count = count, Next = i + 1 };
        return true;
    }

    /// <summary>
    /// Where one variable-size element lies: NUL-terminated strings up to their terminator, counted values after
    /// their UInt16 byte count, SIDs by their sub-authority count. False when the bytes end inside it.
    /// </summary>
    internal static bool ScalarExtent(FieldSchema f, ReadOnlySpan<byte> rest, out int valueOffset, out int valueLength, out int consumed)
    {
        valueOffset = 0;
        switch (f.InType)
        {
            case InType.UnicodeString:
                valueLength = FindUtf16Terminator(rest);
                consumed = valueLength + 2;
                return valueLength >= 0;
            case InType.AnsiString:
                valueLength = rest.IndexOf((byte)0);
                consumed = valueLength + 1;
                return valueLength >= 0;
            case InType.CountedString:
            case InType.CountedAnsiString:
            case InType.CountedBinary:
                valueOffset = 2;
                valueLength = rest.Length < 2 ? -1 : BinaryPrimitives.ReadUInt16LittleEndian(rest);
                consumed = 2 + valueLength;
                return valueLength >= 0 && valueLength <= rest.Length - 2;
            case InType.Sid:
                valueLength = SidLength(rest);
                consumed = valueLength;
                return valueLength >= 0;
            default:
                valueLength = consumed = 0;
                return false;
        }
    }

    /// <summary>
    /// The index after field <paramref name="i"/> and, for a struct, its members (nested structs with theirs); -1
    /// when the members run past the template or nest deeper than <see cref="MaxDepth"/>.
    /// </summary>
    internal static int NextField(IReadOnlyList<FieldSchema> fields, int i, int depth = 0)
    {
        if ((uint)i >= (uint)fields.Count) return -1;
        if (fields[i].InType != InType.Struct) return i + 1;
        if (depth >= MaxDepth) return -1;
        int next = i + 1;
        for (int m = 0; m < fields[i].StructMembers; m++)
        {
            if (next >= fields.Count) return -1;
            next = NextField(fields, next, depth + 1);
            if (next < 0) return -1;
        }
        return next;
    }

    /// <summary>Bytes one element takes when fixed (scalars, fixed or field-given lengths), else -1.</summary>
    internal static int ElementWidth(FieldSchema f, int pointerSize, ReadOnlySpan<FieldValue> refs)
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
                if (f.LengthField >= 0) return RefNumber(refs, f.LengthField, 1);
                return Math.Max(f.FixedLength, 0);
            case InType.UnicodeString:
                return f.FixedLength >= 0 ? f.FixedLength * 2 : f.LengthField >= 0 ? RefNumber(refs, f.LengthField, 2) : -1;
            case InType.AnsiString:
                return f.FixedLength >= 0 ? f.FixedLength : f.LengthField >= 0 ? RefNumber(refs, f.LengthField, 1) : -1;
            default: return -1;
        }
    }

    private static int RefNumber(ReadOnlySpan<FieldValue> refs, int index, int unit) =>
        index < refs.Length && refs[index].IsPresent ? (int)Math.Min(refs[index].Number * (ulong)unit, int.MaxValue) : 0;

    /// <summary>The number a fixed-size scalar's bytes hold (sign-extended for signed in-types), as in <see cref="FieldValue.Number"/>.</summary>
    internal static ulong ReadNumber(InType type, ReadOnlySpan<byte> b) => type switch
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
