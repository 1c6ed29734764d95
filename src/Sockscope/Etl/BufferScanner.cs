using System.Buffers.Binary;

namespace Sockscope.Etl;

/// <summary>One buffer found in the file.</summary>
internal struct BufferEntry
{
    public long Offset;
    public int Size;
    /// <summary>Bytes the buffer needs in memory (decompressed size for compressed buffers).</summary>
    public int MemorySize;
    public ushort Processor;
    public WmiBufferFlags Flags;
    /// <summary>
    /// The header's time stamp: when the buffer was flushed, at or after its last record. The merge is done with the
    /// buffer about then, so it orders the prefetch of the processor's next buffer.
    /// </summary>
    public long TimeStamp;
}

/// <summary>
/// Walks the buffer headers of a file from front to back, without reading the records, and finds the next buffer
/// again after a damaged header. Used to index a window of buffers for the time merge.
/// </summary>
internal sealed class BufferScanner
{
    private readonly TraceBytes _bytes;
    private readonly string _path;
    private readonly uint _sessionBufferSize;
    private readonly bool _sessionCompressed;
    private readonly uint _processorCount;
    private readonly EtlReaderOptions _options;
    private readonly EtlDiagnostics _diagnostics;
    private readonly byte[] _header = new byte[WmiBufferHeader.Size + 8];
    private long _next;

    public long BuffersFound { get; private set; }
    public long CompressedBuffers { get; private set; }
    public long BuffersWithEventsLost { get; private set; }
    public long BuffersFlaggedLost { get; private set; }
    public bool AtEnd => _bytes.Available(_next, 1) == 0;

    public BufferScanner(TraceBytes bytes, string path, uint sessionBufferSize, bool sessionCompressed,
        uint processorCount, EtlReaderOptions options, EtlDiagnostics diagnostics)
    {
        _processorCount = processorCount;
        _bytes = bytes;
        _path = path;
        _sessionBufferSize = sessionBufferSize;
        _sessionCompressed = sessionCompressed;
        _options = options;
        _diagnostics = diagnostics;
    }

    /// <summary>Finds the next buffer; false at the end of the file.</summary>
    public bool TryNext(out BufferEntry entry)
    {
        entry = default;
        while (true)
        {
            long at = _next;
            // Nothing before here is read again, so a stream may drop it (the caller has taken the buffer returned last).
            _bytes.Release(at);
            int got = _bytes.Read(_header.AsSpan(0, WmiBufferHeader.Size), at);
            if (got == 0) return false;
            if (got < WmiBufferHeader.Size)
            {
                Report(at, EtlProblemKind.Truncated, $"the file ends {got} bytes into a buffer header");
                _diagnostics.BytesSkipped += got;
                _next = at + got;
                return false;
            }
            var h = WmiBufferHeader.Read(_header);
            // How much of the buffer the input holds; a size beyond the limit is refused before anything is read for it.
            long remaining = _bytes.Available(at, Math.Min(h.BufferSize, (uint)_options.MaxBufferSize) + 1L);
            string? sizeProblem = CheckSize(h, remaining, out bool truncated);
            if (sizeProblem is null || truncated)
            {
                string? contentProblem = CheckContent(h);
                if (contentProblem is not null)
                {
                    // The size is believable, so the next buffer is where it says: skip just this one.
                    long skip = Math.Min(h.BufferSize, (uint)remaining);
                    Report(at, EtlProblemKind.BadBuffer, $"{contentProblem}; the buffer ({skip} bytes) is skipped");
                    _diagnostics.DamagedBuffers++;
                    _diagnostics.BytesSkipped += skip;
                    _next = at + skip;
                    continue;
                }
                if (truncated)
                {
                    // The file ends inside the buffer: its first records may still be whole.
                    Report(at, EtlProblemKind.Truncated, sizeProblem!);
                    _diagnostics.DamagedBuffers++;
                    _next = at + remaining;
                    entry = MakeEntry(at, h with { BufferSize = (uint)remaining });
                    return true;
                }
                _next = at + h.BufferSize;
                entry = MakeEntry(at, h);
                return true;
            }
            Report(at, EtlProblemKind.BadBuffer, sizeProblem);
            _diagnostics.DamagedBuffers++;
            long found = Resynchronise(at + 1);
            _diagnostics.BytesSkipped += found - at;
            if (_bytes.Available(found, 1) > 0)
                Report(found, EtlProblemKind.Resynchronised, $"next buffer found after skipping {found - at} bytes");
            _next = found;
        }
    }

    private BufferEntry MakeEntry(long at, in WmiBufferHeader h)
    {
        BuffersFound++;
        if (h.IsCompressed) CompressedBuffers++;
        if ((h.BufferFlag & WmiBufferFlags.EventsLost) != 0) BuffersWithEventsLost++;
        if ((h.BufferFlag & WmiBufferFlags.BufferLost) != 0) BuffersFlaggedLost++;
        return new BufferEntry
        {
            Offset = at,
            Size = (int)h.BufferSize,
            MemorySize = h.IsCompressed ? (int)Math.Max(h.SavedOffset, (uint)WmiBufferHeader.Size) : (int)h.BufferSize,
            Processor = h.ProcessorIndex,
            Flags = h.BufferFlag,
            TimeStamp = h.TimeStamp,
        };
    }

    /// <summary>
    /// Why the buffer's own size cannot be right, or null. Sets <paramref name="truncated"/> when the size is fine
    /// but the file ends inside the buffer.
    /// </summary>
    private string? CheckSize(in WmiBufferHeader h, long remaining, out bool truncated)
    {
        truncated = false;
        if (h.BufferSize < WmiBufferHeader.Size)
            return $"buffer size {h.BufferSize} is smaller than its own header";
        if (h.BufferSize > (uint)_options.MaxBufferSize)
            return $"buffer size {h.BufferSize} exceeds the limit of {_options.MaxBufferSize} bytes";
        if (h.BufferSize > remaining)
        {
            truncated = true;
            return $"the file ends {remaining} bytes into a {h.BufferSize}-byte buffer";
        }
        return null;
    }

    /// <summary>Why the rest of a buffer header cannot be right, or null.</summary>
    private string? CheckContent(in WmiBufferHeader h)
    {
        if (h.IsCompressed)
        {
            // A compressed buffer expands to at most one session buffer; bounding it here bounds what a hostile size costs.
            uint limit = (uint)Math.Min(_options.MaxBufferSize, Math.Max(_sessionBufferSize, 64 * 1024u));
            if (h.SavedOffset < WmiBufferHeader.Size || h.SavedOffset > limit)
                return $"compressed buffer claims {h.SavedOffset} bytes once decompressed (limit {limit})";
            if (h.CompressionFormat != WmiBufferHeader.CompressionFormatXpress)
                return $"buffer is compressed with format {h.CompressionFormat}, which no known Windows writes (only 3, XPRESS, is read)";
        }
        else if (h.FilledBytes > h.BufferSize)
        {
            return $"buffer claims {h.FilledBytes} bytes of records in a {h.BufferSize}-byte buffer";
        }
        return null;
    }

    /// <summary>
    /// Looks for the next offset at or after <paramref name="from"/> where a plausible buffer header starts; the end
    /// of the file when there is none. Reads forward in chunks, so the cost is bounded by the file's size.
    /// </summary>
    private long Resynchronise(long from)
    {
        // Uncompressed sessions write every buffer at the session's buffer size: try the expected boundary first.
        // (A session size over the limit can find no buffer the size check accepts; on a stream, probing that far
        // ahead would hold everything in between.)
        if (!_sessionCompressed && _sessionBufferSize >= WmiBufferHeader.Size && _sessionBufferSize <= (uint)_options.MaxBufferSize)
        {
            long boundary = (from + _sessionBufferSize - 1) / _sessionBufferSize * _sessionBufferSize;
            int got = _bytes.Read(_header, boundary);
            if (got >= WmiBufferHeader.Size && IsPlausible(_header.AsSpan(0, got), boundary) && NextIsPlausible(boundary)) return boundary;
        }
        const int Chunk = 1 << 20;
        var window = new byte[Chunk + WmiBufferHeader.Size];
        for (long start = from; ; start += Chunk)
        {
            _bytes.Release(start);
            int read = _bytes.Read(window, start);
            if (read < WmiBufferHeader.Size) return start + read;
            for (int i = 0; i + WmiBufferHeader.Size <= read && i < Chunk; i++)
                if (IsPlausible(window.AsSpan(i), start + i) && NextIsPlausible(start + i)) return start + i;
            if (read < window.Length) return start + read;
        }
    }

    /// <summary>A candidate is believed only when the buffer after it starts plausibly too (or the file ends there).</summary>
    private bool NextIsPlausible(long candidate)
    {
        var probe = new byte[WmiBufferHeader.Size + 8];
        _bytes.Read(probe.AsSpan(0, 4), candidate);
        long next = candidate + BinaryPrimitives.ReadUInt32LittleEndian(probe);
        int got = _bytes.Read(probe, next);
        if (got == 0) return true; // the file ends right there
        return got >= WmiBufferHeader.Size && IsPlausible(probe.AsSpan(0, got), next);
    }

    /// <summary>Whether <paramref name="bytes"/>, found at offset <paramref name="at"/>, look like the start of a buffer.</summary>
    private bool IsPlausible(ReadOnlySpan<byte> bytes, long at)
    {
        if (bytes.Length < WmiBufferHeader.Size) return false;
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (size < WmiBufferHeader.Size + 8 || size > (uint)_options.MaxBufferSize) return false;
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(bytes[0x34..]);
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(bytes[0x36..]);
        if ((flags & ~0x7F) != 0 || type > 8) return false;
        ushort processor = (flags & (ushort)WmiBufferFlags.ProcessorIndex) != 0 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[0x28..]) : bytes[0x28];
        if (_processorCount != 0 && processor >= _processorCount) return false;
        uint saved = BinaryPrimitives.ReadUInt32LittleEndian(bytes[0x04..]);
        uint filled = BinaryPrimitives.ReadUInt32LittleEndian(bytes[0x30..]);
        if ((flags & (ushort)WmiBufferFlags.Compressed) != 0)
            return saved >= WmiBufferHeader.Size + 8 && saved <= (uint)_options.MaxBufferSize && filled == saved && Whole(at, size);
        if (filled < WmiBufferHeader.Size || filled > size) return false;
        if (!_sessionCompressed && _sessionBufferSize != 0 && size != _sessionBufferSize) return false;
        if (filled >= WmiBufferHeader.Size + 8 && bytes.Length >= WmiBufferHeader.Size + 4)
        {
            byte marker = bytes[WmiBufferHeader.Size + 3];
            if ((marker & 0xC0) != 0xC0 && (marker & 0xD0) != 0x90) return false;
        }
        return Whole(at, size);
    }

    /// <summary>The input holds all <paramref name="size"/> bytes of a buffer at <paramref name="at"/>.</summary>
    private bool Whole(long at, uint size) => _bytes.Available(at, size) == size;

    private void Report(long offset, EtlProblemKind kind, string message) =>
        _diagnostics.Report(new EtlProblem(_path, offset, kind, message));
}
