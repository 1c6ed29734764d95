namespace Sockscope.Etl;

/// <summary>
/// The records of one processor's buffers (or of all buffers, in file order) as a stream that cannot seek delivers
/// them: each buffer is queued as the merge reads it, already in memory as it will be loaded (decompressed when it was
/// compressed), and loaded when the stream reaches it. The stream runs dry when its queue is empty and goes on when
/// the next buffer is queued.
/// </summary>
internal sealed class QueuedBufferStream : BufferStream
{
    /// <summary>A buffer read and waiting: its bytes, and what reading (or decompressing) them gave.</summary>
    private readonly record struct Waiting(BufferEntry Entry, byte[] Bytes, int Read, BufferDecompression Decompression);

    private readonly MergeMemory _memory;
    private readonly Queue<Waiting> _queue = new();

    public QueuedBufferStream(EtlReader reader, MergeMemory memory, int rank) : base(reader, rank) => _memory = memory;

    /// <summary>True while the stream has a record to deliver (in the merge's heap, or the record just delivered).</summary>
    public bool Active;

    /// <summary>Records the merge had delivered when this stream last ran dry (or its window started).</summary>
    public long DrySince;

    /// <summary>
    /// The stream went on after running dry with a record earlier than one delivered meanwhile: its records are late
    /// until one is no longer earlier than every record delivered.
    /// </summary>
    public bool Late;

    /// <summary>Queues an uncompressed buffer whose <paramref name="read"/> file bytes start <paramref name="bytes"/>, which the stream now owns.</summary>
    public void Enqueue(in BufferEntry entry, byte[] bytes, int read) => _queue.Enqueue(new Waiting(entry, bytes, read, default));

    /// <summary>Queues a compressed buffer decompressed into <paramref name="bytes"/>, which the stream now owns.</summary>
    public void Enqueue(in BufferEntry entry, byte[] bytes, in BufferDecompression decompression) =>
        _queue.Enqueue(new Waiting(entry, bytes, 0, decompression));

    private protected override bool LoadNext()
    {
        // The last buffer is done with once the merge has moved on from its last record.
        _memory.Return(ref Data);
        if (!_queue.TryDequeue(out var next)) return false;
        Begin(next.Entry);
        Data = next.Bytes;
        if ((next.Entry.Flags & WmiBufferFlags.Compressed) == 0) Loaded(next.Read);
        else Decompressed(next.Entry, next.Decompression);
        return true;
    }

    public override void Dispose()
    {
        _memory.Return(ref Data);
        while (_queue.TryDequeue(out var waiting))
        {
            var bytes = waiting.Bytes;
            _memory.Return(ref bytes);
        }
    }
}
