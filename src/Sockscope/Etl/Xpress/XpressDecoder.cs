using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sockscope.Etl.Xpress;

/// <summary>
/// Decoder for the MS-XCA "Plain LZ77" format (XPRESS without Huffman), which is what ETW uses for
/// compressed trace buffers.
/// </summary>
/// <remarks>
/// <para>
/// The stream is a sequence of groups: a 32-bit little-endian flags word followed by up to 32 tokens. Flags are
/// consumed from the most significant bit. A 0 flag is one literal byte; a 1 flag is a 16-bit little-endian match
/// token whose low 3 bits are a length code and whose high 13 bits are the offset minus 1. Length code 7 escapes
/// to a half byte shared between two consecutive long matches, then to a byte, a 16-bit and a 32-bit length, as
/// in MS-XCA section 2.4. A 1 flag with no input left marks the end of the stream.
/// </para>
/// <para>
/// The decoder is safe against hostile input: it never reads outside <c>source</c>, never writes outside
/// <c>destination</c>, never throws and never allocates.
/// </para>
/// </remarks>
internal static class XpressDecoder
{
    // Wide match copies write whole chunks and may run past the end of the match; they are only used when at
    // least this many bytes of destination remain after the match, so the overrun stays inside the destination.
    private const int WildCopySlack = 16;

    /// <summary>Decompresses one Plain LZ77 stream.</summary>
    /// <param name="source">The compressed stream.</param>
    /// <param name="destination">
    /// Receives the decompressed bytes. ETW records the decompressed size of each buffer, so this is normally
    /// exactly that size. Bytes after <paramref name="bytesWritten"/> may be overwritten with scratch data.
    /// </param>
    /// <param name="bytesWritten">Number of bytes produced at the start of <paramref name="destination"/>.</param>
    /// <param name="errorOffset">
    /// Offset in <paramref name="source"/> of the flags word, token or length field where decoding failed;
    /// 0 when the result is <see cref="XpressStatus.Done"/>.
    /// </param>
    /// <returns>
    /// <see cref="XpressStatus.Done"/> when the end marker is reached, when the input runs out at a token boundary,
    /// or when the destination is full at a token boundary (whatever input remains is then ignored, because
    /// compressed buffers may carry padding after the stream).
    /// <see cref="XpressStatus.DestinationTooSmall"/> when a match is longer than the room left; the room is
    /// filled with the start of the match.
    /// <see cref="XpressStatus.InvalidData"/> for a truncated flags word, token or length field, a match whose
    /// offset reaches before the start of the output, or an escaped length smaller than the escape itself.
    /// </returns>
    public static unsafe XpressStatus Decompress(
        ReadOnlySpan<byte> source, Span<byte> destination, out int bytesWritten, out int errorOffset)
    {
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            return DecompressCore(src, source.Length, dst, destination.Length, out bytesWritten, out errorOffset);
        }
    }

    private static unsafe XpressStatus DecompressCore(
        byte* src, int srcLength, byte* dst, int dstLength, out int bytesWritten, out int errorOffset)
    {
        byte* ip = src;
        byte* ipEnd = src + srcLength;
        byte* op = dst;
        byte* opEnd = dst + dstLength;

        // Long matches share half bytes in pairs: the first reads a fresh byte and uses its low nibble, the
        // second reuses the high nibble of that byte. Null means the next long match reads a fresh byte.
        byte* halfByte = null;

        // Kept left-aligned so the next flag is always bit 31 and a run of literals is a leading-zero count.
        uint flags = 0;
        int flagCount = 0;

        XpressStatus status;
        byte* errorAt = src;

        while (true)
        {
            if (flagCount == 0)
            {
                if (op == opEnd || ip == ipEnd)
                {
                    status = XpressStatus.Done;
                    break;
                }

                if (ipEnd - ip < 4)
                {
                    status = XpressStatus.InvalidData;
                    errorAt = ip;
                    break;
                }

                flags = ReadUInt32(ip);
                ip += 4;
                flagCount = 32;
            }

            // Shifting fills the low bits with zeros that are not flags, so the count can run past the group.
            int run = Math.Min(BitOperations.LeadingZeroCount(flags), flagCount);
            if (run != 0)
            {
                long available = Math.Min(ipEnd - ip, opEnd - op);
                if (run > available)
                {
                    // Running out of input or of destination in the middle of literals is a clean end: the
                    // input simply stopped, or the caller's known output size has been reached.
                    CopyBytes(ip, op, (int)available);
                    op += (int)available;
                    status = XpressStatus.Done;
                    break;
                }

                if (available >= 32)
                {
                    // A group holds at most 32 literals, so one fixed 32-byte copy covers any run with no
                    // length-dependent branching.
                    Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<Vector128<byte>>(ip));
                    Unsafe.WriteUnaligned(op + 16, Unsafe.ReadUnaligned<Vector128<byte>>(ip + 16));
                }
                else
                {
                    CopyBytes(ip, op, run);
                }

                ip += run;
                op += run;
                flagCount -= run;

                // run == 32 only happens when flags is already 0, where the masked shift count is harmless.
                flags <<= run;
                if (flagCount == 0)
                {
                    continue;
                }
            }

            // The current flag is a 1: a match, or the end marker when no input is left.
            if (op == opEnd || ip == ipEnd)
            {
                status = XpressStatus.Done;
                break;
            }

            byte* tokenAt = ip;
            if (ipEnd - ip < 2)
            {
                status = XpressStatus.InvalidData;
                errorAt = tokenAt;
                break;
            }

            uint token = ReadUInt16(ip);
            ip += 2;
            flags <<= 1;
            flagCount--;

            // 64-bit because a 32-bit escaped length plus 3 does not fit in 32 bits.
            ulong length = token & 7;
            nuint offset = (nuint)(token >> 3) + 1;

            if (length == 7)
            {
                if (halfByte == null)
                {
                    if (ip == ipEnd)
                    {
                        status = XpressStatus.InvalidData;
                        errorAt = ip;
                        break;
                    }

                    halfByte = ip;
                    length = *ip & 15u;
                    ip++;
                }
                else
                {
                    length = (uint)(*halfByte >> 4);
                    halfByte = null;
                }

                if (length == 15)
                {
                    if (ip == ipEnd)
                    {
                        status = XpressStatus.InvalidData;
                        errorAt = ip;
                        break;
                    }

                    length = *ip++;
                    if (length == 255)
                    {
                        if (ipEnd - ip < 2)
                        {
                            status = XpressStatus.InvalidData;
                            errorAt = ip;
                            break;
                        }

                        length = ReadUInt16(ip);
                        ip += 2;
                        if (length == 0)
                        {
                            if (ipEnd - ip < 4)
                            {
                                status = XpressStatus.InvalidData;
                                errorAt = ip;
                                break;
                            }

                            length = ReadUInt32(ip);
                            ip += 4;
                        }

                        // The wide forms carry the whole length minus 3, which includes the 7 + 15 already
                        // implied by the escapes that led here; anything smaller cannot have been produced.
                        if (length < 15 + 7)
                        {
                            status = XpressStatus.InvalidData;
                            errorAt = tokenAt;
                            break;
                        }

                        length -= 15 + 7;
                    }

                    length += 15;
                }

                length += 7;
            }

            length += 3;

            if (offset > (nuint)(op - dst))
            {
                status = XpressStatus.InvalidData;
                errorAt = tokenAt;
                break;
            }

            nuint room = (nuint)(opEnd - op);
            if (length > room)
            {
                CopyMatch(op, offset, room, opEnd);
                op = opEnd;
                status = XpressStatus.DestinationTooSmall;
                errorAt = tokenAt;
                break;
            }

            CopyMatch(op, offset, (nuint)length, opEnd);
            op += (nuint)length;
        }

        bytesWritten = (int)(op - dst);
        errorOffset = status == XpressStatus.Done ? 0 : (int)(errorAt - src);
        return status;
    }

    /// <summary>
    /// Copies a match. Source and destination may overlap; every read sees only bytes that are already final.
    /// Chunks may run past the match end only when <see cref="WildCopySlack"/> bytes of destination remain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyMatch(byte* op, nuint offset, nuint length, byte* opEnd)
    {
        byte* end = op + length;
        byte* s = op - offset;
        bool slack = (nuint)(opEnd - end) >= WildCopySlack;

        if (offset >= 16)
        {
            // Each 16-byte read ends at or before the write position, so it only sees finished output.
            if (slack)
            {
                do
                {
                    Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<Vector128<byte>>(s));
                    op += 16;
                    s += 16;
                }
                while (op < end);
                return;
            }

            while ((nuint)(end - op) >= 16)
            {
                Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<Vector128<byte>>(s));
                op += 16;
                s += 16;
            }
        }
        else if (offset == 1)
        {
            // Runs of one repeated byte (mostly zero padding in ETW data) are the common overlapping case.
            if (slack && length <= 16)
            {
                ulong pattern = *s * 0x0101_0101_0101_0101UL;
                Unsafe.WriteUnaligned(op, pattern);
                Unsafe.WriteUnaligned(op + 8, pattern);
            }
            else
            {
                Unsafe.InitBlockUnaligned(op, *s, (uint)length);
            }

            return;
        }
        else
        {
            if (offset < 8)
            {
                // A short period overlaps an 8-byte chunk. The output is periodic from op - offset on, so once
                // a whole number of periods of at least 8 bytes has been copied, the same data sits that far
                // back and the rest can be copied in 8-byte chunks that do not overlap their source.
                nuint period = offset;
                while (period < 8)
                {
                    period += offset;
                }

                nuint head = Math.Min(period, length);
                for (nuint i = 0; i < head; i++)
                {
                    op[i] = s[i];
                }

                op += head;
                s = op - period;
            }

            if (slack)
            {
                while (op < end)
                {
                    Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<ulong>(s));
                    op += 8;
                    s += 8;
                }

                return;
            }

            while ((nuint)(end - op) >= 8)
            {
                Unsafe.WriteUnaligned(op, Unsafe.ReadUnaligned<ulong>(s));
                op += 8;
                s += 8;
            }
        }

        while (op < end)
        {
            *op++ = *s++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyBytes(byte* from, byte* to, int count)
    {
        for (int i = 0; i < count; i++)
        {
            to[i] = from[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe uint ReadUInt32(byte* p)
    {
        uint value = Unsafe.ReadUnaligned<uint>(p);
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe uint ReadUInt16(byte* p) => (uint)(p[0] | (p[1] << 8));
}
