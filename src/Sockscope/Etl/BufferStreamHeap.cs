namespace Sockscope.Etl;

/// <summary>
/// The streams of a merge that stand on a record, the earliest on top: by time stamp, ties by rank, so the order is
/// the same every run.
/// </summary>
internal sealed class BufferStreamHeap
{
    private BufferStream?[] _items = new BufferStream?[8];

    public int Count { get; private set; }

    /// <summary>The stream with the earliest record (the heap must not be empty).</summary>
    public BufferStream Top => _items[0]!;

    /// <summary>True when <paramref name="a"/>'s record comes before <paramref name="b"/>'s.</summary>
    public static bool Before(BufferStream a, BufferStream b) =>
        a.CurrentTimestamp < b.CurrentTimestamp || (a.CurrentTimestamp == b.CurrentTimestamp && a.Rank < b.Rank);

    public void Clear()
    {
        Array.Clear(_items, 0, Count);
        Count = 0;
    }

    public void Push(BufferStream s)
    {
        if (Count == _items.Length) Array.Resize(ref _items, Count * 2);
        int i = Count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Before(s, _items[parent]!)) break;
            _items[i] = _items[parent];
            i = parent;
        }
        _items[i] = s;
    }

    public BufferStream Pop()
    {
        var top = _items[0]!;
        var last = _items[--Count]!;
        _items[Count] = null;
        if (Count > 0) SiftDown(last);
        return top;
    }

    /// <summary>Takes the top stream out and puts <paramref name="s"/> in: one sift, not two.</summary>
    public BufferStream ReplaceTop(BufferStream s)
    {
        var top = _items[0]!;
        SiftDown(s);
        return top;
    }

    /// <summary>Puts <paramref name="last"/> at the top of the heap (replacing what was there) and moves it down to its place.</summary>
    private void SiftDown(BufferStream last)
    {
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= Count) break;
            if (child + 1 < Count && Before(_items[child + 1]!, _items[child]!)) child++;
            if (!Before(_items[child]!, last)) break;
            _items[i] = _items[child];
            i = child;
        }
        _items[i] = last;
    }
}
