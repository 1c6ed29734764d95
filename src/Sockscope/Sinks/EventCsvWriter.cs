using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;

namespace Sockscope.Sinks;

/// <summary>
/// Writes event records as CSV (RFC 4180: comma separated, CRLF line ends, fields quoted only when they hold a comma,
/// quote or line break, quotes doubled), one header row and then one row per record, in UTF-8 without a BOM.
/// The columns are stable so that scripts can rely on them: the header columns
/// <c>time_created, provider, guid, event_id, version, level, task, opcode, keywords, process_id, thread_id,
/// processor, header_type, pointer_size, activity_id, size, message</c>, then one column per field name of the
/// catalog's events (in catalog order: provider, event id, field order; each name once), then <c>payload_hex</c>
/// (filled only for records that are not decoded).
/// </summary>
/// <remarks>
/// Hand-written rather than through a CSV library: the schema is fixed and only the provider name can need quoting,
/// so each row is formatted straight into the output's memory with nothing allocated per record.
/// <c>time_created</c> is ISO 8601 UTC with 7 fractional digits and "Z" (or another zone's time and offset, see
/// <see cref="TimeZone"/>); GUIDs are upper case in braces;
/// <c>process_id</c> and <c>thread_id</c> are -1 for records without them (as in the JSON output).
/// </remarks>
public sealed class EventCsvWriter
{
    /// <summary>The header columns every row has, before the field columns.</summary>
    public static IReadOnlyList<string> HeaderColumns { get; } =
    [
        "time_created", "provider", "guid", "event_id", "version", "level", "task", "opcode", "keywords",
        "process_id", "thread_id", "processor", "header_type", "pointer_size", "activity_id", "size", "message",
    ];

    /// <summary>The field columns for a catalog: each field name once, in catalog order.</summary>
    internal static IReadOnlyList<string> FieldColumns(SchemaCatalog? catalog)
    {
        if (catalog is null) return [];
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var provider in catalog.Providers)
        foreach (var e in provider.Events)
        foreach (var f in e.Fields)
            if (seen.Add(f.Name) && !HeaderColumns.Contains(f.Name) && f.Name != "payload_hex") names.Add(f.Name);
        return names;
    }

    /// <summary>Every column of the header row, in order.</summary>
    public IReadOnlyList<string> Columns { get; }

    private readonly Dictionary<string, int> _columnOf;
    private readonly Dictionary<EventSchema, ColumnPlan> _fieldColumns = new(ReferenceEqualityComparer.Instance);
    private readonly FieldFormatter _fields = new();
    private readonly MessageFormatter _messages;
    private readonly int _fieldColumnCount;

    private static readonly byte[][] LayoutNames = Enum.GetValues<TraceHeaderFamily>()
        .Select(f => Encoding.ASCII.GetBytes(f.LayoutName())).ToArray();

    // Every column but the provider name and the payload, at its widest, with separators and the line end.
    private const int FixedRowBytes = 512;

    private readonly IBufferWriter<byte> _output;
    private readonly Stream? _stream;
    private readonly ArrayBufferWriter<byte>? _buffer;
    private readonly int _flushAt;
    private readonly EtlClock _clock;
    private readonly ProviderFormCache<ProviderCells> _providers;
    private DisplayZone _zone = new(null);

    /// <summary>
    /// The zone of <c>time_created</c>: UTC ("Z") unless set; another zone writes its wall-clock time and offset
    /// ("+01:00").
    /// </summary>
    public TimeZoneInfo? TimeZone
    {
        init => _zone = new DisplayZone(value);
    }

    /// <summary>Creates a writer over memory the caller drains, and writes the header row.</summary>
    /// <param name="output">Where the rows go.</param>
    /// <param name="clock">The trace's clock (<see cref="EtlReader.Clock"/>).</param>
    /// <param name="names">Provider names; the caller lets it learn every record before writing it.</param>
    /// <param name="catalog">The catalog whose field names become columns (none: header columns and payload only).</param>
    public EventCsvWriter(IBufferWriter<byte> output, EtlClock clock, ProviderNames names, SchemaCatalog? catalog = null)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _providers = new ProviderFormCache<ProviderCells>(names, (guid, name) => new ProviderCells(guid, name));
        _messages = new MessageFormatter(_fields);
        var fieldColumns = FieldColumns(catalog);
        _fieldColumnCount = fieldColumns.Count;
        _columnOf = fieldColumns.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        Columns = [.. HeaderColumns, .. fieldColumns, "payload_hex"];
        WriteHeader();
    }

    /// <summary>
    /// Creates a writer over a stream, buffering about <paramref name="bufferSize"/> bytes between writes to it, and
    /// writes the header row. Call <see cref="Flush"/> at the end.
    /// </summary>
    public EventCsvWriter(Stream stream, EtlClock clock, ProviderNames names, int bufferSize = 1 << 20, SchemaCatalog? catalog = null)
        : this(new ArrayBufferWriter<byte>(Math.Max(bufferSize, 4096)), clock, names, catalog)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _buffer = (ArrayBufferWriter<byte>)_output;
        _flushAt = Math.Max(bufferSize, 4096);
    }

    /// <summary>Writes one record, not decoded, as one row: empty message and field cells, and the payload in hex.</summary>
    public void Write(in EtlRecord record)
    {
        var payload = record.UserData;
        var provider = _providers.Get(record);
        var row = _output.GetSpan(FixedRowBytes + provider.NameCell.Length + _fieldColumnCount + payload.Length * 2);
        int n = WriteHeaderCells(record, provider, row);
        row[n++] = (byte)','; // empty message
        for (int i = 0; i < _fieldColumnCount; i++) row[n++] = (byte)',';
        row[n++] = (byte)',';
        Convert.TryToHexString(payload, row[n..], out int hex);
        n += hex;
        EndRow(row, n);
    }

    /// <summary>Writes one decoded record as one row: its message and a cell per field it has.</summary>
    public void Write(in EtlRecord record, in DecodedEvent decoded)
    {
        var plan = PlanOf(decoded.Schema);
        var provider = _providers.Get(record);
        var head = _output.GetSpan(FixedRowBytes + provider.NameCell.Length);
        int n = WriteHeaderCells(record, provider, head);
        head[n++] = (byte)',';
        _output.Advance(n);
        Cell(_messages.Format(decoded));
        // Only the columns the event's schema fills are visited; the empty ones between go as one run of commas.
        int separated = 0;
        var columns = plan.Columns;
        var fields = plan.Fields;
        for (int k = 0; k < columns.Length; k++)
        {
            int field = fields[k];
            if (!decoded.Has(field)) continue;
            int column = columns[k];
            Commas(column + 1 - separated);
            separated = column + 1;
            Cell(_fields.FormatValue(decoded, field));
        }
        // The rest of the field columns' commas, the payload column's, and the line end.
        var tail = _output.GetSpan(_fieldColumnCount - separated + 3);
        int t = _fieldColumnCount - separated + 1;
        tail[..t].Fill((byte)',');
        EndRow(tail, t);
    }

    private void Commas(int count)
    {
        var d = _output.GetSpan(count);
        d[..count].Fill((byte)',');
        _output.Advance(count);
    }

    /// <summary>The field columns an event schema fills: each column (ascending) and the index of its field.</summary>
    private sealed class ColumnPlan(int[] columns, int[] fields)
    {
        public readonly int[] Columns = columns;
        public readonly int[] Fields = fields;
    }

    /// <summary>For each field column the schema has a field of that name (the first), the column and the field.</summary>
    private ColumnPlan PlanOf(EventSchema schema)
    {
        if (ReferenceEquals(schema, _lastSchema)) return _lastPlan!;
        if (!_fieldColumns.TryGetValue(schema, out var plan))
        {
            var fieldOf = new int[_fieldColumnCount];
            Array.Fill(fieldOf, -1);
            for (int i = 0; i < schema.Fields.Count; i++)
                if (_columnOf.TryGetValue(schema.Fields[i].Name, out int c) && fieldOf[c] < 0) fieldOf[c] = i;
            var columns = new List<int>();
            for (int c = 0; c < fieldOf.Length; c++)
                if (fieldOf[c] >= 0) columns.Add(c);
            plan = new ColumnPlan([.. columns], [.. columns.Select(c => fieldOf[c])]);
            // TraceLogging schemas come from the trace: bound what a hostile one with endless event kinds can cost.
            if (_fieldColumns.Count >= 16_384) _fieldColumns.Clear();
            _fieldColumns[schema] = plan;
        }
        _lastSchema = schema;
        _lastPlan = plan;
        return plan;
    }

    private EventSchema? _lastSchema;
    private ColumnPlan? _lastPlan;

    /// <summary>Writes a cell, quoted when RFC 4180 needs it.</summary>
    private void Cell(ReadOnlySpan<byte> text)
    {
        bool quote = text.IndexOfAny((byte)',', (byte)'"', (byte)'\n') >= 0 || text.IndexOf((byte)'\r') >= 0;
        if (!quote)
        {
            _output.Write(text);
            return;
        }
        var d = _output.GetSpan(text.Length * 2 + 2);
        int n = 0;
        d[n++] = (byte)'"';
        foreach (byte b in text)
        {
            if (b == (byte)'"') d[n++] = (byte)'"';
            d[n++] = b;
        }
        d[n++] = (byte)'"';
        _output.Advance(n);
    }

    private void EndRow(Span<byte> row, int n)
    {
        row[n++] = (byte)'\r';
        row[n++] = (byte)'\n';
        _output.Advance(n);
        if (_stream is not null && _buffer!.WrittenCount >= _flushAt) Drain();
    }

    /// <summary>The cells up to the message column (exclusive); returns bytes written.</summary>
    private int WriteHeaderCells(in EtlRecord record, ProviderCells provider, Span<byte> row)
    {
        var utc = EtlClock.FromFileTime(_clock.ToFileTime(record.Timestamp));
        int n;
        if (_zone.IsUtc) n = EventJsonWriter.FormatTime(utc, row, 7, "Z,"u8);
        else
        {
            var offset = _zone.OffsetAt(utc);
            n = EventJsonWriter.FormatTime(_zone.ToZone(utc), row, 7, default);
            n += DisplayZone.FormatOffset(offset, utc: false, row[n..]);
            row[n++] = (byte)',';
        }
        provider.NameCell.CopyTo(row[n..]);
        n += provider.NameCell.Length;
        row[n++] = (byte)',';
        provider.GuidCell.CopyTo(row[n..]);
        n += provider.GuidCell.Length;
        Number(row, ref n, record.Id);
        Number(row, ref n, record.Version);
        Number(row, ref n, record.Level);
        Number(row, ref n, record.Task);
        Number(row, ref n, record.Opcode);
        row[n++] = (byte)',';
        n += EventJsonWriter.FormatKeywords(record.Keywords, row[n..]);
        bool known = record.HasProcessInfo;
        Number(row, ref n, known ? record.ProcessId : -1L);
        Number(row, ref n, known ? record.ThreadId : -1L);
        Number(row, ref n, record.ProcessorIndex);
        row[n++] = (byte)',';
        var layout = LayoutNames[(int)record.Family];
        layout.CopyTo(row[n..]);
        n += layout.Length;
        Number(row, ref n, record.PointerSize);
        row[n++] = (byte)',';
        n += EventJsonWriter.FormatGuid(record.ActivityId, row[n..]);
        Number(row, ref n, record.Size);
        return n;
    }

    /// <summary>Writes what is buffered to the stream, when the writer has one, and flushes it.</summary>
    public void Flush()
    {
        if (_stream is null) return;
        Drain();
        _stream.Flush();
    }

    private void Drain()
    {
        _stream!.Write(_buffer!.WrittenSpan);
        _buffer.ResetWrittenCount();
    }

    private void WriteHeader()
    {
        var line = Encoding.ASCII.GetBytes(string.Join(',', Columns) + "\r\n");
        _output.Write(line);
    }

    private static void Number(Span<byte> row, ref int n, long value)
    {
        row[n++] = (byte)',';
        Utf8Formatter.TryFormat(value, row[n..], out int written);
        n += written;
    }

    /// <summary>Quotes a field when RFC 4180 asks for it.</summary>
    internal static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    /// <summary>One provider's cells, formatted once.</summary>
    private sealed class ProviderCells
    {
        public readonly byte[] GuidCell;
        public readonly byte[] NameCell;

        public ProviderCells(Guid guid, string? name)
        {
            GuidCell = new byte[EventJsonWriter.GuidLength];
            EventJsonWriter.FormatGuid(guid, GuidCell);
            NameCell = Encoding.UTF8.GetBytes(Quote(name ?? ""));
        }
    }
}
