namespace Sockscope.Sources;

/// <summary>
/// The one strict ISO 8601 form collectors write ("2026-06-02T04:00:00.000+00:00", "…T04:00:00.0000813Z"), read by
/// hand. Anything else (other separators, spaces, leap seconds, more than 7 digits of fraction, an offset beyond
/// ±14 h, a time outside years 1–9999) is declined, for <see cref="DateTimeOffset.TryParse(ReadOnlySpan{char}, IFormatProvider?, System.Globalization.DateTimeStyles, out DateTimeOffset)"/>
/// to judge, so every time reads as that parser reads it.
/// </summary>
internal static class IsoTime
{
    /// <summary>The UTC ticks of <paramref name="s"/> in the strict form; false when it is not in it.</summary>
    public static bool TryUtcTicks(ReadOnlySpan<char> s, out long utcTicks)
    {
        utcTicks = 0;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
        if (!Digits(s, 0, 4, out int year) || !Digits(s, 5, 2, out int month) || !Digits(s, 8, 2, out int day)
            || !Digits(s, 11, 2, out int hour) || !Digits(s, 14, 2, out int minute) || !Digits(s, 17, 2, out int second)) return false;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return false;
        int at = 19;
        long fraction = 0;
        if (s[at] == '.')
        {
            int digits = 0;
            for (at++; at < s.Length && char.IsAsciiDigit(s[at]); at++, digits++)
            {
                if (digits == 7) return false;
                fraction = fraction * 10 + (s[at] - '0');
            }
            if (digits == 0) return false;
            for (; digits < 7; digits++) fraction *= 10;
        }
        long offset;
        var zone = s[at..];
        if (zone is "Z") offset = 0;
        else if (zone.Length == 6 && zone[0] is '+' or '-' && zone[3] == ':' && Digits(zone, 1, 2, out int oh) && Digits(zone, 4, 2, out int om) && om < 60)
        {
            offset = (oh * 60L + om) * TimeSpan.TicksPerMinute;
            if (offset > 14 * TimeSpan.TicksPerHour) return false;
            if (zone[0] == '-') offset = -offset;
        }
        else return false;
        long local = new DateTime(year, month, day, hour, minute, second).Ticks + fraction;
        long utc = local - offset;
        if (utc < 0 || utc > DateTime.MaxValue.Ticks) return false;
        utcTicks = utc;
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, int at, int count, out int value)
    {
        value = 0;
        for (int i = at; i < at + count; i++)
        {
            if (!char.IsAsciiDigit(s[i])) return false;
            value = value * 10 + (s[i] - '0');
        }
        return true;
    }
}
