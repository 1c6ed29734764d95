using System.Buffers.Binary;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Schema;

namespace Sockscope.Sources;

/// <summary>
/// Events another collector wrote as JSON lines (the catalog's format, SilkETW's or Sealighter's), made back into
/// the records an ETL file holds: the payload laid out from the catalog's schema and the field values, so decoding,
/// analysis and every output work on them unchanged. Lines are read in order, streaming, from a file or a stream read
/// once (<see cref="EventSources"/> opens both). A process name a collector gives becomes a kernel Process rundown
/// record the first time the process shows up, so sockets are named as in an ETL file. Events of providers or ids the
/// catalog does not know are counted and skipped; a line that is no event, or whose field values repeat a key, is
/// reported with its byte offset and skipped.
/// </summary>
internal sealed class JsonEventSource : IEventSource
{
    /// <summary>Longest line read (a longer one is reported and skipped).</summary>
    public const int MaxLineBytes = 16 << 20;

    private readonly Stream _stream;
    private readonly SchemaCatalog _catalog;
    private readonly InputFormat _format;
    private readonly Dictionary<uint, string> _namedProcesses = new();
    private readonly byte[] _processRecord = new byte[1024];
    private bool _eventPending;
    private long _lastStamp;
    // Blocks read and handed to the parsers, in input order; the first is the one being delivered.
    private readonly Queue<(JsonLineBlock Block, Task? Parsed)> _pending = new();
    private readonly Stack<JsonLineBlock> _freeBlocks = new();
    // Parsers not at work (taken and given back by the parsing threads, under its lock).
    private readonly Stack<JsonLineParser> _parsers = new();
    private JsonLineBlockReader? _blocks;
    private JsonLineBlock? _current;
    private int _next, _nextProblem;
    private bool _inputDone;
    private ExceptionDispatchInfo? _readFailure;
    private long _bytesDelivered;

    private JsonEventSource(string path, Stream stream, long? length, InputFormat format, SchemaCatalog catalog, int maxProblemsKept)
    {
        Path = path;
        _stream = stream;
        Length = length;
        _format = format;
        _catalog = catalog;
        Diagnostics = new EtlDiagnostics(maxProblemsKept);
    }

    /// <summary>
    /// Opens a JSON lines file of the given format (not <see cref="InputFormat.Auto"/> or <see cref="InputFormat.Etl"/>);
    /// a path that is no regular file (a pipe, a device) is read once, as <see cref="EventSources.Open(string, InputFormat, EtlReaderOptions?, SchemaCatalog?)"/> does.
    /// </summary>
    public static JsonEventSource Open(string path, InputFormat format, SchemaCatalog? catalog = null, int maxProblemsKept = 1000)
    {
        if (format is InputFormat.Auto or InputFormat.Etl) throw new ArgumentOutOfRangeException(nameof(format));
        return (JsonEventSource)EventSources.Open(path, format, new EtlReaderOptions { MaxProblemsKept = maxProblemsKept }, catalog);
    }

    /// <summary>
    /// A source over <paramref name="stream"/>, read from where it is to its end (the recognised prefix replayed
    /// first); <paramref name="startStamp"/> is the first event's time found in that prefix, or 0.
    /// </summary>
    internal static JsonEventSource Create(Stream stream, string name, long? length, InputFormat format, long startStamp, SchemaCatalog? catalog, int maxProblemsKept) =>
        new(name, stream, length, format, catalog ?? SchemaCatalog.Winsock, maxProblemsKept) { StartStamp = startStamp };

    /// <summary>How a line is parsed: nesting beyond 16 levels is no event.</summary>
    internal static readonly JsonDocumentOptions LineOptions = new() { MaxDepth = 16 };

    /// <inheritdoc/>
    public long StartStamp { get; private set; }

    /// <summary>Reads one event of the format; returns why it cannot, or null.</summary>
    internal static string? ReadEvent(InputFormat format, JsonElement root, JsonEvent e) => format switch
    {
        InputFormat.Jsonl => CatalogJsonFormat.Read(root, e),
        InputFormat.SilkEtw => SilkEtwFormat.Read(root, e),
        _ => SealighterFormat.Read(root, e),
    };

    /// <inheritdoc/>
    public string Path { get; }

    /// <summary>The format read.</summary>
    public InputFormat Format => _format;

    /// <summary>The input's length in bytes: a file's; null for a stream read once (a pipe, standard input).</summary>
    public long? Length { get; }

    /// <summary>Bytes of the input read as lines so far, for progress.</summary>
    public long BytesRead => _bytesDelivered;

    /// <inheritdoc/>
    /// <remarks>Time stamps are UTC FILETIMEs.</remarks>
    public EtlClock Clock { get; } = new(ClockType.SystemTime, 0, 0, 0, 0);

    /// <inheritdoc/>
    public EtlDiagnostics Diagnostics { get; }

    /// <inheritdoc/>
    /// <remarks>JSON collectors do not say what their sessions lost.</remarks>
    public EventLoss Loss => new(0, 0, 0, _lastStamp);

    /// <summary>Reads every line as a parsed document, as lines <see cref="CatalogLineReader"/> declines are (to compare the two paths); set before the first read.</summary>
    internal bool DocumentsOnly { get; set; }

    /// <summary>
    /// Threads that parse lines at once (set before the first read): the processors', so parsing, which takes
    /// most of the time, keeps both busy; with 1, lines are parsed on the reading thread.
    /// </summary>
    internal int ParseThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Bytes of lines parsed together (set before the first read; tests make it small to cut lines at many places).</summary>
    internal int BlockBytes { get; set; } = JsonLineBlockReader.BlockBytes;

    /// <summary>Lines read as parsed documents (all of them but those <see cref="CatalogLineReader"/> reads).</summary>
    internal long DocumentLines { get; private set; }

    /// <summary>Events read and made into records.</summary>
    public long Events { get; private set; }

    /// <summary>Events skipped because the catalog does not know their provider or event.</summary>
    public long UnknownEvents { get; private set; }

    /// <summary>Lines that were no event (reported in <see cref="Diagnostics"/>).</summary>
    public long BadLines { get; private set; }

    /// <summary>Field values not understood (the field was read as zero).</summary>
    public long ValuesNotUnderstood { get; private set; }

    /// <inheritdoc/>
    public bool TryRead(out EtlRecord record)
    {
        while (true)
        {
            if (_current is { } block)
            {
                ref var made = ref block.Events[_next < block.EventCount ? _next : 0];
                if (_eventPending)
                {
                    _eventPending = false;
                    record = Frame(block, _next++);
                    return true;
                }
                // The problems of the lines skipped before this event, and what parsing threw there, in input order.
                while (_nextProblem < block.Problems.Count && block.Problems[_nextProblem].Before == _next)
                {
                    var p = block.Problems[_nextProblem++];
                    Diagnostics.Report(new EtlProblem(Path, p.Offset, EtlProblemKind.BadRecord, $"line skipped: {p.Message}"));
                }
                if (block.Failure is { } failure && block.FailureBefore == _next)
                {
                    block.Failure = null;
                    failure.Throw();
                }
                if (_next < block.EventCount)
                {
                    long stamp = made.Stamp;
                    // None of the first lines gave the start: the first event read does.
                    if (StartStamp == 0) StartStamp = stamp;
                    _lastStamp = stamp;
                    if (made.ProcessName is { } name && made.ProcessId is not (0 or 4)
                        && (!_namedProcesses.TryGetValue(made.ProcessId, out var known) || known != name) && _namedProcesses.Count < 1 << 20)
                    {
                        // The process's name first, then its event.
                        _namedProcesses[made.ProcessId] = name;
                        int size = ProcessRecord(made.ProcessId, name, stamp);
                        _eventPending = true;
                        record = Frame(_processRecord.AsSpan(0, size), made.Offset, stamp);
                        return true;
                    }
                    record = Frame(block, _next++);
                    return true;
                }
                _current = null;
                _freeBlocks.Push(block);
            }
            if (!TryNextBlock())
            {
                record = default;
                return false;
            }
        }
    }

    private EtlRecord Frame(JsonLineBlock block, int i)
    {
        ref var made = ref block.Events[i];
        int start = i == 0 ? 0 : block.Events[i - 1].End;
        return Frame(block.Records.AsSpan(start, made.End - start), made.Offset, made.Stamp);
    }

    private static EtlRecord Frame(ReadOnlySpan<byte> bytes, long offset, long stamp)
    {
        RecordLayout.TryFrame(bytes, 0, bytes.Length, out var layout);
        return new EtlRecord(bytes, layout, 0, offset, 0, false, stamp);
    }

    /// <summary>Makes the next parsed block the current one; false at the end of the input (or throws what reading it threw).</summary>
    private bool TryNextBlock()
    {
        ReadAhead();
        if (!_pending.TryDequeue(out var next))
        {
            _readFailure?.Throw();
            return false;
        }
        // Parsing catches what it throws into the block.
        next.Parsed?.Wait();
        var block = next.Block;
        Events += block.EventCount;
        UnknownEvents += block.UnknownEvents;
        BadLines += block.BadLines;
        ValuesNotUnderstood += block.ValuesNotUnderstood;
        DocumentLines += block.DocumentLines;
        _bytesDelivered = block.Offset + block.Length;
        _current = block;
        _next = _nextProblem = 0;
        return true;
    }

    /// <summary>
    /// Reads blocks and hands them to the parsers: enough to keep every parser busy, and more while the first is
    /// not parsed yet, up to a bound. A stream read once is not read ahead of what the parsers can take, so a slow
    /// writer's lines come through as they arrive.
    /// </summary>
    private void ReadAhead()
    {
        int threads = Math.Max(1, ParseThreads);
        int depth = 2 * threads + 2;
        _blocks ??= new JsonLineBlockReader(_stream, BlockBytes);
        while (!_inputDone && _pending.Count < depth && (_pending.Count <= threads || _pending.Peek().Parsed is { IsCompleted: false }))
        {
            var block = _freeBlocks.TryPop(out var free) ? free : new JsonLineBlock();
            try
            {
                if (!_blocks.Read(block))
                {
                    _inputDone = true;
                    _freeBlocks.Push(block);
                    break;
                }
            }
            catch (Exception ex)
            {
                // The lines read before reach the reader first.
                _inputDone = true;
                _readFailure = ExceptionDispatchInfo.Capture(ex);
                _freeBlocks.Push(block);
                break;
            }
            if (threads == 1)
            {
                Parse(block);
                _pending.Enqueue((block, null));
            }
            else _pending.Enqueue((block, StartParsing(block)));
        }
    }

    // Apart, so the closure is made only for a block parsed on another thread.
    private Task StartParsing(JsonLineBlock block) => Task.Run(() => Parse(block));

    private void Parse(JsonLineBlock block)
    {
        JsonLineParser? parser;
        lock (_parsers) _parsers.TryPop(out parser);
        parser ??= new JsonLineParser(_catalog, _format, DocumentsOnly);
        parser.Parse(block);
        lock (_parsers) _parsers.Push(parser);
    }

    /// <summary>
    /// A kernel Process DCStart record (Process_V3) naming a process: UniqueProcessKey 0, ProcessId, ParentId,
    /// SessionId, ExitStatus, DirectoryTableBase, UserSID 0, ImageFileName.
    /// </summary>
    private int ProcessRecord(uint pid, string name, long stamp)
    {
        Span<byte> data = stackalloc byte[40 + 256 + 3];
        data.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(data[8..], pid);
        int n = Encoding.Latin1.GetBytes(name.Length > 255 ? name[..255] : name, data[36..]);
        int length = 36 + n + 1 + 2; // the image's NUL, then an empty command line
        return TraceRecordEncoder.Kernel(_processRecord, TraceHeaderType.System64, 3, 3, 3, 0, pid, stamp, data[..length]);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // Parsers still at work touch only their blocks.
        _stream.Dispose();
    }
}
