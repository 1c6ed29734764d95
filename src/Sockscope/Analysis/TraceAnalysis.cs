using System.Net;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Schema;
using Sockscope.Sources;

namespace Sockscope.Analysis;

/// <summary>Totals for one process.</summary>
public sealed class ProcessTotals
{
    /// <summary>The process id.</summary>
    public uint ProcessId { get; init; }
    /// <summary>The image name, when known.</summary>
    public string? Name { get; set; }
    /// <summary>Sockets.</summary>
    public long Sockets { get; set; }
    /// <summary>Bytes sent.</summary>
    public long BytesSent { get; set; }
    /// <summary>Bytes received.</summary>
    public long BytesReceived { get; set; }
    /// <summary>Findings by kind.</summary>
    public Dictionary<string, long> Findings { get; } = new();
}

/// <summary>Totals for one remote endpoint.</summary>
public sealed class RemoteTotals
{
    /// <summary>The remote endpoint.</summary>
    public required IPEndPoint Remote { get; init; }
    /// <summary>Sockets connected to it.</summary>
    public long Sockets { get; set; }
    /// <summary>Bytes sent to it.</summary>
    public long BytesSent { get; set; }
    /// <summary>Bytes received from it.</summary>
    public long BytesReceived { get; set; }
    /// <summary>Failures involving it.</summary>
    public long Failures { get; set; }
}

/// <summary>What a whole trace's analysis found: totals and the findings.</summary>
public sealed class AnalysisSummary
{
    /// <summary>Sockets seen.</summary>
    public long Sockets { get; set; }
    /// <summary>Winsock events analysed.</summary>
    public long WinsockEvents { get; set; }
    /// <summary>Records read.</summary>
    public long Records { get; set; }
    /// <summary>All findings found.</summary>
    public long FindingCount { get; set; }
    /// <summary>The findings kept (the first 100,000).</summary>
    public IReadOnlyList<Finding> Findings { get; set; } = [];
    /// <summary>Totals per process, most bytes first.</summary>
    public IReadOnlyList<ProcessTotals> Processes { get; set; } = [];
    /// <summary>Totals per remote endpoint, most bytes first.</summary>
    public IReadOnlyList<RemoteTotals> Remotes { get; set; } = [];
    /// <summary>Bytes sent.</summary>
    public long BytesSent { get; set; }
    /// <summary>Bytes received.</summary>
    public long BytesReceived { get; set; }
}

/// <summary>Sees one decoded event and the socket it was about (null when none); the record and the event are valid during the call only.</summary>
public delegate void DecodedEventObserver(in EtlRecord record, in DecodedEvent decoded, SocketRecord? socket);

/// <summary>Runs the analysis over a trace: reads, decodes and analyses, handing each socket on as it completes.</summary>
public static class TraceAnalysis
{
    /// <summary>
    /// Analyses every record of <paramref name="reader"/>; <paramref name="onSocket"/> gets each socket as it closes
    /// (and the ones still open at the end), on the calling thread. Totals per process and remote endpoint are
    /// bounded by <paramref name="maxTotals"/> entries each. With <paramref name="parallel"/> true (and more than one
    /// processor), reading and decoding run on a second thread while this one analyses: the results are the same.
    /// Left null, that is done for a trace file of <see cref="ParallelFromBytes"/> or more, or of unknown size (a
    /// stream read once).
    /// </summary>
    /// <remarks>
    /// With <paramref name="onEvent"/>, every decoded event is handed to it as it is analysed, with the socket it
    /// was about; a socket's events all come before the socket itself. That runs on one thread.
    /// </remarks>
    public static AnalysisSummary Run(IEventSource reader, Action<SocketRecord>? onSocket, SchemaCatalog? catalog = null, int maxTotals = 100_000,
        bool? parallel = null, DecodedEventObserver? onEvent = null)
    {
        var analyzer = new SocketAnalyzer(reader.Clock);
        var byProcess = new Dictionary<uint, ProcessTotals>();
        var byRemote = new Dictionary<IPEndPoint, RemoteTotals>();
        var summary = new AnalysisSummary();
        analyzer.SocketCompleted += s =>
        {
            summary.BytesSent += s.BytesSent;
            summary.BytesReceived += s.BytesReceived;
            if (Totals(byProcess, s.ProcessId, maxTotals, id => new ProcessTotals { ProcessId = id }) is { } p)
            {
                p.Name ??= s.ProcessName;
                p.Sockets++;
                p.BytesSent += s.BytesSent;
                p.BytesReceived += s.BytesReceived;
            }
            if (s.Remote is not null && Totals(byRemote, s.Remote, maxTotals, r => new RemoteTotals { Remote = r }) is { } rt)
            {
                rt.Sockets++;
                rt.BytesSent += s.BytesSent;
                rt.BytesReceived += s.BytesReceived;
            }
            onSocket?.Invoke(s);
        };
        analyzer.FindingFound += f =>
        {
            if (Totals(byProcess, f.ProcessId, maxTotals, id => new ProcessTotals { ProcessId = id }) is { } p)
                p.Findings[f.Kind] = p.Findings.GetValueOrDefault(f.Kind) + 1;
            if (f.Remote is not null && f.Severity != FindingSeverity.Info && Totals(byRemote, f.Remote, maxTotals, r => new RemoteTotals { Remote = r }) is { } rt)
                rt.Failures++;
        };
        catalog ??= SchemaCatalog.Winsock;
        long records = onEvent is not null ? RunWithEvents(reader, catalog, analyzer, onEvent) : RunBatches(reader, catalog, analyzer, parallel ?? IsLarge(EventSources.Length(reader)));
        var processes = analyzer.Processes;
        var loss = reader.Loss;
        analyzer.ObserveLostEvents(loss.EventsLost, loss.BuffersLost, loss.BuffersWithEventsLost, reader.Clock.ToUtc(loss.Stamp));
        analyzer.Complete();
        foreach (var p in byProcess.Values) p.Name ??= processes.NameOf(p.ProcessId);
        summary.Records = records;
        summary.Sockets = analyzer.SocketsSeen;
        summary.WinsockEvents = analyzer.EventsAnalysed;
        summary.FindingCount = analyzer.FindingCount;
        summary.Findings = analyzer.Findings;
        summary.Processes = byProcess.Values.OrderByDescending(p => p.BytesSent + p.BytesReceived).ThenBy(p => p.ProcessId).ToList();
        summary.Remotes = byRemote.Values.OrderByDescending(r => r.BytesSent + r.BytesReceived).ThenByDescending(r => r.Failures).ToList();
        return summary;
    }

    /// <summary>
    /// The size of trace from which the analysis reads on a second thread when not told. Below it one thread is as
    /// fast or faster: the shipped 598-event sample takes 0.297 s on one thread and 0.313 s on two; 1 M events (126
    /// MB) 0.640 and 0.615 s; 10 M events 3.51 and 2.57 s (`sockets`, whole process, medians of paired runs, one thread
    /// forced with DOTNET_PROCESSOR_COUNT=1).
    /// </summary>
    public const long ParallelFromBytes = 64L << 20;

    /// <summary>True for an input of <see cref="ParallelFromBytes"/> or more, or of unknown length (a stream).</summary>
    internal static bool IsLarge(long? length) => length is not { } n || n >= ParallelFromBytes;

    private static long RunBatches(IEventSource reader, SchemaCatalog catalog, SocketAnalyzer analyzer, bool parallel)
    {
        var feed = new SocketEventFeed(reader, catalog);
        if (parallel && Environment.ProcessorCount > 1)
        {
            BatchPipeline.Run<SocketEvent>(feed.Fill, (batch, count) =>
            {
                for (int i = 0; i < count; i++) analyzer.Observe(batch[i]);
            });
        }
        else
        {
            var batch = new SocketEvent[1024];
            for (int count; (count = feed.Fill(batch)) > 0;)
                for (int i = 0; i < count; i++) analyzer.Observe(batch[i]);
        }
        return feed.Records;
    }

    private static long RunWithEvents(IEventSource reader, SchemaCatalog catalog, SocketAnalyzer analyzer, DecodedEventObserver onEvent)
    {
        var decoder = new EventDecoder(catalog);
        var lift = new SocketEventReader();
        var e = new SocketEvent();
        long records = 0;
        while (reader.TryRead(out var record))
        {
            records++;
            if (record.Family == TraceHeaderFamily.EventHeader)
            {
                if (!decoder.TryDecode(record, out var decoded)) continue;
                SocketRecord? socket = null;
                if (lift.TryRead(record, decoded, ref e))
                {
                    analyzer.Observe(e);
                    socket = analyzer.LastSocket;
                }
                onEvent(record, decoded, socket);
            }
            else if (SocketEventReader.TryReadProcess(record, ref e)) analyzer.Observe(e);
        }
        return records;
    }

    private static TValue? Totals<TKey, TValue>(Dictionary<TKey, TValue> map, TKey key, int max, Func<TKey, TValue> make)
        where TKey : notnull where TValue : class
    {
        if (map.TryGetValue(key, out var value)) return value;
        if (map.Count >= max) return null;
        value = make(key);
        map[key] = value;
        return value;
    }
}
