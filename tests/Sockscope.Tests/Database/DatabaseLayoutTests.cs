using Microsoft.Data.Sqlite;
using Sockscope.Etl;
using Sockscope.Schema;
using Sockscope.Sinks.Database;
using Sockscope.Synthesis;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;
using static Sockscope.Tests.Database.DatabaseExportTests;

namespace Sockscope.Tests.Database;

/// <summary>
/// Layout 4 (as 3): events keep their typed columns but not their JSON unless asked (<c>--event-json</c>), <c>time</c> and
/// <c>provider</c> are computed from integers, and the indexes of a database's first trace are made after its rows;
/// <c>events</c> is a view over the plain table <c>event_rows</c>.
/// </summary>
public class DatabaseLayoutTests
{
    private static readonly string[] IndexNames =
        ["events_by_socket", "events_by_time", "findings_by_kind", "sockets_by_process", "sockets_by_remote"];

    [Fact]
    public void By_default_events_hold_no_json_and_the_database_takes_under_150_bytes_an_event()
    {
        using var dir = new TempDir();
        string trace = dir.File("busy.etl");
        ScenarioSynthesizer.Write(trace, new ScenarioOptions { Scenario = "busy-host", Events = 100_000, Seed = 7 });
        string db = dir.File("out.db");
        var r = CliRunner.Run("export", trace, "--sqlite", db);
        Assert.Equal(0, r.ExitCode);
        long events;
        using (var connection = OpenRead(db))
        {
            events = Scalar(connection, "SELECT count(*) FROM events");
            Assert.InRange(events, 99_000, 100_000);
            Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM events WHERE json IS NOT NULL"));
            Assert.Equal(4L, Scalar(connection, "PRAGMA user_version"));
        }
        // Before layout 3 (every event's JSON stored) this trace took 1,100 bytes an event.
        Assert.InRange(new FileInfo(db).Length / (double)events, 50, 150);

        string withJson = dir.File("json.db");
        Assert.Equal(0, CliRunner.Run("export", trace, "--sqlite", withJson, "--event-json").ExitCode);
        using var json = OpenRead(withJson);
        Assert.Equal(events, Scalar(json, "SELECT count(*) FROM events WHERE json ->> '$.system.event_id' = event_id"));
    }

    [Fact]
    public void Time_and_provider_read_as_the_text_every_other_output_writes()
    {
        using var dir = new TempDir();
        var (_, db) = Export(dir, "mixed", 8, false);
        using var connection = OpenRead(db);
        var rows = Rows(connection, "SELECT time, time_ns, provider, provider_code FROM events ORDER BY sequence");
        Assert.Equal(582, rows.Count);
        foreach (var row in rows)
        {
            var utc = new DateTime(DateTime.UnixEpoch.Ticks + (long)row["time_ns"]! / 100, DateTimeKind.Utc);
            Assert.Equal(DatabaseTime.Iso(utc), row["time"]);
            Assert.Equal(DatabaseSchema.ProviderCodes[(long)row["provider_code"]! - 1], row["provider"]);
        }
        Assert.Equal(3, rows.Select(r => r["provider"]).Distinct().Count());
        // Times before 1970 and with every digit set come out as EventJsonWriter writes them (time_ns holds 1677 to 2262).
        using var probe = new SqliteConnection("Data Source=:memory:");
        probe.Open();
        using (var create = probe.CreateCommand())
        {
            create.CommandText = "PRAGMA foreign_keys = OFF;" + DatabaseSchema.Ddl;
            create.ExecuteNonQuery();
        }
        foreach (var t in new[] { new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1), new DateTime(1969, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999),
                     new DateTime(2026, 12, 3, 16, 40, 5, DateTimeKind.Utc).AddTicks(1_234_567) })
        {
            using var insert = probe.CreateCommand();
            insert.CommandText = "DELETE FROM event_rows; INSERT INTO event_rows (trace_id, sequence, time_ns, provider_code, event_id, version, opcode, task, level, keywords) VALUES (1, 1, $ns, 2, 1, 0, 0, 0, 0, 0); SELECT time FROM events";
            insert.Parameters.AddWithValue("$ns", DatabaseTime.Nanoseconds(t));
            Assert.Equal(DatabaseTime.Iso(t), insert.ExecuteScalar());
        }
    }

    [Fact]
    public void Every_provider_the_export_decodes_has_a_provider_code()
    {
        var providers = SchemaCatalog.Winsock.Providers.Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(providers, DatabaseSchema.ProviderCodes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_first_trace_gets_every_index_and_a_failed_first_import_leaves_them()
    {
        using var dir = new TempDir();
        string trace = dir.File("mixed.etl");
        ScenarioSynthesizer.Write(trace, new ScenarioOptions { Scenario = "mixed" });
        string db = dir.File("out.db");
        using (var connection = DatabaseExporter.Open(db))
        {
            using (var trigger = connection.CreateCommand())
            {
                trigger.CommandText = "CREATE TRIGGER fail AFTER INSERT ON event_rows WHEN NEW.sequence = 300 BEGIN SELECT RAISE(ABORT, 'disk full'); END";
                trigger.ExecuteNonQuery();
            }
            using var reader = EtlReader.Open(trace);
            Assert.Throws<SqliteException>(() => DatabaseExporter.Export(connection, reader, TraceIdentity.OfFile(trace)));
        }
        Assert.Equal([0L, 0L, 0L, 0L, 0L], Counts(db));
        Assert.Equal(IndexNames, Indexes(db));

        using (var connection = DatabaseExporter.Open(db))
        using (var drop = connection.CreateCommand())
        {
            drop.CommandText = "DROP TRIGGER fail";
            drop.ExecuteNonQuery();
        }
        using (var reader = EtlReader.Open(trace))
            Assert.Equal(582, DatabaseExporter.Export(db, reader, TraceIdentity.OfFile(trace)).Events);
        Assert.Equal(IndexNames, Indexes(db));
        // INDEXED BY fails unless the index is there and serves the query.
        using var read = OpenRead(db);
        Assert.Equal(Scalar(read, "SELECT count(*) FROM event_rows NOT INDEXED WHERE trace_id = 1 AND socket_id = 5"),
            Scalar(read, "SELECT count(*) FROM event_rows INDEXED BY events_by_socket WHERE trace_id = 1 AND socket_id = 5"));
        Assert.True(Scalar(read, "SELECT count(*) FROM event_rows INDEXED BY events_by_time WHERE time_ns > 0") > 0);
        // Through the view, the planner finds the index (a query of events by socket does not read every row).
        Assert.Contains("events_by_socket", Plan(read, "SELECT * FROM events WHERE trace_id = 1 AND socket_id = 5"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_database_of_an_earlier_layout_is_refused_untouched(int layout)
    {
        using var dir = new TempDir();
        string db = dir.File("old.db");
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = $"CREATE TABLE traces (id INTEGER PRIMARY KEY); PRAGMA user_version = {layout};";
            create.ExecuteNonQuery();
        }
        byte[] before = File.ReadAllBytes(db);
        var e = Assert.Throws<InvalidDataException>(() => DatabaseExporter.Open(db).Dispose());
        Assert.Equal($"the database has layout version {layout}; this sockscope writes version 4", e.Message);
        Assert.Equal(before, File.ReadAllBytes(db));
    }

    [Fact]
    public void The_events_view_has_layout_3s_columns_in_their_order()
    {
        using var dir = new TempDir();
        var (_, db) = Export(dir, "mixed", 8, false);
        using var connection = OpenRead(db);
        Assert.Equal(
            ["trace_id", "sequence", "time", "time_ns", "provider", "event_id", "version", "opcode", "task", "level", "keywords", "process_id",
             "thread_id", "socket_id", "endpoint", "enter_exit", "status", "status_name", "address", "buffer_length", "node_name", "json", "provider_code"],
            Rows(connection, "SELECT name FROM pragma_table_info('events') ORDER BY cid").Select(r => (string)r["name"]!).ToArray());
        // Rows come back in the order layout 3's key kept them, with no ORDER BY.
        var sequence = Rows(connection, "SELECT sequence FROM events").Select(r => (long)r["sequence"]!).ToArray();
        Assert.Equal(Enumerable.Range(1, 582).Select(i => (long)i).ToArray(), sequence);
    }

    private static string Plan(SqliteConnection connection, string sql) =>
        string.Join("\n", Rows(connection, "EXPLAIN QUERY PLAN " + sql).Select(r => (string)r["detail"]!));

    private static string[] Indexes(string db)
    {
        using var connection = OpenRead(db);
        return Rows(connection, "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").Select(r => (string)r["name"]!).ToArray();
    }
}
