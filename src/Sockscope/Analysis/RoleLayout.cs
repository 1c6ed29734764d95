using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Sockscope.Decoding;
using Sockscope.Schema;

namespace Sockscope.Analysis;

/// <summary>
/// Where the fields the analysis reads lie in the payloads of one event schema and pointer size, when every one of
/// them lies at a fixed offset from the payload's start or from the address's end (the address may be the first field
/// whose size varies, its length given by a field before it). Reading them straight from the payload gives what
/// decoding the whole payload gives, for a payload long enough to hold them; a shorter one goes through the decoder.
/// </summary>
internal sealed class RoleLayout
{
    private readonly int[] _offsets = new int[(int)Role.Count];
    // Fields after a variable-length address lie at a fixed offset from its end.
    private readonly bool[] _afterAddress = new bool[(int)Role.Count];
    private int _neededAfterAddress;
    private readonly byte[] _widths = new byte[(int)Role.Count];
    // How to read each integer role: its width, negated when it is signed.
    private readonly sbyte[] _reads = new sbyte[(int)Role.Count];
    private int _addressWidth = -1;
    // A variable-length address's length: an integer field at a fixed place before it.
    private int _addressLengthOffset = -1;
    private sbyte _addressLengthRead;

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
        // Then the fields after a variable-length address, from its end, up to the next field whose size varies.
        var after = new int[flat.Count];
        Array.Fill(after, -1);
        for (int i = variable + 1, a = 0; i < flat.Count; i++)
        {
            int w = flat.FixedWidth(i, pointerSize);
            if (w < 0) break;
            after[i] = a;
            a += w;
        }
        var layout = new RoleLayout(schema, indices);
        int needed = 0;
        for (int r = 0; r < (int)Role.Count; r++)
        {
            int index = indices[r];
            layout._offsets[r] = -1;
            if (index < 0) continue;
            if (offsets[index] < 0)
            {
                if (after[index] < 0 || (Role)r == Role.Address || !flat.IsInteger(index)) return null;
                int w = flat.FixedWidth(index, pointerSize);
                layout._offsets[r] = after[index];
                layout._afterAddress[r] = true;
                layout._widths[r] = (byte)w;
                layout._reads[r] = (sbyte)(flat.IsSigned(index) ? -w : w);
                layout._neededAfterAddress = Math.Max(layout._neededAfterAddress, after[index] + w);
                continue;
            }
            layout._offsets[r] = offsets[index];
            if (index == variable)
            {
                // Only the address may vary, with its length in bytes from an integer field at a fixed place before it.
                int lengthField = flat.ByteLengthField(index);
                if ((Role)r != Role.Address || lengthField < 0 || lengthField >= index || !flat.IsInteger(lengthField)) return null;
                int lengthWidth = flat.FixedWidth(lengthField, pointerSize);
                layout._addressLengthOffset = offsets[lengthField];
                layout._addressLengthRead = (sbyte)(flat.IsSigned(lengthField) ? -lengthWidth : lengthWidth);
                needed = Math.Max(needed, offsets[lengthField] + lengthWidth);
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
        // Fields after the address need the address's length, from a field before it that is read too.
        if (layout._neededAfterAddress > 0 && (variable >= flat.Count || layout._offsets[(int)Role.Address] != offsets[variable])) return null;
        return layout;
    }

    /// <summary>True when the event has the field (a payload of <see cref="Needed"/> bytes holds it).</summary>
    public bool Has(Role r) => _offsets[(int)r] >= 0;

    /// <summary>
    /// An integer field's number; the payload holds <see cref="Needed"/> bytes, and the fields after the address when
    /// <paramref name="addressEnd"/> (from <see cref="TryAddress"/>) is given.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Number(ReadOnlySpan<byte> payload, Role r, int addressEnd = 0)
    {
        int at = _offsets[(int)r];
        if (at < 0) return 0;
        if (_afterAddress[(int)r]) at += addressEnd;
        return Read(payload[at..], _reads[(int)r]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read(ReadOnlySpan<byte> bytes, sbyte read)
    {
        return read switch
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
    public ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> payload, Role r, int addressEnd = 0)
    {
        int at = _offsets[(int)r];
        return at < 0 ? default : payload.Slice(at + (_afterAddress[(int)r] ? addressEnd : 0), _widths[(int)r]);
    }

    /// <summary>
    /// The address field's bytes (empty when the event has none) and where it ends; false when the payload ends
    /// inside it or inside the fields read after it, where decoding would mark them missing.
    /// </summary>
    public bool TryAddress(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> address, out int addressEnd)
    {
        address = default;
        addressEnd = 0;
        int at = _offsets[(int)Role.Address];
        if (at < 0) return true;
        long width = _addressWidth >= 0 ? _addressWidth : (long)Math.Min(Read(payload[_addressLengthOffset..], _addressLengthRead), int.MaxValue);
        if (payload.Length - at < width + _neededAfterAddress) return false;
        address = payload.Slice(at, (int)width);
        addressEnd = at + (int)width;
        return true;
    }
}
