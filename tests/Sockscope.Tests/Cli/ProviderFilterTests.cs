using System.Text.Json;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// dump's --provider takes every name catalog takes, and a filter that cannot select anything (a provider no one
/// knows, an empty time range) is an error, not an empty output with exit code 0.
/// </summary>
public sealed class ProviderFilterTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _trace;

    public ProviderFilterTests()
    {
        // The shipped sample is this scenario (samples/winsock-mixed.etl, written by synth --scenario mixed).
        _trace = _dir.File("mixed.etl");
        ScenarioSynthesizer.Write(_trace, new ScenarioOptions { Scenario = "mixed" });
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("Microsoft-Windows-Winsock-AFD", "afd")]
    [InlineData("Microsoft-Windows-Winsock-AFD", "AFD")]
    [InlineData("Microsoft-Windows-Winsock-AFD", "Winsock-AFD")]
    [InlineData("Microsoft-Windows-Winsock-AFD", "{e53c6823-7bb8-44bb-90dc-3f86090d48a6}")]
    [InlineData("Microsoft-Windows-Winsock-Sockets", "sockets")]
    [InlineData("Microsoft-Windows-Winsock-NameResolution", "nameresolution")]
    [InlineData("Microsoft-Windows-Winsock-NameResolution", "nameres")]
    public void A_short_name_selects_the_same_events_as_the_full_name(string fullName, string shortName)
    {
        var full = CliRunner.Run("dump", _trace, "--provider", fullName);
        var named = CliRunner.Run("dump", _trace, "--provider", shortName);
        Assert.Equal(0, full.ExitCode);
        Assert.Equal(0, named.ExitCode);
        Assert.Empty(named.Error);
        Assert.NotEmpty(full.OutputLines);
        Assert.All(full.OutputLines, line =>
            Assert.Equal(fullName, JsonDocument.Parse(line).RootElement.GetProperty("system").GetProperty("provider").GetString()));
        Assert.Equal(full.Output, named.Output);
    }

    [Fact]
    public void The_short_names_split_the_winsock_events_between_them()
    {
        int all = CliRunner.Run("dump", _trace).OutputLines.Length;
        int sum = new[] { "afd", "sockets", "nameres" }.Sum(p => CliRunner.Run("dump", _trace, "--provider", p).OutputLines.Length);
        Assert.True(all > 100, $"{all} Winsock events");
        Assert.Equal(all, sum);
    }

    [Theory]
    [InlineData("nosuch")]
    [InlineData("nosuch", "--all")]
    public void An_unknown_provider_is_exit_2_with_the_names_accepted(params string[] args)
    {
        string output = _dir.File("out.jsonl");
        var result = CliRunner.Run(["dump", _trace, "--provider", .. args, "-o", output]);
        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("sockscope: error: --provider nosuch: ", line);
        Assert.Contains("afd, sockets, nameresolution (or nameres), ws2help", line);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void An_unknown_provider_with_all_lists_the_providers_the_trace_holds()
    {
        var result = CliRunner.Run("dump", _trace, "--all", "--provider", "nosuch");
        Assert.Equal(2, result.ExitCode);
        Assert.Matches(@"its [\d,]+ records are of Microsoft-Windows-Winsock-AFD \([\d,]+\), ", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void A_provider_outside_the_winsock_ones_needs_all()
    {
        var result = CliRunner.Run("dump", _trace, "--provider", "Microsoft-Windows-TCPIP");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("sockscope: error: --provider Microsoft-Windows-TCPIP: Microsoft-Windows-TCPIP is not one of the Winsock providers dump shows by default; add --all",
            Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("+2", "+1")]
    [InlineData("+1", "+1")]
    [InlineData("2026-06-02T04:00:05Z", "+1", "2026-06-02T04:00:05.0000000Z")]
    public void An_empty_time_range_is_exit_2(string from, string to, string? fromShown = null)
    {
        var result = CliRunner.Run("dump", _trace, "--from", from, "--to", to);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Equal($"sockscope: error: --from {fromShown ?? from} is not before --to {to}: no record can be in that time range", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Filters_that_match_nothing_say_so()
    {
        var result = CliRunner.Run("dump", _trace, "--event-id", "9999");
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Matches(@"^sockscope: note: .*: no record matches --event-id 9999 \(of [\d,]+ Winsock records\)$", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Sockets_of_a_process_that_has_none_say_so()
    {
        var result = CliRunner.Run("sockets", _trace, "--pid", "99999");
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Equal($"sockscope: note: {_trace}: no socket of process 99999 (of 33 sockets)", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Limit_0_writes_nothing_and_says_nothing()
    {
        var result = CliRunner.Run("dump", _trace, "--limit", "0");
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Empty(result.Error);
    }
}
