using System.Globalization;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Sinks;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary>
/// What every command that looks for Winsock events says when a trace has none (most traces do not: kernel, .NET,
/// pktmon): that it has none, which providers it does hold, and how Winsock events are captured. The exit code stays
/// as it was: an empty answer is still an answer.
/// </summary>
internal static class NoWinsockNote
{
    /// <summary>Providers named in the note; the rest are counted.</summary>
    public const int ProvidersShown = 5;

    /// <summary>
    /// Records read again to count the providers, at most: the second read costs what <c>info</c> does (0.2 s for the
    /// 179,474 records of a 4.9 MB .NET trace), so a trace of many millions is counted by its first records only.
    /// </summary>
    public const long MaxRecordsCounted = 2_000_000;

    /// <summary>The one line that says how Winsock events are recorded (the README's section gives the whole session).</summary>
    public const string CaptureHint =
        "sockscope: note: to record Winsock events on Windows: logman start winsock -p Microsoft-Windows-Winsock-AFD 0xffffffffffffffff 0x5 -o winsock.etl -ets, " +
        "then 'logman stop winsock -ets' (README: \"Capturing Winsock events\")";

    /// <summary>
    /// Writes the note about <paramref name="path"/>, read by <paramref name="reader"/>, to the standard error;
    /// <paramref name="records"/> is how many records it held (null when unknown), <paramref name="hint"/> ends the
    /// first line (dump's "--all shows every event").
    /// </summary>
    public static void Write(CliConsole console, string path, IEventSource reader, long? records, string? hint = null)
    {
        string held = Providers(path, reader) is { } providers ? Describe(providers, records) : Counted(records);
        console.Error.WriteLine($"sockscope: note: {path} holds no Winsock events (Microsoft-Windows-Winsock-AFD, -Sockets, -NameResolution); {held}{(hint is null ? "" : "; " + hint)}");
        console.Error.WriteLine(CaptureHint);
    }

    /// <summary>
    /// The providers of the trace at <paramref name="path"/> with their record counts (of its first
    /// <see cref="MaxRecordsCounted"/> records), most records first, read again in file order as <c>info</c> does;
    /// null when it cannot be read again (an input read once from a pipe, JSON lines, which hold only the catalog's
    /// events, or a file that went away).
    /// </summary>
    public static IReadOnlyList<TraceSummary.ProviderEvents>? Providers(string path, IEventSource reader)
    {
        if (reader is not EtlReader || path == CommandErrors.StandardInput || EventSources.Length(reader) is null) return null;
        try
        {
            using var again = EtlReader.Open(path, new EtlReaderOptions { Order = RecordOrder.File });
            var names = new ProviderNames();
            var summary = new TraceSummary(names);
            while (summary.Events < MaxRecordsCounted && again.TryRead(out var record))
            {
                names.Learn(record);
                summary.Add(record);
            }
            return summary.Providers;
        }
        catch (Exception e) when (CommandErrors.IsFileProblem(e))
        {
            return null;
        }
    }

    /// <summary>
    /// "its 1,234 records are of A (1,000), B (200), …, and 3 more providers"; when the count stopped short of the
    /// <paramref name="records"/> the first read saw, it says of how many.
    /// </summary>
    public static string Describe(IReadOnlyList<TraceSummary.ProviderEvents> providers, long? records = null)
    {
        long counted = providers.Sum(p => p.Events);
        if (counted == 0) return "it holds no records at all";
        var shown = providers.Take(ProvidersShown).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name ?? p.Provider.ToString("B")} ({p.Events:N0})"));
        string more = providers.Count > ProvidersShown ? $", and {providers.Count - ProvidersShown} more providers" : "";
        string of = counted >= MaxRecordsCounted ? string.Create(CultureInfo.InvariantCulture, $" (counted in its first {counted:N0})") : "";
        return string.Create(CultureInfo.InvariantCulture, $"its {Math.Max(records ?? 0, counted):N0} records are of {string.Join(", ", shown)}{more}{of}");
    }

    private static string Counted(long? records) => records switch
    {
        null => "'sockscope info' lists the providers it holds",
        0 => "it holds no records at all",
        { } n => string.Create(CultureInfo.InvariantCulture, $"its {n:N0} records are of other providers ('sockscope info' lists them)"),
    };
}
