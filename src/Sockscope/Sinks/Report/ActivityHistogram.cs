namespace Sockscope.Sinks.Report;

/// <summary>
/// Sockets opened and closed, bytes each way and failures per time bucket, over a trace whose length is not known
/// until its end: a fixed number of buckets whose width doubles (neighbours merged) whenever a time falls past the
/// last one. Memory is the buckets only, whatever the trace.
/// </summary>
internal sealed class ActivityHistogram
{
    private readonly DateTime _origin;
    private readonly long[] _opened, _closed, _sent, _received, _failures;
    private long _width;
    private int _used;

    /// <summary>Creates a histogram of <paramref name="buckets"/> buckets from <paramref name="origin"/>, each first <paramref name="initialWidth"/> wide.</summary>
    public ActivityHistogram(DateTime origin, int buckets, TimeSpan? initialWidth = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        _origin = origin;
        _width = Math.Max(1, (initialWidth ?? TimeSpan.FromMilliseconds(1)).Ticks);
        _opened = new long[buckets];
        _closed = new long[buckets];
        _sent = new long[buckets];
        _received = new long[buckets];
        _failures = new long[buckets];
    }

    /// <summary>When bucket 0 starts.</summary>
    public DateTime Origin => _origin;
    /// <summary>The width of every bucket.</summary>
    public TimeSpan Width => TimeSpan.FromTicks(_width);
    /// <summary>Buckets up to the last one with anything in it (or up to <see cref="Extend"/>'s time).</summary>
    public int Count => _used;
    /// <summary>Sockets opened per bucket.</summary>
    public ReadOnlySpan<long> Opened => _opened.AsSpan(0, _used);
    /// <summary>Sockets closed per bucket.</summary>
    public ReadOnlySpan<long> Closed => _closed.AsSpan(0, _used);
    /// <summary>Bytes sent per bucket (at the time of the operation that moved them).</summary>
    public ReadOnlySpan<long> Sent => _sent.AsSpan(0, _used);
    /// <summary>Bytes received per bucket.</summary>
    public ReadOnlySpan<long> Received => _received.AsSpan(0, _used);
    /// <summary>Failures (findings that are not notices) per bucket.</summary>
    public ReadOnlySpan<long> Failures => _failures.AsSpan(0, _used);

    /// <summary>Counts a socket opened at <paramref name="time"/>.</summary>
    public void AddOpened(DateTime time) => _opened[Index(time)]++;
    /// <summary>Counts a socket closed at <paramref name="time"/>.</summary>
    public void AddClosed(DateTime time) => _closed[Index(time)]++;
    /// <summary>Counts a failure at <paramref name="time"/>.</summary>
    public void AddFailure(DateTime time) => _failures[Index(time)]++;

    /// <summary>Adds bytes moved at <paramref name="time"/>.</summary>
    public void AddBytes(DateTime time, long sent, long received)
    {
        if (sent == 0 && received == 0) return;
        int i = Index(time);
        _sent[i] += sent;
        _received[i] += received;
    }

    /// <summary>Makes the buckets reach <paramref name="time"/> (the trace's end), empty or not.</summary>
    public void Extend(DateTime time) => Index(time);

    private int Index(DateTime time)
    {
        long offset = (time - _origin).Ticks;
        if (offset < 0) offset = 0; // before the session start (a clock step): the first bucket
        int count = _opened.Length;
        while (offset / _width >= count && _width <= long.MaxValue / 2 / count) Widen();
        int i = (int)Math.Min(offset / _width, count - 1);
        if (i >= _used) _used = i + 1;
        return i;
    }

    private void Widen()
    {
        foreach (var a in (long[][])[_opened, _closed, _sent, _received, _failures])
        {
            for (int i = 0; i < a.Length; i++)
            {
                long v = a[i];
                a[i] = 0;
                a[i / 2] += v;
            }
        }
        _width *= 2;
        _used = (_used + 1) / 2;
    }
}
