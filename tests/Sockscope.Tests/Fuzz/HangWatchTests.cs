using Sockscope.Fuzz;

namespace Sockscope.Tests.Fuzz;

/// <summary>The fuzzer's hang check counts only time in which the process ran, on a clock the tests drive.</summary>
public class HangWatchTests
{
    private const long Second = 1000;

    [Fact]
    public void An_input_that_keeps_running_is_hung_after_the_limit_of_steady_looks()
    {
        var watch = new HangWatch(TimeSpan.FromSeconds(30), Second);
        Assert.Equal(TimeSpan.FromSeconds(1), watch.Slice);
        long start = 5 * Second;
        // Looked at every second from 1 s after it started: hung at the look 30 s after its start, not before.
        for (long t = start + Second; t < start + 30 * Second; t += Second)
            Assert.False(watch.Hung(7, start, t), $"hung at {t - start} ms");
        Assert.True(watch.Hung(7, start, start + 30 * Second));
    }

    [Fact]
    public void A_pause_of_the_process_counts_as_two_slices_not_as_its_gap()
    {
        var watch = new HangWatch(TimeSpan.FromSeconds(30), Second);
        long start = 0;
        Assert.False(watch.Hung(3, start, Second));
        // Stopped (SIGSTOP, or starved by busier processes) for ten minutes: counted as 2 s, so 3 s in all.
        Assert.False(watch.Hung(3, start, 601 * Second));
        for (long t = 602 * Second; t < 628 * Second; t += Second)
            Assert.False(watch.Hung(3, start, t), $"hung at {t} ms");
        // 3 s + 27 steady seconds.
        Assert.True(watch.Hung(3, start, 628 * Second));
    }

    [Fact]
    public void Each_new_input_starts_from_zero_and_an_old_start_counts_at_most_two_slices()
    {
        var watch = new HangWatch(TimeSpan.FromSeconds(30), Second);
        for (long t = Second; t <= 29 * Second; t += Second) Assert.False(watch.Hung(1, 0, t));
        // The next input, first seen 29.5 s after the last one started: its own 0.5 s, not the 29 s before.
        Assert.False(watch.Hung(2, 29 * Second, 29 * Second + 500));
        // Between inputs nothing is timed.
        Assert.False(watch.Hung(0, 0, 100 * Second));
        // An input first seen long after its start (the process was stopped meanwhile) starts at two slices.
        Assert.False(watch.Hung(4, 100 * Second, 200 * Second));
        for (long t = 201 * Second; t < 228 * Second; t += Second) Assert.False(watch.Hung(4, 100 * Second, t));
        Assert.True(watch.Hung(4, 100 * Second, 228 * Second));
    }

    [Fact]
    public void A_short_limit_is_looked_at_four_times()
    {
        var watch = new HangWatch(TimeSpan.FromMilliseconds(400), Second);
        Assert.Equal(TimeSpan.FromMilliseconds(100), watch.Slice);
        Assert.False(watch.Hung(1, 0, 100));
        Assert.False(watch.Hung(1, 0, 200));
        Assert.False(watch.Hung(1, 0, 300));
        Assert.True(watch.Hung(1, 0, 400));
    }
}
