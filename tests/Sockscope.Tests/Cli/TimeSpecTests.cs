using Sockscope.Cli.Commands;

namespace Sockscope.Tests.Cli;

public class TimeSpecTests
{
    [Theory]
    [InlineData("2016-01-21T22:39:45.5Z", "2016-01-21T22:39:45.5000000Z")]
    [InlineData("2016-01-21T22:39:45.5", "2016-01-21T22:39:45.5000000Z")]
    [InlineData("2016-01-21T23:39:45.5+01:00", "2016-01-21T22:39:45.5000000Z")]
    [InlineData("2016-01-21 22:39:45", "2016-01-21T22:39:45.0000000Z")]
    [InlineData("2016-01-21", "2016-01-21T00:00:00.0000000Z")]
    public void Absolute_times_are_utc_unless_they_say_otherwise(string text, string utc)
    {
        Assert.True(TimeSpec.TryParse(text, out var time));
        Assert.Null(time.Seconds);
        Assert.Equal(utc, time.Utc!.Value.ToString("O"));
        Assert.Equal(DateTimeKind.Utc, time.Utc.Value.Kind);
    }

    [Theory]
    [InlineData("+0", 0)]
    [InlineData("+1.25", 1.25)]
    [InlineData("+3600", 3600)]
    public void Plus_seconds_are_relative_to_the_trace_start(string text, double seconds)
    {
        Assert.True(TimeSpec.TryParse(text, out var time));
        Assert.Null(time.Utc);
        Assert.Equal(seconds, time.Seconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12:00")]
    [InlineData("5")]
    [InlineData("+")]
    [InlineData("+-1")]
    [InlineData("+1e400")]
    [InlineData("yesterday")]
    [InlineData("2016-13-45T00:00:00")]
    public void Anything_else_is_refused(string text) => Assert.False(TimeSpec.TryParse(text, out _));
}
