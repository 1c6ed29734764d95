using System.CommandLine;
using System.CommandLine.Parsing;
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
            Description = "Only this provider: its name (any case) or GUID (with or without braces)",
            HelpName = "NAME|GUID",
        };
        var eventId = new Option<int?>("--event-id") { Description = "Only this event id", HelpName = "N" };
        eventId.Validators.Add(r => Range(r, r.GetValueOrDefault<int?>(), 0, ushort.MaxValue));
        var pid = new Option<long?>("--pid") { Description = "Only this process id", HelpName = "N" };
        pid.Validators.Add(r => Range(r, r.GetValueOrDefault<long?>(), 0, uint.MaxValue));
        var from = TimeOption("--from", "Only records at or after TIME: ISO 8601 (UTC unless it has an offset) or +SECONDS after the trace start");
        var to = TimeOption("--to", "Only records before TIME: ISO 8601 (UTC unless it has an offset) or +SECONDS after the trace start");
        var limit = new Option<long?>("--limit") { Description = "Stop after N records", HelpName = "N" };
        limit.Validators.Add(r => Range(r, r.GetValueOrDefault<long?>(), 0, long.MaxValue));
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

        var threads = new Option<int?>("--threads")
        {
            Description = "Threads that decode and format JSON lines and CSV while the file is read (1: all on one thread; " +
                "default: one per processor for files of 64 MiB or more, else 1)",
            HelpName = "N",
        };
        threads.Validators.Add(r => Range(r, r.GetValueOrDefault<int?>(), 1, 256));

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
        var reader = CommandErrors.TryOpenSource(console, settings.File, settings.Input, settings.Verbose, out int openFailed,
            new EtlReaderOptions { Order = RecordOrder.Time }, catalog);
        if (reader is null) return openFailed;
        using (reader)
        {
            using var output = CommandOutput.Open(console, settings.OutputFile, settings.File, bufferSize: 0);
            long written;
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
                    written = copy(reader, settings, catalog, new BufferedStreamOutput(output.Stream), width);
                }
                catch (Exception e) when (CommandErrors.IsFileProblem(e))
                {
                    progress.Dispose();
                    return CommandErrors.Report(console, settings.File, e, settings.Verbose);
                }
            }
            output.Commit();
            InputOptions.ReportSkipped(console, reader);
            if (written == 0 && settings.Scope == DumpScope.Winsock && settings.Provider is null && settings.EventId is null
                && settings.ProcessId is null && settings.From is null && settings.To is null)
                console.Error.WriteLine($"sockscope: note: {settings.File} has no Winsock events (AFD, Sockets, NameResolution); --all shows every event");
            return ProblemReport.Write(console, settings.File, reader.Diagnostics, settings.Verbose);
        }
    }

    private delegate long CopyMethod(IEventSource reader, DumpSettings settings, SchemaCatalog catalog, BufferedStreamOutput output, int? width);

    /// <summary>Writes the records that pass the filters; returns how many.</summary>
    private static long Copy(IEventSource reader, DumpSettings settings, SchemaCatalog catalog, BufferedStreamOutput output, int? width)
    {
        var names = new ProviderNames();
        var sink = new DecodingSink(RecordSink.Create(settings.Format, output.Writer, reader.Clock, names, settings.Computer, width, settings.Zone, catalog), catalog, names);
        long written = ForEachMatch(reader, settings, catalog, names, (in EtlRecord record) =>
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
    private static long CopyInParallel(IEventSource reader, DumpSettings settings, SchemaCatalog catalog, BufferedStreamOutput output, int? width)
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
        long written = ForEachMatch(reader, settings, catalog, names, parallel.Add);
        parallel.Complete();
        output.Complete();
        return written;
    }

    private delegate void RecordAction(in EtlRecord record);

    /// <summary>Reads the trace, teaching <paramref name="names"/> every record, and hands on those the filters pass; returns how many.</summary>
    private static long ForEachMatch(IEventSource reader, DumpSettings settings, SchemaCatalog catalog, ProviderNames names, RecordAction action)
    {
        var filter = new RecordFilter(settings, reader, names, catalog);
        long left = settings.Limit ?? long.MaxValue;
        while (left > 0 && reader.TryRead(out var record))
        {
            names.Learn(record);
            if (!filter.Matches(record)) continue;
            action(record);
            left--;
        }
        return (settings.Limit ?? long.MaxValue) - left;
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

    private static void Range<T>(OptionResult result, T? value, T min, T max) where T : struct, IComparable<T>
    {
        if (value is { } v && (v.CompareTo(min) < 0 || v.CompareTo(max) > 0))
            result.AddError($"{result.Option.Name}: {v} is out of range ({min} to {max})");
    }
}
