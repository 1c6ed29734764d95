using System.Text;
using Sockscope.Synthesis;
using Sockscope.Tests.Sinks.Report;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary><c>sockscope report</c>: the page to a file or the standard output, the caps as options, and files that cannot be used.</summary>
public sealed class ReportCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Trace(string scenario = "failures")
    {
        string path = _dir.File(scenario + ".etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = scenario });
        return path;
    }

    [Fact]
    public void The_report_goes_to_the_output_file_and_nothing_to_the_standard_output()
    {
        string trace = Trace(), html = _dir.File("report.html");
        var result = CliRunner.Run("report", trace, "-o", html);
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.StartsWith($"sockscope: wrote {html}: ", Assert.Single(result.ErrorLines));
        string page = File.ReadAllText(html);
        Assert.StartsWith("<!DOCTYPE html>", page);
        using var data = ReportTraces.Data(page);
        Assert.Equal(trace, data.RootElement.GetProperty("overview").GetProperty("file").GetString());
        Assert.True(data.RootElement.GetProperty("sockets").GetArrayLength() > 3);
    }

    [Fact]
    public void Without_an_output_file_the_page_goes_to_the_standard_output_with_the_caps_given()
    {
        var result = CliRunner.Run("report", Trace(), "--max-sockets", "2", "--events-per-socket", "1", "--max-events", "1");
        Assert.Equal(0, result.ExitCode);
        using var data = ReportTraces.Data(Encoding.UTF8.GetString(result.OutputBytes));
        var sockets = data.RootElement.GetProperty("sockets").EnumerateArray().ToList();
        Assert.Equal(2, sockets.Count);
        Assert.Equal(1, sockets.Sum(s => s.GetProperty("events").ValueKind == System.Text.Json.JsonValueKind.Null ? 0 : s.GetProperty("events").GetArrayLength()));
    }

    [Theory]
    [InlineData("--max-sockets", "0")]
    [InlineData("--events-per-socket", "-3")]
    [InlineData("--max-events", "-1")]
    public void A_cap_out_of_range_is_a_usage_error(string option, string value)
    {
        var result = CliRunner.Run("report", Trace(), option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Contains(option, result.Error);
    }

    [Fact]
    public void The_input_is_never_overwritten()
    {
        string trace = Trace();
        var before = File.ReadAllBytes(trace);
        var result = CliRunner.Run("report", trace, "-o", trace);
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.Equal($"sockscope: error: {trace}: is the input file; it will not be overwritten", line);
        Assert.Equal(before, File.ReadAllBytes(trace));
    }

    [Theory]
    [InlineData("missing", "no such file")]
    [InlineData("text", "not an ETL file")]
    public void An_unreadable_trace_gives_one_line_and_exit_2(string kind, string what)
    {
        string path = _dir.File(kind + ".etl"), html = _dir.File("out.html");
        if (kind == "text") File.WriteAllText(path, string.Concat(Enumerable.Repeat("no trace here\n", 400)));
        var result = CliRunner.Run("report", path, "-o", html);
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"sockscope: error: {path}: ", line);
        Assert.Contains(what, line);
        Assert.False(File.Exists(html));
    }

    [Fact]
    public void An_output_that_cannot_be_created_names_the_output()
    {
        string html = _dir.File("no/such/folder/report.html");
        var result = CliRunner.Run("report", Trace(), "-o", html);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"sockscope: error: {html}: ", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void A_damaged_trace_gives_the_report_then_the_warnings_and_exit_1()
    {
        string trace = Trace("mixed"), html = _dir.File("damaged.html");
        var bytes = File.ReadAllBytes(trace);
        new Random(5).NextBytes(bytes.AsSpan(64 * 1024 + 8, 2000));
        File.WriteAllBytes(trace, bytes);
        var result = CliRunner.Run("report", trace, "-o", html);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"sockscope: wrote {html}: ", result.ErrorLines[0]);
        Assert.All(result.ErrorLines[1..], l => Assert.StartsWith("sockscope: warning: ", l));
        Assert.Contains(result.ErrorLines, l => l.Contains(trace));
        using var data = ReportTraces.Data(File.ReadAllText(html));
        Assert.True(data.RootElement.GetProperty("overview").GetProperty("problem_count").GetInt64() > 0);
    }
}
