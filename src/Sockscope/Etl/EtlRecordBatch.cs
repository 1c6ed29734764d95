namespace Sockscope.Etl;

/// <summary>
/// Copies of records that outlive the reader's next move, so a batch of them can be handed to another thread (to
/// decode and format while the reader goes on). Each copy reads back as the same <see cref="EtlRecord"/>: bytes,
/// header layout, processor, time stamp and position in the file. Memory is fixed when the batch is made and reused
/// after <see cref="Clear"/>.
/// </summary>
internal sealed class EtlRecordBatch
{
    private struct Entry
    {
        public int Start;
        public RecordLayout Layout;
        public long Timestamp;
        public long BufferOffset;
        public int OffsetInBuffer;
        public ushort ProcessorIndex;
        public bool InCompressedBuffer;
    }

    // A record is at most 65,535 bytes (its size is 16 bits): room for one more past the fill mark means Add
    // never has to grow the array.
    private const int LargestRecord = ushort.MaxValue;

    private readonly Entry[] _entries;
    private readonly byte[] _bytes;
    private readonly int _fillBytes;
    private int _count;
    private int _used;

    /// <summary>Makes an empty batch.</summary>
    /// <param name="records">The most records it holds.</param>
    /// <param name="bytes">It is full once its records' bytes reach this many.</param>
    public EtlRecordBatch(int records = 2048, int bytes = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(records, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        _entries = new Entry[records];
        _fillBytes = bytes;
        _bytes = new byte[bytes + LargestRecord];
    }

    /// <summary>How many records it holds.</summary>
    public int Count => _count;

    /// <summary>True when no more records may be added.</summary>
    public bool IsFull => _count == _entries.Length || _used >= _fillBytes;

    /// <summary>Copies a record in.</summary>
    /// <exception cref="InvalidOperationException">The batch is full.</exception>
    public void Add(in EtlRecord record)
    {
        if (IsFull) throw new InvalidOperationException("the record batch is full");
        var raw = record.Raw;
        raw.CopyTo(_bytes.AsSpan(_used));
        ref var e = ref _entries[_count++];
        e.Start = _used;
        e.Layout = record.Layout;
        e.Timestamp = record.Timestamp;
        e.BufferOffset = record.BufferOffset;
        e.OffsetInBuffer = record.OffsetInBuffer;
        e.ProcessorIndex = record.ProcessorIndex;
        e.InCompressedBuffer = record.InCompressedBuffer;
        // Records start 8-byte aligned, as in a buffer.
        _used += (raw.Length + 7) & ~7;
    }

    /// <summary>The record at <paramref name="index"/>, valid until the batch is cleared.</summary>
    public EtlRecord this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
            ref readonly var e = ref _entries[index];
            return new EtlRecord(_bytes.AsSpan(e.Start, e.Layout.Size), e.Layout, e.ProcessorIndex, e.BufferOffset,
                e.OffsetInBuffer, e.InCompressedBuffer, e.Timestamp);
        }
    }

    /// <summary>Empties the batch for reuse.</summary>
    public void Clear()
    {
        _count = 0;
        _used = 0;
    }
}
