using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

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
    public static void Run<T>(Func<T[], int> fill, Action<T[], int> consume, int batchSize = 4096, int depth = 4)
    {
        using var free = new BlockingCollection<T[]>(depth);
        using var full = new BlockingCollection<(T[] Items, int Count)>(depth);
        for (int i = 0; i < depth; i++) free.Add(new T[batchSize]);
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    var batch = free.Take(stop.Token);
                    int n = fill(batch);
                    if (n == 0) break;
                    full.Add((batch, n), stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
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
        { IsBackground = true, Name = "sockscope producer" };
        producer.Start();
        try
        {
            foreach (var (items, count) in full.GetConsumingEnumerable())
            {
                consume(items, count);
                free.Add(items);
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
    }
}
