namespace Sockscope.Etl;

/// <summary>
/// Predicts the order in which the merge will load a window's compressed buffers, so that they can be decompressed
/// ahead in that order.
/// </summary>
/// <remarks>
/// A stream loads its next buffer right after it delivers the last record of the one before, so a processor's buffer
/// k+1 is wanted when the merge passes the end of its buffer k: at about buffer k's flush time stamp. File order
/// follows the flush of buffer k+1 itself, one buffer of that processor later, and for a quiet processor beside a
/// busy one that can be thousands of buffers. The first buffer of every stream is wanted at once, in rank order.
/// Each stream's buffers keep their own order whatever the time stamps say: a damaged header only costs prefetch
/// hits, never correctness.
/// </remarks>
internal static class LoadOrder
{
    /// <summary>
    /// Fills <paramref name="order"/> with the window indices of the compressed buffers of <paramref name="streams"/>
    /// (each a list of window indices, the streams in rank order) in the predicted load order, and
    /// <paramref name="positionOf"/> with the position of each window buffer in <paramref name="order"/>
    /// (-1 for a buffer that is not there).
    /// </summary>
    /// <returns>How many buffers <paramref name="order"/> holds.</returns>
    public static int Build(List<BufferEntry> window, IReadOnlyList<List<int>> streams, Span<int> order, Span<int> positionOf)
    {
        positionOf[..window.Count].Fill(-1);
        var next = new PriorityQueue<int, (long stamp, int rank)>(streams.Count);
        var cursor = new int[streams.Count];
        for (int s = 0; s < streams.Count; s++)
            if (streams[s].Count > 0) next.Enqueue(s, (long.MinValue, s));
        int count = 0;
        while (next.TryDequeue(out int s, out _))
        {
            var list = streams[s];
            int j = cursor[s]++;
            int index = list[j];
            var entry = window[index];
            if ((entry.Flags & WmiBufferFlags.Compressed) != 0)
            {
                positionOf[index] = count;
                order[count++] = index;
            }
            if (j + 1 < list.Count) next.Enqueue(s, (entry.TimeStamp, s));
        }
        return count;
    }
}
