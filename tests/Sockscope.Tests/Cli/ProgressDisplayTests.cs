using Microsoft.Extensions.Time.Testing;
using Sockscope.Cli.Commands;
using Sockscope.Cli.Output;

namespace Sockscope.Tests.Cli;

/// <summary>The progress display, on a clock the test drives: nothing here depends on how fast the machine is.</summary>
public class ProgressDisplayTests
{
    [Theory]
    [InlineData(true, false, false, true)]   // output piped, error on a terminal: shown
    [InlineData(true, true, true, true)]     // output on a terminal but -o FILE: shown
    [InlineData(true, true, false, false)]   // output on the same terminal: would mix with it
    [InlineData(false, false, false, false)] // error piped: nothing
    [InlineData(false, false, true, false)]
    public void The_bar_appears_only_when_a_person_watches_the_error_alone(bool errorTerminal, bool outputTerminal, bool toFile, bool shown)
    {
        var error = new StringWriter();
        var console = new CliConsole(new MemoryStream(), error, outputTerminal, errorTerminal) { GetEnvironmentVariable = _ => null };
        var clock = new FakeTimeProvider();
        long read = 500;
        var progress = ProgressDisplay.Create(console, "trace.etl", 1000, toFile, () => read, time: clock);
        Assert.False(progress.Started);
        clock.Advance(ProgressDisplay.Delay);
        Assert.Equal(shown, progress.Started);
        // Ended at once: the bar, once started, has still been drawn with its label (and cleared again).
        read = 1000;
        progress.Dispose();
        progress.Dispose();
        if (shown) Assert.Contains("trace.etl", error.ToString());
        else Assert.Equal("", error.ToString());
    }

    [Fact]
    public void Short_reads_show_nothing()
    {
        var error = new StringWriter();
        var console = new CliConsole(new MemoryStream(), error, outputIsTerminal: false, errorIsTerminal: true) { GetEnvironmentVariable = _ => null };
        var clock = new FakeTimeProvider();
        using (var progress = ProgressDisplay.Create(console, "trace.etl", 1000, toFile: false, () => 500, time: clock))
        {
            clock.Advance(ProgressDisplay.Delay - TimeSpan.FromTicks(1));
            Assert.False(progress.Started);
        }
        // The timer is gone with the display: the clock moving on starts nothing.
        clock.Advance(ProgressDisplay.Delay);
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public void An_input_of_unknown_length_shows_the_bytes_read_and_no_percentage()
    {
        var error = new StringWriter();
        var console = new CliConsole(new MemoryStream(), error, outputIsTerminal: false, errorIsTerminal: true) { GetEnvironmentVariable = _ => null };
        var progress = ProgressDisplay.Create(console, "-", total: null, toFile: false, () => 1_234_567, delay: TimeSpan.Zero);
        Assert.True(progress.Started);
        progress.Dispose();
        string drawn = error.ToString();
        Assert.Contains("1.2 MB", drawn);
        Assert.DoesNotContain("%", drawn);
    }

    [Theory]
    [InlineData("TERM", "dumb")]
    [InlineData("NO_COLOR", "1")]
    public void A_terminal_without_escape_codes_gets_plain_lines(string variable, string value)
    {
        var error = new StringWriter();
        var console = new CliConsole(new MemoryStream(), error, outputIsTerminal: false, errorIsTerminal: true)
        {
            GetEnvironmentVariable = name => name == variable ? value : null,
        };
        var progress = ProgressDisplay.Create(console, "trace.etl", 200_000_000, toFile: false, () => 84_000_000, delay: TimeSpan.Zero);
        progress.Dispose();
        Assert.Equal("sockscope: trace.etl: 42% read (84.0 MB of 200.0 MB)" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void A_drawing_thread_that_throws_stops_the_display_and_says_so()
    {
        var error = new TerminalRefusingEscapes();
        var console = new CliConsole(new MemoryStream(), error, outputIsTerminal: false, errorIsTerminal: true) { GetEnvironmentVariable = _ => null };
        var progress = ProgressDisplay.Create(console, "trace.etl", 1000, toFile: false, () => 500, delay: TimeSpan.Zero);
        progress.Dispose();
        Assert.IsType<IOException>(progress.Failure);
        Assert.Equal("sockscope: note: the progress display stopped: IOException: escape codes refused", error.Written.Trim());
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(999, "999 B")]
    [InlineData(1_000, "1.0 KB")]
    [InlineData(1_234_567, "1.2 MB")]
    [InlineData(5_000_000_000, "5.0 GB")]
    public void Bytes_read_are_shown_in_the_largest_unit_that_fits(double bytes, string shown) =>
        Assert.Equal(shown, BytesReadColumn.Format(bytes));
}

/// <summary>A standard error whose every write with an escape code fails, as a terminal that cannot take them might.</summary>
internal sealed class TerminalRefusingEscapes : TextWriter
{
    private readonly System.Text.StringBuilder _written = new();

    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

    public string Written
    {
        get { lock (_written) return _written.ToString(); }
    }

    public override void Write(char value) => Write(value.ToString());

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(string? value)
    {
        if (value is null) return;
        if (value.Contains('\u001b')) throw new IOException("escape codes refused");
        lock (_written) _written.Append(value);
    }

    public override void WriteLine(string? value) => Write(value + NewLine);
}
