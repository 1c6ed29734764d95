using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Sockscope.Schema;

namespace Sockscope.Decoding.TraceLogging;

/// <summary>
/// Reads the metadata a TraceLogging event carries about itself (the EVENT_HEADER_EXT_TYPE_EVENT_SCHEMA_TL extended
/// data item) into an <see cref="EventSchema"/>, since a TraceLogging provider has no manifest.
/// </summary>
/// <remarks>
/// <para>
/// Layout, per Microsoft's TraceLoggingProvider.h and TraceLoggingDynamic: <c>UINT16 size</c> (the whole blob),
/// the event's tags (1 to 4 bytes, 7 bits each, most significant first, bit 0x80 set on every byte but the last),
/// the NUL-terminated UTF-8 event name, then per field: the NUL-terminated UTF-8 field name; the in-type byte (low 5
/// bits the type, 0x20 a constant-count array whose UINT16 count follows in the metadata, 0x40 a variable-count
/// array whose UINT16 count precedes the elements in the payload, both bits a custom-serialised field whose UINT16
/// schema size and schema follow, 0x80 an out-type byte follows); the out-type byte (low 7 bits; 0x80 field tags
/// follow), then the field's tags, then the constant count or custom schema.
/// </para>
/// <para>
/// A struct (in-type 24) holds no data: the next N logical fields are its members, N (1 to 127) in the out-type
/// byte's low 7 bits; an array of structs repeats them. TraceLogging's in-types above 21 are not TDH's:
/// Sockscope's <see cref="InType"/> shares TraceLogging's numbers there (22 counted UTF-16 string, 23 counted 8-bit
/// string, 24 struct, 25 counted binary); TraceLogging's Binary (14) is laid out as a counted binary (UINT16 byte
/// count, then the bytes). TraceLogging's out-types below 33 are not TDH's either and are translated.
/// </para>
/// <para>
/// Metadata is hostile input: every size is checked against the blob, and a blob that breaks the layout (no
/// terminator, too many tag bytes, an unknown in-type, a struct without members or with more members than follow
/// it, structs nested deeper than <see cref="PayloadDecoder.MaxDepth"/>, more than <see cref="MaxFields"/> fields)
/// is refused with the reason, never thrown on.
/// </para>
/// </remarks>
internal static class TraceLoggingMetadata
{
    /// <summary>The most fields (struct members included) one event's metadata may declare.</summary>
    public const int MaxFields = 1024;

    // TraceLogging's in-type byte.
    private const byte InTypeMask = 0x1F;
    private const byte ConstantCount = 0x20;
    private const byte VariableCount = 0x40;
    private const byte CustomFlags = 0x60;
    private const byte Chain = 0x80;
    private const int MaxTagBytes = 4;

    /// <summary>Reads event metadata into a schema of <paramref name="provider"/> with the record's id and version.</summary>
    /// <param name="metadata">The extended data item's bytes (which may run past the blob's own size).</param>
    /// <param name="provider">The provider the schema names.</param>
    /// <param name="id">The event id from the record's header (0 for most TraceLogging events).</param>
    /// <param name="version">The event version from the record's header.</param>
    /// <param name="schema">The schema: <see cref="EventSchema.Symbol"/> is the event name, and so is the message.</param>
    /// <param name="error">Why the metadata was refused.</param>
    public static bool TryParse(ReadOnlySpan<byte> metadata, ProviderSchema provider, ushort id, byte version,
        [NotNullWhen(true)] out EventSchema? schema, [NotNullWhen(false)] out string? error)
    {
        schema = null;
        if (metadata.Length < 2)
        {
            error = "the metadata is shorter than its size field";
            return false;
        }
        int size = BinaryPrimitives.ReadUInt16LittleEndian(metadata);
        if (size > metadata.Length)
        {
            error = $"the metadata says it is {size} bytes but the item holds {metadata.Length}";
            return false;
        }
        var m = metadata[..size];
        int pos = 2;
        if (!SkipTags(m, ref pos))
        {
            error = "the event tags run past the metadata or take more than 4 bytes";
            return false;
        }
        if (!TryReadName(m, ref pos, out string? eventName))
        {
            error = "the event name has no terminating NUL";
            return false;
        }
        var fields = new List<FieldSchema>();
        while (pos < m.Length)
        {
            if (fields.Count == MaxFields)
            {
                error = $"the event declares more than {MaxFields} fields";
                return false;
            }
            if (!TryReadField(m, ref pos, out var field, out error)) return false;
            fields.Add(field);
        }
        for (int i = 0; i < fields.Count;)
        {
            int next = PayloadDecoder.NextField(fields, i);
            if (next < 0)
            {
                error = $"struct {fields[i].Name} declares more members than follow it, or structs nest deeper than {PayloadDecoder.MaxDepth}";
                return false;
            }
            i = next;
        }
        schema = new EventSchema
        {
            Provider = provider,
            Id = id,
            Version = version,
            Symbol = eventName,
            // The message is the name itself: a '%' in it is no insert.
            Message = eventName.Replace("%", "%%", StringComparison.Ordinal),
            Fields = fields.ToArray(),
        };
        error = null;
        return true;
    }

    private static bool TryReadField(ReadOnlySpan<byte> m, ref int pos, [NotNullWhen(true)] out FieldSchema? field,
        [NotNullWhen(false)] out string? error)
    {
        field = null;
        if (!TryReadName(m, ref pos, out string? name))
        {
            error = "a field name has no terminating NUL";
            return false;
        }
        if (pos >= m.Length)
        {
            error = $"field {name} has no in-type";
            return false;
        }
        byte inByte = m[pos++];
        byte outByte = 0;
        if ((inByte & Chain) != 0)
        {
            if (pos >= m.Length)
            {
                error = $"field {name} announces an out-type the metadata does not hold";
                return false;
            }
            outByte = m[pos++];
            if ((outByte & Chain) != 0 && !SkipTags(m, ref pos))
            {
                error = $"the tags of field {name} run past the metadata or take more than 4 bytes";
                return false;
            }
        }
        int fixedCount = 1, countField = -1;
        int flags = inByte & CustomFlags;
        if (flags is ConstantCount or CustomFlags)
        {
            if (m.Length - pos < 2)
            {
                error = $"field {name} announces a count the metadata does not hold";
                return false;
            }
            int count = BinaryPrimitives.ReadUInt16LittleEndian(m[pos..]);
            pos += 2;
            if (flags == CustomFlags)
            {
                // A custom serialiser's schema: opaque to us, and the value is a counted blob.
                if (count > m.Length - pos)
                {
                    error = $"the custom schema of field {name} runs past the metadata";
                    return false;
                }
                pos += count;
                field = new FieldSchema { Name = name, InType = InType.CountedBinary };
                error = null;
                return true;
            }
            fixedCount = count;
        }
        else if (flags == VariableCount) countField = PayloadDecoder.CountInPayload;

        int type = inByte & InTypeMask;
        if (MapInType(type) is not { } inType)
        {
            error = $"field {name} has in-type {type}, which TraceLogging does not define";
            return false;
        }
        int members = 0;
        var outType = OutType.Null;
        if (inType == InType.Struct)
        {
            members = outByte & 0x7F;
            if (members == 0)
            {
                error = $"struct {name} has no members";
                return false;
            }
        }
        else outType = MapOutType(outByte & 0x7F, inType);
        field = new FieldSchema
        {
            Name = name,
            InType = inType,
            OutType = outType,
            FixedCount = fixedCount,
            CountField = countField,
            StructMembers = members,
        };
        error = null;
        return true;
    }

    /// <summary>A TraceLogging in-type (TlgIn*, the low 5 bits) as Sockscope's, or null for none TraceLogging defines.</summary>
    public static InType? MapInType(int tlgInType) => tlgInType switch
    {
        >= 1 and <= 13 => (InType)tlgInType,
        14 => InType.CountedBinary, // TlgInBINARY: a UINT16 byte count, then the bytes
        15 => InType.Guid,
        16 => InType.Pointer,       // reserved by TraceLogging for pointers; TDH reads it as one
        >= 17 and <= 25 => (InType)tlgInType,
        _ => null,
    };

    /// <summary>
    /// A TraceLogging out-type (TlgOut*, the low 7 bits) as Sockscope's, for a field of <paramref name="inType"/>:
    /// Hex, Signed and Unsigned take the width of the in-type; unknown values and NoPrint give the default.
    /// </summary>
    public static OutType MapOutType(int tlgOutType, InType inType) => tlgOutType switch
    {
        2 => OutType.String,
        3 => OutType.Boolean,
        4 => inType switch
        {
            InType.Int8 or InType.UInt8 => OutType.HexInt8,
            InType.Int16 or InType.UInt16 => OutType.HexInt16,
            InType.Int32 or InType.UInt32 or InType.HexInt32 => OutType.HexInt32,
            InType.Int64 or InType.UInt64 or InType.HexInt64 or InType.Pointer => OutType.HexInt64,
            InType.Binary or InType.CountedBinary => OutType.HexBinary,
            _ => OutType.Null,
        },
        5 => OutType.Pid,
        6 => OutType.Tid,
        7 => OutType.Port,
        8 => OutType.IPv4,
        9 => OutType.IPv6,
        10 => OutType.SocketAddress,
        11 => OutType.Xml,
        12 => OutType.Json,
        13 => OutType.Win32Error,
        14 => OutType.NTStatus,
        15 => OutType.HResult,
        16 => OutType.DateTime,
        17 => inType switch
        {
            InType.Int8 or InType.UInt8 => OutType.Byte,
            InType.Int16 or InType.UInt16 => OutType.Short,
            InType.Int32 or InType.UInt32 or InType.HexInt32 => OutType.Int,
            InType.Int64 or InType.UInt64 or InType.HexInt64 => OutType.Long,
            _ => OutType.Null,
        },
        18 => inType switch
        {
            InType.Int8 or InType.UInt8 => OutType.UnsignedByte,
            InType.Int16 or InType.UInt16 => OutType.UnsignedShort,
            InType.Int32 or InType.UInt32 or InType.HexInt32 => OutType.UnsignedInt,
            InType.Int64 or InType.UInt64 or InType.HexInt64 => OutType.UnsignedLong,
            _ => OutType.Null,
        },
        33 => OutType.CultureInsensitiveDateTime,
        35 => OutType.Utf8,
        36 => OutType.Pkcs7WithTypeInfo,
        37 => OutType.CodePointer,
        38 => OutType.DateTimeUtc,
        _ => OutType.Null,
    };

    /// <summary>Steps over a tag chain: bytes while bit 0x80 is set, then one more, at most four in all.</summary>
    private static bool SkipTags(ReadOnlySpan<byte> m, ref int pos)
    {
        for (int n = 0; n < MaxTagBytes; n++)
        {
            if (pos >= m.Length) return false;
            if ((m[pos++] & Chain) == 0) return true;
        }
        return false;
    }

    private static bool TryReadName(ReadOnlySpan<byte> m, ref int pos, [NotNullWhen(true)] out string? name)
    {
        int nul = m[pos..].IndexOf((byte)0);
        if (nul < 0)
        {
            name = null;
            return false;
        }
        name = Encoding.UTF8.GetString(m.Slice(pos, nul));
        pos += nul + 1;
        return true;
    }
}
