using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Sockscope.Synthesis;
using Sockscope.Tests.Database;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// Inputs read once, front to back: <c>-</c> (the standard input), a named pipe, <c>/dev/stdin</c>. Every command
/// that reads gives from them what it gives from the same bytes in a file.
/// </summary>
public sealed class StreamInputTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly TempDir _dir = new();
    private readonly string _etl, _jsonl;

    public StreamInputTests()
    {
        _etl = _dir.File("mixed.etl");
        _jsonl = _dir.File("mixed.jsonl");
        ScenarioSynthesizer.Write(_etl, new ScenarioOptions { Scenario = "mixed" });
        Assert.Equal(0, CliRunner.Run("dump", _etl, "-o", _jsonl).ExitCode);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A command line reading <paramref name="input"/>: the output to the standard output.</summary>
    public static IEnumerable<object[]> Commands() =>
        new[] { "sockets", "summary --json", "dump", "dump --all -f csv", "report" }.Select(c => new object[] { c });

    private static string[] Line(string command, string input) => [.. command.Split(' ').Take(1), input, .. command.Split(' ').Skip(1)];

    /// <summary>What the file gives, with its name written as <paramref name="name"/> (summary and report name their input).</summary>
    private CliRunner.Result FromFile(string command, string file, string name)
    {
        var result = CliRunner.Run(Line(command, file));
        Assert.Equal(0, result.ExitCode);
        return result with { OutputBytes = System.Text.Encoding.UTF8.GetBytes(result.Output.Replace(file, name)) };
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Json_lines_on_the_standard_input_give_what_the_file_gives(string command) => AssertStandardInputGivesTheFiles(_jsonl, command);

    [UnixTheory]
    [MemberData(nameof(Commands))]
    public void Json_lines_through_a_named_pipe_give_what_the_file_gives(string command) => AssertNamedPipeGivesTheFiles(_jsonl, command);

    private void AssertStandardInputGivesTheFiles(string path, string command)
    {
        var expected = FromFile(command, path, "-");
        var piped = CliRunner.RunWithInput(File.ReadAllBytes(path), Line(command, "-"));
        AssertNothingSaid(command, piped);
        Assert.Equal(0, piped.ExitCode);
        Assert.True(expected.OutputBytes.Length > 1000);
        Assert.Equal(expected.Output, piped.Output);
    }

    /// <summary>No note or warning: report alone says what it wrote.</summary>
    private static void AssertNothingSaid(string command, CliRunner.Result result)
    {
        if (command == "report") Assert.StartsWith("sockscope: wrote standard output: ", Assert.Single(result.ErrorLines));
        else Assert.Equal("", result.Error);
    }

    private void AssertNamedPipeGivesTheFiles(string path, string command)
    {
        using var fifo = new Fifo(_dir.File(Path.GetFileName(path) + ".pipe"), File.ReadAllBytes(path));
        var expected = FromFile(command, path, fifo.Path);
        var piped = fifo.ReadWith(() => CliRunner.Run(Line(command, fifo.Path)), Patience);
        AssertNothingSaid(command, piped);
        Assert.Equal(0, piped.ExitCode);
        Assert.Equal(expected.Output, piped.Output);
        Assert.True(fifo.WroteAll(Patience), "the reader stopped before the writer's last byte");
    }

    [Fact]
    public void Export_hashes_the_standard_input_as_it_reads_and_adds_a_trace_once()
    {
        byte[] bytes = File.ReadAllBytes(_jsonl);
        string fresh = _dir.File("fresh.db");
        var first = CliRunner.RunWithInput(bytes, "export", "-", "--sqlite", fresh);
        Assert.Equal(0, first.ExitCode);
        Assert.StartsWith($"sockscope: exported - to {fresh} as trace 1: 582 events, 33 sockets, ", Assert.Single(first.ErrorLines));
        using (var connection = new SqliteConnection($"Data Source={fresh};Pooling=False"))
        {
            connection.Open();
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT sha256 || ' ' || file_name || ' ' || file_size FROM traces";
            Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(bytes))} - {bytes.Length}", query.ExecuteScalar());
        }

        // The same bytes from a file, then from the pipe again: the trace is there, nothing is added.
        var again = CliRunner.RunWithInput(bytes, "export", "-", "--sqlite", fresh);
        Assert.Equal(0, again.ExitCode);
        Assert.Matches(@"^sockscope: -: already in .*fresh\.db as trace 1 \(same SHA-256 [0-9a-f]{16}…\); nothing added$", Assert.Single(again.ErrorLines));
        var file = CliRunner.Run("export", _jsonl, "--sqlite", fresh);
        Assert.Contains("already in", Assert.Single(file.ErrorLines));
        Assert.Equal([1L, 582L, 33L, 20L, 9L], DatabaseExportTests.Counts(fresh));
    }

    [Fact]
    public void Info_says_json_lines_are_no_etl_file()
    {
        var result = CliRunner.RunWithInput(File.ReadAllBytes(_jsonl), "info", "-");
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Equal("sockscope: error: -: JSON lines of events (the catalog's format, as sockscope dump writes it), not an ETL file: " +
            "info describes ETL files; summary, sockets and dump read these", Assert.Single(result.ErrorLines));
    }

    [UnixFact]
    public void A_process_reads_json_lines_piped_to_dev_stdin_and_to_the_dash()
    {
        string expected = CliRunner.Run("sockets", _jsonl).Output;
        foreach (string input in new[] { "/dev/stdin", "-" })
        {
            var (code, output, error) = RunProcess(File.ReadAllBytes(_jsonl), "sockets", input);
            Assert.Equal("", error);
            Assert.Equal(0, code);
            Assert.Equal(expected, output);
        }
    }

    // ETL read once, through EtlReader.Open(Stream, name, options).

    public static IEnumerable<object[]> EtlCommands() =>
        new[] { "info --json", "dump", "dump --all -f csv", "sockets", "summary --json", "report" }.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(EtlCommands))]
    public void An_etl_file_on_the_standard_input_gives_what_the_file_gives(string command) => AssertStandardInputGivesTheFiles(_etl, command);

    [UnixTheory]
    [MemberData(nameof(EtlCommands))]
    public void An_etl_file_through_a_named_pipe_gives_what_the_file_gives(string command) => AssertNamedPipeGivesTheFiles(_etl, command);

    [Fact]
    public void Export_of_an_etl_file_on_the_standard_input_finds_the_file_exported_before()
    {
        byte[] bytes = File.ReadAllBytes(_etl);
        string db = _dir.File("etl.db");
        Assert.Equal(0, CliRunner.Run("export", _etl, "--sqlite", db).ExitCode);
        var piped = CliRunner.RunWithInput(bytes, "export", "-", "--sqlite", db);
        Assert.Equal(0, piped.ExitCode);
        Assert.Contains("already in", Assert.Single(piped.ErrorLines));
        string other = _dir.File("other.db");
        Assert.Equal(0, CliRunner.RunWithInput(bytes, "export", "-", "--sqlite", other).ExitCode);
        Assert.Equal(DatabaseExportTests.Counts(db), DatabaseExportTests.Counts(other));
    }

    [UnixFact]
    public void A_process_reads_an_etl_file_piped_to_dev_stdin_and_to_the_dash()
    {
        string expected = CliRunner.Run("sockets", _etl).Output;
        foreach (string input in new[] { "/dev/stdin", "-" })
        {
            var (code, output, error) = RunProcess(File.ReadAllBytes(_etl), "sockets", input);
            Assert.Equal("", error);
            Assert.Equal(0, code);
            Assert.Equal(expected, output);
        }
    }

    /// <summary>Runs the built command (beside the tests) in a process of its own, with <paramref name="input"/> piped to it.</summary>
    private static (int Code, string Output, string Error) RunProcess(byte[] input, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sockscope.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using (var stdin = process.StandardInput.BaseStream)
        {
            try
            {
                stdin.Write(input);
            }
            catch (IOException)
            {
                // The command stopped reading: what it said is in its output and error.
            }
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
