using System.Buffers.Binary;
using Sockscope.Etl.Xpress;

namespace Sockscope.Etl;

/// <summary>
/// What a buffer header of one session must say to be believed: its fields against each other, against the logfile
/// header (buffer size, compression, processors) and against the reader's limits. The scanner asks it of every
/// header it meets; the search for the next buffer after damage asks it of every candidate.
/// </summary>
internal sealed class BufferHeaderCheck
{
    /// <summary>Bytes a candidate needs to be judged: the header and the first record's marker byte.</summary>
    public const int ProbeSize = WmiBufferHeader.Size + 8;

    private const int BufferTypeMaximum = 8;
    private const ushort KnownFlags = 0x7F;
    private const int HeaderBufferType = 4;

    private readonly uint _maxBufferSize;
    private readonly uint _decompressedLimit;
    private readonly uint _processorCount;

    /// <summary>
    /// The session's buffer size when every buffer has it (an uncompressed session whose logfile header gave a
    /// believable size), else 0: then sizes vary and each is confirmed by what follows the buffer.
    /// </summary>
    public uint FixedSize { get; }

    /// <summary>The logfile header says the session compresses its buffers.</summary>
    public bool SessionCompressed { get; }

    /// <param name="sessionBufferSize">The logfile header's buffer size; 0 when unknown.</param>
    /// <param name="sessionCompressed">The logfile header's compressed mode.</param>
    /// <param name="processorCount">The logfile header's processor count; 0 when unknown.</param>
    /// <param name="maxBufferSize">The reader's limit (<see cref="EtlReaderOptions.MaxBufferSize"/>).</param>
    public BufferHeaderCheck(uint sessionBufferSize, bool sessionCompressed, uint processorCount, int maxBufferSize)
    {
        _maxBufferSize = (uint)maxBufferSize;
        SessionCompressed = sessionCompressed;
        _processorCount = processorCount;
        bool believable = IsBelievableSessionSize(sessionBufferSize, maxBufferSize);
        FixedSize = believable && !sessionCompressed ? sessionBufferSize : 0;
        // A compressed buffer expands to at most one session buffer; bounding it here bounds what a hostile size costs.
        _decompressedLimit = believable ? (uint)Math.Min(maxBufferSize, Math.Max(sessionBufferSize, 64 * 1024u)) : (uint)maxBufferSize;
    }

    /// <summary>
    /// A session buffer size ETW could have used: whole 8-byte units from 1 KiB to the reader's limit. Anything else
    /// is a damaged logfile header, and buffers are then found by their own headers.
    /// </summary>
    public static bool IsBelievableSessionSize(uint size, int maxBufferSize) =>
        size >= 1024 && size <= (uint)maxBufferSize && size % 8 == 0;

    /// <summary>
    /// What is wrong with <paramref name="h"/> as a buffer header of this session, and why (null when nothing is).
    /// </summary>
    public HeaderFault Judge(in WmiBufferHeader h, out EtlFault? why)
    {
        why = SizeFault(h);
        if (why is not null) return HeaderFault.Size;
        why = UnreadableFault(h);
        if (why is not null) return HeaderFault.Unreadable;
        why = InconsistentFault(h);
        return why is null ? HeaderFault.None : HeaderFault.Inconsistent;
    }

    private EtlFault? SizeFault(in WmiBufferHeader h)
    {
        uint size = h.BufferSize;
        if (size < WmiBufferHeader.Size) return new EtlFault(EtlFaultKind.BufferSmallerThanHeader, size);
        if (size > _maxBufferSize) return new EtlFault(EtlFaultKind.BufferSizeOverLimit, size, _maxBufferSize);
        if (FixedSize != 0 && size != FixedSize)
            return new EtlFault(EtlFaultKind.BufferSizeNotSession, size, FixedSize);
        return null;
    }

    private EtlFault? UnreadableFault(in WmiBufferHeader h)
    {
        if (h.IsCompressed)
        {
            if (h.BufferType == HeaderBufferType) return new EtlFault(EtlFaultKind.HeaderBufferCompressed);
            if (FixedSize != 0) return new EtlFault(EtlFaultKind.CompressedInPlainSession);
            if (h.SavedOffset < WmiBufferHeader.Size || h.SavedOffset > _decompressedLimit)
                return new EtlFault(EtlFaultKind.DecompressedSizeOverLimit, h.SavedOffset, _decompressedLimit);
            if (h.CompressionFormat != WmiBufferHeader.CompressionFormatXpress)
                return new EtlFault(EtlFaultKind.UnknownCompressionFormat, h.CompressionFormat);
            return null;
        }
        if (h.FilledBytes > h.BufferSize) return new EtlFault(EtlFaultKind.FilledPastBuffer, h.FilledBytes, h.BufferSize);
        if (h.FilledBytes < WmiBufferHeader.Size) return new EtlFault(EtlFaultKind.FilledInsideHeader, h.FilledBytes);
        return null;
    }

    private EtlFault? InconsistentFault(in WmiBufferHeader h)
    {
        if (((ushort)h.BufferFlag & ~KnownFlags) != 0) return new EtlFault(EtlFaultKind.UnknownBufferFlags, (ushort)h.BufferFlag);
        if (h.BufferType > BufferTypeMaximum) return new EtlFault(EtlFaultKind.UnknownBufferType, h.BufferType);
        if (_processorCount != 0 && h.ProcessorIndex >= _processorCount)
            return new EtlFault(EtlFaultKind.ProcessorOutOfRange, h.ProcessorIndex, _processorCount);
        if (!h.IsCompressed) return null;
        if (h.FilledBytes != h.SavedOffset)
            return new EtlFault(EtlFaultKind.CompressedEndMismatch, h.FilledBytes, h.SavedOffset);
        // An XPRESS stream holds at least a flags word and one literal, and at most every byte as a literal with a
        // flags word per 32 of them.
        int records = (int)h.SavedOffset - WmiBufferHeader.Size;
        long stream = h.BufferSize - WmiBufferHeader.Size;
        if (records > 0 && stream < 5)
            return new EtlFault(EtlFaultKind.CompressedTooSmall, h.BufferSize, records);
        if (stream > XpressEncoder.MaxCompressedLength(records))
            return new EtlFault(EtlFaultKind.CompressedTooLarge, h.BufferSize, records);
        return null;
    }

    /// <summary>
    /// Whether the bytes at some offset are a buffer header this session could have written: no fault at all, and
    /// for an uncompressed buffer a first record that starts with a record marker. In a compressed session only a
    /// compressed buffer is a candidate: every buffer after the first is compressed.
    /// </summary>
    public bool LooksLikeHeader(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < WmiBufferHeader.Size) return false;
        // The cheapest tests first: a search calls this wherever its filter lets a candidate through.
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (FixedSize != 0 ? size != FixedSize : size < WmiBufferHeader.Size || size > _maxBufferSize) return false;
        var h = WmiBufferHeader.Read(bytes);
        if (SessionCompressed && !h.IsCompressed) return false;
        if (Judge(h, out _) != HeaderFault.None) return false;
        if (!h.IsCompressed && h.FilledBytes >= WmiBufferHeader.Size + 8 && bytes.Length >= WmiBufferHeader.Size + 4)
        {
            byte marker = bytes[WmiBufferHeader.Size + TraceHeaderMarker.Flags];
            if ((marker & TraceHeaderMarker.Typed) != TraceHeaderMarker.Typed
                && (marker & TraceHeaderMarker.MessageMask) != TraceHeaderMarker.Message) return false;
        }
        return true;
    }
}

/// <summary>What is wrong with a buffer header, from worst to none.</summary>
internal enum HeaderFault
{
    /// <summary>Nothing: the header is believed once its size is confirmed.</summary>
    None,
    /// <summary>
    /// A field contradicts another or the logfile header (processor, type, flags, a compressed size that does not fit
    /// its decompressed size) but the records can still be read: believed only when what follows the buffer confirms
    /// its size.
    /// </summary>
    Inconsistent,
    /// <summary>The records cannot be read (unknown compression, impossible bounds); the size may still say where the next buffer is.</summary>
    Unreadable,
    /// <summary>The size itself cannot be right: the next buffer is searched for.</summary>
    Size,
}
