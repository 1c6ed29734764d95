namespace Sockscope.Sinks;

/// <summary>
/// The time zone times are shown in (<c>--time utc|local</c>): UTC, or a zone such as the machine's. The zone's offset
/// is looked up once per minute of trace time, since a trace is read in time order and offsets change on the minute at
/// the finest; a row then costs an addition.
/// </summary>
internal sealed class DisplayZone
{
    private readonly TimeZoneInfo _zone;
    private long _minute = long.MinValue;
    private TimeSpan _offset;

    /// <summary>Times shown in <paramref name="zone"/>.</summary>
    /// <param name="zone">The zone; UTC when null.</param>
    public DisplayZone(TimeZoneInfo? zone)
    {
        _zone = zone ?? TimeZoneInfo.Utc;
        IsUtc = _zone == TimeZoneInfo.Utc || (_zone.BaseUtcOffset == TimeSpan.Zero && !_zone.SupportsDaylightSavingTime);
    }

    /// <summary>True when times are shown in UTC.</summary>
    public bool IsUtc { get; }

    /// <summary>How a header names the zone: "UTC" or "local".</summary>
    public string Label => IsUtc ? "UTC" : "local";

    /// <summary>The zone's offset from UTC at <paramref name="utc"/>.</summary>
    public TimeSpan OffsetAt(DateTime utc)
    {
        if (IsUtc) return TimeSpan.Zero;
        long minute = utc.Ticks / TimeSpan.TicksPerMinute;
        if (minute != _minute)
        {
            _offset = _zone.GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
            _minute = minute;
        }
        return _offset;
    }

    /// <summary>The wall-clock time in the zone at <paramref name="utc"/> (unchanged at the ends of the calendar).</summary>
    public DateTime ToZone(DateTime utc) => ToZone(utc, OffsetAt(utc));

    private static DateTime ToZone(DateTime utc, TimeSpan offset)
    {
        long ticks = utc.Ticks + offset.Ticks;
        return ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks ? utc : new DateTime(ticks, DateTimeKind.Unspecified);
    }

    /// <summary>"Z" for UTC, else the offset as "+01:00" or "-05:30"; returns the bytes written.</summary>
    public static int FormatOffset(TimeSpan offset, bool utc, Span<byte> destination)
    {
        if (utc)
        {
            destination[0] = (byte)'Z';
            return 1;
        }
        int minutes = (int)offset.TotalMinutes;
        destination[0] = minutes < 0 ? (byte)'-' : (byte)'+';
        minutes = Math.Abs(minutes);
        destination[1] = (byte)('0' + minutes / 600);
        destination[2] = (byte)('0' + minutes / 60 % 10);
        destination[3] = (byte)':';
        destination[4] = (byte)('0' + minutes % 60 / 10);
        destination[5] = (byte)('0' + minutes % 10);
        return 6;
    }

    /// <summary>ISO 8601 with 7 fractional digits, in the zone: "Z" for UTC, else its offset; null for null.</summary>
    public string? Iso(DateTime? utc)
    {
        if (utc is not { } t) return null;
        if (IsUtc) return t.ToString("yyyy-MM-ddTHH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var offset = OffsetAt(t);
        Span<byte> suffix = stackalloc byte[6];
        FormatOffset(offset, false, suffix);
        return ToZone(t, offset).ToString("yyyy-MM-ddTHH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture)
            + System.Text.Encoding.ASCII.GetString(suffix);
    }
}
