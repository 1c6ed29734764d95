using System.CommandLine;

namespace Sockscope.Cli.Commands;

/// <summary>
/// <c>--time utc|local</c>, the zone a command shows times in: UTC (the default) or the machine's zone (TZ where it
/// is set). Made here once so every command that prints times adds it the same way.
/// </summary>
internal static class TimeZoneOption
{
    /// <summary>A new <c>--time</c> option.</summary>
    public static Option<string> Create()
    {
        var option = new Option<string>("--time")
        {
            Description = "Show times in UTC or in the local zone (the machine's, or TZ's); JSON stays UTC",
            DefaultValueFactory = _ => "utc",
            HelpName = "utc|local",
        };
        option.AcceptOnlyFromAmong("utc", "local");
        return option;
    }

    /// <summary>The zone <paramref name="value"/> (the option's value) names.</summary>
    public static TimeZoneInfo Resolve(CliConsole console, string? value) =>
        string.Equals(value, "local", StringComparison.OrdinalIgnoreCase) ? console.LocalZone ?? TimeZoneInfo.Local : TimeZoneInfo.Utc;
}
