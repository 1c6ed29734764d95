using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Sockscope.Cli.Output;
using Sockscope.Sinks.Report;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary><c>sockscope report FILE -o report.html</c>: one self-contained HTML page of the trace's sockets, findings and activity.</summary>
internal static class ReportCommand
{
    /// <summary>The command, its options and its action.</summary>
    public static Command Create(CliConsole console, Option<bool> verbose)
    {
        var defaults = new ReportOptions();
        var file = new Argument<string>("file") { Description = "The .etl file, or JSON lines of events (see --input-format); - reads the standard input" };
        var inputFormat = InputOptions.Create();
        var output = new Option<string>("--output", "-o") { Description = "Write the page to FILE instead of the standard output", HelpName = "FILE" };
        var maxSockets = NumberOption.WithDefault("--max-sockets", "Sockets shown: failures first, then the most bytes", defaults.MaxSockets, 1, int.MaxValue);
        var eventsPerSocket = NumberOption.WithDefault("--events-per-socket", "Events shown of each socket (its first ones)", defaults.MaxEventsPerSocket, 1, int.MaxValue);
        var maxEvents = NumberOption.WithDefault("--max-events", "Events shown in all (the most interesting sockets keep theirs)", defaults.MaxEvents, 0, int.MaxValue);
        var command = new Command("report", "Write one self-contained HTML page: overview, timeline, activity, remote endpoints, findings, and every socket with its events");
        command.Arguments.Add(file);
        command.Options.Add(output);
        command.Options.Add(maxSockets);
        command.Options.Add(eventsPerSocket);
        command.Options.Add(maxEvents);
        command.Options.Add(inputFormat);
        command.SetAction(parse => Execute(console, parse.GetValue(file)!, parse.GetValue(output), new ReportOptions
        {
            MaxSockets = parse.GetValue(maxSockets),
            MaxEventsPerSocket = parse.GetValue(eventsPerSocket),
            MaxEvents = parse.GetValue(maxEvents),
        }, parse.GetValue(verbose), InputOptions.Parse(parse.GetValue(inputFormat))));
        return command;
    }

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Execute(CliConsole console, string path, string? outputPath, ReportOptions options, bool verbose, InputFormat input = InputFormat.Auto)
    {
        var clock = Stopwatch.StartNew();
        var reader = CommandErrors.TryOpenSource(console, path, input, verbose, out int openFailed);
        if (reader is null) return openFailed;
        using (reader)
        {
            ReportData data;
            long? size;
            using (var output = CommandOutput.Open(console, outputPath, path, bufferSize: 1 << 16))
            {
                using (var progress = ProgressDisplay.Watch(console, reader, output.ToFile))
                {
                    try
                    {
                        data = HtmlReport.Collect(reader, path, options);
                    }
                    catch (Exception e) when (CommandErrors.IsFileProblem(e))
                    {
                        progress.Dispose();
                        return CommandErrors.Report(console, path, e, verbose);
                    }
                }
                // A pipe does not tell how much went through it; a file and a device that seeks do.
                long start = output.Stream.CanSeek ? output.Stream.Position : 0;
                HtmlReport.Write(output.Stream, data);
                size = output.Stream.CanSeek ? output.Stream.Position - start : null;
                output.Commit();
            }
            var o = data.Overview;
            string bytes = size is { } n ? string.Create(CultureInfo.InvariantCulture, $"{n:N0} bytes ") : "";
            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sockscope: wrote {outputPath ?? OutputStream.StandardOutputName}: {o.Sockets:N0} sockets, {o.FailureCount:N0} failures, {o.NoticeCount:N0} notices, {bytes}in {clock.Elapsed.TotalSeconds:F1} s"));
            InputOptions.ReportSkipped(console, reader);
            if (o.WinsockEvents == 0) NoWinsockNote.Write(console, path, reader, o.Records);
            return ProblemReport.Write(console, path, reader.Diagnostics, verbose);
        }
    }
}
