using System.Text.Json;
using System.Text.RegularExpressions;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// summary lists failures first and counts notices apart: the notices ("FIONBIO set to 1") are listed only with
/// --notices, after every failure; remotes show the host name the process resolved.
/// </summary>
public sealed class SummaryFailuresFirstTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _trace;
    private readonly ScenarioTruth _truth;

    public SummaryFailuresFirstTests()
    {
        _trace = _dir.File("mixed.etl");
        _truth = ScenarioSynthesizer.Write(_trace, new ScenarioOptions { Scenario = "mixed" });
    }

    public void Dispose() => _dir.Dispose();

    private long TruthNotices => _truth.Findings.Count(f => f.Severity == Sockscope.Analysis.FindingSeverity.Info);
    private long TruthFailures => _truth.Findings.Count - TruthNotices;

    [Fact]
    public void The_view_counts_notices_apart_and_lists_only_failures()
    {
        var run = CliRunner.Run("summary", _trace);
        Assert.Equal(0, run.ExitCode);
        string text = run.Output;
        Assert.Equal((15, 6), (TruthFailures, TruthNotices));
        Assert.Contains($"; {TruthFailures} failures, {TruthNotices} notices", Regex.Replace(text, @"\s+", " "));
        Assert.DoesNotContain("option_changed │", text);
        Assert.DoesNotContain("set to", text);
        Assert.Contains($"{TruthNotices} notices (option_changed {TruthNotices}); --notices lists them", text);
        Assert.Contains("192.0.2.53:53 (dns1.example.net)", text);
        Assert.Contains("203.0.113.10:443 (www.example.com)", text);
    }

    [Fact]
    public void With_notices_they_come_after_every_failure()
    {
        var run = CliRunner.Run("summary", _trace, "--notices");
        Assert.Equal(0, run.ExitCode);
        var kinds = Regex.Matches(run.Output, @"^│ \d\d:\d\d:\d\d\.\d{3} │ (\w+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(TruthFailures + TruthNotices, kinds.Count);
        int firstNotice = kinds.IndexOf("option_changed");
        Assert.Equal(TruthFailures, firstNotice);
        Assert.All(kinds[firstNotice..], k => Assert.Equal("option_changed", k));
    }

    [Fact]
    public void Json_has_failures_and_notices_apart()
    {
        using var doc = JsonDocument.Parse(CliRunner.Run("summary", _trace, "--json").Output);
        var root = doc.RootElement;
        Assert.Equal(TruthFailures, root.GetProperty("failures").GetInt64());
        Assert.Equal(TruthNotices, root.GetProperty("notices").GetInt64());
        Assert.Equal(TruthNotices, root.GetProperty("notices_by_kind").GetProperty("option_changed").GetInt64());
        Assert.False(root.GetProperty("failures_by_kind").TryGetProperty("option_changed", out _));
        var findings = root.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(TruthFailures, findings.Count);
        Assert.All(findings, f => Assert.NotEqual("info", f.GetProperty("severity").GetString()));
        var lookup = Assert.Single(findings, f => f.GetProperty("kind").GetString() == "name_resolution_failed");
        Assert.Equal("missing.example.com", lookup.GetProperty("remote_name").GetString());
        var chrome = Assert.Single(root.GetProperty("processes").EnumerateArray(), p => p.GetProperty("process").GetString() == "chrome.exe");
        Assert.Equal((0, 3), (chrome.GetProperty("failures").GetInt64(), chrome.GetProperty("notices").GetInt64()));
        var resolver = Assert.Single(root.GetProperty("remote_endpoints").EnumerateArray(), r => r.GetProperty("remote").GetString() == "192.0.2.53:53");
        Assert.Equal(("dns1.example.net", 3, 150, 250), (resolver.GetProperty("remote_name").GetString(), resolver.GetProperty("sockets").GetInt64(),
            resolver.GetProperty("bytes_sent").GetInt64(), resolver.GetProperty("bytes_received").GetInt64()));

        using var all = JsonDocument.Parse(CliRunner.Run("summary", _trace, "--json", "--notices").Output);
        var listed = all.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("severity").GetString()).ToList();
        Assert.Equal(_truth.Findings.Count, listed.Count);
        Assert.Equal(listed.Count - TruthNotices, listed.IndexOf("info"));
        Assert.True(all.RootElement.GetProperty("notices_listed").GetBoolean());
    }

    [Fact]
    public void Sockets_json_and_csv_carry_the_remote_name()
    {
        var lines = CliRunner.Run("sockets", _trace).OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var chrome = Assert.Single(lines, s => s.GetProperty("remote").GetString() == "203.0.113.10:443");
        Assert.Equal("www.example.com", chrome.GetProperty("remote_name").GetString());
        var nslookup = Assert.Single(lines, s => s.GetProperty("process").GetString() == "nslookup.exe" && s.GetProperty("family").GetString() == "IPv4");
        Assert.Equal(["dns1.example.net", null], nslookup.GetProperty("peer_names").EnumerateArray().Select(n => n.ValueKind == JsonValueKind.Null ? null : n.GetString()));

        var csv = CliRunner.Run("sockets", _trace, "--format", "csv").OutputLines;
        var header = csv[0].TrimEnd('\r').Split(',');
        int remote = Array.IndexOf(header, "remote"), name = Array.IndexOf(header, "remote_name");
        Assert.Equal(remote + 1, name);
        var row = Assert.Single(csv.Skip(1), l => l.Split(',')[remote] == "203.0.113.10:443").Split(',');
        Assert.Equal("www.example.com", row[name]);
    }
}
