namespace Sockscope.Fuzz;

/// <summary>
/// Times the input running now for the hang check, counting only time in which this process ran: the watcher wakes
/// every <see cref="Slice"/>, and a wake-up far later than asked (the process was stopped, or starved by busier ones on
/// a loaded machine) counts as two slices, not as its whole gap. A long campaign at low priority, or one paused with
/// SIGSTOP, then reports no input as hung that was only waiting for a processor, while an input that really hangs is
/// still found after <see cref="FuzzSettings.HangAfter"/> of steady wake-ups.
/// </summary>
public sealed class HangWatch
{
    private readonly long _hangTicks;
    private readonly long _sliceTicks;
    private long _input;
    private long _counted;
    private long _last;

    /// <summary>A watch for inputs that run for <paramref name="hangAfter"/>, on a clock of <paramref name="frequency"/> ticks a second.</summary>
    public HangWatch(TimeSpan hangAfter, long frequency)
    {
        _hangTicks = Math.Max((long)(hangAfter.TotalSeconds * frequency), 1);
        // A second, or less for a short limit, so the limit is overshot by at most one slice.
        _sliceTicks = Math.Max(Math.Min(frequency, _hangTicks / 4), 1);
        Slice = TimeSpan.FromSeconds(_sliceTicks / (double)frequency);
    }

    /// <summary>How long the watcher waits between looks.</summary>
    public TimeSpan Slice { get; }

    /// <summary>
    /// Looks at the input running at <paramref name="now"/> (its number, 0 or less between inputs, and when it
    /// started); true when it has run for the limit.
    /// </summary>
    public bool Hung(long input, long startedAt, long now)
    {
        if (input <= 0)
        {
            _input = 0;
            return false;
        }
        if (input != _input)
        {
            // First seen now: it ran at most since it started, and at most one counted step before this look.
            _input = input;
            _counted = Math.Clamp(now - startedAt, 0, 2 * _sliceTicks);
        }
        else
        {
            _counted += Math.Clamp(now - _last, 0, 2 * _sliceTicks);
        }
        _last = now;
        return _counted >= _hangTicks;
    }
}
