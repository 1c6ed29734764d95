using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Sockscope.Sinks.Database;

/// <summary>Inserts the rows of <see cref="EventRowBatch"/>es into <c>events</c>, with two prepared statements.</summary>
/// <remarks>
/// <para>Rows go in <see cref="RowsPerInsert"/> at a time, one statement with a VALUES list for each (the rest of a batch
/// one by one): SQLite's work to start and finish a statement (its cursors, its transaction checks, resetting its
/// values) is paid once for the lot instead of once per row.</para>
/// <para>SQLite keeps a statement's values bound from one run to the next, so a value equal to the one its parameter
/// holds is not bound again: most columns (the header's, the status, often the endpoint) repeat from event to event,
/// and every bind is a call into SQLite that takes the connection's mutex.</para>
/// </remarks>
internal sealed class EventRowWriter : IDisposable
{
    /// <summary>Rows one multi-row statement inserts.</summary>
    internal const int RowsPerInsert = 32;

    private const string Columns = """
        INSERT INTO event_rows (trace_id, sequence, time_ns, provider_code, event_id, version, opcode, task, level, keywords,
            process_id, thread_id, socket_id, endpoint, enter_exit, status, status_name, address, buffer_length, node_name, json)
        VALUES
        """;

    /// <summary>Parameters a row binds (all but <c>trace_id</c>, which is ?1 for every row).</summary>
    private const int RowParameters = 20;

    private readonly Statement _many;
    private readonly Statement _one;

    public EventRowWriter(SqliteConnection connection, long traceId)
    {
        _many = new Statement(connection, RowsPerInsert, traceId);
        try
        {
            _one = new Statement(connection, 1, traceId);
        }
        catch
        {
            _many.Dispose();
            throw;
        }
    }

    /// <summary>Rows inserted.</summary>
    public long Count { get; private set; }

    /// <summary>Inserts every row of <paramref name="batch"/>.</summary>
    public void Write(EventRowBatch batch)
    {
        int row = 0;
        for (; batch.Count - row >= RowsPerInsert; row += RowsPerInsert)
        {
            for (int k = 0; k < RowsPerInsert; k++) _many.Set(batch, row + k, k);
            _many.Run();
            Count += RowsPerInsert;
        }
        for (; row < batch.Count; row++)
        {
            _one.Set(batch, row, 0);
            _one.Run();
            Count++;
        }
    }

    public void Dispose()
    {
        _many.Dispose();
        _one.Dispose();
    }

    /// <summary>One INSERT of a fixed number of rows, and the value each of its parameters holds.</summary>
    private sealed class Statement : IDisposable
    {
        private readonly PreparedInsert _insert;
        // What each parameter holds now (by parameter number): unknown until first bound, then NULL, an integer or text.
        private readonly Bound[] _bound;
        private readonly long[] _numbers;
        private readonly byte[][] _texts;
        private readonly int[] _textLengths;

        public Statement(SqliteConnection connection, int rows, long traceId)
        {
            var sql = new StringBuilder(Columns);
            for (int k = 0; k < rows; k++)
            {
                sql.Append(k == 0 ? "\n    (?1" : ",\n    (?1");
                for (int c = 0; c < RowParameters; c++) sql.Append(CultureInfo.InvariantCulture, $", ?{2 + k * RowParameters + c}");
                sql.Append(')');
            }
            int parameters = 1 + rows * RowParameters;
            _bound = new Bound[parameters + 1];
            _numbers = new long[parameters + 1];
            _texts = new byte[parameters + 1][];
            _textLengths = new int[parameters + 1];
            _insert = new PreparedInsert(connection, sql.ToString());
            _insert.Bind(1, traceId);
        }

        /// <summary>Binds row <paramref name="row"/> of <paramref name="batch"/> as the statement's row <paramref name="k"/>.</summary>
        public void Set(EventRowBatch batch, int row, int k)
        {
            int p = 2 + k * RowParameters;
            Number(batch, row, p + 0, EventRowBatch.Number.Sequence);
            Number(batch, row, p + 1, EventRowBatch.Number.TimeNs);
            Number(batch, row, p + 2, EventRowBatch.Number.ProviderCode);
            Number(batch, row, p + 3, EventRowBatch.Number.EventId);
            Number(batch, row, p + 4, EventRowBatch.Number.Version);
            Number(batch, row, p + 5, EventRowBatch.Number.Opcode);
            Number(batch, row, p + 6, EventRowBatch.Number.Task);
            Number(batch, row, p + 7, EventRowBatch.Number.Level);
            Number(batch, row, p + 8, EventRowBatch.Number.Keywords);
            Number(batch, row, p + 9, EventRowBatch.Number.ProcessId);
            Number(batch, row, p + 10, EventRowBatch.Number.ThreadId);
            Number(batch, row, p + 11, EventRowBatch.Number.SocketId);
            Text(batch, row, p + 12, EventRowBatch.Text.Endpoint);
            Number(batch, row, p + 13, EventRowBatch.Number.EnterExit);
            Number(batch, row, p + 14, EventRowBatch.Number.Status);
            Text(batch, row, p + 15, EventRowBatch.Text.StatusName);
            Text(batch, row, p + 16, EventRowBatch.Text.Address);
            Number(batch, row, p + 17, EventRowBatch.Number.BufferLength);
            Text(batch, row, p + 18, EventRowBatch.Text.NodeName);
            Text(batch, row, p + 19, EventRowBatch.Text.Json);
        }

        public void Run() => _insert.Run();

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

        public void Dispose() => _insert.Dispose();
    }

    private enum Bound : byte { Unknown, Null, Number, Text }
}
