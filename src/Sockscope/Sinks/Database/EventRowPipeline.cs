using Sockscope.Analysis;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Sources;

namespace Sockscope.Sinks.Database;

/// <summary>
/// Reads, analyses and formats a trace on a thread of its own while the calling thread inserts the rows: SQLite's
/// work and the analysis's take about as long as each other, so on two cores the export takes the longer of them,
/// not their sum. A fixed set of batches goes round, so memory does not grow with the trace.
/// </summary>
internal static class EventRowPipeline
{
    /// <summary>
    /// Runs the analysis of <paramref name="reader"/>, handing each batch of event rows (and the sockets completed with
    /// them) to <paramref name="consume"/> on this thread, in order; returns the analysis's summary. A failure on
    /// either side stops both and is thrown here.
    /// </summary>
    public static AnalysisSummary Run(IEventSource reader, EventRowFormatter formatter, Action<EventRowBatch> consume, CancellationToken cancellation,
        AnalysisLimits? limits = null, int batchRows = 2048, int depth = 4)
    {
        AnalysisSummary? summary = null;
        BatchPipeline.Run(() => new EventRowBatch(batchRows), batch => batch.Clear(), batches =>
        {
            summary = TraceAnalysis.Run(reader, socket => batches.Current.Sockets.Add(socket), limits: limits,
                onEvent: (in EtlRecord record, in DecodedEvent decoded, SocketRecord? socket) =>
                {
                    formatter.Add(batches.Current, record, decoded, socket?.Id);
                    if (batches.Current.IsFull) batches.Publish();
                });
            batches.Publish();
        }, consume, depth, cancellation);
        return summary ?? throw new InvalidOperationException("the analysis ended without a summary");
    }
}
