namespace Sockscope.Sinks.Database;

/// <summary>How times are stored: ISO 8601 text, and integer nanoseconds since the Unix epoch for range queries.</summary>
internal static class DatabaseTime
{
    /// <summary>Nanoseconds since 1970-01-01 UTC: what <c>unixepoch(time, 'subsec') * 1e9</c> gives, exact to the 100 ns the trace has.</summary>
    public static long Nanoseconds(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>ISO 8601 UTC with 7 fractional digits and a Z, as every sockscope output writes times.</summary>
    public static string Iso(DateTime utc)
    {
        Span<byte> text = stackalloc byte[40];
        return System.Text.Encoding.ASCII.GetString(text[..EventJsonWriter.FormatTime(utc, text, 7, "Z"u8)]);
    }
}
