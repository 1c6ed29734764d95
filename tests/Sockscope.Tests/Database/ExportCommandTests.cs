using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Sockscope.Synthesis;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Database;

/// <summary><c>sockscope export FILE --sqlite OUT.db</c>: what it says, its exit codes, and the files it will not touch.</summary>
public class ExportCommandTests
{
    [Fact]
    public void Exports_once_then_says_the_trace_is_already_there()
    {
        using var dir = new TempDir();
        string trace = Synth(dir);
        string db = dir.File("out.db");
        var first = CliRunner.Run("export", trace, "--sqlite", db);
        Assert.Equal(0, first.ExitCode);
        Assert.Empty(first.OutputBytes);
        var line = Assert.Single(first.ErrorLines);
        Assert.StartsWith($"sockscope: exported {trace} to {db} as trace 1: 582 events, 33 sockets, 21 findings, 10 processes in ", line);

        var second = CliRunner.Run("export", trace, "--sqlite", db);
        Assert.Equal(0, second.ExitCode);
        Assert.Matches(@"^sockscope: .*mixed\.etl: already in .*out\.db as trace 1 \(same SHA-256 [0-9a-f]{16}…\); nothing added$", Assert.Single(second.ErrorLines));
        Assert.Equal([1L, 582L, 33L, 21L, 10L], DatabaseExportTests.Counts(db));
    }

    [Fact]
    public void A_missing_input_is_exit_2_naming_it()
    {
        using var dir = new TempDir();
        string missing = dir.File("missing.etl");
        var r = CliRunner.Run("export", missing, "--sqlite", dir.File("out.db"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"sockscope: error: {missing}: no such file", Assert.Single(r.ErrorLines));
        Assert.False(File.Exists(dir.File("out.db")));
    }

    [Fact]
    public void The_input_is_never_the_output()
    {
        using var dir = new TempDir();
        string trace = Synth(dir);
        byte[] hash = SHA256.HashData(File.ReadAllBytes(trace));
        var r = CliRunner.Run("export", trace, "--sqlite", trace);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"sockscope: error: {trace}: is the input file; it will not be overwritten", Assert.Single(r.ErrorLines));
        Assert.Equal(hash, SHA256.HashData(File.ReadAllBytes(trace)));
    }

    [Fact]
    public void An_output_that_is_no_database_is_exit_2_naming_it_and_left_alone()
    {
        using var dir = new TempDir();
        string trace = Synth(dir);
        string notes = dir.File("notes.txt");
        File.WriteAllText(notes, "these are notes, not a database, and they are long enough to have a header's worth of bytes in them.\n");
        byte[] before = File.ReadAllBytes(notes);
        var r = CliRunner.Run("export", trace, "--sqlite", notes);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"sockscope: error: {notes}: file is not a database", Assert.Single(r.ErrorLines));
        Assert.Equal(before, File.ReadAllBytes(notes));
    }

    [Fact]
    public void An_output_in_a_missing_folder_is_exit_2_naming_it()
    {
        using var dir = new TempDir();
        string trace = Synth(dir);
        string db = Path.Combine(dir.Path, "no", "such", "out.db");
        var r = CliRunner.Run("export", trace, "--sqlite", db);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"sockscope: error: {db}: unable to open database file", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public void A_file_that_is_no_trace_is_exit_2_and_creates_no_database()
    {
        using var dir = new TempDir();
        string text = dir.File("text.etl");
        File.WriteAllText(text, "not a trace");
        var r = CliRunner.Run("export", text, "--sqlite", dir.File("out.db"));
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"sockscope: error: {text}: ", Assert.Single(r.ErrorLines));
        Assert.False(File.Exists(dir.File("out.db")));
    }

    [Fact]
    public void A_database_that_fails_half_way_is_one_line_exit_2_and_left_as_it_was()
    {
        using var dir = new TempDir();
        string first = dir.File("server.etl");
        ScenarioSynthesizer.Write(first, new ScenarioOptions { Scenario = "server" });
        string db = dir.File("out.db");
        Assert.Equal(0, CliRunner.Run("export", first, "--sqlite", db).ExitCode);
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var trigger = connection.CreateCommand();
            // The second trace's 300th event fails, as a full disk would make a write fail part of the way in.
            trigger.CommandText = "CREATE TRIGGER full AFTER INSERT ON event_rows WHEN NEW.trace_id = 2 AND NEW.sequence = 300 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END";
            trigger.ExecuteNonQuery();
        }
        var before = DatabaseExportTests.Counts(db);
        var r = CliRunner.Run("export", Synth(dir), "--sqlite", db);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"sockscope: error: {db}: database or disk is full", Assert.Single(r.ErrorLines));
        Assert.Equal(before, DatabaseExportTests.Counts(db));
    }

    [Fact]
    public void The_database_option_is_required()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("export", Synth(dir));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--sqlite", r.Error);
    }

    private static string Synth(TempDir dir)
    {
        string path = dir.File("mixed.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed" });
        return path;
    }
}
