using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;

namespace Sockscope.Sinks.Database;

/// <summary>
/// Writes decoded Winsock events as rows of <c>events</c>: the header's columns, the fields analysts filter on most
/// (Endpoint, EnterExit, the status, Address, BufferLength, NodeName) as typed columns, and the whole event as
/// <c>sockscope dump</c> prints it, through the same <see cref="EventJsonWriter"/>.
/// </summary>
internal sealed class EventRowWriter : IDisposable
{
    private const string Sql = """
        INSERT INTO events (trace_id, sequence, time, time_ns, provider, event_id, version, opcode, task, level, keywords,
            process_id, thread_id, socket_id, endpoint, enter_exit, status, status_name, address, buffer_length, node_name, json)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
        """;

    private readonly PreparedInsert _insert;
    private readonly EtlClock _clock;
    private readonly ArrayBufferWriter<byte> _json = new(4096);
    private readonly EventJsonWriter _jsonWriter;
    private readonly FieldFormatter _fields = new();
    private readonly Dictionary<EventSchema, Columns> _columns = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, byte[]> _providers = new(ReferenceEqualityComparer.Instance);
    private readonly byte[] _time = new byte[40];
    private EventSchema? _lastSchema;
    private Columns _last;
    private long _sequence;

    public EventRowWriter(SqliteConnection connection, long traceId, EtlClock clock, string? computer)
    {
        _insert = new PreparedInsert(connection, Sql);
        _clock = clock;
        _jsonWriter = new EventJsonWriter(_json, clock, new ProviderNames(), computer);
        _insert.Bind(1, traceId);
    }

    /// <summary>Rows written.</summary>
    public long Count => _sequence;

    /// <summary>The time of the last event written (UTC), or null before the first.</summary>
    public DateTime? LastTime { get; private set; }

    /// <summary>Writes one event; <paramref name="socketId"/> is the socket it was about, if any.</summary>
    public void Write(in EtlRecord record, in DecodedEvent decoded, long? socketId)
    {
        var insert = _insert;
        insert.Bind(2, ++_sequence);
        long fileTime = _clock.ToFileTime(record.Timestamp);
        var utc = EtlClock.FromFileTime(fileTime);
        LastTime = utc;
        insert.Bind(3, _time.AsSpan(0, EventJsonWriter.FormatTime(utc, _time, 7, "Z"u8)));
        insert.Bind(4, DatabaseTime.Nanoseconds(utc));
        insert.Bind(5, ProviderName(decoded.Schema.Provider.Name));
        insert.Bind(6, record.Id);
        insert.Bind(7, record.Version);
        insert.Bind(8, record.Opcode);
        insert.Bind(9, record.Task);
        insert.Bind(10, record.Level);
        insert.Bind(11, unchecked((long)record.Keywords));
        if (record.HasProcessInfo)
        {
            insert.Bind(12, record.ProcessId);
            insert.Bind(13, record.ThreadId);
        }
        else
        {
            insert.Null(12);
            insert.Null(13);
        }
        insert.Bind(14, socketId);

        var c = ColumnsOf(decoded.Schema);
        Text(15, decoded, c.Endpoint);
        Number(16, decoded, c.EnterExit);
        Number(17, decoded, c.Status);
        insert.Bind(18, c.Status >= 0 ? FieldFormatter.StatusName(decoded, c.Status) : null);
        Text(19, decoded, c.Address);
        Number(20, decoded, c.BufferLength);
        Text(21, decoded, c.NodeName);

        _jsonWriter.Write(record, decoded);
        // The dump's line without its line feed.
        insert.Bind(22, _json.WrittenSpan[..^1]);
        _json.ResetWrittenCount();
        insert.Run();
    }

    private void Text(int parameter, in DecodedEvent decoded, int field)
    {
        if (field < 0 || !decoded.Has(field)) _insert.Null(parameter);
        else _insert.Bind(parameter, _fields.FormatValue(decoded, field));
    }

    private void Number(int parameter, in DecodedEvent decoded, int field)
    {
        if (field < 0 || !decoded.Has(field)) _insert.Null(parameter);
        else _insert.Bind(parameter, unchecked((long)decoded.Number(field)));
    }

    private ReadOnlySpan<byte> ProviderName(string name)
    {
        if (!_providers.TryGetValue(name, out var utf8)) _providers[name] = utf8 = Encoding.UTF8.GetBytes(name);
        return utf8;
    }

    private Columns ColumnsOf(EventSchema schema)
    {
        if (ReferenceEquals(schema, _lastSchema)) return _last;
        if (!_columns.TryGetValue(schema, out var c))
        {
            int status = schema.IndexOf("Status");
            if (status < 0) status = schema.IndexOf("Error");
            if (status < 0) status = schema.IndexOf("ErrorCode");
            c = new Columns(schema.IndexOf("Endpoint"), schema.IndexOf("EnterExit"), status, schema.IndexOf("Address"),
                schema.IndexOf("BufferLength"), schema.IndexOf("NodeName"));
            _columns[schema] = c;
        }
        _lastSchema = schema;
        _last = c;
        return c;
    }

    /// <summary>Field indices of the typed columns in one event schema (-1: the event has no such field).</summary>
    private readonly record struct Columns(int Endpoint, int EnterExit, int Status, int Address, int BufferLength, int NodeName);

    public void Dispose()
    {
        _jsonWriter.Dispose();
        _insert.Dispose();
    }
}
