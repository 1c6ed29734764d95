using Microsoft.Data.Sqlite;

namespace Sockscope.Sinks.Database;

/// <summary>Inserts the rows of <see cref="EventRowBatch"/>es into <c>events</c>, with one prepared statement.</summary>
/// <remarks>
/// SQLite keeps a statement's values bound from one run to the next, so a value equal to the previous row's is not
/// bound again: most columns (the header's, the status, often the endpoint) repeat from event to event, and every bind
/// is a call into SQLite that takes the connection's mutex.
/// </remarks>
internal sealed class EventRowWriter : IDisposable
{
    private const string Sql = """
        INSERT INTO events (trace_id, sequence, time_ns, provider_code, event_id, version, opcode, task, level, keywords,
            process_id, thread_id, socket_id, endpoint, enter_exit, status, status_name, address, buffer_length, node_name, json)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)
        """;

    private const int Parameters = 21;

    private readonly PreparedInsert _insert;
    // What each parameter holds now (by parameter number): unknown until first bound, then NULL, an integer or text.
    private readonly Bound[] _bound = new Bound[Parameters + 1];
    private readonly long[] _numbers = new long[Parameters + 1];
    private readonly byte[][] _texts = new byte[Parameters + 1][];
    private readonly int[] _textLengths = new int[Parameters + 1];

    public EventRowWriter(SqliteConnection connection, long traceId)
    {
        _insert = new PreparedInsert(connection, Sql);
        _insert.Bind(1, traceId);
    }

    /// <summary>Rows inserted.</summary>
    public long Count { get; private set; }

    /// <summary>Inserts every row of <paramref name="batch"/>.</summary>
    public void Write(EventRowBatch batch)
    {
        for (int row = 0; row < batch.Count; row++)
        {
            Number(batch, row, 2, EventRowBatch.Number.Sequence);
            Number(batch, row, 3, EventRowBatch.Number.TimeNs);
            Number(batch, row, 4, EventRowBatch.Number.ProviderCode);
            Number(batch, row, 5, EventRowBatch.Number.EventId);
            Number(batch, row, 6, EventRowBatch.Number.Version);
            Number(batch, row, 7, EventRowBatch.Number.Opcode);
            Number(batch, row, 8, EventRowBatch.Number.Task);
            Number(batch, row, 9, EventRowBatch.Number.Level);
            Number(batch, row, 10, EventRowBatch.Number.Keywords);
            Number(batch, row, 11, EventRowBatch.Number.ProcessId);
            Number(batch, row, 12, EventRowBatch.Number.ThreadId);
            Number(batch, row, 13, EventRowBatch.Number.SocketId);
            Text(batch, row, 14, EventRowBatch.Text.Endpoint);
            Number(batch, row, 15, EventRowBatch.Number.EnterExit);
            Number(batch, row, 16, EventRowBatch.Number.Status);
            Text(batch, row, 17, EventRowBatch.Text.StatusName);
            Text(batch, row, 18, EventRowBatch.Text.Address);
            Number(batch, row, 19, EventRowBatch.Number.BufferLength);
            Text(batch, row, 20, EventRowBatch.Text.NodeName);
            Text(batch, row, 21, EventRowBatch.Text.Json);
            _insert.Run();
            Count++;
        }
    }

    private void Number(EventRowBatch batch, int row, int parameter, EventRowBatch.Number column)
    {
        if (batch.IsNull(row, column)) Null(parameter);
        else
        {
            long value = batch.Get(row, column);
            if (_bound[parameter] == Bound.Number && _numbers[parameter] == value) return;
            // Marked unknown first: a failed bind leaves the parameter's value in doubt.
            _bound[parameter] = Bound.Unknown;
            _insert.Bind(parameter, value);
            _bound[parameter] = Bound.Number;
            _numbers[parameter] = value;
        }
    }

    private void Text(EventRowBatch batch, int row, int parameter, EventRowBatch.Text column)
    {
        if (batch.IsNull(row, column)) Null(parameter);
        else
        {
            var utf8 = batch.Get(row, column);
            if (column == EventRowBatch.Text.Json)
            {
                // Hardly ever the same twice (it carries the time): keeping it would only cost a copy.
                _bound[parameter] = Bound.Unknown;
                _insert.Bind(parameter, utf8);
                return;
            }
            ref var kept = ref _texts[parameter];
            if (_bound[parameter] == Bound.Text && utf8.SequenceEqual(kept.AsSpan(0, _textLengths[parameter]))) return;
            // Marked unknown first: a failed bind leaves the parameter's value in doubt.
            _bound[parameter] = Bound.Unknown;
            _insert.Bind(parameter, utf8);
            if (kept is null || kept.Length < utf8.Length) kept = new byte[Math.Max(64, utf8.Length * 2)];
            utf8.CopyTo(kept);
            _textLengths[parameter] = utf8.Length;
            _bound[parameter] = Bound.Text;
        }
    }

    private void Null(int parameter)
    {
        if (_bound[parameter] == Bound.Null) return;
        _insert.Null(parameter);
        _bound[parameter] = Bound.Null;
    }

    private enum Bound : byte { Unknown, Null, Number, Text }

    public void Dispose() => _insert.Dispose();
}
