namespace Sockscope.Etl;

/// <summary>
/// Converts raw event time stamps to UTC for the session's clock, in integer arithmetic so that no tick is lost to
/// rounding however long the trace.
/// </summary>
public sealed class EtlClock
{
    private const long TicksPerSecond = 10_000_000;
    /// <summary>DateTime ticks of the FILETIME epoch (1601-01-01).</summary>
    private const long FileTimeEpochTicks = 504_911_232_000_000_000;

    private readonly long _startFileTime;
    private readonly long _startStamp;
    private readonly long _frequency;

    /// <summary>The clock type.</summary>
    public ClockType Type { get; }

    /// <summary>Ticks of the raw clock per second.</summary>
    public long Frequency => _frequency;

    /// <summary>
    /// Creates a clock. <paramref name="startFileTime"/> (UTC FILETIME) is the instant of <paramref name="startStamp"/>
    /// (the raw time stamp of the logfile-header record).
    /// </summary>
    internal EtlClock(ClockType type, long startFileTime, long startStamp, long perfFreq, uint cpuSpeedMHz)
    {
        Type = type;
        _startFileTime = startFileTime;
        _startStamp = startStamp;
        _frequency = type switch
        {
            ClockType.SystemTime => TicksPerSecond,
            ClockType.CpuCycleCounter => cpuSpeedMHz > 0 ? cpuSpeedMHz * 1_000_000L : TicksPerSecond,
            _ => perfFreq > 0 ? perfFreq : TicksPerSecond,
        };
    }

    /// <summary>The event's time as a UTC FILETIME (100 ns units since 1601).</summary>
    public long ToFileTime(long stamp)
    {
        if (Type == ClockType.SystemTime) return stamp;
        long delta = stamp - _startStamp;
        // floor(delta * 10^7 / f) without overflow: split into whole seconds and the remainder.
        long seconds = Math.DivRem(delta, _frequency, out long rest);
        return _startFileTime + seconds * TicksPerSecond + rest * TicksPerSecond / _frequency;
    }

    /// <summary>The event's time in UTC. Out-of-range stamps clamp to the DateTime range.</summary>
    public DateTime ToUtc(long stamp) => FromFileTime(ToFileTime(stamp));

    /// <summary>A FILETIME as UTC DateTime, clamped to the representable range.</summary>
    public static DateTime FromFileTime(long fileTime)
    {
        long ticks = fileTime > DateTime.MaxValue.Ticks - FileTimeEpochTicks ? DateTime.MaxValue.Ticks
            : fileTime < -FileTimeEpochTicks ? 0 : fileTime + FileTimeEpochTicks;
        return new DateTime(ticks, DateTimeKind.Utc);
    }

    /// <summary>The FILETIME of a UTC DateTime.</summary>
    public static long ToFileTime(DateTime utc) => utc.ToUniversalTime().Ticks - FileTimeEpochTicks;

    /// <summary>
    /// The smallest raw stamp whose time is at or after <paramref name="fileTime"/>: a record's time is ≥ the
    /// instant exactly when its stamp is ≥ this, so time filters can compare raw stamps.
    /// </summary>
    public long ToStamp(long fileTime)
    {
        if (Type == ClockType.SystemTime) return fileTime;
        long delta = fileTime - _startFileTime;
        long seconds = Math.DivRem(delta, TicksPerSecond, out long rest);
        long scaled = rest * _frequency;
        long part = scaled / TicksPerSecond;
        if (part * TicksPerSecond < scaled) part++; // ceiling
        return _startStamp + seconds * _frequency + part;
    }
}
