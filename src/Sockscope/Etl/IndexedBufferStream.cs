using System.Buffers;

namespace Sockscope.Etl;

/// <summary>
/// The records of a merge window's buffers given by index (one processor's, or all in file order), each read from
/// the file by offset when the stream reaches it, or taken decompressed from the prefetch worker.
/// </summary>
internal sealed class IndexedBufferStream : BufferStream
{
    private readonly List<BufferEntry> _entries;
    private readonly List<int> _indices;
    private int _nextIndex;

    public IndexedBufferStream(EtlReader reader, List<BufferEntry> entries, List<int> indices, int rank) : base(reader, rank)
    {
        _entries = entries;
        _indices = indices;
    }

    private protected override bool LoadNext()
    {
        if (_nextIndex >= _indices.Count) return false;
        int index = _indices[_nextIndex++];
        var entry = _entries[index];
        Begin(entry);
        bool compressed = (entry.Flags & WmiBufferFlags.Compressed) != 0;
        if (compressed && Reader.Prefetcher is { } prefetch && prefetch.TryTake(index, ref Data, out var ready))
        {
            Decompressed(entry, ready);
            return true;
        }
        int need = entry.MemorySize;
        if (Data.Length < need)
        {
            if (Data.Length > 0) ArrayPool<byte>.Shared.Return(Data);
            Data = ArrayPool<byte>.Shared.Rent(need);
        }
        TraceBytes file = Reader.Bytes;
        if (!compressed)
        {
            Loaded(file.Read(Data.AsSpan(0, entry.Size), entry.Offset));
            return true;
        }
        byte[] packed = Reader.RentScratch(entry.Size);
        Decompressed(entry, BufferDecompression.Run(file, entry, packed, Data));
        return true;
    }
}
