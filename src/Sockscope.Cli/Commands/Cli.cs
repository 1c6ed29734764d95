using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Sockscope.Cli.Output;

namespace Sockscope.Cli.Commands;

/// <summary>
/// The command line: builds the commands and runs one. Everything goes through a <see cref="CliConsole"/>, so tests
/// run commands in-process with memory streams.
/// </summary>
public static class Cli
{
    /// <summary>Runs the command line <paramref name="args"/> and returns the exit code (see <see cref="ExitCodes"/>).</summary>
    /// <remarks>
    /// Commands report what is wrong with their input themselves. What escapes them ends here: an output that could
    /// not be written is one line and exit code 2 (a closed pipe: quietly, 0), anything else is a bug of ours, exit
    /// code 3.
    /// </remarks>
    public static int Run(string[] args, CliConsole console)
    {
        var verbose = VerboseOption();
        var root = Build(console, verbose);
        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (Exception e)
        {
            // A parser or validator that throws is ours to fix; without this it ends the process with a stack (134).
            return CommandErrors.ReportInternalError(console, e, args.Contains("--verbose") || args.Contains("-v"));
        }
        var configuration = new InvocationConfiguration
        {
            Output = console.OutputText,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
        };
        if (parse.Action is ParseErrorAction usage)
        {
            // The help text would go to the standard output, into whatever file or pipe expects events.
            // One line each, in the form of every other error: a choice's list of values comes on lines of its own.
            // `sockscope frob` is an unknown command, not also a missing one.
            foreach (var error in parse.Errors.Where(e => parse.UnmatchedTokens.Count == 0 || e.SymbolResult is not CommandResult { Command: RootCommand }
                || parse.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))))
                console.Error.WriteLine($"sockscope: error: {UsageMessage(error)}");
            string command = parse.CommandResult.Command is RootCommand ? "sockscope" : $"sockscope {parse.CommandResult.Command.Name}";
            console.Error.WriteLine($"Run '{command} --help' for usage.");
            // System.CommandLine exits 1 on usage errors; 1 means "damaged file" here.
            return ExitCodes.Error;
        }
        try
        {
            return parse.Invoke(configuration);
        }
        catch (OutputFailedException e)
        {
            return CommandErrors.ReportOutputFailure(console, e, parse.GetValue(verbose));
        }
        catch (Exception e)
        {
            return CommandErrors.ReportInternalError(console, e, parse.GetValue(verbose));
        }
    }

    private static string UsageMessage(ParseError error)
    {
        var lines = error.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string text = lines.Length <= 1 ? error.Message.Trim() : $"{lines[0]} {string.Join(", ", lines[1..])}";
        // A value the parser refused names its option, as the options' own sentences do.
        return error.SymbolResult is OptionResult { Option.Name: var name } && !text.StartsWith(name, StringComparison.Ordinal) ? $"{name}: {text}" : text;
    }

    /// <summary>Runs the command line with the given standard output and error, neither of them a terminal.</summary>
    public static int Run(string[] args, Stream output, TextWriter error) => Run(args, new CliConsole(output, error));

    private static Option<bool> VerboseOption() => new("--verbose", "-v")
    {
        Description = "Say more: every problem found, details of the file, and stack traces with errors",
        Recursive = true,
    };

    /// <summary>The root command with every subcommand.</summary>
    internal static RootCommand Build(CliConsole console) => Build(console, VerboseOption());

    private static RootCommand Build(CliConsole console, Option<bool> verbose)
    {
        var root = new RootCommand("Read Windows ETW traces (.etl) on any OS.");
        root.Options.Add(verbose);
        root.Subcommands.Add(InfoCommand.Create(console, verbose));
        root.Subcommands.Add(DumpCommand.Create(console, verbose));
        root.Subcommands.Add(CatalogCommand.Create(console));
        root.Subcommands.Add(SocketsCommand.Create(console, verbose));
        root.Subcommands.Add(SummaryCommand.Create(console, verbose));
        root.Subcommands.Add(ReportCommand.Create(console, verbose));
        root.Subcommands.Add(SynthCommand.Create(console));
        root.Subcommands.Add(ExportCommand.Create(console, verbose));
        return root;
    }
}
