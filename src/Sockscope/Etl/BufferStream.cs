using System.Buffers;
using Sockscope.Etl.Xpress;

namespace Sockscope.Etl;

/// <summary>
/// The records of a list of buffers (one processor's, or all in file order), one at a time: loads each buffer,
/// decompresses it if needed, frames its records, and stops a buffer at the first damaged record.
/// </summary>
internal sealed class BufferStream : IDisposable
{
    private readonly EtlReader _reader;
    private readonly List<BufferEntry> _entries;
    private readonly List<int> _indices;
    private int _nextIndex;
    private byte[] _data = [];
    private int _pos;
    private int _end;
    private BufferEntry _buffer;
    private long _lastTimestamp;
    private bool _cutByDecompression;

    /// <summary>The framed record the stream stands on.</summary>
    public RecordLayout Current;
    /// <summary>Offset of <see cref="Current"/> in its buffer.</summary>
    public int CurrentOffset;
    /// <summary>Time stamp of <see cref="Current"/> (for WPP records without one, the previous record's).</summary>
    public long CurrentTimestamp;
    /// <summary>Order among streams, to break time-stamp ties the same way every run.</summary>
    public readonly int Rank;

    public BufferStream(EtlReader reader, List<BufferEntry> entries, List<int> indices, int rank)
    {
        _reader = reader;
        _entries = entries;
        _indices = indices;
        Rank = rank;
    }

    public ReadOnlySpan<byte> CurrentBytes => _data.AsSpan(CurrentOffset, Current.Size);
    public ref readonly BufferEntry Buffer => ref _buffer;

    /// <summary>Moves to the next record; false when the stream's buffers are done.</summary>
    public bool MoveNext()
    {
        while (true)
        {
            if (_pos < _end)
            {
                if (FrameAt(_pos)) return true;
                continue;
            }
            if (_nextIndex >= _indices.Count) return false;
            Load(_indices[_nextIndex++]);
        }
    }

    private bool FrameAt(int at)
    {
        string? why = RecordLayout.TryFrame(_data, at, _end, out var layout);
        if (why is null)
        {
            Current = layout;
            CurrentOffset = at;
            if (layout.HasTimestamp) _lastTimestamp = layout.Timestamp;
            CurrentTimestamp = _lastTimestamp;
            _pos = at + ((layout.Size + 7) & ~7);
            return true;
        }
        _pos = _end;
        // ETW pads the unused tail of a buffer; a tail of one repeated padding byte is not damage.
        if (_cutByDecompression || IsPadding(_data.AsSpan(at, _end - at))) return false;
        _reader.ReportRecordProblem(_buffer, at, why, _end - at);
        return false;
    }

    private static bool IsPadding(ReadOnlySpan<byte> tail)
    {
        if (tail.IsEmpty) return true;
        byte b = tail[0];
        return (b == 0 || b == 0xFF) && !tail.ContainsAnyExcept(b);
    }

    private void Load(int index)
    {
        var entry = _entries[index];
        _buffer = entry;
        _pos = _end = 0;
        _cutByDecompression = false;
        bool compressed = (entry.Flags & WmiBufferFlags.Compressed) != 0;
        if (compressed && _reader.Prefetch is { } prefetch && prefetch.TryTake(index, ref _data, out var ready))
        {
            Account(entry, ready);
            return;
        }
        int need = entry.MemorySize;
        if (_data.Length < need)
        {
            if (_data.Length > 0) ArrayPool<byte>.Shared.Return(_data);
            _data = ArrayPool<byte>.Shared.Rent(need);
        }
        TraceBytes file = _reader.Bytes;
        if (!compressed)
        {
            int read = file.Read(_data.AsSpan(0, entry.Size), entry.Offset);
            _reader.AddBytesProcessed(read);
            var h = WmiBufferHeader.Read(_data);
            int end = (int)Math.Min(h.FilledBytes, (uint)read);
            if (end < WmiBufferHeader.Size) end = WmiBufferHeader.Size;
            _pos = WmiBufferHeader.Size;
            _end = end;
            return;
        }
        byte[] packed = _reader.RentScratch(entry.Size);
        Account(entry, BufferDecompression.Run(file, entry, packed, _data));
    }

    /// <summary>
    /// Counts the file bytes of a decompressed buffer, reports a damaged stream and sets the records' bounds.
    /// </summary>
    private void Account(in BufferEntry entry, in BufferDecompression d)
    {
        _reader.AddBytesProcessed(d.BytesRead);
        var header = WmiBufferHeader.Read(_data);
        int expect = entry.MemorySize - WmiBufferHeader.Size;
        int produced = WmiBufferHeader.Size + d.Written;
        if (d.Status != XpressStatus.Done || d.Written < expect)
        {
            string why = d.Status switch
            {
                XpressStatus.InvalidData => $"XPRESS stream is damaged at byte {d.ErrorAt} of its {d.BytesRead - WmiBufferHeader.Size}",
                XpressStatus.DestinationTooSmall => "XPRESS stream decompresses past the buffer's stated size",
                _ => $"XPRESS stream ends after {d.Written} of {expect} bytes",
            };
            _reader.ReportCompressionProblem(entry, why, expect - d.Written);
            _cutByDecompression = true;
        }
        _pos = WmiBufferHeader.Size;
        _end = (int)Math.Min(Math.Max(header.FilledBytes, (uint)WmiBufferHeader.Size), (uint)produced);
        if (header.FilledBytes < (uint)WmiBufferHeader.Size || header.FilledBytes > (uint)entry.MemorySize) _end = produced;
    }

    public void Dispose()
    {
        if (_data.Length > 0) ArrayPool<byte>.Shared.Return(_data);
        _data = [];
    }
}
