using System.Buffers.Binary;

namespace Sockscope.Etl;

/// <summary>Bits of <see cref="WmiBufferHeader.BufferFlag"/>.</summary>
[Flags]
internal enum WmiBufferFlags : ushort
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>The buffer was flushed before it filled.</summary>
    FlushMarker = 0x0001,
    /// <summary>Events were lost while this buffer was current.</summary>
    EventsLost = 0x0002,
    /// <summary>A buffer was lost before this one.</summary>
    BufferLost = 0x0004,
    /// <summary>Real-time backup corrupt.</summary>
    RealTimeBackupCorrupt = 0x0008,
    /// <summary>Real-time backup buffer.</summary>
    RealTimeBackup = 0x0010,
    /// <summary><see cref="WmiBufferHeader.ProcessorIndex"/> is a 16-bit processor index.</summary>
    ProcessorIndex = 0x0020,
    /// <summary>The records are XPRESS-compressed from offset 0x48 to the end of the buffer.</summary>
    Compressed = 0x0040,
}

/// <summary>
/// The 0x48-byte WMI_BUFFER_HEADER that starts every buffer of an ETL file. Only the fields a reader needs are kept.
/// </summary>
internal readonly struct WmiBufferHeader
{
    /// <summary>Size of the header in bytes; records start here.</summary>
    public const int Size = 0x48;

    /// <summary>Bytes this buffer takes in the file.</summary>
    public uint BufferSize { get; init; }
    /// <summary>For a compressed buffer: the size once decompressed, header included.</summary>
    public uint SavedOffset { get; init; }
    /// <summary>Flush time stamp, in the session's clock.</summary>
    public long TimeStamp { get; init; }
    /// <summary>Sequence number of the buffer in the session.</summary>
    public long SequenceNumber { get; init; }
    /// <summary>The processor whose events the buffer holds.</summary>
    public ushort ProcessorIndex { get; init; }
    /// <summary>The logger (session) id.</summary>
    public ushort LoggerId { get; init; }
    /// <summary>End of the last record, header included (WMI_BUFFER_HEADER.Offset).</summary>
    public uint FilledBytes { get; init; }
    /// <summary>Buffer flags.</summary>
    public WmiBufferFlags BufferFlag { get; init; }
    /// <summary>Buffer type: 4 for the logfile header buffer, 0 for ordinary ones.</summary>
    public ushort BufferType { get; init; }
    /// <summary>
    /// Low word of the buffer's State: in compressed buffers, the COMPRESSION_FORMAT_* used (3, XPRESS, in every file
    /// Windows is known to write).
    /// </summary>
    public ushort CompressionFormat { get; init; }

    /// <summary>COMPRESSION_FORMAT_XPRESS: MS-XCA plain LZ77.</summary>
    public const ushort CompressionFormatXpress = 3;

    /// <summary>True when the records are XPRESS-compressed.</summary>
    public bool IsCompressed => (BufferFlag & WmiBufferFlags.Compressed) != 0;

    /// <summary>Where the fields lie in the header, named once for <see cref="Read"/>, <see cref="Write"/> and the search.</summary>
    internal static class Offsets
    {
        public const int BufferSize = 0x00;
        public const int SavedOffset = 0x04;
        public const int CurrentOffset = 0x08;
        public const int TimeStamp = 0x10;
        public const int SequenceNumber = 0x18;
        /// <summary>
        /// ProcessorIndex (a word) since Windows 8; before, ETW_BUFFER_CONTEXT { UCHAR ProcessorNumber; UCHAR Alignment; }.
        /// </summary>
        public const int ProcessorIndex = 0x28;
        public const int LoggerId = 0x2A;
        /// <summary>State; its low word is the compression format in compressed buffers.</summary>
        public const int State = 0x2C;
        public const int FilledBytes = 0x30;
        public const int BufferFlag = 0x34;
        public const int BufferType = 0x36;
    }

    /// <summary>Reads a header from the first 0x48 bytes of <paramref name="bytes"/>.</summary>
    public static WmiBufferHeader Read(ReadOnlySpan<byte> bytes)
    {
        var flags = (WmiBufferFlags)BinaryPrimitives.ReadUInt16LittleEndian(bytes[Offsets.BufferFlag..]);
        ushort processor = (flags & WmiBufferFlags.ProcessorIndex) != 0
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[Offsets.ProcessorIndex..])
            : bytes[Offsets.ProcessorIndex];
        return new WmiBufferHeader
        {
            BufferSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[Offsets.BufferSize..]),
            SavedOffset = BinaryPrimitives.ReadUInt32LittleEndian(bytes[Offsets.SavedOffset..]),
            TimeStamp = BinaryPrimitives.ReadInt64LittleEndian(bytes[Offsets.TimeStamp..]),
            SequenceNumber = BinaryPrimitives.ReadInt64LittleEndian(bytes[Offsets.SequenceNumber..]),
            ProcessorIndex = processor,
            LoggerId = BinaryPrimitives.ReadUInt16LittleEndian(bytes[Offsets.LoggerId..]),
            FilledBytes = BinaryPrimitives.ReadUInt32LittleEndian(bytes[Offsets.FilledBytes..]),
            BufferFlag = flags,
            BufferType = BinaryPrimitives.ReadUInt16LittleEndian(bytes[Offsets.BufferType..]),
            CompressionFormat = BinaryPrimitives.ReadUInt16LittleEndian(bytes[Offsets.State..]),
        };
    }

    /// <summary>Writes this header into the first 0x48 bytes of <paramref name="bytes"/> (other fields zero).</summary>
    public void Write(Span<byte> bytes)
    {
        bytes[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[Offsets.BufferSize..], BufferSize);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[Offsets.SavedOffset..], SavedOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[Offsets.CurrentOffset..], SavedOffset);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[Offsets.TimeStamp..], TimeStamp);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[Offsets.SequenceNumber..], SequenceNumber);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[Offsets.ProcessorIndex..], ProcessorIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[Offsets.LoggerId..], LoggerId);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[Offsets.State..], 3); // state: BufferStateFlushed, as in every real file
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[Offsets.FilledBytes..], FilledBytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[Offsets.BufferFlag..], (ushort)BufferFlag);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[Offsets.BufferType..], BufferType);
    }
}
