using System.Buffers;

namespace Sockscope.Etl;

/// <summary>
/// Reads the event records of an ETL file, forward only, as Windows wrote them: every header kind, 32- and 64-bit,
/// compressed buffers, per-processor buffers merged into time order. Memory does not grow with the file: one buffer
/// per processor, plus 48 bytes per buffer of the current merge window, plus for compressed files up to 4 MiB of
/// buffers decompressed ahead on a second core (<see cref="EtlReaderOptions.ParallelDecompression"/>). A trace from
/// a pipe or standard input is read front to back, its merge holding at most about
/// <see cref="EtlReaderOptions.StreamMergeBytes"/>. Damage is reported in <see cref="Diagnostics"/> with the file and
/// byte offset, and reading goes on with the next buffer.
/// </summary>
/// <remarks>
/// An instance is used from one thread at a time. Dispose it: that ends the decompression worker, if it has one,
/// and closes the file (or the stream).
/// </remarks>
/// <example>
/// <code>
/// using var reader = EtlReader.Open("trace.etl");
/// while (reader.TryRead(out var record))
///     Console.WriteLine($"{reader.Clock.ToUtc(record.Timestamp):O} {record.ProviderId} {record.Id}");
/// </code>
/// </example>
public sealed class EtlReader : IEventSource
{
    private readonly EtlReaderOptions _options;
    private readonly BufferScanner _scanner;
    private readonly List<BufferEntry> _window = new();
    private readonly List<IndexedBufferStream> _streams = new();
    private readonly List<List<int>> _streamBuffers = new();
    private readonly BufferStreamHeap _heap = new();
    private readonly StreamMerge? _streamMerge;
    private BufferPrefetcher? _prefetcher;
    private BufferStream? _current;
    private bool _pendingAdvance;
    private byte[] _scratch = [];
    private bool _finished;

    /// <summary>The file's path.</summary>
    public string Path { get; }
    /// <summary>The file's length in bytes (for a stream, the bytes read so far).</summary>
    public long FileLength => Bytes.Length ?? BytesProcessed;
    /// <summary>The logfile header.</summary>
    public TraceLogfileHeader Header { get; }
    /// <summary>Pointer size of the logfile header record (the recording kernel's).</summary>
    public int PointerSize { get; }
    /// <summary>Converts record time stamps to UTC.</summary>
    public EtlClock Clock { get; }
    /// <summary>Raw time stamp of the logfile header record.</summary>
    public long HeaderTimestamp { get; }
    /// <summary>Problems found so far.</summary>
    public EtlDiagnostics Diagnostics { get; }
    /// <summary>File bytes read so far, for progress.</summary>
    public long BytesProcessed { get; private set; }
    /// <summary>Records delivered so far.</summary>
    public long RecordsRead { get; private set; }
    /// <summary>Buffers found so far (all of them once reading is done).</summary>
    public long BuffersFound => _scanner.BuffersFound;
    /// <summary>Compressed buffers found so far.</summary>
    public long CompressedBuffers => _scanner.CompressedBuffers;
    /// <summary>Buffers flagged WMI_BUFFER_FLAG_EVENTS_LOST so far.</summary>
    public long BuffersWithEventsLost => _scanner.BuffersWithEventsLost;
    /// <summary>Buffers flagged WMI_BUFFER_FLAG_BUFFER_LOST so far.</summary>
    public long BuffersFlaggedLost => _scanner.BuffersFlaggedLost;

    /// <inheritdoc/>
    public long StartStamp => HeaderTimestamp;

    /// <inheritdoc/>
    public EventLoss Loss => new(Header.EventsLost, Header.BuffersLost + BuffersFlaggedLost, BuffersWithEventsLost, HeaderTimestamp);

    /// <summary>Where the trace's bytes are read from.</summary>
    internal TraceBytes Bytes { get; }

    /// <summary>
    /// The worker that decompresses buffers ahead, once a window had one (null while this thread does it all); it
    /// gives nothing for a window it was not set on.
    /// </summary>
    internal BufferPrefetcher? Prefetcher => _prefetcher;

    /// <summary>The merge of a trace read from a stream that cannot seek, or null for a file, for tests and benchmarks.</summary>
    internal StreamMerge? StreamMerge => _streamMerge;

    private EtlReader(string path, TraceBytes bytes, TraceLogfileHeader header, int pointerSize,
        long headerTimestamp, EtlReaderOptions options)
    {
        Path = path;
        Bytes = bytes;
        Header = header;
        PointerSize = pointerSize;
        HeaderTimestamp = headerTimestamp;
        _options = options;
        Diagnostics = new EtlDiagnostics(options.MaxProblemsKept);
        Clock = new EtlClock(header.Clock, header.StartTime, headerTimestamp, header.PerfFreq, header.CpuSpeedInMHz);
        _scanner = new BufferScanner(bytes, path, header.BufferSize, header.IsCompressed,
            header.NumberOfProcessors, options, Diagnostics);
        // A stream cannot be read by offset: its buffers are merged as they come.
        if (!bytes.IsRandomAccess) _streamMerge = new StreamMerge(this, _scanner, bytes, options);
    }

    /// <summary>
    /// Opens a file and reads its logfile header.
    /// </summary>
    /// <exception cref="EtlFormatException">
    /// The file is not an ETL file: empty, too short, or no buffer in it (a file whose logfile header is damaged but
    /// whose buffers are found is read, and the damage reported).
    /// </exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static EtlReader Open(string path, EtlReaderOptions? options = null)
    {
        options ??= EtlReaderOptions.Default;
        if (Directory.Exists(path)) throw new EtlFormatException(path, 0, "is a directory, not an ETL file");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
            FileOptions.RandomAccess);
        var bytes = new FileTraceBytes(handle, RandomAccess.GetLength(handle));
        try
        {
            return Open(path, bytes, options);
        }
        catch
        {
            bytes.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a trace from a stream that may not seek (a pipe, standard input), front to back, with bounded memory.
    /// <paramref name="name"/> names it in problems and errors. The reader owns the stream and disposes it.
    /// </summary>
    /// <remarks>
    /// The stream is read once, in order, never by position (a seekable stream is read the same way). Records, their
    /// order and the problems reported are the file reader's as long as no buffer lies further ahead in the stream
    /// than the merge may hold (<see cref="EtlReaderOptions.StreamMergeBytes"/>); when one does, its records are
    /// delivered late, counted in <see cref="EtlDiagnostics.RecordsOutOfOrder"/>, and a problem says so when the input
    /// ends. Problems are reported as the stream is read, so in an order of their own. XPRESS buffers are
    /// decompressed on the calling thread. <see cref="FileLength"/> is the bytes read so far until the end is reached.
    /// </remarks>
    /// <exception cref="EtlFormatException">The stream holds no ETL trace.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static EtlReader Open(Stream stream, string name, EtlReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var bytes = new StreamTraceBytes(stream);
        try
        {
            return Open(name, bytes, options);
        }
        catch
        {
            bytes.Dispose();
            throw;
        }
    }

    /// <summary>Reads the logfile header from <paramref name="bytes"/> and makes the reader, which owns them from then on.</summary>
    internal static EtlReader Open(string path, TraceBytes bytes, EtlReaderOptions? options)
    {
        options ??= EtlReaderOptions.Default;
        var start = LogfileHeaderReader.Read(path, bytes, options);
        var reader = new EtlReader(path, bytes, start.Header, start.PointerSize, start.Timestamp, options);
        foreach (var problem in start.Problems) reader.Diagnostics.Report(problem);
        return reader;
    }

    /// <summary>
    /// Moves to the next record. The record's bytes stay valid until the next call.
    /// </summary>
    /// <returns>false when the file is done.</returns>
    public bool TryRead(out EtlRecord record)
    {
        BufferStream? s;
        if (_streamMerge is null)
        {
            if (_pendingAdvance)
            {
                _pendingAdvance = false;
                Advance();
            }
            while (_current is null)
            {
                if (_finished || !StartWindow())
                {
                    _finished = true;
                    record = default;
                    return false;
                }
            }
            s = _current;
            _pendingAdvance = true;
        }
        else if ((s = _streamMerge.Next()) is null)
        {
            record = default;
            return false;
        }
        record = new EtlRecord(s.CurrentBytes, s.Current, s.Buffer.Processor, s.Buffer.Offset, s.CurrentOffset,
            (s.Buffer.Flags & WmiBufferFlags.Compressed) != 0, s.CurrentTimestamp);
        RecordsRead++;
        return true;
    }

    /// <summary>Moves the current stream on and picks the stream with the earliest next record.</summary>
    private void Advance()
    {
        var s = _current!;
        if (!s.MoveNext())
        {
            _current = _heap.Count > 0 ? _heap.Pop() : null;
            return;
        }
        // The earliest waiting stream goes on, and this one takes its place in the heap: one sift, not two.
        if (_heap.Count > 0 && BufferStreamHeap.Before(_heap.Top, s)) _current = _heap.ReplaceTop(s);
    }

    /// <summary>Indexes the next window of buffers and sets up its streams; false when the file is done.</summary>
    private bool StartWindow()
    {
        // The worker reads the window's entries: stop it before they change.
        _prefetcher?.Halt();
        foreach (var old in _streams) old.Dispose();
        _streams.Clear();
        _streamBuffers.Clear();
        _window.Clear();
        _heap.Clear();
        while (_window.Count < _options.MergeWindowBuffers && _scanner.TryNext(out var entry)) _window.Add(entry);
        if (_window.Count == 0) return false;

        bool byTime = _options.Order == RecordOrder.Time;
        var perProcessor = new Dictionary<ushort, (List<int> list, long memory)>();
        if (byTime)
        {
            for (int i = 0; i < _window.Count; i++)
            {
                var e = _window[i];
                if (!perProcessor.TryGetValue(e.Processor, out var slot)) slot = (new List<int>(), 0);
                slot.list.Add(i);
                slot.memory = Math.Max(slot.memory, e.MemorySize);
                perProcessor[e.Processor] = slot;
            }
            long memory = perProcessor.Values.Sum(v => v.memory);
            if (memory > _options.MergeMemoryBudget)
            {
                Diagnostics.Report(new EtlProblem(Path, _window[0].Offset, EtlProblemKind.OrderDegraded,
                    $"{perProcessor.Count} processors with buffers of up to {perProcessor.Values.Max(v => v.memory)} bytes exceed the merge budget; " +
                    $"{_window.Count} buffers are read in file order"));
                byTime = false;
            }
        }
        if (byTime && _window.Count == _options.MergeWindowBuffers && !_scanner.AtEnd)
        {
            Diagnostics.Report(new EtlProblem(Path, _window[0].Offset, EtlProblemKind.OrderDegraded,
                $"more than {_options.MergeWindowBuffers} buffers: merged window by window, so order is exact within each window only"));
        }

        if (byTime)
        {
            foreach (var key in perProcessor.Keys.Order()) _streamBuffers.Add(perProcessor[key].list);
        }
        else
        {
            _streamBuffers.Add(Enumerable.Range(0, _window.Count).ToList());
        }
        for (int rank = 0; rank < _streamBuffers.Count; rank++)
            _streams.Add(new IndexedBufferStream(this, _window, _streamBuffers[rank], rank));
        StartPrefetch();

        foreach (var s in _streams)
            if (s.MoveNext()) _heap.Push(s);
        _current = _heap.Count > 0 ? _heap.Pop() : null;
        return true;
    }

    /// <summary>Hands the window's compressed buffers to the worker, when there is a second core and enough of them.</summary>
    private void StartPrefetch()
    {
        if (!_options.ParallelDecompression || Environment.ProcessorCount < 2 || !Bytes.IsRandomAccess) return;
        int compressed = 0;
        foreach (var e in _window)
            if ((e.Flags & WmiBufferFlags.Compressed) != 0) compressed++;
        if (compressed < BufferPrefetcher.MinimumBuffers) return;
        _prefetcher ??= new BufferPrefetcher(Bytes);
        _prefetcher.BeginWindow(_window, _streamBuffers);
    }

    internal void AddBytesProcessed(int bytes) => BytesProcessed += bytes;

    internal byte[] RentScratch(int size)
    {
        if (_scratch.Length < size)
        {
            if (_scratch.Length > 0) ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(size);
        }
        return _scratch;
    }

    internal void ReportRecordProblem(in BufferEntry buffer, int offsetInBuffer, EtlFault why, int bytesLost)
    {
        Diagnostics.DamagedBuffers++;
        Diagnostics.BytesSkipped += bytesLost;
        bool compressed = (buffer.Flags & WmiBufferFlags.Compressed) != 0;
        long offset = compressed ? buffer.Offset : buffer.Offset + offsetInBuffer;
        string where = compressed ? $" (compressed buffer; record at byte {offsetInBuffer} once decompressed)" : "";
        Diagnostics.Report(new EtlProblem(Path, offset, EtlProblemKind.BadRecord,
            $"{why}{where}; the rest of the buffer ({bytesLost} bytes) is skipped") { Fault = why });
    }

    internal void ReportCompressionProblem(in BufferEntry buffer, EtlFault why, int bytesLost)
    {
        Diagnostics.DamagedBuffers++;
        Diagnostics.BytesSkipped += Math.Max(0, bytesLost);
        Diagnostics.Report(new EtlProblem(Path, buffer.Offset, EtlProblemKind.BadCompression,
            $"{why}; records in the {bytesLost} missing bytes are lost") { Fault = why });
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // First: the worker writes into pooled arrays and reads the file.
        _prefetcher?.Dispose();
        foreach (var s in _streams) s.Dispose();
        _streams.Clear();
        _streamMerge?.Dispose();
        if (_scratch.Length > 0) ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = [];
        Bytes.Dispose();
    }
}
