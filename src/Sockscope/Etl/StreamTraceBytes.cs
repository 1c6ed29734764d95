using System.Buffers;

namespace Sockscope.Etl;

/// <summary>
/// A trace read front to back from a stream that cannot seek (a pipe, a FIFO, standard input). Bytes are read ahead
/// into a window of pooled chunks as far as a read or <see cref="Available"/> asks, and dropped once
/// <see cref="Release"/> passes them, so memory is what the readers look ahead, not the trace's size.
/// </summary>
/// <remarks>
/// Its readers (the buffer scanner, then the merge copying each buffer out) look at most one largest buffer and a
/// resynchronisation chunk ahead of what they have released. Reading before the released point would need bytes that
/// are gone: that is a bug, and throws.
/// </remarks>
internal sealed class StreamTraceBytes : TraceBytes
{
    /// <summary>
    /// Bytes in a chunk of the window. Larger than a pipe's usual 64 KiB so one stream read rarely spans two chunks;
    /// small enough that the window is not much more than what is asked of it.
    /// </summary>
    public const int ChunkSize = 256 * 1024;

    private readonly Stream _stream;
    private readonly List<byte[]> _chunks = new();
    private long _base;      // offset of the first chunk's first byte
    private long _end;       // offset just past the last byte read from the stream
    private long _released;  // no byte before this is read again
    private bool _ended;

    public StreamTraceBytes(Stream stream) => _stream = stream;

    /// <summary>The bytes the window holds now (whole chunks).</summary>
    public long Held => (long)_chunks.Count * ChunkSize;

    /// <summary>The most the window has held at once, for tests.</summary>
    public long PeakHeld { get; private set; }

    public override long? Length => _ended ? _end : null;

    public override bool IsRandomAccess => false;

    public override int Read(Span<byte> destination, long offset)
    {
        FillTo(offset, offset + destination.Length);
        if (offset >= _end) return 0;
        int count = (int)Math.Min(destination.Length, _end - offset);
        long relative = offset - _base;
        int chunk = (int)(relative / ChunkSize);
        int at = (int)(relative % ChunkSize);
        for (int done = 0; done < count; chunk++, at = 0)
        {
            int n = Math.Min(count - done, ChunkSize - at);
            _chunks[chunk].AsSpan(at, n).CopyTo(destination[done..]);
            done += n;
        }
        return count;
    }

    public override long Available(long offset, long want)
    {
        FillTo(offset, offset + want);
        return Math.Clamp(_end - offset, 0, want);
    }

    public override void Release(long offset)
    {
        if (offset <= _released) return;
        _released = offset;
        // Only whole chunks the stream has filled: the last one is still being read into.
        int drop = 0;
        while (drop < _chunks.Count && _base + ChunkSize <= _released && _base + ChunkSize <= _end)
        {
            ArrayPool<byte>.Shared.Return(_chunks[drop++]);
            _base += ChunkSize;
        }
        _chunks.RemoveRange(0, drop);
    }

    /// <summary>Reads from the stream until it has delivered every byte before <paramref name="target"/>, or ended.</summary>
    private void FillTo(long offset, long target)
    {
        if (offset < _released)
            throw new InvalidOperationException($"offset {offset} of the stream was read again after bytes up to {_released} were released");
        while (_end < target && !_ended)
        {
            int filled = (int)(_end - _base - (long)(_chunks.Count - 1) * ChunkSize);
            if (_chunks.Count == 0 || filled == ChunkSize)
            {
                _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                PeakHeld = Math.Max(PeakHeld, Held);
                filled = (int)(_end - _base - (long)(_chunks.Count - 1) * ChunkSize);
            }
            int n = _stream.Read(_chunks[^1].AsSpan(filled, ChunkSize - filled));
            if (n == 0) _ended = true;
            else _end += n;
        }
    }

    public override void Dispose()
    {
        foreach (var chunk in _chunks) ArrayPool<byte>.Shared.Return(chunk);
        _chunks.Clear();
        _stream.Dispose();
    }
}
