using Sockscope.Etl.Writing;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// A trace without Winsock events gets the same note from every command that looks for them: that it has none, the
/// providers it does hold with their counts, and how Winsock events are recorded. The exit code stays 0.
/// </summary>
public sealed class NoWinsockNoteTests : IDisposable
{
    private static readonly Guid KernelProcess = Guid.Parse("22fb2cd6-0e7b-422b-a0c7-2fad1fd0e716");
    private static readonly Guid MadeUp = Guid.Parse("0badc0de-1234-4321-8765-0123456789ab");
    private readonly TempDir _dir = new();
    private readonly string _trace;

    public NoWinsockNoteTests()
    {
        // 7 events of Microsoft-Windows-Kernel-Process and 3 of a provider no table names (and the writer's own header record).
        _trace = _dir.File("kernel-only.etl");
        using var w = EtlWriter.Create(_trace, new EtlWriterOptions { StartTime = new DateTime(2026, 6, 2, 4, 0, 0, DateTimeKind.Utc) });
        long t = 1_000_000_000;
        for (int i = 0; i < 10; i++)
            w.WriteEvent(0, new EventHeaderValues { ProviderId = i < 7 ? KernelProcess : MadeUp, Id = 1, ProcessId = 4, ThreadId = 8, Timestamp = t += 1000 }, new byte[8]);
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("sockets")]
    [InlineData("summary")]
    [InlineData("report", "-o", "{dir}/r.html")]
    [InlineData("export", "--sqlite", "{dir}/t.db")]
    [InlineData("dump")]
    public void Every_command_names_the_providers_the_trace_holds(string command, params string[] rest)
    {
        var result = CliRunner.Run([command, _trace, .. rest.Select(a => a.Replace("{dir}", _dir.Path))]);
        Assert.Equal(0, result.ExitCode);
        string note = $"sockscope: note: {_trace} holds no Winsock events (Microsoft-Windows-Winsock-AFD, -Sockets, -NameResolution); " +
            "its 11 records are of Microsoft-Windows-Kernel-Process (7), {0badc0de-1234-4321-8765-0123456789ab} (3), EventTrace (1)";
        if (command == "dump") note += "; --all shows every event";
        var lines = result.ErrorLines.Where(l => l.StartsWith("sockscope: note: ")).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Equal(note, lines[0]);
        Assert.Equal(["sockscope: note: to record Winsock events on Windows: logman start winsock -p Microsoft-Windows-Winsock-AFD 0xffffffffffffffff 0x5 -o winsock.etl -ets, " +
            "then 'logman stop winsock -ets' (README: \"Capturing Winsock events\")"], lines[1..]);
    }

    [Fact]
    public void An_input_read_once_is_not_read_again_for_the_note()
    {
        var result = CliRunner.RunWithInput(File.ReadAllBytes(_trace), "sockets", "-");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("sockscope: note: - holds no Winsock events (Microsoft-Windows-Winsock-AFD, -Sockets, -NameResolution); " +
            "its 11 records are of other providers ('sockscope info' lists them)", result.ErrorLines[0]);
    }

    [Fact]
    public void A_trace_with_winsock_events_gets_no_note()
    {
        string mixed = _dir.File("mixed.etl");
        Sockscope.Synthesis.ScenarioSynthesizer.Write(mixed, new Sockscope.Synthesis.ScenarioOptions { Scenario = "mixed" });
        Assert.Empty(CliRunner.Run("sockets", mixed).Error);
    }
}
