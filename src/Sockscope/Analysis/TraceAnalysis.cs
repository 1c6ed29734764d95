using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Schema;
using Sockscope.Sources;

namespace Sockscope.Analysis;

/// <summary>Runs the analysis over a trace: reads, decodes and analyses, handing each socket on as it completes.</summary>
public static class TraceAnalysis
{
    /// <summary>
    /// Analyses every record of <paramref name="reader"/>; <paramref name="onSocket"/> gets each socket as it closes
    /// (and the ones still open at the end), on the calling thread, and <paramref name="onFinding"/> each finding as it
    /// is found. The summary's totals count every socket and finding; what it keeps for listing is bounded by
    /// <paramref name="limits"/> (<see cref="AnalysisLimits.Default"/> when null). With <paramref name="parallel"/>
    /// true (and more than one processor), reading and decoding run on a second thread while this one analyses: the
    /// results are the same. Left null, that is done for a trace file of <see cref="ParallelFromBytes"/> or more, or of unknown size (a
    /// stream read once).
    /// </summary>
    /// <remarks>
    /// With <paramref name="onEvent"/>, every decoded event is handed to it as it is analysed, with the socket it
    /// was about; a socket's events all come before the socket itself. That runs on one thread.
    /// </remarks>
    public static AnalysisSummary Run(IEventSource reader, Action<SocketRecord>? onSocket, SchemaCatalog? catalog = null, AnalysisLimits? limits = null,
        bool? parallel = null, DecodedEventObserver? onEvent = null, Action<Finding>? onFinding = null)
    {
        var schemas = catalog ?? SchemaCatalog.Winsock;
        return Analyse(reader, onSocket, limits, onFinding, analyzer => onEvent is not null ? RunWithEvents(reader, schemas, analyzer, onEvent)
            : RunBatches(reader, schemas, analyzer, parallel ?? IsLarge(EventSources.Length(reader))));
    }

    /// <summary>
    /// Analyses every record of <paramref name="reader"/> as <see cref="Run(IEventSource, Action{SocketRecord}, SchemaCatalog, AnalysisLimits, bool?, DecodedEventObserver, Action{Finding})"/>
    /// does with an observer of decoded events, seeing the same events in the same order with the same sockets; but
    /// when <paramref name="parallel"/> (and the machine has two processors) the events are decoded on one thread and
    /// analysed on another while this one observes them (<see cref="CopiedEventPipeline"/>), and
    /// <paramref name="onEvent"/> sees each as a copy of its record, its payload cut at <paramref name="maxCopied"/>
    /// bytes, with its socket's byte counts as of the event.
    /// </summary>
    internal static AnalysisSummary Run(IEventSource reader, Action<SocketRecord, SocketRecord>? onSocket, AnalysisLimits? limits, bool parallel,
        CopiedEventObserver onEvent, int maxCopied, Action<Finding>? onFinding)
    {
        if (!parallel || Environment.ProcessorCount == 1)
            return Analyse(reader, onSocket is null ? null : s => onSocket(s, s), limits, onFinding, analyzer => RunCopies(reader, SchemaCatalog.Winsock, analyzer, onEvent, maxCopied));
        // Read, analysed and observed on three threads: the sockets and findings reach the observer in the batches, in order.
        var pipeline = new CopiedEventPipeline(onSocket, onFinding);
        return Analyse(reader, pipeline.OnSocket, limits, pipeline.OnFinding, analyzer => pipeline.Run(reader, SchemaCatalog.Winsock, analyzer, onEvent, maxCopied));
    }

    private static AnalysisSummary Analyse(IEventSource reader, Action<SocketRecord>? onSocket, AnalysisLimits? limits, Action<Finding>? onFinding,
        Func<SocketAnalyzer, long> run)
    {
        limits ??= AnalysisLimits.Default;
        limits.Validate();
        var analyzer = new SocketAnalyzer(reader.Clock, maxFindingsKept: limits.MaxFindingsKept, maxNames: limits.MaxNames);
        var totals = new TraceTotals(limits.MaxTotals);
        analyzer.SocketCompleted += s =>
        {
            totals.Add(s);
            onSocket?.Invoke(s);
        };
        analyzer.FindingFound += f =>
        {
            totals.Add(f);
            onFinding?.Invoke(f);
        };
        long records = run(analyzer);
        var loss = reader.Loss;
        analyzer.ObserveLostEvents(loss.EventsLost, loss.BuffersLost, loss.BuffersWithEventsLost, reader.Clock.ToUtc(loss.Stamp));
        analyzer.Complete();
        totals.Complete(records, analyzer.EventsAnalysed, analyzer.Processes, analyzer.NameLookups, analyzer.NamesDropped);
        return new AnalysisSummary { Totals = totals, Findings = analyzer.Findings, MaxFindingsKept = limits.MaxFindingsKept };
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

    private static long RunCopies(IEventSource reader, SchemaCatalog catalog, SocketAnalyzer analyzer, CopiedEventObserver onEvent, int maxCopied)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCopied);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCopied, CopiedEventPipeline.MaxCopied);
        var feed = new SocketEventFeed(reader, catalog);
        // A batch of the pipeline's size, read and analysed in turn on this thread.
        var batch = new CopiedEventBatch(4096, CopiedEventPipeline.MaxCopied);
        while (feed.Fill(batch, maxCopied) > 0)
        {
            var events = batch.Events;
            var copies = batch.Copies;
            for (int i = 0; i < batch.Count; i++)
            {
                analyzer.Observe(events[i]);
                if (copies[i].Schema is null) continue;
                var socket = analyzer.LastSocket;
                onEvent(copies[i], batch.PayloadOf(i), socket, socket?.BytesSent ?? 0, socket?.BytesReceived ?? 0);
            }
            batch.Reset();
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
}
