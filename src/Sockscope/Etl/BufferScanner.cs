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
/// again after a damaged header. Used to index a window of buffers for the time merge and for file order alike.
/// </summary>
/// <remarks>
/// A header's size is believed only when nothing contradicts it: the rest of the header (<see cref="BufferHeaderCheck"/>),
/// the logfile header (in an uncompressed session every buffer has the session's buffer size) and, where sizes
/// vary, what follows the buffer: a believable header, the end of the file, zeros, or at least no buffer header
/// before the buffer's claimed end. A header that cannot be believed is skipped, and the search for the next buffer
/// starts right after its first byte (at the session's next buffer boundary first), never at its claimed end, so no
/// intact buffer is lost to one damaged size.
/// </remarks>
internal sealed class BufferScanner
{
    private readonly TraceBytes _bytes;
    private readonly string _path;
    private readonly BufferHeaderCheck _check;
    private readonly BufferHeaderSearch _search;
    private readonly EtlDiagnostics _diagnostics;
    private readonly byte[] _header = new byte[BufferHeaderCheck.ProbeSize];
    private readonly byte[] _probe = new byte[BufferHeaderCheck.ProbeSize];
    // The header EndsWell last read after a buffer: the next call starts there, so it is not read twice.
    private long _probeAt = -1;
    private int _probeGot;
    private long _next;

    public long BuffersFound { get; private set; }
    public long CompressedBuffers { get; private set; }
    public long BuffersWithEventsLost { get; private set; }
    public long BuffersFlaggedLost { get; private set; }
    public bool AtEnd => _bytes.Available(_next, 1) == 0;

    /// <summary>Bytes read while searching for headers (the cost of resynchronising).</summary>
    internal long BytesSearched => _search.BytesSearched;

    public BufferScanner(TraceBytes bytes, string path, uint sessionBufferSize, bool sessionCompressed,
        uint processorCount, EtlReaderOptions options, EtlDiagnostics diagnostics)
    {
        _bytes = bytes;
        _path = path;
        _diagnostics = diagnostics;
        _check = new BufferHeaderCheck(sessionBufferSize, sessionCompressed, processorCount, options.MaxBufferSize);
        _search = new BufferHeaderSearch(bytes, _check, options.MaxBufferSize);
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
            int got = ReadHeader(at);
            if (got == 0) return false;
            if (got < WmiBufferHeader.Size)
            {
                Report(at, EtlProblemKind.Truncated, $"the file ends {got} bytes into a buffer header");
                _diagnostics.BytesSkipped += got;
                _next = at + got;
                return false;
            }
            var h = WmiBufferHeader.Read(_header);
            var fault = _check.Judge(h, out var why);
            HeaderSearchResult? inside = null;
            switch (fault)
            {
                case HeaderFault.None:
                {
                    long remaining = _bytes.Available(at, h.BufferSize);
                    // In an uncompressed session the logfile header's buffer size is the confirmation.
                    if (_check.FixedSize != 0 && remaining == h.BufferSize) return Accept(at, h, out entry);
                    var (confirmed, found) = Confirm(at, h.BufferSize);
                    if (confirmed && remaining == h.BufferSize) return Accept(at, h, out entry);
                    if (confirmed)
                    {
                        // The file ends inside the buffer, and no buffer header follows: its first records may still be whole.
                        Report(at, EtlProblemKind.Truncated, $"the file ends {remaining} bytes into a {h.BufferSize}-byte buffer");
                        _diagnostics.DamagedBuffers++;
                        _next = at + remaining;
                        entry = MakeEntry(at, h with { BufferSize = (uint)remaining });
                        return true;
                    }
                    why = new EtlFault(EtlFaultKind.BufferRunsPastNextHeader, h.BufferSize, found.Offset);
                    inside = found;
                    break;
                }
                case HeaderFault.Inconsistent:
                    // Records still readable, but a header at odds with itself is believed only when what follows confirms its size.
                    if (EndsWell(at, h.BufferSize))
                    {
                        Report(at, EtlProblemKind.Inconsistent, $"{why}; its size is confirmed by what follows it, so its records are read", why);
                        return Accept(at, h, out entry);
                    }
                    break;
                case HeaderFault.Unreadable:
                {
                    // The buffer ends where its size says, if that size holds.
                    uint size = _check.FixedSize != 0 ? _check.FixedSize : h.BufferSize;
                    bool holds;
                    if (_check.FixedSize != 0)
                    {
                        holds = EndsWell(at, size);
                    }
                    else
                    {
                        var confirmation = Confirm(at, size);
                        holds = confirmation.Confirmed;
                        inside = confirmation.Found;
                    }
                    if (holds)
                    {
                        // A buffer the file ends inside is skipped to the end.
                        long skip = _bytes.Available(at, size);
                        Report(at, EtlProblemKind.BadBuffer, $"{why}; the buffer ({skip} bytes) is skipped", why);
                        _diagnostics.DamagedBuffers++;
                        _diagnostics.BytesSkipped += skip;
                        _next = at + skip;
                        continue;
                    }
                    break;
                }
            }
            Resynchronise(at, why!.Value, inside);
        }
    }

    private bool Accept(long at, in WmiBufferHeader h, out BufferEntry entry)
    {
        _next = at + h.BufferSize;
        entry = MakeEntry(at, h);
        return true;
    }

    /// <summary>
    /// Skips a header that cannot be believed: to the session's next buffer boundary when a header starts there,
    /// else to the first header after the damaged one's first byte, else to the end of the file.
    /// </summary>
    private void Resynchronise(long at, EtlFault why, HeaderSearchResult? known)
    {
        _diagnostics.DamagedBuffers++;
        HeaderSearchResult found;
        if (known is { } k) found = k;
        else if (_check.FixedSize != 0 && IsHeaderAt(at + _check.FixedSize)) found = new HeaderSearchResult(at + _check.FixedSize, true, false);
        else found = _search.Find(at + 1);
        long skipped = found.Offset - at;
        _diagnostics.BytesSkipped += skipped;
        _next = found.Offset;
        if (found.Found)
        {
            Report(at, EtlProblemKind.BadBuffer, why.ToString(), why);
            Report(found.Offset, EtlProblemKind.Resynchronised, $"next buffer found after skipping {skipped} bytes");
        }
        else if (found.AllZeros && IsZero(_header.AsSpan(0, WmiBufferHeader.Size)))
        {
            Report(at, EtlProblemKind.BadBuffer,
                $"the last {skipped} bytes of the file are zeros, with no buffer (space allocated for the trace and never written)");
        }
        else
        {
            Report(at, EtlProblemKind.BadBuffer, $"{why}; no buffer header in the remaining {skipped} bytes of the file", why);
        }
    }

    /// <summary>
    /// Whether a size of <paramref name="size"/> for the buffer at <paramref name="at"/> holds: it ends well
    /// (<see cref="EndsWell"/>); or failing that, no buffer header starts inside it, so believing it loses no other
    /// buffer. When it does not hold, <c>Found</c> is the first header inside.
    /// </summary>
    private (bool Confirmed, HeaderSearchResult Found) Confirm(long at, uint size)
    {
        if (EndsWell(at, size)) return (true, default);
        // Only a header inside the buffer matters, and the buffer may still be read: a bounded search that keeps the bytes.
        var found = _search.FindWithin(at + 1, at + size);
        return (!found.Found || found.Offset >= at + size, found);
    }

    /// <summary>
    /// The buffer at <paramref name="at"/> is whole in the file, and what follows it is a believable header, the end
    /// of the file, or zeros (space allocated for the file and never written).
    /// </summary>
    private bool EndsWell(long at, uint size)
    {
        if (_bytes.Available(at, size) != size) return false;
        int got = Probe(at + size);
        return got == 0 || IsZero(_probe.AsSpan(0, got)) || _check.LooksLikeHeader(_probe.AsSpan(0, got));
    }

    private bool IsHeaderAt(long offset)
    {
        int got = Probe(offset);
        return _check.LooksLikeHeader(_probe.AsSpan(0, got));
    }

    private int Probe(long offset)
    {
        if (offset == _probeAt) return _probeGot;
        _probeGot = _bytes.Read(_probe, offset);
        _probeAt = offset;
        return _probeGot;
    }

    private int ReadHeader(long at)
    {
        if (at != _probeAt) return _bytes.Read(_header, at);
        _probe.AsSpan(0, _probeGot).CopyTo(_header);
        return _probeGot;
    }

    private static bool IsZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);

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

    private void Report(long offset, EtlProblemKind kind, string message, EtlFault? fault = null) =>
        _diagnostics.Report(new EtlProblem(_path, offset, kind, message) { Fault = fault });
}
