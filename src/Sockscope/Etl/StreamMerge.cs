namespace Sockscope.Etl;

/// <summary>
/// Delivers the records of a trace read from a stream that cannot seek as the file reader delivers a file's: merged
/// across processors in time order (or in file order), window by window, in bounded memory.
/// </summary>
/// <remarks>
/// <para>
/// The file reader indexes up to a million buffers ahead and reads each by offset when its merge wants it; a pipe
/// cannot go back. Here each buffer is copied out of the stream as it comes (decompressed, if it was compressed, on
/// this thread) and queued on its processor's stream until that stream reaches it. Before it delivers a record the
/// merge reads ahead for as long as it holds less than <see cref="EtlReaderOptions.StreamMergeBytes"/> (buffers read
/// ahead and the one each processor stands in, all counted), and delivers the earliest record it holds. So
/// it delivers exactly what the file reader does whenever every buffer arrives before the merge has passed the time of
/// its first record, which is so when no buffer lies further ahead in the file than the budget holds.
/// </para>
/// <para>
/// A buffer that lies further (a quiet processor's, flushed long after its first records) arrives with records
/// earlier than some already delivered. Nothing is lost: they are delivered then, as the earliest the merge holds;
/// they are counted (<see cref="EtlDiagnostics.RecordsOutOfOrder"/>) and one problem says so when the input ends. A
/// stream that runs dry while others deliver, and goes on with a record earlier than the latest delivered, is what
/// tells: while every processor's records are in time order, that happens exactly when the order differs from the
/// file reader's.
/// </para>
/// </remarks>
internal sealed class StreamMerge : IDisposable
{
    private readonly EtlReader _reader;
    private readonly BufferScanner _scanner;
    private readonly TraceBytes _bytes;
    private readonly EtlReaderOptions _options;
    private readonly bool _byTime;
    private readonly MergeMemory _memory = new();
    private readonly BufferStreamHeap _heap = new();
    private readonly List<QueuedBufferStream> _streams = new();
    private QueuedBufferStream?[] _byProcessor = [];
    private QueuedBufferStream? _single;
    private QueuedBufferStream? _current;

    private int _windowBuffers;
    private long _windowFirstOffset;
    private bool _windowClosed;
    private bool _inputEnded;
    private bool _finished;

    private long _delivered;
    private long _windowStartDelivered;
    // The latest record delivered in this window, by the merge's own order (time stamp, then rank).
    private long _latestStamp = long.MinValue;
    private int _latestRank = int.MinValue;
    private long _lateBuffers;
    private long _firstLateOffset = -1;

    public StreamMerge(EtlReader reader, BufferScanner scanner, TraceBytes bytes, EtlReaderOptions options)
    {
        _reader = reader;
        _scanner = scanner;
        _bytes = bytes;
        _options = options;
        _byTime = options.Order == RecordOrder.Time;
    }

    /// <summary>The most the merge has held at once (buffers read ahead and each processor's loaded buffer), for tests.</summary>
    public long PeakHeld => _memory.PeakHeld;

    /// <summary>Moves past the record delivered last and stands on the next; null when the input is done.</summary>
    public BufferStream? Next()
    {
        var candidate = _current;
        _current = null;
        if (candidate is not null && !candidate.MoveNext())
        {
            candidate.Active = false;
            candidate.DrySince = _delivered;
            candidate = null;
        }
        QueuedBufferStream next;
        while (true)
        {
            Fill(candidate is not null);
            if (candidate is not null)
            {
                // The stream just moved on usually stays the earliest: then it needs no trip through the heap.
                next = _heap.Count > 0 && BufferStreamHeap.Before(_heap.Top, candidate)
                    ? (QueuedBufferStream)_heap.ReplaceTop(candidate)
                    : candidate;
                break;
            }
            if (_heap.Count > 0)
            {
                next = (QueuedBufferStream)_heap.Pop();
                break;
            }
            if (!NextWindow())
            {
                Finish();
                return null;
            }
        }
        if (_byTime) Deliver(next);
        _delivered++;
        _current = next;
        return next;
    }

    /// <summary>
    /// Reads buffers ahead: in time order while the merge holds less than its budget, in file order only when it has
    /// no record to deliver; never past the window's end.
    /// </summary>
    private void Fill(bool haveRecord)
    {
        while (!_windowClosed && ((!haveRecord && _heap.Count == 0) || (_byTime && _memory.Held < _options.StreamMergeBytes)))
            ReadBuffer();
    }

    /// <summary>
    /// Copies the next buffer out of the stream (decompressing it when compressed, so that it takes no more memory
    /// once loaded) and queues it on its processor's stream.
    /// </summary>
    private void ReadBuffer()
    {
        if (!_scanner.TryNext(out var entry))
        {
            _windowClosed = _inputEnded = true;
            return;
        }
        if (_windowBuffers == 0) _windowFirstOffset = entry.Offset;
        _windowBuffers++;
        var stream = StreamOf(entry.Processor);
        if ((entry.Flags & WmiBufferFlags.Compressed) == 0)
        {
            var bytes = _memory.Rent(entry.Size);
            stream.Enqueue(entry, bytes, _bytes.Read(bytes.AsSpan(0, entry.Size), entry.Offset));
        }
        else
        {
            var packed = _reader.RentScratch(entry.Size);
            int got = _bytes.Read(packed.AsSpan(0, entry.Size), entry.Offset);
            var bytes = _memory.Rent(entry.MemorySize);
            stream.Enqueue(entry, bytes, BufferDecompression.Decompress(packed.AsSpan(0, got), entry, bytes));
        }
        _bytes.Release(entry.Offset + entry.Size);
        if (_windowBuffers == _options.MergeWindowBuffers)
        {
            _windowClosed = true;
            if (_byTime && !_scanner.AtEnd)
            {
                _reader.Diagnostics.Report(new EtlProblem(_reader.Path, _windowFirstOffset, EtlProblemKind.OrderDegraded,
                    $"more than {_options.MergeWindowBuffers} buffers: merged window by window, so order is exact within each window only"));
            }
        }
        if (!stream.Active) Resume(stream);
    }

    /// <summary>A stream that had run dry has a buffer again: it joins the merge if the buffer holds a record.</summary>
    private void Resume(QueuedBufferStream stream)
    {
        if (!stream.MoveNext()) return;
        if (_byTime)
        {
            // Records were delivered while it was dry, and one of them comes after this record: the merge has
            // already passed it, and the file reader would have delivered it earlier.
            bool late = _delivered > stream.DrySince && Earlier(stream.CurrentTimestamp, stream.Rank);
            stream.Late = late;
            if (late)
            {
                _lateBuffers++;
                if (_firstLateOffset < 0) _firstLateOffset = stream.Buffer.Offset;
            }
        }
        stream.Active = true;
        _heap.Push(stream);
    }

    /// <summary>Counts a record delivered after a later one, and keeps the latest delivered.</summary>
    private void Deliver(QueuedBufferStream next)
    {
        if (Earlier(next.CurrentTimestamp, next.Rank))
        {
            // Only a late stream's: a processor whose own records go back in time does so in the file reader too.
            if (next.Late) _reader.Diagnostics.RecordsOutOfOrder++;
            return;
        }
        next.Late = false;
        _latestStamp = next.CurrentTimestamp;
        _latestRank = next.Rank;
    }

    /// <summary>True when a record at <paramref name="stamp"/> of rank <paramref name="rank"/> comes before the latest delivered.</summary>
    private bool Earlier(long stamp, int rank) => stamp < _latestStamp || (stamp == _latestStamp && rank < _latestRank);

    private QueuedBufferStream StreamOf(ushort processor)
    {
        if (!_byTime) return _single ??= NewStream(0);
        if (processor >= _byProcessor.Length) Array.Resize(ref _byProcessor, Math.Max(processor + 1, _byProcessor.Length * 2));
        // Rank by processor index, as the file reader's (its ranks follow the processors' order).
        return _byProcessor[processor] ??= NewStream(processor);
    }

    private QueuedBufferStream NewStream(int rank)
    {
        var stream = new QueuedBufferStream(_reader, _memory, rank) { DrySince = _windowStartDelivered };
        _streams.Add(stream);
        return stream;
    }

    /// <summary>Starts the next window once the last is delivered; false when the input is done.</summary>
    private bool NextWindow()
    {
        if (_inputEnded) return false;
        ReleaseStreams();
        _windowBuffers = 0;
        _windowClosed = false;
        _windowStartDelivered = _delivered;
        _latestStamp = long.MinValue;
        _latestRank = int.MinValue;
        return true;
    }

    private void Finish()
    {
        if (_finished) return;
        _finished = true;
        if (_lateBuffers == 0) return;
        _reader.Diagnostics.Report(new EtlProblem(_reader.Path, _firstLateOffset, EtlProblemKind.OrderDegraded,
            $"buffers too far out of order to merge within {Size(_options.StreamMergeBytes)} (StreamMergeBytes): " +
            $"{Count(_reader.Diagnostics.RecordsOutOfOrder, "record")} of {Count(_lateBuffers, "buffer")}, the first here, " +
            "came after later records (none is lost)"));
    }

    private static string Count(long n, string what) => n == 1 ? $"1 {what}" : $"{n:N0} {what}s";

    private static string Size(long bytes) =>
        bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : bytes % 1024 == 0 ? $"{bytes >> 10} KiB" : $"{bytes} bytes";

    private void ReleaseStreams()
    {
        foreach (var s in _streams) s.Dispose();
        _streams.Clear();
        Array.Clear(_byProcessor);
        _single = null;
        _heap.Clear();
        _current = null;
    }

    public void Dispose()
    {
        ReleaseStreams();
        _memory.Dispose();
    }
}
