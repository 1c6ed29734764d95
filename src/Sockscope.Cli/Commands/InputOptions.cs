using Sockscope.Etl;
using System.CommandLine;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary>The <c>--input-format</c> option of the commands that analyse: the kind of input, recognised from the content unless given.</summary>
internal static class InputOptions
{
    /// <summary>Makes the option.</summary>
    public static Option<string> Create()
    {
        var option = new Option<string>("--input-format")
        {
            Description = "What FILE is: an ETL file, JSON lines of sockscope dump (the catalog's format), SilkETW's or Sealighter's JSON; recognised from the content (its first 8 lines) by default",
            DefaultValueFactory = _ => "auto",
            HelpName = "auto|etl|jsonl|silketw|sealighter",
        };
        option.AcceptOnlyFromAmong("auto", "etl", "jsonl", "silketw", "sealighter");
        return option;
    }

    /// <summary>The option's value.</summary>
    public static InputFormat Parse(string? value) => value switch
    {
        "etl" => InputFormat.Etl,
        "jsonl" => InputFormat.Jsonl,
        "silketw" => InputFormat.SilkEtw,
        "sealighter" => InputFormat.Sealighter,
        _ => InputFormat.Auto,
    };

    /// <summary>The kind of input in words.</summary>
    public static string Describe(InputFormat format) => format switch
    {
        InputFormat.Jsonl => "the catalog's format, as sockscope dump writes it",
        InputFormat.SilkEtw => "SilkETW's",
        InputFormat.Sealighter => "Sealighter's",
        InputFormat.Etl => "an ETL file",
        _ => "recognised from the content",
    };

    /// <summary>Says on the standard error what a JSON input held that could not be used (nothing for an ETL file).</summary>
    public static void ReportSkipped(CliConsole console, IEventSource source)
    {
        if (source is not JsonEventSource json) return;
        if (json.UnknownEvents > 0)
            console.Error.WriteLine($"sockscope: note: {source.Path}: {json.UnknownEvents:N0} events of providers or event ids the catalog does not know were skipped");
        if (json.ValuesNotUnderstood > 0)
            console.Error.WriteLine($"sockscope: note: {source.Path}: {json.ValuesNotUnderstood:N0} field values were not understood and read as zero");
    }
}
