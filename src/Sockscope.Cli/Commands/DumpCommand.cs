using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Sockscope.Analysis;
using Sockscope.Cli.Output;
using Sockscope.Decoding;
using Sockscope.Decoding.TraceLogging;
using Sockscope.Etl;
using Sockscope.Schema;
using Sockscope.Events;
using Sockscope.Sinks;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary>
/// <c>sockscope dump FILE</c>: the trace's records in time order, as JSON lines, CSV or a table, filtered by
/// provider, event id, process and time.
/// </summary>
internal static class DumpCommand
{
    /// <summary>The command, its options and its action.</summary>
    public static Command Create(CliConsole console, Option<bool> verbose)
    {
        var file = new Argument<string>("file") { Description = "The .etl file, or JSON lines of events (see --input-format); - reads the standard input" };
        var inputFormat = InputOptions.Create();
        var all = new Option<bool>("--all")
        {
            Description = "Every record of every provider (the default is the Winsock providers' events: AFD, Sockets, NameResolution)",
        };
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output format",
            DefaultValueFactory = _ => "jsonl",
            HelpName = "jsonl|csv|table",
        };
        format.AcceptOnlyFromAmong("jsonl", "csv", "table");
        var provider = new Option<string>("--provider")
        {
            Description = "Only this provider: afd, sockets, nameresolution (or nameres), ws2help, a full name (any case) or a GUID (braces optional)",
            HelpName = "NAME|GUID",
        };
        var eventId = NumberOption.Optional<int>("--event-id", "Only this event id", 0, ushort.MaxValue);
        var pid = NumberOption.Optional<long>("--pid", "Only this process id", 0, uint.MaxValue);
        var from = TimeOption("--from", "Only records at or after TIME: ISO 8601 (UTC unless it has an offset) or +SECONDS after the trace start");
        var to = TimeOption("--to", "Only records before TIME: ISO 8601 (UTC unless it has an offset) or +SECONDS after the trace start");
        var limit = NumberOption.Optional<long>("--limit", "Stop after N records (0: write none)", 0, long.MaxValue);
        var computer = new Option<string>("--computer")
        {
            Description = "The computer name to put in JSON events (ETL files do not record it)",
            HelpName = "NAME",
        };
        var output = new Option<string>("--output", "-o") { Description = "Write to FILE instead of the standard output", HelpName = "FILE" };
        var manifest = new Option<string[]>("--manifest")
        {
            Description = "Decode the providers of this instrumentation manifest too, and show them without --all (repeatable)",
            HelpName = "FILE",
        };

        var threads = NumberOption.Optional<int>("--threads",
            "Threads that decode and format JSON lines and CSV while the file is read (1: all on one thread; " +
            "default: one per processor for files of 64 MiB or more, else 1)", 1, 256);

        var time = TimeZoneOption.Create();
        var command = new Command("dump", "Write the trace's event records in time order");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { all, format, provider, eventId, pid, from, to, limit, computer, output, manifest, threads, inputFormat, time })
            command.Options.Add(option);
        command.SetAction(parse => Execute(console, new DumpSettings
        {
            File = parse.GetValue(file)!,
            Input = InputOptions.Parse(parse.GetValue(inputFormat)),
            Scope = parse.GetValue(all) ? DumpScope.All : DumpScope.Winsock,
            Format = Enum.Parse<DumpFormat>(parse.GetValue(format) ?? "jsonl", ignoreCase: true),
            Provider = parse.GetValue(provider),
            EventId = parse.GetValue(eventId),
            ProcessId = parse.GetValue(pid),
            From = parse.GetValue(from),
            To = parse.GetValue(to),
            Limit = parse.GetValue(limit),
            Computer = parse.GetValue(computer),
            OutputFile = parse.GetValue(output),
            Manifests = parse.GetValue(manifest) ?? [],
            Verbose = parse.GetValue(verbose),
            Threads = parse.GetValue(threads),
            Zone = TimeZoneOption.Resolve(console, parse.GetValue(time)),
        }));
        return command;
    }

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Execute(CliConsole console, DumpSettings settings)
    {
        var catalog = SchemaCatalog.Winsock;
        if (settings.Manifests.Count > 0)
        {
            var providers = new List<ProviderSchema>();
            foreach (var path in settings.Manifests)
            {
                try
                {
                    providers.AddRange(ManifestReader.Read(path));
                }
                catch (ManifestException e)
                {
                    // The message already names the file, line and column.
                    console.Error.WriteLine($"sockscope: error: {e.Message}");
                    if (settings.Verbose) console.Error.WriteLine(e.ToString());
                    return ExitCodes.Error;
                }
                catch (Exception e) when (CommandErrors.IsFileProblem(e))
                {
                    return CommandErrors.Report(console, path, e, settings.Verbose);
                }
            }
            catalog = catalog.With(providers);
        }
        if (settings.Provider is { } named && ProviderProblem(named, catalog, settings.Scope) is { } unknown)
            return UsageError(console, unknown);
        var reader = CommandErrors.TryOpenSource(console, settings.File, settings.Input, settings.Verbose, out int openFailed,
            new EtlReaderOptions { Order = RecordOrder.Time }, catalog);
        if (reader is null) return openFailed;
        using (reader)
        {
            // Relative and absolute times compare only once the trace's start is known.
            if (settings.From is { } from && settings.To is { } to && from.ToStamp(reader) >= to.ToStamp(reader))
                return UsageError(console, $"--from {from} is not before --to {to}: no record can be in that time range");
            using var output = CommandOutput.Open(console, settings.OutputFile, settings.File, bufferSize: 0);
            DumpResult result;
            long? length = EventSources.Length(reader);
            using (var progress = ProgressDisplay.Watch(console, reader, output.ToFile))
            {
                try
                {
                    int threads = settings.Threads ?? DefaultThreads(length, Environment.ProcessorCount);
                    settings = settings with { Threads = threads };
                    var copy = threads > 1 && settings.Format != DumpFormat.Table ? (CopyMethod)CopyInParallel : Copy;
                    // A table fits a terminal; into a pipe or a file every value goes whole.
                    int? width = console.OutputIsTerminal && !output.ToFile ? console.Width : null;
                    result = copy(reader, settings, catalog, new BufferedStreamOutput(output.Stream), width);
                }
                catch (Exception e) when (CommandErrors.IsFileProblem(e))
                {
                    progress.Dispose();
                    return CommandErrors.Report(console, settings.File, e, settings.Verbose);
                }
            }
            // A name no table knows is looked for among the names the trace announces; none: the name is wrong.
            if (result.Written == 0 && settings.Provider is { } name && !result.ProviderSeen && ProviderChoice.Resolve(name, catalog) is null)
            {
                string held = NoWinsockNote.Providers(settings.File, reader) is { } providers ? "; " + NoWinsockNote.Describe(providers) : "";
                return UsageError(console, $"--provider {name}: {settings.File} has no provider of that name; use {ProviderChoice.Accepted}{held}");
            }
            output.Commit();
            InputOptions.ReportSkipped(console, reader);
            if (result.Written == 0 && settings.Limit != 0)
            {
                if (settings.Scope == DumpScope.Winsock && result.InScope == 0)
                    NoWinsockNote.Write(console, settings.File, reader, result.Records, "--all shows every event");
                else if (Filters(settings) is { Length: > 0 } filters)
                    console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"sockscope: note: {settings.File}: no record matches {filters} (of {result.InScope:N0} {(settings.Scope == DumpScope.Winsock ? "Winsock " : "")}records)"));
            }
            return ProblemReport.Write(console, settings.File, reader.Diagnostics, settings.Verbose);
        }
    }

    /// <summary>What the copy did: records written, records read, records of the providers in scope, and whether the named provider was seen.</summary>
    private readonly record struct DumpResult(long Written, long Records, long InScope, bool ProviderSeen);

    private static int UsageError(CliConsole console, string message)
    {
        console.Error.WriteLine($"sockscope: error: {message}");
        return ExitCodes.Error;
    }

    /// <summary>Why --provider <paramref name="named"/> can select nothing, known before the trace is read; null when it may.</summary>
    private static string? ProviderProblem(string named, SchemaCatalog catalog, DumpScope scope)
    {
        if (scope == DumpScope.All) return null;
        if (ProviderChoice.Resolve(named, catalog) is not { } guid)
            return $"--provider {named}: unknown provider; use {ProviderChoice.Accepted} (with --all, also a name the trace announces)";
        return catalog.Find(guid) is null
            ? $"--provider {named}: {ProviderChoice.NameOf(guid, catalog)} is not one of the Winsock providers dump shows by default; add --all"
            : null;
    }

    /// <summary>The filters given, as on the command line; empty when none.</summary>
    private static string Filters(DumpSettings s)
    {
        var parts = new List<string>();
        if (s.Provider is not null) parts.Add($"--provider {s.Provider}");
        if (s.EventId is { } id) parts.Add($"--event-id {id}");
        if (s.ProcessId is { } pid) parts.Add($"--pid {pid}");
        if (s.From is { } from) parts.Add($"--from {from}");
        if (s.To is { } to) parts.Add($"--to {to}");
        return string.Join(' ', parts);
    }

    private delegate DumpResult CopyMethod(IEventSource reader, DumpSettings settings, SchemaCatalog catalog, BufferedStreamOutput output,
        int? width);

    /// <summary>Writes the records that pass the filters; returns what it did.</summary>
    private static DumpResult Copy(IEventSource reader, DumpSettings settings, SchemaCatalog catalog, BufferedStreamOutput output, int? width)
    {
        var names = new ProviderNames();
        var sink = new DecodingSink(RecordSink.Create(settings.Format, output.Writer, reader.Clock, names, settings.Computer, width, settings.Zone, catalog), catalog, names);
        var written = ForEachMatch(reader, settings, catalog, names, (in EtlRecord record) =>
        {
            sink.Write(record);
            output.Commit();
        });
        output.Complete();
        return written;
    }

    /// <summary>
    /// <see cref="Copy"/>, with decoding and formatting on <see cref="DumpSettings.Threads"/> threads while this one
    /// reads, filters and writes: the same bytes out.
    /// </summary>
    private static DumpResult CopyInParallel(IEventSource reader, DumpSettings settings, SchemaCatalog catalog, BufferedStreamOutput output, int? width)
    {
        var names = new ProviderNames();
        // The CSV header row, once; the workers' own writers are made without it.
        RecordSink.Create(settings.Format, output.Writer, reader.Clock, names, settings.Computer, width, settings.Zone, catalog);
        using var parallel = new ParallelRecordWriter(settings.Threads ?? 1, names, (writer, workerNames) =>
        {
            var sink = new DecodingSink(RecordSink.Create(settings.Format, writer, reader.Clock, workerNames, settings.Computer, width, settings.Zone, catalog), catalog, workerNames);
            return batch =>
            {
                for (int i = 0; i < batch.Count; i++) sink.Write(batch[i]);
            };
        }, output.WriteThrough);
        var written = ForEachMatch(reader, settings, catalog, names, parallel.Add);
        parallel.Complete();
        output.Complete();
        return written;
    }

    private delegate void RecordAction(in EtlRecord record);

    /// <summary>Reads the trace, teaching <paramref name="names"/> every record, and hands on those the filters pass; returns what it did.</summary>
    private static DumpResult ForEachMatch(IEventSource reader, DumpSettings settings, SchemaCatalog catalog, ProviderNames names, RecordAction action)
    {
        var filter = new RecordFilter(settings, reader, names, catalog);
        long left = settings.Limit ?? long.MaxValue;
        long records = 0;
        while (left > 0 && reader.TryRead(out var record))
        {
            records++;
            names.Learn(record);
            if (!filter.Matches(record)) continue;
            action(record);
            left--;
        }
        return new DumpResult((settings.Limit ?? long.MaxValue) - left, records, filter.RecordsInScope, filter.ProviderSeen);
    }

    /// <summary>Writes a record decoded when the catalog or its own TraceLogging metadata describes it, raw otherwise.</summary>
    private sealed class DecodingSink(RecordSink sink, SchemaCatalog catalog, ProviderNames names)
    {
        private readonly EventDecoder _decoder = new(catalog);
        // Providers the catalog does not know may still describe their events themselves (TraceLogging).
        private readonly TraceLoggingDecoder _selfDescribed = new(names);

        public void Write(in EtlRecord record)
        {
            if (_decoder.TryDecode(record, out var decoded) || _selfDescribed.TryDecode(record, out decoded)) sink.Write(record, decoded);
            else sink.Write(record);
        }
    }

    private static Option<TimeSpec?> TimeOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "TIME",
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (TimeSpec.TryParse(text, out var time)) return time;
            result.AddError($"{name}: cannot read '{text}' as a time; use ISO 8601 (2016-01-21T22:39:45.5Z) or +SECONDS after the trace start");
            return null;
        },
    };

    /// <summary>
    /// Threads for a file of <paramref name="fileLength"/> bytes when --threads is not given: one per processor from
    /// the size where a second thread pays for itself (as for the analysis), else one: on the shipped 598-event sample
    /// one thread took 0.280 s and two 0.298 s (`dump --format jsonl`, medians of 20 paired runs). An input of unknown
    /// length (read once from a pipe) counts as large.
    /// </summary>
    internal static int DefaultThreads(long? fileLength, int processors) =>
        fileLength is not { } n || n >= TraceAnalysis.ParallelFromBytes ? Math.Clamp(processors, 1, 256) : 1;
}
