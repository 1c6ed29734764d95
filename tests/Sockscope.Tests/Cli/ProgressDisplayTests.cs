using Microsoft.Extensions.Time.Testing;
using Sockscope.Cli.Commands;
using Sockscope.Cli.Output;

namespace Sockscope.Tests.Cli;

/// <summary>The progress bar, on a clock the test drives: nothing here depends on how fast the machine is.</summary>
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
        var console = new CliConsole(new MemoryStream(), error, outputTerminal, errorTerminal);
        var clock = new FakeTimeProvider();
        var progress = ProgressDisplay.Create(console, "trace.etl", 1000, toFile, time: clock);
        progress.Report(500);
        Assert.False(progress.Started);
        clock.Advance(ProgressDisplay.Delay);
        progress.Report(500);
        Assert.Equal(shown, progress.Started);
        // Ended at once: the bar, once started, has still been drawn with its label (and cleared again).
        progress.Report(1000);
        progress.Dispose();
        progress.Dispose();
        if (shown) Assert.Contains("trace.etl", error.ToString());
        else Assert.Equal("", error.ToString());
    }

    [Fact]
    public void Short_reads_show_nothing()
    {
        var error = new StringWriter();
        var console = new CliConsole(new MemoryStream(), error, outputIsTerminal: false, errorIsTerminal: true);
        var clock = new FakeTimeProvider();
        using (var progress = ProgressDisplay.Create(console, "trace.etl", 1000, toFile: false, time: clock))
        {
            progress.Report(500);
            clock.Advance(ProgressDisplay.Delay - TimeSpan.FromTicks(1));
            progress.Report(1000);
            Assert.False(progress.Started);
        }
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public void An_input_of_unknown_length_shows_the_bytes_read_and_no_percentage()
    {
        var error = new StringWriter();
        var console = new CliConsole(new MemoryStream(), error, outputIsTerminal: false, errorIsTerminal: true);
        var progress = ProgressDisplay.Create(console, "-", total: null, toFile: false, delay: TimeSpan.Zero);
        progress.Report(1_234_567);
        Assert.True(progress.Started);
        progress.Dispose();
        string drawn = error.ToString();
        Assert.Contains("1.2 MB", drawn);
        Assert.DoesNotContain("%", drawn);
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
