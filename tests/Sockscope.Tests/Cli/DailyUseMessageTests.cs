using System.Text.RegularExpressions;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// Messages that tell the whole story: a directory is named so by every command, report says what it wrote, and the
/// summary's table of failures says how many it leaves out.
/// </summary>
public sealed class DailyUseMessageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Mixed()
    {
        string path = _dir.File("mixed.etl");
        if (!File.Exists(path)) ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed" });
        return path;
    }

    // {d}: a directory; {t}: a trace.
    [Theory]
    [InlineData("info {d}")]
    [InlineData("dump {d}")]
    [InlineData("sockets {d}")]
    [InlineData("summary {d}")]
    [InlineData("report {d}")]
    [InlineData("export {d} --sqlite {dir}/x.db")]
    [InlineData("dump {t} --manifest {d}")]
    [InlineData("dump {t} -o {d}")]
    [InlineData("sockets {t} -o {d}")]
    [InlineData("report {t} -o {d}")]
    [InlineData("catalog -o {d}")]
    [InlineData("synth -s mixed -o {d}")]
    [InlineData("export {t} --sqlite {d}")]
    public void A_directory_is_the_same_message_for_every_command(string commandLine)
    {
        string directory = Directory.CreateDirectory(_dir.File("folder")).FullName;
        string[] args = commandLine.Split(' ').Select(a => a.Replace("{dir}", _dir.Path).Replace("{d}", directory).Replace("{t}", a == "{t}" ? Mixed() : "")).ToArray();
        var result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"sockscope: error: {directory}: is a directory", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Report_says_what_it_wrote()
    {
        string html = _dir.File("report.html");
        var result = CliRunner.Run("report", Mixed(), "-o", html);
        Assert.Equal(0, result.ExitCode);
        var match = Regex.Match(Assert.Single(result.ErrorLines), @"^sockscope: wrote (.+): (\d+) sockets, (\d+) failures, (\d+) notices, ([\d,]+) bytes in \d+\.\d s$");
        Assert.True(match.Success, result.Error);
        Assert.Equal(html, match.Groups[1].Value);
        var summary = System.Text.Json.JsonDocument.Parse(CliRunner.Run("summary", Mixed(), "--json").Output).RootElement;
        Assert.Equal(summary.GetProperty("sockets").GetInt64(), long.Parse(match.Groups[2].Value));
        Assert.Equal(summary.GetProperty("failures").GetInt64(), long.Parse(match.Groups[3].Value));
        Assert.Equal(summary.GetProperty("notices").GetInt64(), long.Parse(match.Groups[4].Value));
        Assert.Equal(new FileInfo(html).Length, long.Parse(match.Groups[5].Value.Replace(",", "")));
    }

    [Fact]
    public void Summary_says_how_many_more_failures_its_table_leaves_out()
    {
        string trace = _dir.File("many.etl");
        // 10 notices, then 80 aborts (failures): the table lists 50 of them.
        ManyFindingsTrace.Write(trace, notices: 10, aborts: 80);
        var result = CliRunner.Run("summary", trace);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("… and 30 more failures: --json lists them all", result.OutputLines);
    }

    [Fact]
    public void Summary_says_nothing_more_when_its_table_lists_every_failure()
    {
        string trace = _dir.File("few.etl");
        ManyFindingsTrace.Write(trace, notices: 10, aborts: 50);
        var result = CliRunner.Run("summary", trace);
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain(result.OutputLines, l => l.Contains("more failures"));
    }
}
