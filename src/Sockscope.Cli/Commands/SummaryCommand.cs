using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using Sockscope.Analysis;
using Sockscope.Cli.Output;
using Sockscope.Etl;
using Sockscope.Sinks;
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
            if (json) WriteJson(console.Output, path, summary, notices);
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

    private static void WriteJson(Stream output, string path, AnalysisSummary s, bool notices)
    {
        using var j = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        j.WriteStartObject();
        j.WriteString("file", path);
        j.WriteNumber("records", s.Totals.Records);
        j.WriteNumber("winsock_events", s.Totals.WinsockEvents);
        j.WriteNumber("sockets", s.Totals.Sockets);
        j.WriteNumber("bytes_sent", s.Totals.BytesSent);
        j.WriteNumber("bytes_received", s.Totals.BytesReceived);
        var totals = s.Totals;
        j.WriteNumber("finding_count", totals.FindingCount);
        j.WriteNumber("failures", totals.Failures);
        j.WriteNumber("notices", totals.Notices);
        Counts(j, "findings_by_kind", totals.FindingsByKind);
        Counts(j, "failures_by_kind", totals.FailuresByKind);
        Counts(j, "notices_by_kind", totals.NoticesByKind);
        j.WriteStartObject("findings_by_severity");
        foreach (var severity in new[] { FindingSeverity.Error, FindingSeverity.Warning, FindingSeverity.Info })
            j.WriteNumber(severity.ToString().ToLowerInvariant(), totals.FindingsOf(severity));
        j.WriteEndObject();
        // The findings listed are the failures kept (then the notices kept, with --notices); every count above covers them all.
        var listed = Listed(s, notices).ToList();
        j.WriteNumber("findings_listed", listed.Count);
        j.WriteBoolean("notices_listed", notices);
        j.WriteBoolean("findings_truncated", s.FindingsTruncated);
        j.WriteNumber("findings_cap", s.MaxFindingsKept);
        j.WriteStartArray("findings");
        foreach (var f in listed)
        {
            j.WriteStartObject();
            j.WriteString("kind", f.Kind.ToText());
            j.WriteString("time", SocketWriter.Iso(f.Time));
            j.WriteNumber("process_id", f.ProcessId);
            if (f.Endpoint == 0) j.WriteNull("endpoint");
            else j.WriteString("endpoint", "0x" + f.Endpoint.ToString("X", CultureInfo.InvariantCulture));
            if (f.Remote is null) j.WriteNull("remote");
            else j.WriteString("remote", f.Remote.ToString());
            if (f.RemoteName is null) j.WriteNull("remote_name");
            else j.WriteString("remote_name", f.RemoteName);
            j.WriteString("severity", f.Severity.ToString().ToLowerInvariant());
            j.WriteString("detail", f.Detail);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteBoolean("processes_truncated", totals.ProcessesTruncated);
        j.WriteBoolean("remote_endpoints_truncated", totals.RemotesTruncated);
        j.WriteNumber("totals_cap", totals.MaxTotals);
        j.WriteStartArray("processes");
        foreach (var p in totals.Processes)
        {
            j.WriteStartObject();
            j.WriteNumber("process_id", p.ProcessId);
            if (p.Name is null) j.WriteNull("process");
            else j.WriteString("process", p.Name);
            j.WriteNumber("sockets", p.Sockets);
            j.WriteNumber("bytes_sent", p.BytesSent);
            j.WriteNumber("bytes_received", p.BytesReceived);
            j.WriteNumber("failures", p.Failures);
            j.WriteNumber("notices", p.Notices);
            j.WriteStartObject("findings");
            foreach (var (k, v) in p.Findings.OrderBy(kv => kv.Key, StringComparer.Ordinal)) j.WriteNumber(k, v);
            j.WriteEndObject();
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartArray("remote_endpoints");
        foreach (var r in totals.Remotes)
        {
            j.WriteStartObject();
            j.WriteString("remote", r.Remote.ToString());
            if (r.Name is null) j.WriteNull("name");
            else j.WriteString("name", r.Name);
            j.WriteNumber("sockets", r.Sockets);
            j.WriteNumber("bytes_sent", r.BytesSent);
            j.WriteNumber("bytes_received", r.BytesReceived);
            j.WriteNumber("failures", r.Failures);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();
        j.Flush();
        output.WriteByte((byte)'\n');
        output.Flush();
    }

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

    /// <summary>A count per kind, as one object: {"KIND": N, …}.</summary>
    private static void Counts(Utf8JsonWriter j, string name, IEnumerable<KeyValuePair<string, long>> counts)
    {
        j.WriteStartObject(name);
        foreach (var (kind, count) in counts) j.WriteNumber(kind, count);
        j.WriteEndObject();
    }
}
