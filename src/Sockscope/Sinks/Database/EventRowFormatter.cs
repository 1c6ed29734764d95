using System.Buffers;
using System.Text;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;

namespace Sockscope.Sinks.Database;

/// <summary>
/// Turns decoded Winsock events into rows of <c>events</c>: the header's columns, the fields analysts filter on most
/// (Endpoint, EnterExit, the status, Address, BufferLength, NodeName) as typed columns, and, when asked for, the whole
/// event as <c>sockscope dump</c> prints it, through the same <see cref="EventJsonWriter"/>.
/// </summary>
internal sealed class EventRowFormatter : IDisposable
{
    private readonly EtlClock _clock;
    private readonly ArrayBufferWriter<byte> _json = new(4096);
    private readonly EventJsonWriter? _jsonWriter;
    private readonly FieldFormatter _fields = new();
    private readonly Dictionary<EventSchema, Columns> _columns = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, byte[]> _providers = new(ReferenceEqualityComparer.Instance);
    private string? _lastProvider;
    private int _lastProviderCode;
    private EventSchema? _lastSchema;
    private Columns _last;

    /// <param name="clock">The trace's clock.</param>
    /// <param name="computer">The computer name the JSON carries.</param>
    /// <param name="eventJson">Whether rows carry the whole event as JSON: nine tenths of the work and of the database when they do.</param>
    public EventRowFormatter(EtlClock clock, string? computer, bool eventJson)
    {
        _clock = clock;
        if (eventJson) _jsonWriter = new EventJsonWriter(_json, clock, new ProviderNames(), computer);
    }

    /// <summary>Rows made.</summary>
    public long Count { get; private set; }

    /// <summary>The time of the last event (UTC), or null before the first.</summary>
    public DateTime? LastTime { get; private set; }

    /// <summary>Adds one event to <paramref name="batch"/>; <paramref name="socketId"/> is the socket it was about, if any.</summary>
    public void Add(EventRowBatch batch, in EtlRecord record, in DecodedEvent decoded, long? socketId)
    {
        batch.BeginRow();
        batch.Set(EventRowBatch.Number.Sequence, ++Count);
        var utc = EtlClock.FromFileTime(_clock.ToFileTime(record.Timestamp));
        LastTime = utc;
        batch.Set(EventRowBatch.Number.TimeNs, DatabaseTime.Nanoseconds(utc));
        batch.Set(EventRowBatch.Number.ProviderCode, ProviderCode(decoded.Schema.Provider.Name));
        batch.Set(EventRowBatch.Number.EventId, record.Id);
        batch.Set(EventRowBatch.Number.Version, record.Version);
        batch.Set(EventRowBatch.Number.Opcode, record.Opcode);
        batch.Set(EventRowBatch.Number.Task, record.Task);
        batch.Set(EventRowBatch.Number.Level, record.Level);
        batch.Set(EventRowBatch.Number.Keywords, unchecked((long)record.Keywords));
        if (record.HasProcessInfo)
        {
            batch.Set(EventRowBatch.Number.ProcessId, record.ProcessId);
            batch.Set(EventRowBatch.Number.ThreadId, record.ThreadId);
        }
        if (socketId is { } id) batch.Set(EventRowBatch.Number.SocketId, id);

        var c = ColumnsOf(decoded.Schema);
        Text(batch, EventRowBatch.Text.Endpoint, decoded, c.Endpoint);
        Number(batch, EventRowBatch.Number.EnterExit, decoded, c.EnterExit);
        Number(batch, EventRowBatch.Number.Status, decoded, c.Status);
        if (c.Status >= 0 && FieldFormatter.StatusName(decoded, c.Status) is { } name) batch.Set(EventRowBatch.Text.StatusName, CachedUtf8(name));
        Text(batch, EventRowBatch.Text.Address, decoded, c.Address);
        Number(batch, EventRowBatch.Number.BufferLength, decoded, c.BufferLength);
        Text(batch, EventRowBatch.Text.NodeName, decoded, c.NodeName);

        if (_jsonWriter is not null)
        {
            _jsonWriter.Write(record, decoded);
            // The dump's line without its line feed.
            batch.Set(EventRowBatch.Text.Json, _json.WrittenSpan[..^1]);
            _json.ResetWrittenCount();
        }
        batch.EndRow();
    }

    private void Text(EventRowBatch batch, EventRowBatch.Text column, in DecodedEvent decoded, int field)
    {
        if (field >= 0 && decoded.Has(field)) batch.Set(column, _fields.FormatValue(decoded, field));
    }

    private static void Number(EventRowBatch batch, EventRowBatch.Number column, in DecodedEvent decoded, int field)
    {
        if (field >= 0 && decoded.Has(field)) batch.Set(column, unchecked((long)decoded.Number(field)));
    }

    /// <summary>The provider's <c>provider_code</c>: the catalog's providers are the only ones decoded.</summary>
    private int ProviderCode(string name)
    {
        if (ReferenceEquals(name, _lastProvider)) return _lastProviderCode;
        int i = Array.IndexOf(DatabaseSchema.ProviderCodes, name);
        if (i < 0) throw new InvalidOperationException($"{name} has no provider_code in the database's layout");
        _lastProvider = name;
        _lastProviderCode = i + 1;
        return _lastProviderCode;
    }

    /// <summary>The UTF-8 of a status name: a few dozen strings, encoded once each.</summary>
    private ReadOnlySpan<byte> CachedUtf8(string name)
    {
        if (!_providers.TryGetValue(name, out var utf8))
        {
            utf8 = Encoding.UTF8.GetBytes(name);
            if (_providers.Count < 4096) _providers[name] = utf8;
        }
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

    public void Dispose() => _jsonWriter?.Dispose();
}
