using System.Buffers;
using Sockscope.Etl.Xpress;

namespace Sockscope.Etl;

/// <summary>
/// The records of a sequence of buffers (one processor's, or all in file order), one at a time: frames each buffer's
/// records and stops a buffer at the first damaged record. Where the buffers come from, and how each is loaded, is the
/// subclass's: by index from a file (<see cref="IndexedBufferStream"/>) or as a stream delivers them
/// (<see cref="QueuedBufferStream"/>).
/// </summary>
internal abstract class BufferStream : IDisposable
{
    private protected readonly EtlReader Reader;
    /// <summary>The loaded buffer, header included (decompressed when it was compressed).</summary>
    private protected byte[] Data = [];
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

    private protected BufferStream(EtlReader reader, int rank)
    {
        Reader = reader;
        Rank = rank;
    }

    public ReadOnlySpan<byte> CurrentBytes => Data.AsSpan(CurrentOffset, Current.Size);
    public ref readonly BufferEntry Buffer => ref _buffer;

    /// <summary>Moves to the next record; false when the stream has no buffer left (for now, for a queued stream).</summary>
    public bool MoveNext()
    {
        while (true)
        {
            if (_pos < _end)
            {
                if (FrameAt(_pos)) return true;
                continue;
            }
            if (!LoadNext()) return false;
        }
    }

    /// <summary>
    /// Loads the stream's next buffer into <see cref="Data"/>: <see cref="Begin"/>, then <see cref="Loaded"/> or
    /// <see cref="Decompressed"/>. False when there is none.
    /// </summary>
    private protected abstract bool LoadNext();

    /// <summary>Starts loading <paramref name="entry"/>: no records until it is loaded.</summary>
    private protected void Begin(in BufferEntry entry)
    {
        _buffer = entry;
        _pos = _end = 0;
        _cutByDecompression = false;
    }

    /// <summary>An uncompressed buffer's <paramref name="read"/> bytes are in <see cref="Data"/>: counts them and sets the records' bounds.</summary>
    private protected void Loaded(int read)
    {
        Reader.AddBytesProcessed(read);
        var h = WmiBufferHeader.Read(Data);
        int end = (int)Math.Min(h.FilledBytes, (uint)read);
        if (end < WmiBufferHeader.Size) end = WmiBufferHeader.Size;
        _pos = WmiBufferHeader.Size;
        _end = end;
    }

    /// <summary>
    /// A compressed buffer is decompressed into <see cref="Data"/>: counts its file bytes, reports a damaged stream and
    /// sets the records' bounds.
    /// </summary>
    private protected void Decompressed(in BufferEntry entry, in BufferDecompression d)
    {
        Reader.AddBytesProcessed(d.BytesRead);
        var header = WmiBufferHeader.Read(Data);
        int expect = entry.MemorySize - WmiBufferHeader.Size;
        int produced = WmiBufferHeader.Size + d.Written;
        if (d.Status != XpressStatus.Done || d.Written < expect)
        {
            var why = d.Status switch
            {
                XpressStatus.InvalidData => new EtlFault(EtlFaultKind.XpressDamaged, d.ErrorAt, d.BytesRead - WmiBufferHeader.Size),
                XpressStatus.DestinationTooSmall => new EtlFault(EtlFaultKind.XpressOverflow),
                _ => new EtlFault(EtlFaultKind.XpressShort, d.Written, expect),
            };
            Reader.ReportCompressionProblem(entry, why, expect - d.Written);
            _cutByDecompression = true;
        }
        _pos = WmiBufferHeader.Size;
        _end = (int)Math.Min(Math.Max(header.FilledBytes, (uint)WmiBufferHeader.Size), (uint)produced);
        if (header.FilledBytes < (uint)WmiBufferHeader.Size || header.FilledBytes > (uint)entry.MemorySize) _end = produced;
    }

    private bool FrameAt(int at)
    {
        var why = RecordLayout.TryFrame(Data, at, _end, out var layout);
        if (why is not { } fault)
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
        if (_cutByDecompression || IsPadding(Data.AsSpan(at, _end - at))) return false;
        Reader.ReportRecordProblem(_buffer, at, fault, _end - at);
        return false;
    }

    private static bool IsPadding(ReadOnlySpan<byte> tail)
    {
        if (tail.IsEmpty) return true;
        byte b = tail[0];
        return (b == 0 || b == 0xFF) && !tail.ContainsAnyExcept(b);
    }

    public virtual void Dispose()
    {
        if (Data.Length > 0) ArrayPool<byte>.Shared.Return(Data);
        Data = [];
    }
}
