using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
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
        int batchRows = 2048, int depth = 4)
    {
        using var free = new BlockingCollection<EventRowBatch>(depth);
        using var full = new BlockingCollection<EventRowBatch>(depth);
        for (int i = 0; i < depth; i++) free.Add(new EventRowBatch(batchRows));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        AnalysisSummary? summary = null;
        ExceptionDispatchInfo? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                var batch = free.Take(stop.Token);
                summary = TraceAnalysis.Run(reader, socket => batch.Sockets.Add(socket),
                    onEvent: (in EtlRecord record, in DecodedEvent decoded, SocketRecord? socket) =>
                    {
                        formatter.Add(batch, record, decoded, socket?.Id);
                        if (!batch.IsFull) return;
                        stop.Token.ThrowIfCancellationRequested();
                        full.Add(batch, stop.Token);
                        batch = free.Take(stop.Token);
                    });
                full.Add(batch, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The caller's token, or the consumer failed: either way the reason is known on the calling thread.
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                full.CompleteAdding();
            }
        })
        { IsBackground = true, Name = "sockscope export analysis" };
        producer.Start();
        try
        {
            foreach (var batch in full.GetConsumingEnumerable())
            {
                consume(batch);
                batch.Clear();
                free.Add(batch);
            }
        }
        catch
        {
            stop.Cancel();
            throw;
        }
        finally
        {
            producer.Join();
        }
        failure?.Throw();
        cancellation.ThrowIfCancellationRequested();
        return summary ?? throw new InvalidOperationException("the analysis ended without a summary");
    }
}
