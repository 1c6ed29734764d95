using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
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
    private readonly JsonEvent _event = new();
    private readonly RepeatedKeys _repeated = new();
    private readonly PayloadBuilder _builder = new();
    private readonly CatalogLineReader? _lines;
    private readonly Dictionary<uint, string> _namedProcesses = new();
    private readonly Dictionary<(Guid, string), EventSchema?> _byName = new();
    private byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private long _bufferOffset;
    private bool _eof;
    private readonly byte[] _record = new byte[TraceRecordEncoder.MaxRecordSize + 8];
    private readonly byte[] _processRecord = new byte[1024];
    private int _recordSize, _processRecordSize;
    private long _recordOffset, _recordStamp;
    private bool _eventPending;
    private long _lastStamp;

    private JsonEventSource(string path, Stream stream, long? length, InputFormat format, SchemaCatalog catalog, int maxProblemsKept)
    {
        Path = path;
        _stream = stream;
        Length = length;
        _format = format;
        _catalog = catalog;
        Diagnostics = new EtlDiagnostics(maxProblemsKept);
        if (format == InputFormat.Jsonl) _lines = new CatalogLineReader(catalog, _builder);
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
    public long BytesRead => _bufferOffset + _start;

    /// <inheritdoc/>
    /// <remarks>Time stamps are UTC FILETIMEs.</remarks>
    public EtlClock Clock { get; } = new(ClockType.SystemTime, 0, 0, 0, 0);

    /// <inheritdoc/>
    public EtlDiagnostics Diagnostics { get; }

    /// <inheritdoc/>
    /// <remarks>JSON collectors do not say what their sessions lost.</remarks>
    public EventLoss Loss => new(0, 0, 0, _lastStamp);

    /// <summary>Reads every line as a parsed document, as lines <see cref="CatalogLineReader"/> declines are (to compare the two paths).</summary>
    internal bool DocumentsOnly { get; set; }

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
        if (_eventPending)
        {
            _eventPending = false;
            record = Frame(_record.AsSpan(0, _recordSize));
            return true;
        }
        while (NextLine(out var line, out long offset))
        {
            if (!TryBuild(line, offset)) continue;
            if (_processRecordSize > 0)
            {
                // The process's name first, then its event.
                _eventPending = true;
                record = Frame(_processRecord.AsSpan(0, _processRecordSize));
                _processRecordSize = 0;
                return true;
            }
            record = Frame(_record.AsSpan(0, _recordSize));
            return true;
        }
        record = default;
        return false;
    }

    private EtlRecord Frame(ReadOnlySpan<byte> bytes)
    {
        RecordLayout.TryFrame(bytes, 0, bytes.Length, out var layout);
        return new EtlRecord(bytes, layout, 0, _recordOffset, 0, false, _recordStamp);
    }

    private bool TryBuild(ReadOnlyMemory<byte> line, long offset)
    {
        // A byte order mark may open the input, and JSON text has none.
        if (offset == 0 && line.Span.StartsWith("\uFEFF"u8)) line = line[3..];
        if (line.Span.TrimStart(" \t\r"u8).IsEmpty) return false;
        var e = _event;
        EventSchema? schema;
        ReadOnlySpan<byte> payload;
        if (_lines is not null && !DocumentsOnly && _lines.TryRead(line.Span, e, out schema, out payload, out int notUnderstood))
            ValuesNotUnderstood += notUnderstood;
        else
        {
            DocumentLines++;
            if (!TryReadDocument(line, offset, out schema, out payload)) return false;
        }
        if (TraceRecordEncoder.EventHeaderSize(payload.Length, default) > TraceRecordEncoder.MaxRecordSize)
            return Bad(offset, $"{schema.Provider.Name} event {schema.Id}: the event's data takes {payload.Length} bytes, more than a record holds");
        long stamp = e.FileTime;
        // None of the first lines gave the start: the first event read does.
        if (StartStamp == 0) StartStamp = stamp;
        _recordSize = TraceRecordEncoder.EventHeader(_record, new EventHeaderValues
        {
            ProviderId = schema.Provider.Guid, Id = schema.Id, Version = schema.Version,
            Level = e.Level != 0 || e.Style == JsonValueStyle.Catalog ? e.Level : (byte)schema.Level.Value,
            Opcode = e.Opcode, Task = e.Task != 0 || e.Style == JsonValueStyle.Catalog ? e.Task : (ushort)schema.Task.Value,
            Keywords = e.Keywords != 0 || e.Style == JsonValueStyle.Catalog ? e.Keywords : schema.Keywords,
            ProcessId = e.ProcessId, ThreadId = e.ThreadId, Timestamp = stamp, Is32Bit = e.PointerSize == 4,
        }, payload);
        _recordOffset = offset;
        _recordStamp = stamp;
        _lastStamp = stamp;
        Events++;
        if (e.ProcessName is { } name && e.ProcessId is not (0 or 4) && (!_namedProcesses.TryGetValue(e.ProcessId, out var known) || known != name)
            && _namedProcesses.Count < 1 << 20)
        {
            _namedProcesses[e.ProcessId] = name;
            _processRecordSize = ProcessRecord(e.ProcessId, name, stamp);
        }
        return true;
    }

    /// <summary>
    /// Reads the line as a parsed document: every line of the formats not read by <see cref="CatalogLineReader"/>, and
    /// the lines it declines. False when the line is bad (reported) or its event unknown (counted).
    /// </summary>
    private bool TryReadDocument(ReadOnlyMemory<byte> line, long offset, [NotNullWhen(true)] out EventSchema? schema, out ReadOnlySpan<byte> payload)
    {
        schema = null;
        payload = default;
        JsonDocument doc;
        try
        {
            // The line's bytes stay put until the next line is read, after the document is disposed.
            doc = JsonDocument.Parse(line, LineOptions);
        }
        catch (JsonException ex)
        {
            return Bad(offset, $"not JSON: {ex.Message}");
        }
        using (doc)
        {
            var e = _event;
            e.Reset();
            string? error;
            try
            {
                error = ReadEvent(_format, doc.RootElement, e);
                if (error is null && (_repeated.Find(e.Data) ?? _repeated.Find(e.Types)) is { } key)
                    error = $"the key \"{key}\" appears twice in the event's {PayloadName(_format)}";
            }
            catch (InvalidOperationException ex)
            {
                // Text that is not UTF-8, where a name or a time should be.
                return Bad(offset, ex.Message);
            }
            if (error is not null) return Bad(offset, error);
            schema = SchemaOf(e);
            if (schema is null)
            {
                UnknownEvents++;
                return false;
            }
            try
            {
                payload = Payload(schema, e);
            }
            catch (Exception ex) when (ex is ArgumentException or OverflowException or InvalidOperationException)
            {
                return Bad(offset, $"{schema.Provider.Name} event {schema.Id}: {ex.Message}");
            }
            return true;
        }
    }

    /// <summary>What the format calls the object of an event's field values.</summary>
    private static string PayloadName(InputFormat format) => format switch
    {
        InputFormat.Jsonl => "event_data",
        InputFormat.SilkEtw => "XmlEventData",
        _ => "properties or property_types",
    };

    private bool Bad(long offset, string message)
    {
        BadLines++;
        Diagnostics.Report(new EtlProblem(Path, offset, EtlProblemKind.BadRecord, $"line skipped: {message}"));
        return false;
    }

    private EventSchema? SchemaOf(JsonEvent e)
    {
        var provider = e.Provider != Guid.Empty ? _catalog.Find(e.Provider) : null;
        if (provider is null && e.ProviderName is { Length: > 0 } providerName) provider = _catalog.Find(providerName);
        if (provider is null) return null;
        e.Provider = provider.Guid;
        if (e.Id >= 0)
            return provider.Find((ushort)e.Id, e.Version) ?? provider.Events.Where(x => x.Id == e.Id).MaxBy(x => x.Version);
        if (e.EventName is not { } eventName) return null;
        var key = (provider.Guid, $"{eventName}\u0001{e.Opcode}");
        if (!_byName.TryGetValue(key, out var schema))
        {
            schema = ByName(provider, eventName, e.Opcode);
            if (_byName.Count < 65_536) _byName[key] = schema;
        }
        return schema;
    }

    /// <summary>
    /// TraceEvent names a manifest event "Task/Opcode" (or just "Task"): the task names the event, and where a task
    /// has several events the opcode picks one. AFD logs one event with opcode 10 on entry and 12 on exit, so an
    /// opcode that names no event of the task still finds the task's one event.
    /// </summary>
    private static EventSchema? ByName(ProviderSchema provider, string eventName, byte opcode)
    {
        int slash = eventName.IndexOf('/');
        string task = slash < 0 ? eventName : eventName[..slash];
        string? opcodeName = slash < 0 ? null : eventName[(slash + 1)..];
        var candidates = provider.Events.Where(x => string.Equals(x.Task.Name, task, StringComparison.OrdinalIgnoreCase)).ToList();
        if (candidates.Count == 0) return null;
        var byOpcode = candidates.Where(x => x.Opcode.Value == opcode
            || (opcodeName is not null && string.Equals(x.Opcode.Name, opcodeName, StringComparison.OrdinalIgnoreCase))).ToList();
        var pick = byOpcode.Count > 0 ? byOpcode : candidates.Select(x => x.Id).Distinct().Count() == 1 ? candidates : [];
        return pick.Count == 0 ? null : pick.MaxBy(x => x.Version);
    }

    private ReadOnlySpan<byte> Payload(EventSchema schema, JsonEvent e)
    {
        var fields = schema.Fields;
        // Lengths come from the bytes they measure.
        Span<bool> isLength = fields.Count <= 256 ? stackalloc bool[fields.Count] : new bool[fields.Count];
        foreach (var f in fields)
            if (f.LengthField >= 0) isLength[f.LengthField] = true;
        // The pointer size first: Sealighter's pointers say it by their length.
        int pointerSize = e.PointerSize;
        if (pointerSize == 0 && e.Style == JsonValueStyle.Sealighter && e.Data.ValueKind == JsonValueKind.Object)
        {
            foreach (var f in fields)
            {
                if (f.InType != InType.Pointer || !e.Data.TryGetProperty(f.Name, out var v) || v.ValueKind != JsonValueKind.String) continue;
                int digits = v.GetString()!.Length;
                if (digits is 8 or 16) { pointerSize = digits / 2; break; }
            }
        }
        e.PointerSize = pointerSize is 4 ? 4 : 8;
        var b = _builder;
        b.Reset(schema, e.PointerSize);
        if (e.Data.ValueKind != JsonValueKind.Object) return b.Build();
        // One pass over the values (looking each field up by name would scan them once per field).
        foreach (var property in e.Data.EnumerateObject())
        {
            int k = schema.IndexOf(property.Name);
            if (k < 0 || isLength[k] || property.Value.ValueKind == JsonValueKind.Null) continue;
            if (!JsonFieldValues.TrySet(b, fields[k], property.Value, e)) ValuesNotUnderstood++;
        }
        return b.Build();
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

    /// <summary>The next line (without its newline) and its byte offset; lines longer than the limit are reported and skipped.</summary>
    private bool NextLine(out ReadOnlyMemory<byte> line, out long offset)
    {
        while (true)
        {
            int nl = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                line = _buffer.AsMemory(_start, nl);
                offset = _bufferOffset + _start;
                _start += nl + 1;
                return true;
            }
            if (_eof)
            {
                if (_start < _end)
                {
                    line = _buffer.AsMemory(_start, _end - _start);
                    offset = _bufferOffset + _start;
                    _start = _end;
                    return true;
                }
                line = default;
                offset = _bufferOffset + _end;
                return false;
            }
            // Move what is left to the front, grow if a line fills the buffer, and read more.
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _bufferOffset += _start;
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= MaxLineBytes)
                {
                    SkipLongLine();
                    continue;
                }
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineBytes));
            }
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) _eof = true;
            _end += read;
        }
    }

    private void SkipLongLine()
    {
        long at = _bufferOffset;
        Bad(at, $"a line longer than {MaxLineBytes} bytes");
        // Drop bytes up to the next newline.
        while (true)
        {
            _bufferOffset += _end;
            _start = _end = 0;
            int read = _stream.Read(_buffer, 0, _buffer.Length);
            if (read == 0) { _eof = true; return; }
            int nl = _buffer.AsSpan(0, read).IndexOf((byte)'\n');
            _end = read;
            if (nl >= 0) { _start = nl + 1; return; }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}
