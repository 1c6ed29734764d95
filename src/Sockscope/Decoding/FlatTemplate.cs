using System.Buffers.Binary;
using Sockscope.Schema;

namespace Sockscope.Decoding;

/// <summary>
/// A template of plain fields (integers, pointers, Booleans, GUIDs, Binary with a fixed or field-given length,
/// NUL-terminated strings: every Winsock template) compiled to arrays, so decoding is one tight loop with no
/// interface calls or per-field type dispatch beyond a byte switch. Templates with structs or arrays are not flat and
/// go through <see cref="PayloadDecoder"/>'s general path.
/// </summary>
internal sealed class FlatTemplate
{
    private enum Kind : byte { Unsigned, Signed, Pointer, FixedBytes, FieldBytes, Utf16String, AnsiString }

    private readonly Kind[] _kinds;
    private readonly int[] _widths;
    private readonly int[] _lengthFields;
    private readonly bool[] _utf16Length;

    private FlatTemplate(Kind[] kinds, int[] widths, int[] lengthFields, bool[] utf16Length)
    {
        _kinds = kinds;
        _widths = widths;
        _lengthFields = lengthFields;
        _utf16Length = utf16Length;
    }

    /// <summary>The flat form of a schema's template (compiled on first use and kept on the schema), or null.</summary>
    public static FlatTemplate? Of(EventSchema schema)
    {
        // Decoders on several threads may share a schema: the flag is published after the template, so a thread
        // that sees it set sees the template too (two threads compiling the same one at once is harmless).
        if (!Volatile.Read(ref schema.TemplateCompiled))
        {
            schema.CompiledTemplate = TryCompile(schema.Fields);
            Volatile.Write(ref schema.TemplateCompiled, true);
        }
        return schema.CompiledTemplate as FlatTemplate;
    }

    /// <summary>Number of fields.</summary>
    public int Count => _kinds.Length;

    /// <summary>Bytes field <paramref name="field"/> takes whatever the payload holds, or -1 when its size varies.</summary>
    public int FixedWidth(int field, int pointerSize) => _kinds[field] switch
    {
        Kind.Pointer => pointerSize,
        Kind.Unsigned or Kind.Signed or Kind.FixedBytes => _widths[field],
        _ => -1,
    };

    /// <summary>True for an integer field (its value is its number).</summary>
    public bool IsInteger(int field) => _kinds[field] is Kind.Unsigned or Kind.Signed or Kind.Pointer;

    /// <summary>True for a signed integer field (sign-extended to 64 bits).</summary>
    public bool IsSigned(int field) => _kinds[field] == Kind.Signed;

    /// <summary>The field that gives field <paramref name="field"/>'s length in bytes, or -1 (also for lengths in UTF-16 units).</summary>
    public int ByteLengthField(int field) => _kinds[field] == Kind.FieldBytes && !_utf16Length[field] ? _lengthFields[field] : -1;

    /// <summary>The flat form of a template, or null when it has structs, arrays or other variable layouts.</summary>
    public static FlatTemplate? TryCompile(IReadOnlyList<FieldSchema> fields)
    {
        int n = fields.Count;
        var kinds = new Kind[n];
        var widths = new int[n];
        var lengths = new int[n];
        var utf16 = new bool[n];
        for (int i = 0; i < n; i++)
        {
            var f = fields[i];
            if (f.InType == InType.Struct || f.CountField != -1 || f.FixedCount != 1) return null;
            lengths[i] = -1;
            switch (f.InType)
            {
                case InType.UInt8: kinds[i] = Kind.Unsigned; widths[i] = 1; break;
                case InType.Int8: kinds[i] = Kind.Signed; widths[i] = 1; break;
                case InType.UInt16: kinds[i] = Kind.Unsigned; widths[i] = 2; break;
                case InType.Int16: kinds[i] = Kind.Signed; widths[i] = 2; break;
                case InType.UInt32: case InType.HexInt32: case InType.Boolean: case InType.Float: kinds[i] = Kind.Unsigned; widths[i] = 4; break;
                case InType.Int32: kinds[i] = Kind.Signed; widths[i] = 4; break;
                case InType.UInt64: case InType.HexInt64: case InType.Double: case InType.FileTime: kinds[i] = Kind.Unsigned; widths[i] = 8; break;
                case InType.Int64: kinds[i] = Kind.Signed; widths[i] = 8; break;
                case InType.Pointer: case InType.SizeT: kinds[i] = Kind.Pointer; break;
                case InType.Guid: case InType.SystemTime: kinds[i] = Kind.FixedBytes; widths[i] = 16; break;
                case InType.Binary:
                    if (f.LengthField >= 0) { kinds[i] = Kind.FieldBytes; lengths[i] = f.LengthField; }
                    else { kinds[i] = Kind.FixedBytes; widths[i] = Math.Max(f.FixedLength, 0); }
                    break;
                case InType.UnicodeString:
                    if (f.FixedLength >= 0) { kinds[i] = Kind.FixedBytes; widths[i] = f.FixedLength * 2; }
                    else if (f.LengthField >= 0) { kinds[i] = Kind.FieldBytes; lengths[i] = f.LengthField; utf16[i] = true; }
                    else kinds[i] = Kind.Utf16String;
                    break;
                case InType.AnsiString:
                    if (f.FixedLength >= 0) { kinds[i] = Kind.FixedBytes; widths[i] = f.FixedLength; }
                    else if (f.LengthField >= 0) { kinds[i] = Kind.FieldBytes; lengths[i] = f.LengthField; }
                    else kinds[i] = Kind.AnsiString;
                    break;
                default:
                    return null;
            }
        }
        return new FlatTemplate(kinds, widths, lengths, utf16);
    }

    /// <summary>Decodes a payload; same results as the general path for a flat template.</summary>
    public DecodeStatus Decode(ReadOnlySpan<byte> payload, int pointerSize, Span<FieldValue> values)
    {
        var kinds = _kinds;
        int at = 0;
        for (int i = 0; i < kinds.Length; i++)
        {
            var rest = payload[at..];
            switch (kinds[i])
            {
                case Kind.Unsigned:
                case Kind.Signed:
                case Kind.Pointer:
                {
                    int w = kinds[i] == Kind.Pointer ? pointerSize : _widths[i];
                    if (rest.Length < w) return Cut(values, i);
                    ulong v = w switch
                    {
                        1 => rest[0],
                        2 => BinaryPrimitives.ReadUInt16LittleEndian(rest),
                        4 => BinaryPrimitives.ReadUInt32LittleEndian(rest),
                        _ => BinaryPrimitives.ReadUInt64LittleEndian(rest),
                    };
                    if (kinds[i] == Kind.Signed)
                        v = w switch { 1 => (ulong)(long)(sbyte)v, 2 => (ulong)(long)(short)v, 4 => (ulong)(long)(int)v, _ => v };
                    values[i] = new FieldValue { Offset = at, Length = w, Number = v };
                    at += w;
                    break;
                }
                case Kind.FixedBytes:
                case Kind.FieldBytes:
                {
                    long w = _widths[i];
                    if (kinds[i] == Kind.FieldBytes)
                    {
                        ref readonly var source = ref values[_lengthFields[i]];
                        w = source.IsPresent ? (long)Math.Min(source.Number, int.MaxValue) : 0;
                        if (_utf16Length[i]) w *= 2;
                    }
                    if (rest.Length < w) return Cut(values, i);
                    values[i] = new FieldValue { Offset = at, Length = (int)w };
                    at += (int)w;
                    break;
                }
                case Kind.Utf16String:
                {
                    if (rest.IsEmpty) return Cut(values, i);
                    int end = -1;
                    for (int j = 0; j + 1 < rest.Length; j += 2)
                        if (rest[j] == 0 && rest[j + 1] == 0) { end = j; break; }
                    if (end < 0)
                    {
                        values[i] = new FieldValue { Offset = at, Length = rest.Length & ~1 };
                        for (int k = i + 1; k < kinds.Length; k++) values[k] = FieldValue.Missing;
                        return DecodeStatus.Truncated;
                    }
                    values[i] = new FieldValue { Offset = at, Length = end };
                    at += end + 2;
                    break;
                }
                default:
                {
                    if (rest.IsEmpty) return Cut(values, i);
                    int end = rest.IndexOf((byte)0);
                    if (end < 0)
                    {
                        values[i] = new FieldValue { Offset = at, Length = rest.Length };
                        for (int k = i + 1; k < kinds.Length; k++) values[k] = FieldValue.Missing;
                        return DecodeStatus.Truncated;
                    }
                    values[i] = new FieldValue { Offset = at, Length = end };
                    at += end + 1;
                    break;
                }
            }
        }
        return at < payload.Length ? DecodeStatus.ExtraBytes : DecodeStatus.Complete;
    }

    private static DecodeStatus Cut(Span<FieldValue> values, int from)
    {
        for (int k = from; k < values.Length; k++) values[k] = FieldValue.Missing;
        return DecodeStatus.Truncated;
    }
}
