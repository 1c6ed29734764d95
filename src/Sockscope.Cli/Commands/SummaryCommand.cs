using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Sockscope.Analysis;
using Sockscope.Cli.Output;
using Sockscope.Etl;
using Sockscope.Sinks;
using Sockscope.Sinks.Json;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary><c>sockscope summary FILE</c>: what went wrong (the findings) and the totals per process and remote endpoint.</summary>
internal static class SummaryCommand
{
    /// <summary>The command, its options and its action.</summary>
    public static Command Create(CliConsole console, Option<bool> verbose)
    {
        var file = new Argument<string>("file") { Description = "The .etl file, or JSON lines of events (see --input-format); - reads the standard input" };
        var inputFormat = InputOptions.Create();
        var json = new Option<bool>("--json") { Description = "One JSON object instead of the report for a person" };
        var notices = new Option<bool>("--notices") { Description = "List the notices (options set) after the failures; without it they are only counted" };
        var time = TimeZoneOption.Create();
        var command = new Command("summary", "Say what went wrong on which sockets, with totals per process and remote endpoint");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.Options.Add(notices);
        command.Options.Add(inputFormat);
        command.Options.Add(time);
        command.SetAction(parse => Execute(console, parse.GetValue(file)!, parse.GetValue(json), parse.GetValue(verbose), InputOptions.Parse(parse.GetValue(inputFormat)),
            notices: parse.GetValue(notices), zone: TimeZoneOption.Resolve(console, parse.GetValue(time))));
        return command;
    }

    /// <summary>
    /// Runs the command; returns the exit code. <paramref name="limits"/> bound what the analysis keeps (tests make them
    /// small); with <paramref name="notices"/>, notices are listed after the failures rather than only counted;
    /// <paramref name="zone"/> is the zone times are shown in (UTC when null).
    /// </summary>
    public static int Execute(CliConsole console, string path, bool json, bool verbose, InputFormat input = InputFormat.Auto, AnalysisLimits? limits = null,
        bool notices = false, TimeZoneInfo? zone = null)
    {
        var reader = CommandErrors.TryOpenSource(console, path, input, verbose, out int openFailed);
        if (reader is null) return openFailed;
        using (reader)
        {
            AnalysisSummary summary;
            using (var progress = ProgressDisplay.Watch(console, reader, toFile: false))
            {
                try
                {
                    summary = TraceAnalysis.Run(reader, null, limits: limits);
                }
                catch (Exception e) when (CommandErrors.IsFileProblem(e))
                {
                    progress.Dispose();
                    return CommandErrors.Report(console, path, e, verbose);
                }
            }
            if (json) SummaryJson.Write(console.Output, path, summary, Listed(summary, notices).ToList(), notices);
            else WriteView(console, path, summary, notices, zone ?? TimeZoneInfo.Utc);
            InputOptions.ReportSkipped(console, reader);
            if (summary.Totals.WinsockEvents == 0) NoWinsockNote.Write(console, path, reader, summary.Totals.Records);
            return ProblemReport.Write(console, path, reader.Diagnostics, verbose);
        }
    }

    // Failures first, in the order found; then, when asked for, the notices.
    private static IEnumerable<Finding> Listed(AnalysisSummary s, bool notices) =>
        s.Findings.Where(f => f.Severity != FindingSeverity.Info).Concat(notices ? s.Findings.Where(f => f.Severity == FindingSeverity.Info) : []);

    /// <summary>Columns a table may take when the output is no terminal: wide enough that no value is wrapped.</summary>
    private const int UnfittedWidth = 10_000;

    /// <summary>
    /// Says, under the table, how many failures it leaves out and where they are: a table of 50 rows with no word of
    /// the thousand more reads as the whole story.
    /// </summary>
    private static void WriteMoreFailures(CliConsole console, AnalysisSummary s, int listed)
    {
        long failures = s.Totals.Failures;
        if (failures <= listed) return;
        string where = s.FindingsTruncated
            ? $"--json lists those among the first {s.MaxFindingsKept:N0} findings kept"
            : "--json lists them all";
        console.OutputText.WriteLine(string.Create(CultureInfo.InvariantCulture, $"… and {failures - listed:N0} more failures: {where}"));
    }

    private static void WriteView(CliConsole console, string path, AnalysisSummary s, bool notices, TimeZoneInfo zone)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.OutputText),
            Ansi = console.OutputIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console.OutputIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        // A terminal's width is kept to; into a pipe or a file no cell is wrapped or cut.
        ansi.Profile.Width = console.OutputIsTerminal ? console.Width : UnfittedWidth;
        var shown = new DisplayZone(zone);
        string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        var totals = s.Totals;
        string kept = s.FindingsTruncated ? $" (the first {N(s.Findings.Count)} kept for listing; the counts cover all)" : "";
        ansi.Write(new Text($"{path}: {N(totals.Sockets)} sockets from {N(totals.WinsockEvents)} Winsock events; {N(totals.BytesSent)} bytes sent, {N(totals.BytesReceived)} received; {N(totals.Failures)} failures, {N(totals.Notices)} notices{kept}\n"));
        // Failures first everywhere: notices (options set) are counted, and listed only when asked for.
        var kinds = new Table().AddColumn("Failure").AddColumn(new TableColumn("Count").RightAligned());
        foreach (var (kind, count) in totals.FailuresByKind.OrderByDescending(k => k.Value)) kinds.AddRow(Markup.Escape(kind), N(count));
        if (totals.Failures > 0) ansi.Write(kinds);
        var findings = new Table().AddColumn($"Time ({shown.Label})").AddColumn("Kind").AddColumn(new TableColumn("PID").RightAligned()).AddColumn(new TableColumn("Remote").NoWrap()).AddColumn("Detail");
        int listedFailures = 0;
        foreach (var f in Listed(s, notices).Take(notices ? 100 : 50))
        {
            if (f.Severity != FindingSeverity.Info) listedFailures++;
            findings.AddRow(shown.ToZone(f.Time).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture), Markup.Escape(f.Kind.ToText()), f.ProcessId.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(Named(f.Remote, f.RemoteName)), Markup.Escape(f.Detail));
        }
        if (Listed(s, notices).Any()) ansi.Write(findings);
        WriteMoreFailures(console, s, listedFailures);
        if (totals.Notices > 0)
            ansi.Write(new Text($"{N(totals.Notices)} notices ({string.Join(", ", totals.NoticesByKind.Select(k => $"{k.Key} {N(k.Value)}"))}){(notices ? "" : "; --notices lists them")}\n"));
        var processes = new Table().AddColumn(new TableColumn("PID").RightAligned()).AddColumn("Process").AddColumn(new TableColumn("Sockets").RightAligned())
            .AddColumn(new TableColumn("Sent").RightAligned()).AddColumn(new TableColumn("Received").RightAligned()).AddColumn("Failures")
            .AddColumn(new TableColumn("Notices").RightAligned());
        foreach (var p in totals.Processes.Take(30))
            processes.AddRow(p.ProcessId.ToString(CultureInfo.InvariantCulture), Markup.Escape(p.Name ?? "-"), N(p.Sockets), N(p.BytesSent), N(p.BytesReceived),
                Markup.Escape(string.Join(", ", p.FailuresByKind.Select(kv => $"{kv.Key} {kv.Value}"))), N(p.Notices));
        ansi.Write(processes);
        var remotes = new Table().AddColumn(new TableColumn("Remote endpoint").NoWrap()).AddColumn(new TableColumn("Sockets").RightAligned())
            .AddColumn(new TableColumn("Sent").RightAligned()).AddColumn(new TableColumn("Received").RightAligned()).AddColumn(new TableColumn("Failures").RightAligned());
        foreach (var r in totals.Remotes.Take(30))
            remotes.AddRow(Markup.Escape(Named(r.Remote, r.Name)), N(r.Sockets), N(r.BytesSent), N(r.BytesReceived), N(r.Failures));
        if (totals.Remotes.Count > 0) ansi.Write(remotes);
    }

    // The host name beside the address, as the process resolved it.
    private static string Named(System.Net.IPEndPoint? remote, string? name) =>
        remote is null ? name ?? "-" : name is null ? remote.ToString() : $"{remote} ({name})";
}
