using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Sinks.Database;
using Sockscope.Synthesis;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Database;

/// <summary>
/// The database holds what the trace's ground truth says, row by row and field by field; a trace is imported once,
/// several share a database, and an import that fails leaves nothing behind.
/// </summary>
public class DatabaseExportTests
{
    [Theory]
    [InlineData("mixed", 8, false)]
    [InlineData("legacy", 4, true)]
    [InlineData("server", 8, true)]
    public void Sockets_match_the_ground_truth_field_by_field(string scenario, int pointerSize, bool compress)
    {
        using var dir = new TempDir();
        var (truth, db) = Export(dir, scenario, pointerSize, compress);
        using var connection = OpenRead(db);
        var rows = Rows(connection, "SELECT * FROM sockets WHERE trace_id = 1 ORDER BY socket_id");
        Assert.Equal(truth.Sockets.Count, rows.Count);
        Assert.Equal(Enumerable.Range(1, rows.Count).Select(i => (long)i), rows.Select(r => (long)r["socket_id"]!));
        var unmatched = rows.ToList();
        foreach (var t in truth.Sockets)
        {
            string? endpoint = Hex(t.Endpoint);
            string? opened = Iso(t.Opened);
            var row = unmatched.FirstOrDefault(r => (string?)r["endpoint"] == endpoint && (string?)r["opened"] == opened);
            Assert.True(row is not null, $"{scenario}: no row for socket {endpoint} opened {opened}");
            unmatched.Remove(row);
            string who = $"{scenario} socket {endpoint}";
            Assert.Equal(Hex(t.SocketHandle), (string?)row["socket_handle"]);
            Assert.Equal((long)t.ProcessId, row["process_id"]);
            Assert.Equal(Hex(t.ProcessObject), (string?)row["process_object"]);
            Assert.Equal(t.ProcessName, (string?)row["process"]);
            Assert.Equal(t.Protocol < 0 ? null : (long?)t.Protocol, (long?)row["protocol_number"]);
            Assert.Equal(t.Family < 0 ? null : (long?)t.Family, (long?)row["family_number"]);
            Assert.Equal(t.SocketType < 0 ? null : (long?)t.SocketType, (long?)row["socket_type_number"]);
            Assert.Equal(t.Local?.ToString(), (string?)row["local"]);
            Assert.Equal(t.Remote?.ToString(), (string?)row["remote"]);
            Assert.Equal(t.Remote?.Address.ToString(), (string?)row["remote_address"]);
            Assert.Equal((long?)t.Remote?.Port, (long?)row["remote_port"]);
            Assert.Equal(t.Peers.Select(p => p.ToString()), JsonSerializer.Deserialize<string[]>((string)row["peers"]!)!);
            Assert.True(t.RemoteName == (string?)row["remote_name"], $"{who} remote_name {t.RemoteName} / {row["remote_name"]}");
            Assert.Equal(t.PeerTraffic.Select(p => p.Name), JsonSerializer.Deserialize<string?[]>((string)row["peer_names"]!)!);
            Assert.Equal(Iso(t.Closed), (string?)row["closed"]);
            Assert.Equal(t.Opened is { } o ? (o.Ticks - DateTime.UnixEpoch.Ticks) * 100 : null, (long?)row["opened_ns"]);
            Assert.Equal(t.BytesSent, row["bytes_sent"]);
            Assert.Equal(t.BytesReceived, row["bytes_received"]);
            Assert.Equal(t.Sends, row["sends"]);
            Assert.Equal(t.Receives, row["receives"]);
            Assert.Equal(t.Listening ? 1L : 0L, row["listening"]);
            Assert.Equal((long?)t.Backlog, (long?)row["backlog"]);
            Assert.Equal(Hex(t.AcceptedFrom), (string?)row["accepted_from"]);
            Assert.Equal(t.Options.OrderBy(k => k.Key), JsonSerializer.Deserialize<Dictionary<string, ulong>>((string)row["options"]!)!.OrderBy(k => k.Key));
            Assert.True((t.Aborted ? 1L : 0L) == (long)row["aborted"]!, who + " aborted");
            Assert.Equal(t.AbortReason, (string?)row["abort_reason"]);
            Assert.Equal(t.DatagramsDropped, row["datagrams_dropped"]);
            Assert.Equal(t.Error, (string?)row["error"]);
        }
        Assert.Empty(unmatched);
    }

    [Theory]
    [InlineData("mixed")]
    [InlineData("failures")]
    public void Findings_processes_and_the_trace_row_match_the_ground_truth(string scenario)
    {
        using var dir = new TempDir();
        var (truth, db) = Export(dir, scenario, 8, false);
        using var connection = OpenRead(db);

        var expected = truth.Findings.Select(f => $"{f.Kind.ToText()} {f.ProcessId} {Hex(f.Endpoint)} {f.Severity.ToString().ToLowerInvariant()} {f.RemoteName}").Order().ToList();
        var actual = Rows(connection, "SELECT * FROM findings WHERE trace_id = 1")
            .Select(r => $"{r["kind"]} {r["process_id"]} {r["endpoint"]} {r["severity"]} {r["remote_name"]}").Order().ToList();
        Assert.Equal(["missing.example.com"], Rows(connection, "SELECT remote_name FROM findings WHERE kind = 'name_resolution_failed'").Select(r => (string?)r["remote_name"]));
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
        Assert.Equal(truth.Findings.Count(f => f.Kind == FindingKind.ConnectFailed), Scalar(connection, "SELECT count(*) FROM findings WHERE kind = 'connect_failed'"));

        foreach (var p in truth.Processes.Where(p => p.Sockets > 0))
        {
            var row = Rows(connection, $"SELECT * FROM processes WHERE trace_id = 1 AND process_id = {p.ProcessId}").Single();
            Assert.Equal(p.ImageName, row["name"]);
            Assert.Equal(p.Sockets, row["sockets"]);
            Assert.Equal(p.BytesSent, row["bytes_sent"]);
            Assert.Equal(p.BytesReceived, row["bytes_received"]);
            long findings = truth.Findings.Count(f => f.ProcessId == p.ProcessId);
            Assert.Equal(findings, row["findings"]);
            var byKind = JsonSerializer.Deserialize<Dictionary<string, long>>((string)row["findings_by_kind"]!)!;
            Assert.Equal(findings, byKind.Values.Sum());
            long notices = truth.Findings.Count(f => f.ProcessId == p.ProcessId && f.Severity == FindingSeverity.Info);
            Assert.Equal((findings - notices, notices), ((long)row["failures"]!, (long)row["notices"]!));
        }

        var trace = Rows(connection, "SELECT * FROM traces").Single();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.Path, scenario + ".etl")))), trace["sha256"]);
        Assert.Equal(scenario + ".etl", trace["file_name"]);
        Assert.Equal(new FileInfo(Path.Combine(dir.Path, scenario + ".etl")).Length, trace["file_size"]);
        Assert.Equal((long)truth.Build, trace["os_build"]);
        Assert.Equal((long)truth.PointerSize, trace["pointer_size"]);
        Assert.Equal(Iso(truth.Start), trace["start_time"]);
        Assert.Equal((long)truth.EventsLost, trace["events_lost"]);
        Assert.Equal(truth.SocketCount, trace["sockets"]);
        Assert.Equal((long)truth.Findings.Count, trace["findings"]);
        Assert.Equal(truth.BytesSent, trace["bytes_sent"]);
        Assert.Equal(truth.BytesReceived, trace["bytes_received"]);
        // Records as `sockscope info` counts them: the logfile header's record is one.
        Assert.Equal(truth.Events + 1, trace["records"]);
        Assert.Equal(Scalar(connection, "SELECT count(*) FROM events"), trace["winsock_events"]);
        Assert.Equal(0L, trace["problems"]);
    }

    [Fact]
    public void Events_are_the_decoded_Winsock_events_exactly_as_dump_prints_them()
    {
        using var dir = new TempDir();
        var (truth, db) = Export(dir, "mixed", 8, false, eventJson: true);
        using var connection = OpenRead(db);
        long expected = truth.CountProvider(WellKnownProviders.WinsockAfd) + truth.CountProvider(WellKnownProviders.WinsockSockets)
            + truth.CountProvider(WellKnownProviders.WinsockNameResolution);
        Assert.Equal(expected, Scalar(connection, "SELECT count(*) FROM events WHERE trace_id = 1"));
        Assert.Equal(truth.CountProvider(WellKnownProviders.WinsockNameResolution),
            Scalar(connection, "SELECT count(*) FROM events WHERE provider = 'Microsoft-Windows-Winsock-NameResolution'"));
        Assert.Equal(truth.Count(WellKnownProviders.WinsockAfd, 1032),
            Scalar(connection, "SELECT count(*) FROM events WHERE provider = 'Microsoft-Windows-Winsock-AFD' AND event_id = 1032"));

        var dump = CliRunner.Run("dump", Path.Combine(dir.Path, "mixed.etl"));
        Assert.Equal(0, dump.ExitCode);
        var json = Rows(connection, "SELECT json FROM events WHERE trace_id = 1 ORDER BY sequence").Select(r => (string)r["json"]!).ToList();
        Assert.Equal(dump.OutputLines, json);

        // The typed columns say what the JSON says, and SQLite's JSON functions read it.
        Assert.Equal(0L, Scalar(connection, """
            SELECT count(*) FROM events WHERE endpoint IS NOT json_extract(json, '$.event_data.Endpoint')
                OR address IS NOT json_extract(json, '$.event_data.Address')
                OR event_id != json_extract(json, '$.system.event_id')
                OR process_id != json_extract(json, '$.system.execution.process_id')
                OR provider != json_extract(json, '$.system.provider')
                OR time != json_extract(json, '$.system.time_created_precise')
            """));
        Assert.Equal(truth.FindingsOf(FindingKind.ConnectFailed).Count(),
            Scalar(connection, "SELECT count(*) FROM events WHERE status_name = 'STATUS_CONNECTION_REFUSED' AND enter_exit = 1 AND status = 3221226038"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM events WHERE status_name = 'WSAECONNREFUSED' AND status = 10061 AND provider = 'Microsoft-Windows-Winsock-Sockets'"));
        // Sequence follows time, and the integer time is the text time.
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM events a JOIN events b ON b.sequence = a.sequence + 1 WHERE b.time_ns < a.time_ns"));
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM events WHERE abs(unixepoch(time, 'subsec') * 1000 - time_ns / 1000000) > 1"));
    }

    [Fact]
    public void Every_event_about_a_socket_names_it()
    {
        using var dir = new TempDir();
        var (truth, db) = Export(dir, "mixed", 8, false);
        using var connection = OpenRead(db);
        // An event with an Endpoint that names a socket names the socket of that endpoint.
        Assert.Equal(0L, Scalar(connection, """
            SELECT count(*) FROM events e JOIN sockets s USING (trace_id, socket_id)
            WHERE e.endpoint IS NOT NULL AND s.endpoint IS NOT e.endpoint
            """));
        Assert.True(Scalar(connection, "SELECT count(*) FROM events WHERE endpoint IS NOT NULL AND socket_id IS NOT NULL") > 400);
        // Every socket has events, the first not before it opened.
        Assert.Equal(truth.SocketCount, Scalar(connection, "SELECT count(DISTINCT socket_id) FROM events WHERE socket_id IS NOT NULL"));
        Assert.Equal(0L, Scalar(connection, """
            SELECT count(*) FROM sockets s WHERE s.opened_ns > (SELECT min(time_ns) FROM events e WHERE e.trace_id = s.trace_id AND e.socket_id = s.socket_id)
            """));
        var aborted = truth.Sockets.Where(s => s.Aborted).ToList();
        Assert.NotEmpty(aborted);
        Assert.Equal(aborted.Count, Scalar(connection, """
            SELECT count(DISTINCT e.socket_id) FROM events e JOIN sockets s USING (trace_id, socket_id)
            WHERE s.aborted = 1 AND e.provider = 'Microsoft-Windows-Winsock-AFD' AND e.event_id IN (1032, 7, 8)
            """));
    }

    [Fact]
    public void Exporting_a_trace_again_adds_nothing_even_under_another_name()
    {
        using var dir = new TempDir();
        var (_, db) = Export(dir, "mixed", 8, false);
        string trace = Path.Combine(dir.Path, "mixed.etl");
        string copy = Path.Combine(dir.Path, "renamed.etl");
        File.Copy(trace, copy);
        var before = Counts(db);
        foreach (var path in new[] { trace, copy })
        {
            using var reader = EtlReader.Open(path);
            var again = DatabaseExporter.Export(db, reader, TraceIdentity.OfFile(path));
            Assert.True(again.AlreadyPresent);
            Assert.Equal(1, again.TraceId);
            Assert.Equal(0, again.Events);
        }
        Assert.Equal(before, Counts(db));
        Assert.Equal(1L, before[0]);
    }

    [Fact]
    public void Two_traces_share_one_database_with_their_own_rows()
    {
        using var dir = new TempDir();
        var (mixed, db) = Export(dir, "mixed", 8, false);
        var (server, _) = Export(dir, "server", 4, true, db);
        using var connection = OpenRead(db);
        var traces = Rows(connection, "SELECT id, file_name, sockets, pointer_size FROM traces ORDER BY id");
        Assert.Equal(["1 mixed.etl 8", "2 server.etl 4"], traces.Select(t => $"{t["id"]} {t["file_name"]} {t["pointer_size"]}"));
        Assert.Equal(mixed.SocketCount, Scalar(connection, "SELECT count(*) FROM sockets WHERE trace_id = 1"));
        Assert.Equal(server.SocketCount, Scalar(connection, "SELECT count(*) FROM sockets WHERE trace_id = 2"));
        Assert.Equal(mixed.Findings.Count, Scalar(connection, "SELECT count(*) FROM findings WHERE trace_id = 1"));
        Assert.Equal(server.Findings.Count, Scalar(connection, "SELECT count(*) FROM findings WHERE trace_id = 2"));
        Assert.Equal(server.BytesReceived, Scalar(connection, "SELECT sum(bytes_received) FROM sockets WHERE trace_id = 2"));
        // Each trace numbers its own events and sockets from 1.
        Assert.Equal(2L, Scalar(connection, "SELECT count(*) FROM events WHERE sequence = 1"));
        Assert.Equal(2L, Scalar(connection, "SELECT count(*) FROM sockets WHERE socket_id = 1"));
        Assert.Equal(Scalar(connection, "SELECT winsock_events FROM traces WHERE id = 2"), Scalar(connection, "SELECT count(*) FROM events WHERE trace_id = 2"));
    }

    [Fact]
    public void An_import_that_fails_half_way_leaves_the_database_as_it_was()
    {
        using var dir = new TempDir();
        var (_, db) = Export(dir, "server", 8, false);
        var before = Counts(db);
        string second = Path.Combine(dir.Path, "mixed.etl");
        ScenarioSynthesizer.Write(second, new ScenarioOptions { Scenario = "mixed" });
        using (var connection = DatabaseExporter.Open(db))
        using (var trigger = connection.CreateCommand())
        {
            // A failure after some hundred rows, as a full disk would make one.
            trigger.CommandText = "CREATE TRIGGER fail AFTER INSERT ON event_rows WHEN NEW.sequence = 300 BEGIN SELECT RAISE(ABORT, 'disk full'); END";
            trigger.ExecuteNonQuery();
            using var reader = EtlReader.Open(second);
            var e = Assert.Throws<SqliteException>(() => DatabaseExporter.Export(connection, reader, TraceIdentity.OfFile(second)));
            Assert.Contains("disk full", e.Message);
        }
        Assert.Equal(before, Counts(db));
        using (var connection = DatabaseExporter.Open(db))
        using (var drop = connection.CreateCommand())
        {
            drop.CommandText = "DROP TRIGGER fail";
            drop.ExecuteNonQuery();
        }
        using (var reader = EtlReader.Open(second))
            Assert.False(DatabaseExporter.Export(db, reader, TraceIdentity.OfFile(second)).AlreadyPresent);
        Assert.Equal(before[0] + 1, Counts(db)[0]);
    }

    [Fact]
    public void A_database_that_fills_half_way_is_left_as_it_was()
    {
        using var dir = new TempDir();
        var (_, db) = Export(dir, "server", 8, false);
        var before = Counts(db);
        long pages;
        using (var connection = OpenRead(db)) pages = Scalar(connection, "PRAGMA page_count");
        string second = Path.Combine(dir.Path, "mixed.etl");
        ScenarioSynthesizer.Write(second, new ScenarioOptions { Scenario = "mixed" });
        using (var connection = DatabaseExporter.Open(db))
        {
            // Room for a few more pages only: SQLite fails as on a full disk (SQLITE_FULL) part of the way in.
            using (var limit = connection.CreateCommand())
            {
                limit.CommandText = $"PRAGMA max_page_count = {pages + 8}";
                limit.ExecuteNonQuery();
            }
            using var reader = EtlReader.Open(second);
            var e = Assert.Throws<SqliteException>(() => DatabaseExporter.Export(connection, reader, TraceIdentity.OfFile(second)));
            Assert.Equal(13, e.SqliteErrorCode);
        }
        Assert.Equal(before, Counts(db));
    }

    [Fact]
    public void A_cancelled_import_adds_nothing()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed" });
        string db = dir.File("out.db");
        using var reader = EtlReader.Open(path);
        Assert.Throws<OperationCanceledException>(() => DatabaseExporter.Export(db, reader, TraceIdentity.OfFile(path), new CancellationToken(true)));
        Assert.Equal([0L, 0L, 0L, 0L, 0L], Counts(db));
    }

    [Fact]
    public void A_database_of_something_else_is_refused_untouched()
    {
        using var dir = new TempDir();
        string db = dir.File("other.db");
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me')";
            create.ExecuteNonQuery();
        }
        var e = Assert.Throws<InvalidDataException>(() => DatabaseExporter.Open(db).Dispose());
        Assert.Contains("not a Sockscope database", e.Message);
        using var check = OpenRead(db);
        Assert.Equal(1L, Scalar(check, "SELECT count(*) FROM sqlite_schema"));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    internal static (ScenarioTruth Truth, string Database) Export(TempDir dir, string scenario, int pointerSize, bool compress, string? database = null,
        bool eventJson = false)
    {
        string path = dir.File(scenario + ".etl");
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions
        {
            Scenario = scenario, PointerSize = pointerSize, Compress = compress, Build = scenario == "legacy" ? 7601 : 26100,
        });
        database ??= dir.File("out.db");
        using var reader = EtlReader.Open(path);
        var result = DatabaseExporter.Export(database, reader, TraceIdentity.OfFile(path), null, eventJson);
        Assert.False(result.AlreadyPresent);
        Assert.Equal(truth.SocketCount, result.Sockets);
        return (truth, database);
    }

    internal static SqliteConnection OpenRead(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }

    internal static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    internal static List<Dictionary<string, object?>> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<Dictionary<string, object?>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, object?>();
            for (int i = 0; i < reader.FieldCount; i++) row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Rows in traces, events, sockets, findings and processes.</summary>
    internal static long[] Counts(string db)
    {
        if (!File.Exists(db)) return [0, 0, 0, 0, 0];
        using var connection = OpenRead(db);
        if (Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE name = 'traces'") == 0) return [0, 0, 0, 0, 0];
        return new[] { "traces", "events", "sockets", "findings", "processes" }.Select(t => Scalar(connection, $"SELECT count(*) FROM {t}")).ToArray();
    }

    private static string? Hex(ulong value) => value == 0 ? null : "0x" + value.ToString("X", CultureInfo.InvariantCulture);

    private static string? Iso(DateTime? t) => t?.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
}
