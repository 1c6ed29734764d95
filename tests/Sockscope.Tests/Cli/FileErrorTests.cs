using System.Text.Json;
using Sockscope.Etl;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// Files that cannot be read give one line and exit 2; damage inside a file gives the output, then warnings and
/// exit 1.
/// </summary>
public sealed class FileErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sockscope-errors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string BadInput(string kind)
    {
        string path = Path.Combine(_dir, kind + ".etl");
        switch (kind)
        {
            case "empty": File.WriteAllBytes(path, []); break;
            case "text": File.WriteAllText(path, string.Concat(Enumerable.Repeat("This is not a trace, only some text.\n", 200))); break;
            case "directory": Directory.CreateDirectory(path); break;
            case "missing": break;
        }
        return path;
    }

    [Theory]
    [InlineData("info", "empty", "the file is empty")]
    [InlineData("info", "text", "not an ETL file")]
    [InlineData("info", "directory", "is a directory")]
    [InlineData("info", "missing", "no such file")]
    [InlineData("dump", "empty", "the file is empty")]
    [InlineData("dump", "text", "not an ETL file")]
    [InlineData("dump", "directory", "is a directory")]
    [InlineData("dump", "missing", "no such file")]
    public void Unreadable_files_give_one_error_line_and_exit_2(string command, string kind, string what)
    {
        string path = BadInput(kind);
        var result = CliRunner.Run(command, path);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"sockscope: error: {path}: ", line);
        Assert.Contains(what, line);
        Assert.DoesNotContain(" at ", line);
    }

    [Theory]
    [InlineData("info", "text")]
    [InlineData("dump", "missing")]
    public void Verbose_adds_the_stack_trace(string command, string kind)
    {
        string path = BadInput(kind);
        var result = CliRunner.Run(command, path, "--verbose");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"sockscope: error: {path}: ", result.ErrorLines[0]);
        Assert.True(result.ErrorLines.Length > 2, result.Error);
        Assert.Contains(result.ErrorLines, l => l.TrimStart().StartsWith("at Sockscope.Etl.EtlReader.Open") || l.TrimStart().StartsWith("at "));
    }

    [Fact]
    public void An_output_file_that_cannot_be_created_is_an_error_naming_it()
    {
        string output = Path.Combine(_dir, "no", "such", "dir", "out.jsonl");
        var result = CliRunner.Run("dump", ShippedSample.Path, "--all", "-o", output);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"sockscope: error: {output}: ", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void The_input_is_never_overwritten_by_the_output()
    {
        string copy = Path.Combine(_dir, "copy.etl");
        File.Copy(ShippedSample.Path, copy);
        var result = CliRunner.Run("dump", copy, "--all", "-o", copy);
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.Equal(File.ReadAllBytes(ShippedSample.Path), File.ReadAllBytes(copy));
    }

    /// <summary>A copy of a kernel trace with the first record header of <paramref name="buffers"/> buffers overwritten.</summary>
    private string Damaged(int buffers, out long records, out long problems)
    {
        string path = Path.Combine(_dir, $"damaged{buffers}.etl");
        var bytes = File.ReadAllBytes(SharedSamples.PathOf("airbus_ShutdownPerfDiagLogger.etl"));
        uint bufferSize;
        using (var reader = EtlReader.Open(SharedSamples.PathOf("airbus_ShutdownPerfDiagLogger.etl"))) bufferSize = reader.Header.BufferSize;
        Assert.Equal(0, bytes.Length % bufferSize);
        for (int i = 1; i <= buffers; i++) bytes.AsSpan((int)(i * bufferSize) + 0x48, 8).Fill(0xEE);
        File.WriteAllBytes(path, bytes);
        using (var reader = EtlReader.Open(path))
        {
            records = 0;
            while (reader.TryRead(out _)) records++;
            problems = reader.Diagnostics.ProblemCount;
        }
        return path;
    }

    [SharedSamplesFact]
    public void Damage_is_reported_after_the_output_and_exits_1()
    {
        string path = Damaged(3, out long records, out long problems);
        Assert.Equal(3, problems);
        Assert.True(records < 17_078);
        var result = CliRunner.Run("dump", path, "--all", "-f", "csv");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(records + 1, result.OutputLines.Length);
        var lines = result.ErrorLines;
        Assert.Equal(4, lines.Length);
        Assert.All(lines[..3], l => Assert.Matches($@"^sockscope: warning: {System.Text.RegularExpressions.Regex.Escape(path)}: offset \d+ \(0x[0-9A-F]+\): ", l));
        Assert.Contains("3 damaged buffer(s)", lines[3]);

        var info = CliRunner.Run("info", path, "--json");
        Assert.Equal(1, info.ExitCode);
        using var doc = JsonDocument.Parse(info.Output);
        Assert.Equal(records, doc.RootElement.GetProperty("records").GetInt64());
        Assert.Equal(3, doc.RootElement.GetProperty("problems").GetArrayLength());
        Assert.Equal(3, doc.RootElement.GetProperty("damaged_buffers").GetInt64());
        Assert.True(doc.RootElement.GetProperty("bytes_skipped").GetInt64() > 0);
        Assert.Equal("BadRecord", doc.RootElement.GetProperty("problems")[0].GetProperty("kind").GetString());
    }

    [SharedSamplesFact]
    public void At_most_20_problems_are_listed_unless_verbose()
    {
        string path = Damaged(25, out _, out long problems);
        Assert.Equal(25, problems);
        var result = CliRunner.Run("info", path, "--json");
        Assert.Equal(1, result.ExitCode);
        var lines = result.ErrorLines;
        Assert.Equal(22, lines.Length);
        Assert.Equal($"sockscope: warning: {path}: … and 5 more", lines[20]);
        var verbose = CliRunner.Run("info", path, "--json", "--verbose");
        // Every problem and the line with what was lost, no "and more".
        Assert.Equal(26, verbose.ErrorLines.Length);
        Assert.DoesNotContain(verbose.ErrorLines, l => l.Contains("more"));
    }

    [Fact]
    public void A_clean_read_writes_nothing_to_the_error()
    {
        var result = CliRunner.Run("dump", ShippedSample.Path, "--all", "-f", "table");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        Assert.Equal(1 + ShippedSample.Records, result.OutputLines.Length);
    }
}
