using System.CommandLine;
using Sockscope.Cli.Output;
using Sockscope.Schema;
using Sockscope.Sinks;

namespace Sockscope.Cli.Commands;

/// <summary>
/// <c>sockscope catalog [PROVIDER] [--event ID] [--format md|tsv|json]</c>: the built-in schema catalog (the event
/// schemas Sockscope decodes with) as a Markdown page per provider, the events_by_build TSV layout, or JSON.
/// </summary>
/// <remarks>
/// PROVIDER is a full name (any case), a GUID (braces optional), the name without "Microsoft-Windows-"
/// ("Winsock-AFD") or the short form: <c>afd</c>, <c>sockets</c>, <c>nameresolution</c>. Without it, every
/// provider of the catalog (the three Winsock providers). An unknown provider or event is one error line and exit 2.
/// </remarks>
internal static class CatalogCommand
{
    /// <summary>The command, its options and its action.</summary>
    public static Command Create(CliConsole console)
    {
        var provider = new Argument<string?>("provider")
        {
            Description = "The provider: afd, sockets, nameresolution, a full name (any case) or a GUID; all three when absent",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var eventId = NumberOption.Optional<int>("--event", "Only this event id (every version of it)", 0, ushort.MaxValue, "-e");
        eventId.HelpName = "ID";
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output format: a Markdown page per provider, the events_by_build TSV, or JSON",
            DefaultValueFactory = _ => "md",
            HelpName = "md|tsv|json",
        };
        format.AcceptOnlyFromAmong("md", "tsv", "json");
        var output = new Option<string>("--output", "-o") { Description = "Write to FILE instead of the standard output", HelpName = "FILE" };

        var command = new Command("catalog", "Show the built-in event schemas: events, fields, value maps, and the builds they come from");
        command.Arguments.Add(provider);
        foreach (var option in new Option[] { eventId, format, output }) command.Options.Add(option);
        command.SetAction(parse => Execute(console, parse.GetValue(provider), parse.GetValue(eventId),
            ParseFormat(parse.GetValue(format)), parse.GetValue(output)));
        return command;
    }

    private static CatalogFormat ParseFormat(string? text) => text switch
    {
        "tsv" => CatalogFormat.Tsv,
        "json" => CatalogFormat.Json,
        _ => CatalogFormat.Markdown,
    };

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Execute(CliConsole console, string? provider, int? eventId, CatalogFormat format, string? outputFile)
    {
        // Short names beyond the catalog's own (nameres) resolve the same way as dump's --provider.
        if (provider is not null && ProviderChoice.Resolve(provider, SchemaCatalog.Winsock) is { } guid && SchemaCatalog.Winsock.Find(guid) is not null)
            provider = guid.ToString();
        var selections = CatalogSelection.Select(SchemaCatalog.Winsock, provider, eventId, out string? error);
        if (selections is null)
        {
            console.Error.WriteLine($"sockscope: error: {error}");
            return ExitCodes.Error;
        }

        using (var output = CommandOutput.Open(console, outputFile, inputPath: null, bufferSize: 0))
        {
            var buffer = new BufferedStreamOutput(output.Stream);
            var writer = CatalogWriter.Create(format, buffer.Writer);
            foreach (var selection in selections)
            {
                writer.Write(selection);
                buffer.Commit();
            }
            writer.Complete();
            buffer.Complete();
            output.Commit();
        }
        return ExitCodes.Ok;
    }
}
