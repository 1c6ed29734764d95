using System.CommandLine;
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
        var maxSockets = new Option<int>("--max-sockets")
        {
            Description = "Sockets shown: failures first, then the most bytes", DefaultValueFactory = _ => defaults.MaxSockets, HelpName = "N",
        };
        var eventsPerSocket = new Option<int>("--events-per-socket")
        {
            Description = "Events shown of each socket (its first ones)", DefaultValueFactory = _ => defaults.MaxEventsPerSocket, HelpName = "N",
        };
        var maxEvents = new Option<int>("--max-events")
        {
            Description = "Events shown in all (the most interesting sockets keep theirs)", DefaultValueFactory = _ => defaults.MaxEvents, HelpName = "N",
        };
        foreach (var cap in new[] { maxSockets, eventsPerSocket })
            cap.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{r.Option.Name} must be at least 1"); });
        maxEvents.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--max-events must not be negative"); });
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
        var reader = CommandErrors.TryOpenSource(console, path, input, verbose, out int openFailed);
        if (reader is null) return openFailed;
        using (reader)
        {
            using (var output = CommandOutput.Open(console, outputPath, path, bufferSize: 1 << 16))
            {
                ReportData data;
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
                HtmlReport.Write(output.Stream, data);
                output.Commit();
            }
            InputOptions.ReportSkipped(console, reader);
            return ProblemReport.Write(console, path, reader.Diagnostics, verbose);
        }
    }
}
