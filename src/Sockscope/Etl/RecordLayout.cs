using System.Buffers.Binary;

namespace Sockscope.Etl;

/// <summary>
/// Where the parts of one record lie, found once when the record is framed: header type, total size, the extended
/// data and the user data. Small and copyable so the reader can keep one per processor stream.
/// </summary>
internal struct RecordLayout
{
    private static readonly bool[] IsTypedHeader = BuildTypedHeaderTable();

    private static bool[] BuildTypedHeaderTable()
    {
        var table = new bool[256];
        foreach (var t in Enum.GetValues<TraceHeaderType>())
            if (t != TraceHeaderType.Message) table[(byte)t] = true;
        return table;
    }

    public TraceHeaderType Type;
    /// <summary>The layout family of <see cref="Type"/>, kept so record properties need not work it out each time.</summary>
    public TraceHeaderFamily Family;
    public int Size;
    public int ExtOffset;
    public int ExtLength;
    public int DataOffset;
    public long Timestamp;
    /// <summary>For WPP messages without a time stamp: none was recorded.</summary>
    public bool HasTimestamp;

    /// <summary>
    /// Frames the record that starts at <paramref name="at"/> in <paramref name="buffer"/>, whose records end at
    /// <paramref name="end"/>. Never reads outside [at, end).
    /// </summary>
    /// <returns>null on success, else why the bytes are no record.</returns>
    public static EtlFault? TryFrame(ReadOnlySpan<byte> buffer, int at, int end, out RecordLayout layout)
    {
        layout = default;
        int avail = end - at;
        if (avail < 8) return new EtlFault(EtlFaultKind.RecordHeaderTruncated);
        var r = buffer.Slice(at, avail);
        byte flags = r[TraceHeaderMarker.Flags];
        TraceHeaderType type;
        int size;
        if ((flags & TraceHeaderMarker.Typed) == TraceHeaderMarker.Typed)
        {
            byte typeByte = r[TraceHeaderMarker.HeaderType];
            type = (TraceHeaderType)typeByte;
            if (!IsTypedHeader[typeByte])
                return new EtlFault(EtlFaultKind.UnknownHeaderType, typeByte);
            size = type.Family().IsKernelKind()
                ? BinaryPrimitives.ReadUInt16LittleEndian(r[KernelHeaderOffsets.Size..])
                : BinaryPrimitives.ReadUInt16LittleEndian(r[EventHeaderOffsets.Size..]);
        }
        else if ((flags & TraceHeaderMarker.MessageMask) == TraceHeaderMarker.Message)
        {
            type = TraceHeaderType.Message;
            size = BinaryPrimitives.ReadUInt16LittleEndian(r[MessageHeaderOffsets.Size..]);
        }
        else
        {
            return new EtlFault(EtlFaultKind.NoHeaderMarker, BinaryPrimitives.ReadUInt32LittleEndian(r));
        }

        var family = type.Family();
        int headerLength = family.HeaderLength();
        if (size == 0) return new EtlFault(EtlFaultKind.RecordSizeZero);
        if (size < headerLength) return new EtlFault(EtlFaultKind.RecordSizeBelowHeader, size, headerLength, family);
        if (size > avail) return new EtlFault(EtlFaultKind.RecordSizePastBuffer, size, size - avail);
        r = r[..size];

        layout.Type = type;
        layout.Family = family;
        layout.Size = size;
        layout.HasTimestamp = true;
        int data = headerLength;
        switch (family)
        {
            case TraceHeaderFamily.System:
            case TraceHeaderFamily.Compact:
            case TraceHeaderFamily.FullHeader:
            case TraceHeaderFamily.Instance:
                // SystemTime and TimeStamp lie at the same offset in these headers.
                layout.Timestamp = BinaryPrimitives.ReadInt64LittleEndian(r[KernelHeaderOffsets.SystemTime..]);
                break;
            case TraceHeaderFamily.PerfInfo:
            {
                layout.Timestamp = BinaryPrimitives.ReadInt64LittleEndian(r[KernelHeaderOffsets.PerfInfoTimeStamp..]);
                // The high byte of Version can announce PEBS index and PMC counters inserted before the data.
                ushort version = BinaryPrimitives.ReadUInt16LittleEndian(r[KernelHeaderOffsets.Version..]);
                int ext = ((version & 0x8000) != 0 ? 8 : 0) + ((version >> 8) & 7) * 8;
                if (data + ext > size) return new EtlFault(EtlFaultKind.PerfInfoItemsPastRecord);
                layout.ExtOffset = data;
                layout.ExtLength = ext;
                data += ext;
                break;
            }
            case TraceHeaderFamily.EventHeader:
            {
                layout.Timestamp = BinaryPrimitives.ReadInt64LittleEndian(r[EventHeaderOffsets.TimeStamp..]);
                ushort eventFlags = BinaryPrimitives.ReadUInt16LittleEndian(r[EventHeaderOffsets.Flags..]);
                if ((eventFlags & EventHeaderOffsets.ExtendedInfoFlag) != 0)
                {
                    int p = data;
                    // Items: Reserved1 u16, ExtType u16, Linkage (bit 0) u16, DataSize u16, data; each 8-aligned.
                    while (true)
                    {
                        if (p + ExtendedItemOffsets.Data > size) return new EtlFault(EtlFaultKind.ExtendedItemHeadPastRecord, p);
                        ushort linkage = BinaryPrimitives.ReadUInt16LittleEndian(r[(p + ExtendedItemOffsets.Linkage)..]);
                        int itemSize = BinaryPrimitives.ReadUInt16LittleEndian(r[(p + ExtendedItemOffsets.DataSize)..]);
                        int next = p + ExtendedItemOffsets.Data + itemSize;
                        if (next > size) return new EtlFault(EtlFaultKind.ExtendedItemPastRecord, p, itemSize);
                        p = (next + 7) & ~7;
                        if ((linkage & 1) == 0) break;
                    }
                    if (p > size) p = size;
                    layout.ExtOffset = data;
                    layout.ExtLength = p - data;
                    data = p;
                }
                break;
            }
            case TraceHeaderFamily.Message:
            {
                ushort options = BinaryPrimitives.ReadUInt16LittleEndian(r[MessageHeaderOffsets.Options..]);
                int p = data;
                if ((options & MessageOptions.Sequence) != 0) p += 4;
                if ((options & MessageOptions.ComponentId) != 0) p += 4;
                else if ((options & MessageOptions.Guid) != 0) p += 16;
                // Space is reserved when either time flag is set, but only TRACE_MESSAGE_TIMESTAMP fills it.
                layout.HasTimestamp = (options & MessageOptions.Timestamp) != 0;
                if ((options & (MessageOptions.Timestamp | MessageOptions.PerformanceTimestamp)) != 0)
                {
                    if (p + 8 > size) return new EtlFault(EtlFaultKind.MessageTimestampPastRecord);
                    if (layout.HasTimestamp) layout.Timestamp = BinaryPrimitives.ReadInt64LittleEndian(r[p..]);
                    p += 8;
                }
                if ((options & MessageOptions.SystemInfo) != 0) p += 8;
                if (p > size) return new EtlFault(EtlFaultKind.MessageItemsPastRecord);
                layout.ExtOffset = data;
                layout.ExtLength = p - data;
                data = p;
                break;
            }
        }
        layout.DataOffset = data;
        return null;
    }
}

/// <summary>MESSAGE_TRACE_HEADER option flags (TRACE_MESSAGE_*).</summary>
internal static class MessageOptions
{
    /// <summary>A 32-bit sequence number follows the header.</summary>
    public const ushort Sequence = 0x0001;
    /// <summary>The message GUID follows.</summary>
    public const ushort Guid = 0x0002;
    /// <summary>A 32-bit component id follows instead of the GUID.</summary>
    public const ushort ComponentId = 0x0004;
    /// <summary>A time stamp follows.</summary>
    public const ushort Timestamp = 0x0008;
    /// <summary>Obsolete; reserves the time stamp's space.</summary>
    public const ushort PerformanceTimestamp = 0x0010;
    /// <summary>Thread and process ids follow.</summary>
    public const ushort SystemInfo = 0x0020;
    /// <summary>Traced by a 32-bit provider.</summary>
    public const ushort Pointer32 = 0x0040;
    /// <summary>Traced by a 64-bit provider.</summary>
    public const ushort Pointer64 = 0x0080;
}
