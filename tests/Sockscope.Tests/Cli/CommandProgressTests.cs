using Sockscope.Cli.Commands;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// Progress in every command that reads a whole trace, shown at once (no delay) through the console's "is a
/// terminal" flags: no real terminal and no timing.
/// </summary>
public sealed class CommandProgressTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _trace;

    public CommandProgressTests()
    {
        _trace = _dir.File("progress-trace.etl");
        ScenarioSynthesizer.Write(_trace, new ScenarioOptions { Scenario = "failures" });
    }

    public void Dispose() => _dir.Dispose();

    private (int Code, string Output, string Error) Run(bool errorIsTerminal, string? term, TextWriter? error, params string[] args)
    {
        using var output = new MemoryStream();
        error ??= new StringWriter();
        var console = new CliConsole(output, error, outputIsTerminal: false, errorIsTerminal: errorIsTerminal)
        {
            ProgressDelay = TimeSpan.Zero,
            GetEnvironmentVariable = name => name == "TERM" ? term : null,
        };
        int code = Sockscope.Cli.Commands.Cli.Run(args.Select(a => a.Replace("{trace}", _trace).Replace("{dir}", _dir.Path)).ToArray(), console);
        return (code, System.Text.Encoding.UTF8.GetString(output.ToArray()), error is TerminalRefusingEscapes r ? r.Written : error.ToString()!);
    }

    public static TheoryData<string[]> Commands => new()
    {
        new[] { "sockets", "{trace}" },
        new[] { "summary", "{trace}" },
        new[] { "report", "{trace}" },
        new[] { "export", "{trace}", "--sqlite", "{dir}/out.db" },
        new[] { "dump", "{trace}" },
        new[] { "info", "{trace}" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_reading_command_shows_a_bar_when_the_error_is_a_terminal(string[] args)
    {
        var (code, _, error) = Run(errorIsTerminal: true, term: "xterm-256color", error: null, args);
        Assert.Equal(0, code);
        // The bar is drawn with the file's name and escape codes (and cleared at the end).
        Assert.Contains("progress-trace.etl", error);
        Assert.Contains('\u001b', error);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Nothing_is_shown_when_the_error_is_piped(string[] args)
    {
        var (code, _, error) = Run(errorIsTerminal: false, term: "xterm-256color", error: null, args);
        Assert.Equal(0, code);
        Assert.DoesNotContain('\u001b', error);
        Assert.DoesNotContain("% read", error);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_dumb_terminal_gets_a_plain_line_and_no_escape_code(string[] args)
    {
        var (code, _, error) = Run(errorIsTerminal: true, term: "dumb", error: null, args);
        Assert.Equal(0, code);
        Assert.DoesNotContain('\u001b', error);
        Assert.Matches(@"^sockscope: progress-trace\.etl: \d+% read \(", error);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_bar_that_fails_to_draw_does_not_end_the_command(string[] args)
    {
        var (code, output, error) = Run(errorIsTerminal: true, term: "xterm-256color", error: new TerminalRefusingEscapes(), args);
        Assert.Equal(0, code);
        Assert.Contains("sockscope: note: the progress display stopped: IOException: escape codes refused", error);
        // The command's own work is whole: the same output as without a terminal.
        if (args[0] is not "export" and not "report")
            Assert.Equal(Run(errorIsTerminal: false, term: null, error: null, args).Output, output);
    }
}
