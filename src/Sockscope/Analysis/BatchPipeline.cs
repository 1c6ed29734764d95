namespace Sockscope.Analysis;

/// <summary>
/// Two stages on two threads: a producer fills batches on a thread of its own while the caller's thread consumes
/// them, in the order they were filled. A fixed set of batches goes round, so memory does not grow with the input.
/// An exception in either stage stops both and is thrown to the caller, after the batches filled before it were
/// consumed.
/// </summary>
internal static class BatchPipeline
{
    /// <summary>
    /// Runs <paramref name="fill"/> (which returns how many items it put in the batch, 0 at the end) on a new thread
    /// and <paramref name="consume"/> on this one.
    /// </summary>
    public static void Run<T>(Func<T[], int> fill, Action<T[], int> consume, int batchSize = 4096, int depth = 4) =>
        Run(() => new Filled<T>(new T[batchSize]), b => b.Count = 0, batches =>
        {
            while ((batches.Current.Count = fill(batches.Current.Items)) > 0) batches.Publish();
        }, b => consume(b.Items, b.Count), depth, CancellationToken.None);

    /// <summary>
    /// Runs <paramref name="produce"/> on a new thread: it fills <see cref="Batches{TBatch}.Current"/> and hands it on
    /// with <see cref="Batches{TBatch}.Publish"/> (a batch left unpublished at its end is dropped); this thread
    /// consumes each in order, then <paramref name="reset"/> empties it for reuse. The producer sees
    /// <paramref name="cancellation"/> as an <see cref="OperationCanceledException"/> from Publish.
    /// </summary>
    public static void Run<TBatch>(Func<TBatch> make, Action<TBatch> reset, Action<Batches<TBatch>> produce, Action<TBatch> consume,
        int depth, CancellationToken cancellation) where TBatch : class
    {
        // The batches go round: free ones to the producer, full ones back here. Only depth of them exist, so a
        // producer ahead of the consumer waits for a free one.
        var free = new HandOff<TBatch>(depth);
        var full = new HandOff<TBatch>(depth);
        for (int i = 0; i < depth; i++) free.Add(make());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var producer = new Thread(() =>
        {
            try
            {
                produce(new Batches<TBatch>(free, full, stop.Token));
                full.Complete();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The caller's token, or the consumer failed: either way the reason is known on the calling thread.
                full.Complete();
            }
            catch (Exception e)
            {
                // Carried to the consumer, which throws it once it has consumed the batches published before it.
                full.Complete(e);
            }
        })
        { IsBackground = true, Name = "sockscope producer" };
        producer.Start();
        try
        {
            while (full.TryTake(out var batch))
            {
                consume(batch);
                reset(batch);
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
        cancellation.ThrowIfCancellationRequested();
    }

    private sealed class Filled<T>(T[] items)
    {
        public readonly T[] Items = items;
        public int Count;
    }
}

/// <summary>The producer's side of a <see cref="BatchPipeline"/>: the batch to fill, and handing it on.</summary>
internal sealed class Batches<TBatch> where TBatch : class
{
    private readonly HandOff<TBatch> _free, _full;
    private readonly CancellationToken _stop;
    private TBatch? _current;

    internal Batches(HandOff<TBatch> free, HandOff<TBatch> full, CancellationToken stop)
    {
        _free = free;
        _full = full;
        _stop = stop;
    }

    /// <summary>The batch to fill (taken from the free ones when first asked for).</summary>
    public TBatch Current => _current ??= _free.TryTake(out var batch, _stop) ? batch : throw new InvalidOperationException("the free batches were closed");

    /// <summary>Hands the current batch to the consumer; the next <see cref="Current"/> is an empty one.</summary>
    public void Publish()
    {
        _stop.ThrowIfCancellationRequested();
        _full.Add(Current, _stop);
        _current = null;
    }
}
