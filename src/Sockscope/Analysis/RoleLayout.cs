using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Sockscope.Decoding;
using Sockscope.Schema;

namespace Sockscope.Analysis;

/// <summary>
/// Where the fields the analysis reads lie in the payloads of one event schema and pointer size, when every one of
/// them lies at a fixed offset (the address may be the first field whose size varies, its length given by a field
/// before it). Reading them straight from the payload gives what decoding the whole payload gives, for a payload long
/// enough to hold them; a shorter one goes through the decoder.
/// </summary>
internal sealed class RoleLayout
{
    private readonly int[] _offsets = new int[(int)Role.Count];
    private readonly byte[] _widths = new byte[(int)Role.Count];
    // How to read each integer role: its width, negated when it is signed.
    private readonly sbyte[] _reads = new sbyte[(int)Role.Count];
    private int _addressWidth = -1;
    private Role _addressLength = Role.Count;

    /// <summary>Payload bytes that hold every field read, but a variable-length address.</summary>
    public int Needed { get; private set; }

    /// <summary>The schema.</summary>
    public EventSchema Schema { get; }

    /// <summary>Field index of each role (-1 when the event has no such field).</summary>
    public int[] Indices { get; }

    private RoleLayout(EventSchema schema, int[] indices)
    {
        Schema = schema;
        Indices = indices;
    }

    /// <summary>The layout for a schema and pointer size, or null when some field read does not lie at a fixed offset.</summary>
    public static RoleLayout? TryCreate(EventSchema schema, int[] indices, int pointerSize)
    {
        if (FlatTemplate.Of(schema) is not { } flat) return null;
        // Offsets up to and including the first field whose size varies.
        var offsets = new int[flat.Count];
        Array.Fill(offsets, -1);
        int at = 0, variable = flat.Count;
        for (int i = 0; i < flat.Count; i++)
        {
            offsets[i] = at;
            int w = flat.FixedWidth(i, pointerSize);
            if (w < 0) { variable = i; break; }
            at += w;
        }
        var layout = new RoleLayout(schema, indices);
        int needed = 0;
        for (int r = 0; r < (int)Role.Count; r++)
        {
            int index = indices[r];
            layout._offsets[r] = -1;
            if (index < 0) continue;
            if (offsets[index] < 0) return null;
            layout._offsets[r] = offsets[index];
            if (index == variable)
            {
                // Only the address may vary, with its length in bytes from an integer field at a fixed place before it.
                int lengthField = flat.ByteLengthField(index);
                if ((Role)r != Role.Address || lengthField < 0 || lengthField >= index || !flat.IsInteger(lengthField)) return null;
                int lengthRole = Array.IndexOf(indices, lengthField);
                if (lengthRole < 0) return null;
                layout._addressLength = (Role)lengthRole;
                continue;
            }
            int width = flat.FixedWidth(index, pointerSize);
            if ((Role)r == Role.Address) layout._addressWidth = width;
            else if (!flat.IsInteger(index) && (Role)r != Role.Port) return null;
            layout._widths[r] = (byte)width;
            layout._reads[r] = (sbyte)(flat.IsInteger(index) ? (flat.IsSigned(index) ? -width : width) : 0);
            needed = Math.Max(needed, offsets[index] + width);
        }
        layout.Needed = needed;
        return layout;
    }

    /// <summary>True when the event has the field (a payload of <see cref="Needed"/> bytes holds it).</summary>
    public bool Has(Role r) => _offsets[(int)r] >= 0;

    /// <summary>An integer field's number; the payload holds <see cref="Needed"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Number(ReadOnlySpan<byte> payload, Role r)
    {
        int at = _offsets[(int)r];
        if (at < 0) return 0;
        var bytes = payload[at..];
        return _reads[(int)r] switch
        {
            4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            8 or -8 => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            1 => bytes[0],
            -4 => (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(bytes),
            -2 => (ulong)(long)BinaryPrimitives.ReadInt16LittleEndian(bytes),
            -1 => (ulong)(long)(sbyte)bytes[0],
            _ => 0,
        };
    }

    /// <summary>A fixed-width field's bytes; the payload holds <see cref="Needed"/> bytes.</summary>
    public ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> payload, Role r)
    {
        int at = _offsets[(int)r];
        return at < 0 ? default : payload.Slice(at, _widths[(int)r]);
    }

    /// <summary>
    /// The address field's bytes (empty when the event has none); false when the payload ends inside it, where
    /// decoding would mark it missing.
    /// </summary>
    public bool TryAddress(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> address)
    {
        address = default;
        int at = _offsets[(int)Role.Address];
        if (at < 0) return true;
        long width = _addressWidth >= 0 ? _addressWidth : (long)Math.Min(Number(payload, _addressLength), int.MaxValue);
        if (payload.Length - at < width) return false;
        address = payload.Slice(at, (int)width);
        return true;
    }
}
