using System.Globalization;
using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;
using Sockscope.Etl;
using Sockscope.Sinks.Database;
using Sockscope.Sinks.Parquet;
using Sockscope.Synthesis;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;
using static Sockscope.Tests.Database.DatabaseExportTests;

namespace Sockscope.Tests.Parquet;

/// <summary>
/// <c>sockscope export FILE --parquet DIR</c>: read back by DuckDB (its own Parquet reader, not Parquet.Net), every
/// table holds the SQLite export's rows, value by value; a directory with files is refused, and a failed export
/// publishes no file.
/// </summary>
public class ParquetExportTests
{
    private static readonly string[] Tables = ["traces", "events", "sockets", "findings", "processes"];


    [Theory]
    [InlineData("mixed", 8, false)]
    [InlineData("server", 4, true)]
    public void DuckDB_reads_every_table_with_the_rows_of_the_SQLite_export(string scenario, int pointerSize, bool compress)
    {
        using var dir = new TempDir();
        var (truth, db) = Export(dir, scenario, pointerSize, compress, eventJson: true);
        string trace = dir.File(scenario + ".etl");
        string parquet = dir.File("parquet");
        var r = CliRunner.Run("export", trace, "--parquet", parquet, "--event-json");
        Assert.Equal(0, r.ExitCode);
        using var sqlite = OpenRead(db);
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"sockscope: exported {trace} to {parquet}: {Scalar(sqlite, "SELECT count(*) FROM events"):N0} events, {truth.SocketCount} sockets"),
            Assert.Single(r.ErrorLines));
        Assert.Equal(Tables.Select(t => t + ".parquet").Order(), Directory.GetFiles(parquet).Select(Path.GetFileName).Order());

        using var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        foreach (var table in Tables)
        {
            string file = Path.Combine(parquet, table + ".parquet");
            var sqliteColumns = Rows(sqlite, $"SELECT name FROM pragma_table_xinfo('{table}')").Select(c => (string)c["name"]!).ToList();
            var types = DuckRows(duck, $"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{file}'))")
                .ToDictionary(c => (string)c[0]!, c => (string)c[1]!);
            // Every SQLite column but the trace's id (one trace a directory) and the provider's code (the name is there).
            var expectedColumns = sqliteColumns.Where(c => c is not "trace_id" and not "provider_code" && !(table == "traces" && c == "id")).ToList();
            Assert.Equal(expectedColumns, types.Keys.ToList());
            foreach (var (column, type) in types)
            {
                string expected = column is "listening" or "aborted" ? "BOOLEAN" : null!;
                if (expected is not null) Assert.Equal(expected, type);
                else Assert.True(type is "BIGINT" or "VARCHAR", $"{table}.{column}: {type}");
            }

            string key = table switch { "traces" => "sha256", "processes" => "process_id", "sockets" => "socket_id", _ => "sequence" };
            var columns = expectedColumns.Where(c => c != "imported_at").ToList();
            // Each value under a name of its own: no expression may read another's alias.
            var fromSqlite = Rows(sqlite, $"SELECT {string.Join(", ", columns.Select((c, i) => $"{SqliteValue(c)} AS c{i}"))} FROM {table} ORDER BY {key}")
                .Select(row => row.Values.Select(Canonical).ToArray()).ToList();
            var fromDuck = DuckRows(duck, $"SELECT {string.Join(", ", columns.Select((c, i) => $"{DuckValue(c, types[c])} AS c{i}"))} FROM read_parquet('{file}') ORDER BY {key}")
                .Select(row => row.Select(Canonical).ToArray()).ToList();
            Assert.Equal(fromSqlite.Count, fromDuck.Count);
            Assert.True(fromSqlite.Count > 0 || table == "findings", table);
            for (int i = 0; i < fromSqlite.Count; i++)
                for (int c = 0; c < columns.Count; c++)
                    Assert.True(fromSqlite[i][c] == fromDuck[i][c], $"{scenario} {table} row {i + 1} {columns[c]}: SQLite {fromSqlite[i][c]}, Parquet {fromDuck[i][c]}");
        }
        // The text times read as the instants of their integers, to the microsecond DuckDB keeps.
        Assert.Equal(0L, Convert.ToInt64(DuckRows(duck,
            $"SELECT count(*) FROM read_parquet('{Path.Combine(parquet, "events.parquet")}') WHERE epoch_us(CAST(time AS TIMESTAMPTZ)) != time_ns // 1000")[0][0], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_directory_with_files_is_refused_and_left_as_it_was()
    {
        using var dir = new TempDir();
        string trace = Synth(dir);
        string parquet = dir.File("out");
        Directory.CreateDirectory(parquet);
        File.WriteAllText(Path.Combine(parquet, "events.parquet"), "mine");
        var r = CliRunner.Run("export", trace, "--parquet", parquet);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"sockscope: error: {parquet}: is not empty (it holds events.parquet); the Parquet export writes into a new or empty directory and replaces nothing",
            Assert.Single(r.ErrorLines));
        Assert.Equal(["events.parquet"], Directory.GetFileSystemEntries(parquet).Select(Path.GetFileName));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(parquet, "events.parquet")));
    }

    [Fact]
    public void A_file_for_a_directory_is_refused()
    {
        using var dir = new TempDir();
        string trace = Synth(dir);
        string file = dir.File("out");
        File.WriteAllText(file, "mine");
        var r = CliRunner.Run("export", trace, "--parquet", file);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"sockscope: error: {file}: is a file, not a directory", Assert.Single(r.ErrorLines));
        Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    public void Export_needs_one_output_and_only_one()
    {
        using var dir = new TempDir();
        string trace = Synth(dir);
        foreach (var args in new[] { new[] { "export", trace }, ["export", trace, "--sqlite", dir.File("a.db"), "--parquet", dir.File("p")] })
        {
            var r = CliRunner.Run(args);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("export needs one of --sqlite OUT.db and --parquet DIR", r.Error);
        }
        Assert.False(File.Exists(dir.File("a.db")));
        Assert.False(Directory.Exists(dir.File("p")));
    }

    [Fact]
    public void An_export_that_fails_at_its_end_publishes_no_file_and_leaves_none_of_its_own()
    {
        using var dir = new TempDir();
        string trace = Synth(dir);
        string parquet = dir.File("out");
        using (var reader = EtlReader.Open(trace))
        {
            // Every table written, its footer not: the last moment a failure can come before the files are named.
            var e = Assert.Throws<IOException>(() => ParquetExporter.Export(parquet, reader, () => throw new IOException("read failed"), eventJson: false));
            Assert.Equal("read failed", e.Message);
        }
        Assert.Empty(Directory.GetFileSystemEntries(parquet));

        using (var reader = EtlReader.Open(trace))
        {
            var result = ParquetExporter.Export(parquet, reader, () => TraceIdentity.OfFile(trace), eventJson: false, rowGroupRows: 100);
            Assert.Equal(582, result.Events);
        }
        Assert.Equal(Tables.Select(t => t + ".parquet").Order(), Directory.GetFileSystemEntries(parquet).Select(Path.GetFileName).Order());
        // Row groups of 100 events: the events of 582 in six, read back whole.
        using var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        string events = Path.Combine(parquet, "events.parquet");
        Assert.Equal(6L, Convert.ToInt64(DuckRows(duck, $"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{events}')")[0][0], CultureInfo.InvariantCulture));
        Assert.Equal("582 582 1", string.Join(' ', DuckRows(duck, $"SELECT count(*), max(sequence), min(sequence) FROM read_parquet('{events}')")[0]));
    }

    [Fact]
    public void Row_groups_of_a_few_rows_hold_the_rows_of_one_whole_row_group()
    {
        // Each row group is written on another thread while the next fills, from buffers that trade places and keep
        // the text copied into them: rows of 7 at a time (events, sockets, findings, processes) must come out as the
        // same rows as in one row group, value for value, the events' JSON and times included.
        using var dir = new TempDir();
        string trace = Synth(dir);
        string small = dir.File("small"), whole = dir.File("whole");
        using (var reader = EtlReader.Open(trace))
            ParquetExporter.Export(small, reader, () => TraceIdentity.OfFile(trace), eventJson: true, rowGroupRows: 7);
        using (var reader = EtlReader.Open(trace))
            ParquetExporter.Export(whole, reader, () => TraceIdentity.OfFile(trace), eventJson: true);
        using var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        foreach (var (table, rows, groups) in new[] { ("events", 582L, 84L), ("sockets", 0, 0), ("findings", 0, 0), ("processes", 0, 0) })
        {
            string a = Path.Combine(small, table + ".parquet"), b = Path.Combine(whole, table + ".parquet");
            long count = Convert.ToInt64(DuckRows(duck, $"SELECT count(*) FROM read_parquet('{b}')")[0][0], CultureInfo.InvariantCulture);
            if (rows > 0) Assert.Equal(rows, count);
            Assert.True(count > 7 || table == "findings", $"{table}: {count} rows");
            if (count > 0)
                Assert.Equal(groups > 0 ? groups : (count + 6) / 7, Convert.ToInt64(DuckRows(duck, $"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{a}')")[0][0], CultureInfo.InvariantCulture));
            foreach (var (x, y) in new[] { (a, b), (b, a) })
                Assert.Equal(0L, Convert.ToInt64(DuckRows(duck,
                    $"SELECT count(*) FROM (SELECT * FROM read_parquet('{x}') EXCEPT ALL SELECT * FROM read_parquet('{y}'))")[0][0], CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void An_interrupted_export_leaves_temporary_files_a_new_export_replaces()
    {
        using var dir = new TempDir();
        string trace = Synth(dir);
        string parquet = dir.File("out");
        Directory.CreateDirectory(parquet);
        // What a killed export leaves: a partial file under its temporary name, which no reader takes for a table.
        File.WriteAllText(Path.Combine(parquet, ".events.parquet.partial"), "half");
        var r = CliRunner.Run("export", trace, "--parquet", parquet);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Tables.Select(t => t + ".parquet").Order(), Directory.GetFileSystemEntries(parquet).Select(Path.GetFileName).Order());
    }

    private static string SqliteValue(string column) => column;

    private static string DuckValue(string column, string type) => type == "BOOLEAN" ? $"CAST({column} AS BIGINT)" : column;

    private static string? Canonical(object? value) => value switch
    {
        null or DBNull => null,
        string s => "s:" + s,
        _ => "n:" + Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
    };

    private static List<object?[]> DuckRows(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static string Synth(TempDir dir)
    {
        string path = dir.File("mixed.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed" });
        return path;
    }
}
