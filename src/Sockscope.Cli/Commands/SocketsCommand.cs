using System.CommandLine;
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
        var pid = new Option<long?>("--pid") { Description = "Only sockets of this process id", HelpName = "N" };
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
            using (var output = CommandOutput.Open(console, outputPath, path, bufferSize: 0))
            {
                var buffer = new BufferedStreamOutput(output.Stream);
                // A table fits a terminal; into a pipe or a file every value goes whole.
                using var writer = new SocketWriter(buffer.Writer, format, console.OutputIsTerminal && !output.ToFile ? console.Width : null, zone);
                using (var progress = ProgressDisplay.Watch(console, reader, output.ToFile))
                {
                    try
                    {
                        TraceAnalysis.Run(reader, s =>
                        {
                            if (pid is { } only && s.ProcessId != only) return;
                            writer.Write(s);
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
            return ProblemReport.Write(console, path, reader.Diagnostics, verbose);
        }
    }
}
