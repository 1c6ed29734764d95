using System.CommandLine;
using System.Globalization;
using Sockscope.Analysis;
using Sockscope.Cli.Output;
using Sockscope.Etl;
using Sockscope.Sinks;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary><c>sockscope sockets FILE</c>: every socket's life rebuilt from the trace, as it closes.</summary>
internal static class SocketsCommand
{
    /// <summary>The command, its options and its action.</summary>
    public static Command Create(CliConsole console, Option<bool> verbose)
    {
        var file = new Argument<string>("file") { Description = "The .etl file, or JSON lines of events (see --input-format); - reads the standard input" };
        var inputFormat = InputOptions.Create();
        var format = new Option<string>("--format", "-f") { Description = "Output format", DefaultValueFactory = _ => "jsonl", HelpName = "jsonl|csv|table" };
        format.AcceptOnlyFromAmong("jsonl", "csv", "table");
        var pid = NumberOption.Optional<long>("--pid", "Only sockets of this process id", 0, uint.MaxValue);
        var output = new Option<string>("--output", "-o") { Description = "Write to FILE instead of the standard output", HelpName = "FILE" };
        var time = TimeZoneOption.Create();
        var command = new Command("sockets", "Rebuild every socket's life: process, protocol, addresses, times, bytes, what went wrong");
        command.Arguments.Add(file);
        command.Options.Add(format);
        command.Options.Add(pid);
        command.Options.Add(output);
        command.Options.Add(inputFormat);
        command.Options.Add(time);
        command.SetAction(parse => Execute(console, parse.GetValue(file)!, Enum.Parse<SocketFormat>(parse.GetValue(format) ?? "jsonl", true),
            parse.GetValue(pid), parse.GetValue(output), parse.GetValue(verbose), InputOptions.Parse(parse.GetValue(inputFormat)),
            TimeZoneOption.Resolve(console, parse.GetValue(time))));
        return command;
    }

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Execute(CliConsole console, string path, SocketFormat format, long? pid, string? outputPath, bool verbose, InputFormat input = InputFormat.Auto,
        TimeZoneInfo? zone = null)
    {
        var reader = CommandErrors.TryOpenSource(console, path, input, verbose, out int openFailed);
        if (reader is null) return openFailed;
        using (reader)
        {
            AnalysisSummary summary;
            long written = 0;
            using (var output = CommandOutput.Open(console, outputPath, path, bufferSize: 0))
            {
                var buffer = new BufferedStreamOutput(output.Stream);
                // A table fits a terminal; into a pipe or a file every value goes whole.
                using var writer = new SocketWriter(buffer.Writer, format, console.OutputIsTerminal && !output.ToFile ? console.Width : null, zone);
                using (var progress = ProgressDisplay.Watch(console, reader, output.ToFile))
                {
                    try
                    {
                        summary = TraceAnalysis.Run(reader, s =>
                        {
                            if (pid is { } only && s.ProcessId != only) return;
                            writer.Write(s);
                            written++;
                            buffer.Commit();
                        });
                    }
                    catch (Exception e) when (CommandErrors.IsFileProblem(e))
                    {
                        progress.Dispose();
                        return CommandErrors.Report(console, path, e, verbose);
                    }
                }
                writer.Complete(buffer.Commit);
                buffer.Complete();
                output.Commit();
            }
            InputOptions.ReportSkipped(console, reader);
            if (summary.Totals.WinsockEvents == 0) NoWinsockNote.Write(console, path, reader, summary.Totals.Records);
            else if (pid is { } process && written == 0)
                console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sockscope: note: {path}: no socket of process {process} (of {summary.Totals.Sockets:N0} sockets)"));
            return ProblemReport.Write(console, path, reader.Diagnostics, verbose);
        }
    }
}
