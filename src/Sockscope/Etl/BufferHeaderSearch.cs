using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sockscope.Etl;

/// <summary>Where a search for the next buffer header ended.</summary>
/// <param name="Offset">The header's offset when <paramref name="Found"/>; else where the input ends.</param>
/// <param name="Found">A header was found.</param>
/// <param name="AllZeros">Every byte from the search's start to <paramref name="Offset"/> is zero.</param>
internal readonly record struct HeaderSearchResult(long Offset, bool Found, bool AllZeros);

/// <summary>
/// Finds the next offset where a believable buffer header starts, reading forward in 1 MiB chunks. A vector filter
/// over the bytes a header must have (size, flags and type words within bounds) picks the few candidates that
/// <see cref="BufferHeaderCheck.LooksLikeHeader"/> then judges, so zeros, padding and random bytes are passed over
/// at memory speed. The last answer is kept: asking again from anywhere it covered costs nothing.
/// </summary>
internal sealed class BufferHeaderSearch
{
    private const int Chunk = 1 << 20;
    private const int Window = Chunk + BufferHeaderCheck.ProbeSize;
    private const int SizeFieldBytes = 4;

    private readonly TraceBytes _bytes;
    private readonly BufferHeaderCheck _check;
    private readonly byte _maxSizeTopByte;
    private byte[]? _window;

    // The last search: from _from on, the first header is at _to (or none before the end, at _to).
    private long _from = -1;
    private long _to = -1;
    private bool _found;
    private long _lastNonZero = -1;

    public BufferHeaderSearch(TraceBytes bytes, BufferHeaderCheck check, int maxBufferSize)
    {
        _bytes = bytes;
        _check = check;
        _maxSizeTopByte = (byte)Math.Min(255, (uint)maxBufferSize >> 24);
    }

    /// <summary>Bytes read by searches so far (for tests of the cache).</summary>
    public long BytesSearched { get; private set; }

    /// <summary>
    /// The first offset at or after <paramref name="from"/> where a believable buffer header starts. The search
    /// commits the caller to moving on: the bytes it passes are released (a stream lets them go).
    /// </summary>
    public HeaderSearchResult Find(long from) => Search(from, long.MaxValue, release: true);

    /// <summary>
    /// The first header starting in [<paramref name="from"/>, <paramref name="end"/>), or a result at
    /// <paramref name="end"/> that found none; nothing is released, so the caller may still go back. On a stream the
    /// bytes up to <paramref name="end"/> are held meanwhile: keep the range bounded there.
    /// </summary>
    public HeaderSearchResult FindWithin(long from, long end) => Search(from, end, release: false);

    private HeaderSearchResult Search(long from, long end, bool release)
    {
        if (_from >= 0 && from >= _from && from <= _to && (_found || end == long.MaxValue))
            return new HeaderSearchResult(_to, _found, _lastNonZero < from);
        _window ??= new byte[Window];
        long lastNonZero = -1;
        long pos = from;
        while (true)
        {
            if (pos >= end) return new HeaderSearchResult(end, false, lastNonZero < from);
            if (release) _bytes.Release(pos);
            // A hole is zeros: no header starts in it, except where the 4 size bytes reach past its end.
            long data = _bytes.DataFrom(pos);
            if (data - (SizeFieldBytes - 1) > pos) pos = data - (SizeFieldBytes - 1);
            int got = _bytes.Read(_window, pos);
            BytesSearched += got;
            bool whole = got == Window;
            // Offsets this round answers for: a whole chunk, or at the end every offset a whole header fits after.
            int region = whole ? Chunk : got;
            int positions = whole ? Chunk : Math.Max(0, got - WmiBufferHeader.Size + 1);
            // A header's size is at least its own 0x48 bytes, so no header starts where its 4 size bytes are zero:
            // runs of zeros are passed over by the runtime's own vectorised search.
            int firstNonZero = _window.AsSpan(0, Math.Min(got, region + SizeFieldBytes - 1)).IndexOfAnyExcept((byte)0);
            if (firstNonZero >= 0)
            {
                int hit = Scan(got, Math.Max(0, firstNonZero - (SizeFieldBytes - 1)), positions);
                int last = _window.AsSpan(0, hit >= 0 ? hit : region).LastIndexOfAnyExcept((byte)0);
                if (last >= 0) lastNonZero = pos + last;
                if (hit >= 0 && pos + hit < end) return Keep(from, pos + hit, found: true, lastNonZero);
                if (hit >= 0) return new HeaderSearchResult(end, false, lastNonZero < from);
            }
            if (!whole) return end == long.MaxValue ? Keep(from, pos + got, found: false, lastNonZero) : new HeaderSearchResult(pos + got, false, lastNonZero < from);
            pos += Chunk;
        }
    }

    private HeaderSearchResult Keep(long from, long to, bool found, long lastNonZero)
    {
        (_from, _to, _found, _lastNonZero) = (from, to, found, lastNonZero);
        return new HeaderSearchResult(to, found, lastNonZero < from);
    }

    /// <summary>The first offset in [<paramref name="start"/>, <paramref name="positions"/>) of the window holding a believable header, or -1.</summary>
    private int Scan(int got, int start, int positions)
    {
        int i = start;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<byte>.Count <= positions; i += Vector256<byte>.Count)
            {
                uint mask = Candidates256(i);
                while (mask != 0)
                {
                    int at = i + BitOperations.TrailingZeroCount(mask);
                    if (Judge(at, got)) return at;
                    mask &= mask - 1;
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i + Vector128<byte>.Count <= positions; i += Vector128<byte>.Count)
            {
                uint mask = Candidates128(i);
                while (mask != 0)
                {
                    int at = i + BitOperations.TrailingZeroCount(mask);
                    if (Judge(at, got)) return at;
                    mask &= mask - 1;
                }
            }
        }
        for (; i < positions; i++)
            if (IsCandidate(i) && Judge(i, got)) return i;
        return -1;
    }

    private bool Judge(int at, int got) => _check.LooksLikeHeader(_window.AsSpan(at, Math.Min(BufferHeaderCheck.ProbeSize, got - at)));

    // What every believable header has, byte by byte, so that 32 offsets are tested at once: a size of at least
    // 0x48 and at most the limit, flags without the high bits (0x34 below 0x80, 0x35 zero), a type up to 8 (0x36 at
    // most 8, 0x37 zero).

    private bool IsCandidate(int i)
    {
        var w = _window!;
        bool size = (w[i + 1] | w[i + 2] | w[i + 3]) != 0 || w[i] >= WmiBufferHeader.Size;
        return size && w[i + 3] <= _maxSizeTopByte && w[i + Flags] < 0x80 && w[i + Flags + 1] == 0 && w[i + Type] <= 8 && w[i + Type + 1] == 0;
    }

    private const int Flags = WmiBufferHeader.Offsets.BufferFlag;
    private const int Type = WmiBufferHeader.Offsets.BufferType;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Candidates256(int i)
    {
        ref byte b = ref MemoryMarshal.GetArrayDataReference(_window!);
        nuint o = (nuint)i;
        var s0 = Vector256.LoadUnsafe(ref b, o);
        var s1 = Vector256.LoadUnsafe(ref b, o + 1);
        var s2 = Vector256.LoadUnsafe(ref b, o + 2);
        var s3 = Vector256.LoadUnsafe(ref b, o + 3);
        var f0 = Vector256.LoadUnsafe(ref b, o + Flags);
        var f1 = Vector256.LoadUnsafe(ref b, o + Flags + 1);
        var t0 = Vector256.LoadUnsafe(ref b, o + Type);
        var t1 = Vector256.LoadUnsafe(ref b, o + Type + 1);
        var size = ~Vector256.Equals(s1 | s2 | s3, Vector256<byte>.Zero) | Vector256.GreaterThan(s0, Vector256.Create((byte)(WmiBufferHeader.Size - 1)));
        var ok = size
            & Vector256.LessThanOrEqual(s3, Vector256.Create(_maxSizeTopByte))
            & Vector256.LessThan(f0, Vector256.Create((byte)0x80))
            & Vector256.Equals(f1 | t1, Vector256<byte>.Zero)
            & Vector256.LessThanOrEqual(t0, Vector256.Create((byte)8));
        return ok.ExtractMostSignificantBits();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Candidates128(int i)
    {
        ref byte b = ref MemoryMarshal.GetArrayDataReference(_window!);
        nuint o = (nuint)i;
        var s0 = Vector128.LoadUnsafe(ref b, o);
        var s1 = Vector128.LoadUnsafe(ref b, o + 1);
        var s2 = Vector128.LoadUnsafe(ref b, o + 2);
        var s3 = Vector128.LoadUnsafe(ref b, o + 3);
        var f0 = Vector128.LoadUnsafe(ref b, o + Flags);
        var f1 = Vector128.LoadUnsafe(ref b, o + Flags + 1);
        var t0 = Vector128.LoadUnsafe(ref b, o + Type);
        var t1 = Vector128.LoadUnsafe(ref b, o + Type + 1);
        var size = ~Vector128.Equals(s1 | s2 | s3, Vector128<byte>.Zero) | Vector128.GreaterThan(s0, Vector128.Create((byte)(WmiBufferHeader.Size - 1)));
        var ok = size
            & Vector128.LessThanOrEqual(s3, Vector128.Create(_maxSizeTopByte))
            & Vector128.LessThan(f0, Vector128.Create((byte)0x80))
            & Vector128.Equals(f1 | t1, Vector128<byte>.Zero)
            & Vector128.LessThanOrEqual(t0, Vector128.Create((byte)8));
        return ok.ExtractMostSignificantBits();
    }
}
