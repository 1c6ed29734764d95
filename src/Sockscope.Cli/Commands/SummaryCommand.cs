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
        var time = TimeZoneOption.Create();
        var command = new Command("summary", "Say what went wrong on which sockets, with totals per process and remote endpoint");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.Options.Add(inputFormat);
        command.Options.Add(time);
        command.SetAction(parse => Execute(console, parse.GetValue(file)!, parse.GetValue(json), parse.GetValue(verbose), InputOptions.Parse(parse.GetValue(inputFormat)),
            zone: TimeZoneOption.Resolve(console, parse.GetValue(time))));
        return command;
    }

    /// <summary>Runs the command; returns the exit code. <paramref name="limits"/> bound what the analysis keeps (tests make them small).</summary>
    public static int Execute(CliConsole console, string path, bool json, bool verbose, InputFormat input = InputFormat.Auto, AnalysisLimits? limits = null,
        TimeZoneInfo? zone = null)
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
            if (json) WriteJson(console.Output, path, summary);
            else WriteView(console, path, summary, zone ?? TimeZoneInfo.Utc);
            InputOptions.ReportSkipped(console, reader);
            return ProblemReport.Write(console, path, reader.Diagnostics, verbose);
        }
    }

    /// <summary>Columns a table may take when the output is no terminal: wide enough that no value is wrapped.</summary>
    private const int UnfittedWidth = 10_000;

    private static void WriteJson(Stream output, string path, AnalysisSummary s)
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
        j.WriteStartObject("findings_by_kind");
        foreach (var (kind, count) in totals.FindingsByKind) j.WriteNumber(kind, count);
        j.WriteEndObject();
        j.WriteStartObject("findings_by_severity");
        foreach (var severity in new[] { FindingSeverity.Error, FindingSeverity.Warning, FindingSeverity.Info })
            j.WriteNumber(severity.ToString().ToLowerInvariant(), totals.FindingsOf(severity));
        j.WriteEndObject();
        // The findings listed are the first ones found; every count above covers them all.
        j.WriteNumber("findings_listed", s.Findings.Count);
        j.WriteBoolean("findings_truncated", s.FindingsTruncated);
        j.WriteNumber("findings_cap", s.MaxFindingsKept);
        j.WriteStartArray("findings");
        foreach (var f in s.Findings)
        {
            j.WriteStartObject();
            j.WriteString("kind", f.Kind);
            j.WriteString("time", SocketWriter.Iso(f.Time));
            j.WriteNumber("process_id", f.ProcessId);
            if (f.Endpoint == 0) j.WriteNull("endpoint");
            else j.WriteString("endpoint", "0x" + f.Endpoint.ToString("X", CultureInfo.InvariantCulture));
            if (f.Remote is null) j.WriteNull("remote");
            else j.WriteString("remote", f.Remote.ToString());
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

    private static void WriteView(CliConsole console, string path, AnalysisSummary s, TimeZoneInfo zone)
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
        ansi.Write(new Text($"{path}: {N(totals.Sockets)} sockets from {N(totals.WinsockEvents)} Winsock events; {N(totals.BytesSent)} bytes sent, {N(totals.BytesReceived)} received; {N(totals.FindingCount)} findings{kept}\n"));
        var kinds = new Table().AddColumn("Finding").AddColumn(new TableColumn("Count").RightAligned());
        foreach (var (kind, count) in totals.FindingsByKind.OrderByDescending(k => k.Value)) kinds.AddRow(Markup.Escape(kind), N(count));
        if (totals.FindingCount > 0) ansi.Write(kinds);
        var findings = new Table().AddColumn($"Time ({shown.Label})").AddColumn("Kind").AddColumn(new TableColumn("PID").RightAligned()).AddColumn(new TableColumn("Remote").NoWrap()).AddColumn("Detail");
        foreach (var f in s.Findings.Where(f => f.Severity != FindingSeverity.Info).Take(50))
            findings.AddRow(shown.ToZone(f.Time).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture), Markup.Escape(f.Kind), f.ProcessId.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(f.Remote?.ToString() ?? "-"), Markup.Escape(f.Detail));
        if (s.Findings.Any(f => f.Severity != FindingSeverity.Info)) ansi.Write(findings);
        var processes = new Table().AddColumn(new TableColumn("PID").RightAligned()).AddColumn("Process").AddColumn(new TableColumn("Sockets").RightAligned())
            .AddColumn(new TableColumn("Sent").RightAligned()).AddColumn(new TableColumn("Received").RightAligned()).AddColumn("Findings");
        foreach (var p in totals.Processes.Take(30))
            processes.AddRow(p.ProcessId.ToString(CultureInfo.InvariantCulture), Markup.Escape(p.Name ?? "-"), N(p.Sockets), N(p.BytesSent), N(p.BytesReceived),
                Markup.Escape(string.Join(", ", p.Findings.Select(kv => $"{kv.Key} {kv.Value}"))));
        ansi.Write(processes);
        var remotes = new Table().AddColumn(new TableColumn("Remote endpoint").NoWrap()).AddColumn(new TableColumn("Sockets").RightAligned())
            .AddColumn(new TableColumn("Sent").RightAligned()).AddColumn(new TableColumn("Received").RightAligned()).AddColumn(new TableColumn("Failures").RightAligned());
        foreach (var r in totals.Remotes.Take(30))
            remotes.AddRow(Markup.Escape(r.Remote.ToString()), N(r.Sockets), N(r.BytesSent), N(r.BytesReceived), N(r.Failures));
        if (totals.Remotes.Count > 0) ansi.Write(remotes);
    }
}
