using System.Text;
using Microsoft.Data.Sqlite;
using Sockscope.Sinks.Database;

namespace Sockscope.Tests.Database;

/// <summary>
/// <see cref="EventRowWriter"/> binds a value only when it differs from the one its parameter holds, 32 rows a statement
/// or one: each row must still read back with its own values, whether a column repeats, turns NULL and back, or changes
/// to text of the same length or a prefix.
/// </summary>
public class EventRowWriterTests
{
    private sealed record Row(string? Endpoint, long? Status, string? Address, string? NodeName);

    private static readonly string?[] Endpoints = ["0xAB", "0xAC", null];
    private static readonly long?[] Statuses = [5, null, 0, 5];
    private static readonly string?[] Addresses = ["1.2.3.4:80", "1.2.3.4:8", "", null, "1.2.3.4:80"];
    private static readonly string?[] NodeNames = [null, "x", "y"];

    [Fact]
    public void Rows_are_bound_through_e_sqlite3_directly()
    {
        // Asked before any connection of the process has set SQLitePCLRaw's provider (as when this test runs first), it
        // throws; it once threw from the type's initializer, and then every insert of the process failed after it.
        try { _ = SqliteNative.Available; } catch (Exception e) when (e.Message.Contains("SetProvider", StringComparison.Ordinal)) { }
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        // The bundle the project ships: the tests below then check SqliteNative's binds, not SQLitePCLRaw's.
        Assert.True(SqliteNative.Available);
    }

    [Fact]
    public void Every_row_reads_back_with_its_own_values_when_columns_repeat_change_or_turn_null()
    {
        Row[][] batches =
        [
            // Enough rows for the multi-row statement twice, then single rows. Each column cycles with its own period,
            // so a row of that statement finds the value its parameter held the last time repeated (period 4, 32 rows
            // a statement), or not (periods 3 and 5), or a prefix of it.
            Enumerable.Range(0, 2 * EventRowWriter.RowsPerInsert + 6).Select(i => new Row(
                Endpoints[i % 3], Statuses[i % 4], Addresses[i % 5], NodeNames[i % 3])).ToArray(),
            [
                new("0xAB", 5, "1.2.3.4:80", null),
                new("0xAB", null, "1.2.3.4:8", "x"),     // same endpoint, status NULL, address a prefix of the last
                new(null, 5, "1.2.3.4:80", "x"),         // endpoint NULL, status back, address longer again
                new("0xAC", 5, "1.2.3.4:80", "x"),       // same length as the endpoint before the NULL, one byte apart
            ],
            // The batch's buffer is cleared and refilled: the values kept must not point into it.
            [
                new("0xAC", 0, "", "y"),                 // an empty address is text, not NULL
                new("0xAC", 0, null, "y"),
                new("0xAB", 7, "", null),
            ],
        ];
        using var connection = new SqliteConnection("Data Source=:memory:;Foreign Keys=False"); // no traces row needed
        connection.Open();
        DatabaseSchema.Ensure(connection);
        var batch = new EventRowBatch(batches.Max(b => b.Length));
        long sequence = 0;
        using (var writer = new EventRowWriter(connection, traceId: 1))
        {
            foreach (var rows in batches)
            {
                batch.Clear();
                foreach (var row in rows) Add(batch, ++sequence, row);
                writer.Write(batch);
            }
            Assert.Equal(batches.Sum(b => b.Length), writer.Count);
        }

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence, endpoint, status, address, node_name, event_id FROM events ORDER BY sequence";
        using var reader = command.ExecuteReader();
        var read = new List<Row>();
        while (reader.Read())
        {
            Assert.Equal(read.Count + 1, reader.GetInt64(0));
            Assert.Equal(1000 + reader.GetInt64(0), reader.GetInt64(5));
            read.Add(new Row(reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        Assert.Equal(batches.SelectMany(b => b), read);
    }

    private static void Add(EventRowBatch batch, long sequence, Row row)
    {
        batch.BeginRow();
        batch.Set(EventRowBatch.Number.Sequence, sequence);
        foreach (var column in new[] { EventRowBatch.Number.TimeNs, EventRowBatch.Number.ProviderCode, EventRowBatch.Number.Version,
                     EventRowBatch.Number.Opcode, EventRowBatch.Number.Task, EventRowBatch.Number.Level, EventRowBatch.Number.Keywords })
            batch.Set(column, 1);
        batch.Set(EventRowBatch.Number.EventId, 1000 + sequence);
        if (row.Endpoint is not null) batch.Set(EventRowBatch.Text.Endpoint, Encoding.UTF8.GetBytes(row.Endpoint));
        if (row.Status is { } status) batch.Set(EventRowBatch.Number.Status, status);
        if (row.Address is not null) batch.Set(EventRowBatch.Text.Address, Encoding.UTF8.GetBytes(row.Address));
        if (row.NodeName is not null) batch.Set(EventRowBatch.Text.NodeName, Encoding.UTF8.GetBytes(row.NodeName));
        batch.EndRow();
    }
}
