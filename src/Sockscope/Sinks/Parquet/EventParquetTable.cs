using Sockscope.Sinks.Database;

namespace Sockscope.Sinks.Parquet;

/// <summary>
/// <c>events.parquet</c>: the rows the SQLite export puts in <c>events</c>, from the same <see cref="EventRowBatch"/>es,
/// <c>time</c> computed from <c>time_ns</c> as SQLite computes it.
/// </summary>
internal sealed class EventParquetTable : IDisposable
{
    private readonly RequiredColumn<long> _sequence = Columns.Int64("sequence");
    private readonly StringColumn _time = Columns.String("time", required: true);
    private readonly RequiredColumn<long> _timeNs = Columns.Int64("time_ns");
    private readonly StringColumn _provider = Columns.String("provider", required: true);
    private readonly RequiredColumn<long> _eventId = Columns.Int64("event_id");
    private readonly RequiredColumn<long> _version = Columns.Int64("version");
    private readonly RequiredColumn<long> _opcode = Columns.Int64("opcode");
    private readonly RequiredColumn<long> _task = Columns.Int64("task");
    private readonly RequiredColumn<long> _level = Columns.Int64("level");
    private readonly RequiredColumn<long> _keywords = Columns.Int64("keywords");
    private readonly OptionalColumn<long> _processId = Columns.OptionalInt64("process_id");
    private readonly OptionalColumn<long> _threadId = Columns.OptionalInt64("thread_id");
    private readonly OptionalColumn<long> _socketId = Columns.OptionalInt64("socket_id");
    private readonly StringColumn _endpoint = Columns.String("endpoint");
    private readonly OptionalColumn<long> _enterExit = Columns.OptionalInt64("enter_exit");
    private readonly OptionalColumn<long> _status = Columns.OptionalInt64("status");
    private readonly StringColumn _statusName = Columns.String("status_name");
    private readonly StringColumn _address = Columns.String("address");
    private readonly OptionalColumn<long> _bufferLength = Columns.OptionalInt64("buffer_length");
    private readonly StringColumn _nodeName = Columns.String("node_name");
    private readonly StringColumn? _json;
    private readonly ParquetTable _table;
    // Endpoints, addresses and names repeat for every event of a socket: one string each, not one per event.
    private readonly Utf8Strings _strings = new();
    private readonly byte[] _timeText = new byte[40];

    public EventParquetTable(string directory, bool eventJson, int rowGroupRows, CancellationToken cancellation)
    {
        if (eventJson) _json = Columns.String("json");
        ParquetColumn[] columns = [_sequence, _time, _timeNs, _provider, _eventId, _version, _opcode, _task, _level, _keywords, _processId,
            _threadId, _socketId, _endpoint, _enterExit, _status, _statusName, _address, _bufferLength, _nodeName];
        _table = new ParquetTable(directory, "events", _json is null ? columns : [.. columns, _json], rowGroupRows, cancellation);
    }

    /// <summary>The file.</summary>
    public ParquetTable Table => _table;

    /// <summary>Adds every row of <paramref name="batch"/>.</summary>
    public void Write(EventRowBatch batch)
    {
        for (int row = 0; row < batch.Count; row++)
        {
            int r = _table.Row;
            _sequence.Values[r] = batch.Get(row, EventRowBatch.Number.Sequence);
            long ns = batch.Get(row, EventRowBatch.Number.TimeNs);
            _timeNs.Values[r] = ns;
            // A time is its event's own: copied to the row group's buffer, not made a string or looked up.
            _time.SetCopy(r, _timeText.AsSpan(0, EventJsonWriter.FormatTime(new DateTime(DateTime.UnixEpoch.Ticks + ns / 100, DateTimeKind.Utc), _timeText, 7, "Z"u8)));
            _provider.Set(r, DatabaseSchema.ProviderCodes[batch.Get(row, EventRowBatch.Number.ProviderCode) - 1]);
            _eventId.Values[r] = batch.Get(row, EventRowBatch.Number.EventId);
            _version.Values[r] = batch.Get(row, EventRowBatch.Number.Version);
            _opcode.Values[r] = batch.Get(row, EventRowBatch.Number.Opcode);
            _task.Values[r] = batch.Get(row, EventRowBatch.Number.Task);
            _level.Values[r] = batch.Get(row, EventRowBatch.Number.Level);
            _keywords.Values[r] = batch.Get(row, EventRowBatch.Number.Keywords);
            _processId.Set(r, Optional(batch, row, EventRowBatch.Number.ProcessId));
            _threadId.Set(r, Optional(batch, row, EventRowBatch.Number.ThreadId));
            _socketId.Set(r, Optional(batch, row, EventRowBatch.Number.SocketId));
            _endpoint.Set(r, Text(batch, row, EventRowBatch.Text.Endpoint));
            _enterExit.Set(r, Optional(batch, row, EventRowBatch.Number.EnterExit));
            _status.Set(r, Optional(batch, row, EventRowBatch.Number.Status));
            _statusName.Set(r, Text(batch, row, EventRowBatch.Text.StatusName));
            _address.Set(r, Text(batch, row, EventRowBatch.Text.Address));
            _bufferLength.Set(r, Optional(batch, row, EventRowBatch.Number.BufferLength));
            _nodeName.Set(r, Text(batch, row, EventRowBatch.Text.NodeName));
            if (_json is not null && !batch.IsNull(row, EventRowBatch.Text.Json)) _json.SetCopy(r, batch.Get(row, EventRowBatch.Text.Json));
            _table.EndRow();
        }
    }

    private static long? Optional(EventRowBatch batch, int row, EventRowBatch.Number column) =>
        batch.IsNull(row, column) ? null : batch.Get(row, column);

    private string? Text(EventRowBatch batch, int row, EventRowBatch.Text column) =>
        batch.IsNull(row, column) ? null : _strings.Get(batch.Get(row, column));

    public void Dispose() => _table.Dispose();
}
