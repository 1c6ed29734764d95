using System.CommandLine;
using Sockscope.Cli.Output;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Sinks;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary><c>sockscope info FILE</c>: what a trace holds (header, buffers, record counts per layout and provider, damage).</summary>
internal static class InfoCommand
{
    /// <summary>The command, its options and its action.</summary>
    public static Command Create(CliConsole console, Option<bool> verbose)
    {
        var file = new Argument<string>("file") { Description = "The .etl file (- reads the standard input)" };
        var json = new Option<bool>("--json") { Description = "One JSON object instead of the view for a person" };
        var command = new Command("info", "Show what a trace holds: header, buffers, providers, damage");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.SetAction(parse => Execute(console, parse.GetValue(file)!, parse.GetValue(json), parse.GetValue(verbose)));
        return command;
    }

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Execute(CliConsole console, string path, bool json, bool verbose)
    {
        // Counting needs no time order: file order skips the merge and is the fastest read.
        var source = CommandErrors.TryOpenSource(console, path, InputFormat.Auto, verbose, out int openFailed, new EtlReaderOptions { Order = RecordOrder.File });
        if (source is null) return openFailed;
        if (source is not EtlReader reader)
        {
            // What info shows is the ETL file's own: its logfile header, buffers and layouts. JSON lines have none.
            source.Dispose();
            return CommandErrors.Report(console, path, new EtlFormatException(path, 0,
                $"JSON lines of events ({InputOptions.Describe(((JsonEventSource)source).Format)}), not an ETL file: info describes ETL files; summary, sockets and dump read these"), verbose);
        }
        using (reader)
        {
            var names = new ProviderNames();
            var summary = new TraceSummary(names);
            using (var progress = ProgressDisplay.Watch(console, reader, toFile: false))
            {
                try
                {
                    while (reader.TryRead(out var record))
                    {
                        names.Learn(record);
                        summary.Add(record);
                    }
                }
                catch (Exception e) when (CommandErrors.IsFileProblem(e))
                {
                    progress.Dispose();
                    return CommandErrors.Report(console, path, e, verbose);
                }
            }
            var info = TraceInfo.From(path, reader, summary);
            if (json) TraceInfoJson.Write(console.Output, info);
            else TraceInfoView.Write(console, info, verbose);
            return ProblemReport.Write(console, path, reader.Diagnostics, verbose);
        }
    }
}
