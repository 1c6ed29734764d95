using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Sockscope.Etl.Xpress;

/// <summary>
/// Encoder for the MS-XCA "Plain LZ77" format, the inverse of <see cref="XpressDecoder"/>. Its output ends with
/// the end marker that Windows writes (a flags word whose unused bits are all 1), so Windows can decompress it.
/// </summary>
/// <remarks>
/// Greedy parsing over 3-byte hash chains in the format's 8192-byte window. Matches are as long as the input
/// allows (the format's 32-bit length form has no practical limit).
/// </remarks>
internal static class XpressEncoder
{
    private const int MinMatch = 3;
    private const int WindowSize = 8192; // 13 offset bits, offset stored minus 1
    private const int WindowMask = WindowSize - 1;
    private const int MaxHashBits = 15;

    // How many earlier positions with the same hash are tried per position: the main speed/ratio trade-off.
    private const int MaxChainDepth = 24;

    // A match this long is good enough to stop looking for a longer one.
    private const int NiceLength = 256;

    // Inside a match longer than this only its last positions are indexed; indexing every byte of a long run
    // costs time and rarely yields a better match than the positions near its end.
    private const int FullIndexLimit = 64;

    private const int EmptySlot = -2 * WindowSize;

    [ThreadStatic] private static int[]? t_head;
    [ThreadStatic] private static int[]? t_prev;

    /// <summary>
    /// The largest compressed size <see cref="Compress"/> can produce for <paramref name="length"/> input bytes:
    /// every byte a literal, one flags word per 32 tokens, plus the final flags word.
    /// </summary>
    /// <param name="length">Number of uncompressed bytes.</param>
    /// <returns>A destination size that is always enough.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="length"/> is negative, or the bound does not fit in an <see cref="int"/>.
    /// </exception>
    public static int MaxCompressedLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long bound = length + 4L * ((length / 32) + 1);
        if (bound > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "The compressed size bound exceeds Int32.MaxValue.");
        }

        return (int)bound;
    }

    /// <summary>Compresses <paramref name="source"/> into one Plain LZ77 stream.</summary>
    /// <param name="source">The bytes to compress; may be empty.</param>
    /// <param name="destination">
    /// Receives the stream; must be at least <see cref="MaxCompressedLength"/>(<c>source.Length</c>) bytes.
    /// </param>
    /// <returns>The number of bytes written to <paramref name="destination"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is smaller than the bound.</exception>
    public static unsafe int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int bound = MaxCompressedLength(source.Length);
        if (destination.Length < bound)
        {
            throw new ArgumentException(
                $"Destination is {destination.Length} bytes; compressing {source.Length} bytes may need {bound}.",
                nameof(destination));
        }

        int[] head = t_head ??= new int[1 << MaxHashBits];
        int[] prev = t_prev ??= new int[WindowSize];

        // Small inputs get a smaller table so clearing it does not dominate the call.
        int hashBits = Math.Clamp(BitOperations.Log2((uint)Math.Max(source.Length, 1)) + 1, 10, MaxHashBits);
        head.AsSpan(0, 1 << hashBits).Fill(EmptySlot);

        fixed (byte* src = source)
        fixed (byte* dst = destination)
        fixed (int* headPtr = head)
        fixed (int* prevPtr = prev)
        {
            return CompressCore(src, source.Length, dst, headPtr, prevPtr, 32 - hashBits);
        }
    }

    private static unsafe int CompressCore(byte* src, int srcLength, byte* dst, int* head, int* prev, int hashShift)
    {
        byte* ip = src;
        byte* ipEnd = src + srcLength;

        // Hashing and the 3-byte pre-check read 4 bytes, so matches may start only where 4 bytes remain.
        byte* matchLimit = srcLength >= 4 ? ipEnd - 3 : src;

        var w = new TokenWriter(dst);

        while (ip < matchLimit)
        {
            int pos = (int)(ip - src);
            uint first3 = ReadUInt32(ip) & 0xFFFFFF;
            uint h = Hash(first3, hashShift);

            int bestLength = 0;
            int bestDistance = 0;
            int maxLength = (int)(ipEnd - ip);
            int minPos = pos - WindowSize;
            int candidate = head[h];

            // Searching before inserting pos keeps every prev slot reached below untouched since it was written:
            // a slot is only reused by a position a whole window later, and such positions are not indexed yet.
            for (int depth = MaxChainDepth; candidate >= minPos && depth != 0; depth--)
            {
                byte* c = src + candidate;
                if ((ReadUInt32(c) & 0xFFFFFF) == first3 && c[bestLength] == ip[bestLength])
                {
                    int length = MatchLength(c, ip, ipEnd);
                    if (length > bestLength)
                    {
                        bestLength = length;
                        bestDistance = pos - candidate;
                        if (length >= NiceLength || length == maxLength)
                        {
                            break;
                        }
                    }
                }

                candidate = prev[candidate & WindowMask];
            }

            prev[pos & WindowMask] = head[h];
            head[h] = pos;

            if (bestLength < MinMatch)
            {
                w.Literal(*ip);
                ip++;
                continue;
            }

            w.Match(bestDistance, bestLength);

            byte* matchEnd = ip + bestLength;
            byte* indexFrom = bestLength <= FullIndexLimit ? ip + 1 : matchEnd - FullIndexLimit / 2;
            byte* indexTo = matchEnd < matchLimit ? matchEnd : matchLimit;
            for (byte* p = indexFrom; p < indexTo; p++)
            {
                int ppos = (int)(p - src);
                uint ph = Hash(ReadUInt32(p) & 0xFFFFFF, hashShift);
                prev[ppos & WindowMask] = head[ph];
                head[ph] = ppos;
            }

            ip = matchEnd;
        }

        while (ip < ipEnd)
        {
            w.Literal(*ip);
            ip++;
        }

        return (int)(w.Finish() - dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(uint first3, int shift) => (first3 * 2654435761u) >> shift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int MatchLength(byte* candidate, byte* ip, byte* ipEnd)
    {
        byte* start = ip;
        while (ipEnd - ip >= 8)
        {
            ulong diff = Unsafe.ReadUnaligned<ulong>(ip) ^ Unsafe.ReadUnaligned<ulong>(candidate);
            if (diff != 0)
            {
                int same = BitConverter.IsLittleEndian
                    ? BitOperations.TrailingZeroCount(diff) >> 3
                    : BitOperations.LeadingZeroCount(diff) >> 3;
                return (int)(ip - start) + same;
            }

            ip += 8;
            candidate += 8;
        }

        while (ip < ipEnd && *ip == *candidate)
        {
            ip++;
            candidate++;
        }

        return (int)(ip - start);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe uint ReadUInt32(byte* p)
    {
        uint value = Unsafe.ReadUnaligned<uint>(p);
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteUInt16(byte* p, uint value)
    {
        p[0] = (byte)value;
        p[1] = (byte)(value >> 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteUInt32(byte* p, uint value) =>
        Unsafe.WriteUnaligned(p, BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));

    /// <summary>Token and flags-word bookkeeping; the destination is known to be large enough.</summary>
    private unsafe struct TokenWriter
    {
        private byte* _op;
        private byte* _flagsAt;   // where the current group's flags word goes once its 32 tokens are known
        private byte* _halfByte;  // byte whose high nibble the next long match fills; null if none pending
        private uint _flags;
        private int _flagCount;

        public TokenWriter(byte* dst)
        {
            _flagsAt = dst;
            _op = dst + 4;
            _halfByte = null;
            _flags = 0;
            _flagCount = 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Literal(byte value)
        {
            *_op++ = value;
            _flags <<= 1;
            if (++_flagCount == 32)
            {
                FlushFlags();
            }
        }

        public void Match(int distance, int length)
        {
            uint code = (uint)(length - MinMatch);
            uint offsetBits = (uint)(distance - 1) << 3;
            if (code < 7)
            {
                WriteUInt16(_op, offsetBits | code);
                _op += 2;
            }
            else
            {
                WriteUInt16(_op, offsetBits | 7);
                _op += 2;

                uint rest = code - 7;
                uint nibble = Math.Min(rest, 15u);
                if (_halfByte == null)
                {
                    _halfByte = _op;
                    *_op++ = (byte)nibble;
                }
                else
                {
                    *_halfByte |= (byte)(nibble << 4);
                    _halfByte = null;
                }

                if (rest >= 15)
                {
                    rest -= 15;
                    if (rest < 255)
                    {
                        *_op++ = (byte)rest;
                    }
                    else
                    {
                        // The wide forms restate the whole length minus 3, not the remainder.
                        *_op++ = 255;
                        if (code <= ushort.MaxValue)
                        {
                            WriteUInt16(_op, code);
                            _op += 2;
                        }
                        else
                        {
                            WriteUInt16(_op, 0);
                            WriteUInt32(_op + 2, code);
                            _op += 6;
                        }
                    }
                }
            }

            _flags = (_flags << 1) | 1;
            if (++_flagCount == 32)
            {
                FlushFlags();
            }
        }

        /// <summary>Writes the last flags word with its unused bits set, which the decoder reads as the end.</summary>
        public byte* Finish()
        {
            int unused = 32 - _flagCount;
            uint flags = unused == 32 ? uint.MaxValue : (_flags << unused) | ((1u << unused) - 1);
            WriteUInt32(_flagsAt, flags);
            return _op;
        }

        private void FlushFlags()
        {
            WriteUInt32(_flagsAt, _flags);
            _flagsAt = _op;
            _op += 4;
            _flags = 0;
            _flagCount = 0;
        }
    }
}
