using Sockscope.Schema;
using Sockscope.Etl;

namespace Sockscope.Analysis;

/// <summary>
/// Three stages on three threads for an observer of copied events (the report): one thread reads and decodes, one
/// analyses, and the calling thread observes each analysed batch, its events, completed sockets and findings in the
/// order one thread would see them. The observer's work (keeping events, ranking sockets) then no longer waits on
/// the analysis, nor the analysis on it. A fixed set of batches goes round, so memory does not grow with the input.
/// An exception in any stage stops them all and is thrown to the caller after the batches before it were observed.
/// </summary>
/// <param name="onSocket">Gets each completed socket and a copy of its values as they were when it completed: the
/// record itself can still change afterwards on the analysing thread (a later event on a reused handle), so what the
/// observer reads at once must come from the copy, while the record serves once every stage has ended.</param>
/// <param name="onFinding">Gets each finding.</param>
internal sealed class CopiedEventPipeline(Action<SocketRecord, SocketRecord>? onSocket, Action<Finding>? onFinding)
{
    // Events per batch, and bytes of payload: Winsock payloads are about a hundred bytes, so a batch is seldom handed on for room.
    private const int BatchEvents = 4096, BatchBytes = 1 << 20, Depth = 4;

    // The batch being analysed (on the analysing thread), and its event; null before and after the stages run.
    private CopiedEventBatch? _analysing;
    private int _at;

    /// <summary>Largest payload copy a batch allows.</summary>
    public const int MaxCopied = BatchBytes;

    /// <summary>Sees a socket completed: noted in the batch being analysed, else (before or after the stages) handed on at once.</summary>
    public void OnSocket(SocketRecord s)
    {
        if (_analysing is { } b) b.Notes.Add(new CopiedEventNote(_at, s, onSocket is null ? null : s.Seen(), null));
        else onSocket?.Invoke(s, s);
    }

    /// <summary>Sees a finding: noted in the batch being analysed, else handed on at once.</summary>
    public void OnFinding(Finding f)
    {
        if (_analysing is { } b) b.Notes.Add(new CopiedEventNote(_at, null, null, f));
        else onFinding?.Invoke(f);
    }

    /// <summary>Reads, analyses and observes every record of <paramref name="reader"/>; returns the records read.</summary>
    public long Run(IEventSource reader, SchemaCatalog catalog, SocketAnalyzer analyzer, CopiedEventObserver onEvent, int maxCopied)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCopied);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCopied, BatchBytes);
        var feed = new SocketEventFeed(reader, catalog);
        var free = new HandOff<CopiedEventBatch>(Depth);
        var full = new HandOff<CopiedEventBatch>(Depth);
        var analysed = new HandOff<CopiedEventBatch>(Depth);
        for (int i = 0; i < Depth; i++) free.Add(new CopiedEventBatch(BatchEvents, BatchBytes));
        using var stop = new CancellationTokenSource();
        var reading = Stage("sockscope producer", full, stop, () =>
        {
            while (free.TryTake(out var batch, stop.Token) && feed.Fill(batch, maxCopied) > 0) full.Add(batch, stop.Token);
        });
        var analysing = Stage("sockscope analysis", analysed, stop, () =>
        {
            while (full.TryTake(out var batch, stop.Token))
            {
                Analyse(batch, analyzer);
                analysed.Add(batch, stop.Token);
            }
        });
        reading.Start();
        analysing.Start();
        try
        {
            while (analysed.TryTake(out var batch))
            {
                Observe(batch, onEvent);
                batch.Reset();
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
            reading.Join();
            analysing.Join();
        }
        return feed.Records;
    }

    private void Analyse(CopiedEventBatch batch, SocketAnalyzer analyzer)
    {
        var events = batch.Events;
        var copies = batch.Copies;
        _analysing = batch;
        try
        {
            for (int i = 0; i < batch.Count; i++)
            {
                _at = i;
                analyzer.Observe(events[i]);
                if (copies[i].Schema is null || analyzer.LastSocket is not { } s) continue;
                batch.Sockets[i] = s;
                batch.Sent[i] = s.BytesSent;
                batch.Received[i] = s.BytesReceived;
            }
        }
        finally
        {
            _analysing = null;
        }
    }

    private void Observe(CopiedEventBatch batch, CopiedEventObserver onEvent)
    {
        var copies = batch.Copies;
        var notes = batch.Notes;
        int note = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            while (note < notes.Count && notes[note].Before == i) Hand(notes[note++]);
            if (copies[i].Schema is not null) onEvent(copies[i], batch.PayloadOf(i), batch.Sockets[i], batch.Sent[i], batch.Received[i]);
        }
        while (note < notes.Count) Hand(notes[note++]);
    }

    private void Hand(in CopiedEventNote n)
    {
        if (n.Socket is { } s) onSocket?.Invoke(s, n.Seen ?? s);
        else if (n.Finding is { } f) onFinding?.Invoke(f);
    }

    /// <summary>A stage's thread: its output completed when it ends, with its exception when it fails.</summary>
    private static Thread Stage(string name, HandOff<CopiedEventBatch> output, CancellationTokenSource stop, Action body) => new(() =>
    {
        try
        {
            body();
            output.Complete();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The observer failed: the reason is known on the calling thread.
            output.Complete();
        }
        catch (Exception e)
        {
            // Carried on stage by stage, thrown to the caller once the batches before it were observed.
            output.Complete(e);
        }
    })
    { IsBackground = true, Name = name };
}
