using System.Globalization;
using Sockscope.Etl;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary>
/// A time given on the command line: an ISO 8601 instant (UTC when it has no offset) or <c>+SECONDS</c> after the
/// trace start. Relative times need the trace, so the text is parsed first and turned into a raw stamp once the file
/// is open (<see cref="ToStamp"/>).
/// </summary>
internal readonly record struct TimeSpec
{
    private TimeSpec(DateTime? utc, double? seconds)
    {
        Utc = utc;
        Seconds = seconds;
    }

    /// <summary>The absolute instant, or null for a relative time.</summary>
    public DateTime? Utc { get; }
    /// <summary>Seconds after the trace start, or null for an absolute time.</summary>
    public double? Seconds { get; }

    /// <summary>Reads <c>+SECONDS</c> or an ISO 8601 date and time.</summary>
    public static bool TryParse(string text, out TimeSpec time)
    {
        time = default;
        text = text.Trim();
        if (text.StartsWith('+'))
        {
            if (!double.TryParse(text.AsSpan(1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s) ||
                !double.IsFinite(s))
                return false;
            time = new TimeSpec(null, s);
            return true;
        }
        // A date is required: a bare number or time of day would silently mean "today".
        if (text.Length < 10 || !char.IsAsciiDigit(text[0]) || text[4] != '-') return false;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            return false;
        time = new TimeSpec(parsed.UtcDateTime, null);
        return true;
    }

    /// <summary>The raw stamp of this time in the trace's clock.</summary>
    public long ToStamp(IEventSource reader)
    {
        // An ETL file's start is its session's; JSON lines start at their first event.
        long start = reader is EtlReader etl ? etl.Header.StartTime : reader.Clock.ToFileTime(reader.StartStamp);
        long fileTime = Seconds is { } s
            ? start + (long)Math.Clamp(s * TimeSpan.TicksPerSecond, 0, TenYears)
            : EtlClock.ToFileTime(Utc!.Value);
        // Stamps of tick clocks grow by up to ~10^10 a second: beyond a few decades of the start they overflow. No
        // event lies that far away, so clamping changes no comparison.
        if (reader.Clock.Type != ClockType.SystemTime) fileTime = Math.Clamp(fileTime, start - TenYears, start + TenYears);
        return reader.Clock.ToStamp(fileTime);
    }

    private const long TenYears = 10L * 366 * 24 * 3600 * TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override string ToString() => Seconds is { } s ? $"+{s.ToString(CultureInfo.InvariantCulture)}" : Utc!.Value.ToString("O");
}
