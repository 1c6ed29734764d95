using System.Buffers.Binary;

namespace Sockscope.Etl.Writing;

/// <summary>
/// Lays out event records exactly as ETW puts them in its buffers, for every header kind. Each method writes one
/// record into <c>dest</c> and returns its size (the header's Size field; the caller aligns the next record to 8).
/// </summary>
internal static class TraceRecordEncoder
{
    /// <summary>Largest record size a 16-bit Size field can state.</summary>
    public const int MaxRecordSize = ushort.MaxValue;

    /// <summary>Bytes an EVENT_HEADER record takes.</summary>
    public static int EventHeaderSize(int userDataLength, ReadOnlySpan<ExtendedDataItemValue> items)
    {
        int size = EventHeaderOffsets.Length;
        foreach (var item in items) size += (ExtendedItemOffsets.Data + item.Data.Length + 7) & ~7;
        return size + userDataLength;
    }

    /// <summary>Writes an EVENT_HEADER record (type 0x12 or 0x13 by <see cref="EventHeaderValues.Is32Bit"/>).</summary>
    public static int EventHeader(Span<byte> dest, in EventHeaderValues h, ReadOnlySpan<byte> userData,
        ReadOnlySpan<ExtendedDataItemValue> items = default)
    {
        int size = CheckSize(EventHeaderSize(userData.Length, items), dest.Length);
        int header = EventHeaderOffsets.Length;
        var r = dest[..size];
        r[..header].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(r[EventHeaderOffsets.Size..], (ushort)size);
        r[TraceHeaderMarker.HeaderType] = (byte)(h.Is32Bit ? TraceHeaderType.EventHeader32 : TraceHeaderType.EventHeader64);
        r[TraceHeaderMarker.Flags] = TraceHeaderMarker.Typed;
        const ushort framingFlags = EventHeaderOffsets.ExtendedInfoFlag | EventHeaderOffsets.Header32Flag | EventHeaderOffsets.Header64Flag;
        ushort flags = (ushort)(h.Flags & ~framingFlags);
        flags |= h.Is32Bit ? EventHeaderOffsets.Header32Flag : EventHeaderOffsets.Header64Flag;
        if (!items.IsEmpty) flags |= EventHeaderOffsets.ExtendedInfoFlag;
        BinaryPrimitives.WriteUInt16LittleEndian(r[EventHeaderOffsets.Flags..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(r[EventHeaderOffsets.EventProperty..], h.EventProperty);
        BinaryPrimitives.WriteUInt32LittleEndian(r[EventHeaderOffsets.ThreadId..], h.ThreadId);
        BinaryPrimitives.WriteUInt32LittleEndian(r[EventHeaderOffsets.ProcessId..], h.ProcessId);
        BinaryPrimitives.WriteInt64LittleEndian(r[EventHeaderOffsets.TimeStamp..], h.Timestamp);
        h.ProviderId.TryWriteBytes(r[EventHeaderOffsets.ProviderId..]);
        BinaryPrimitives.WriteUInt16LittleEndian(r[EventHeaderOffsets.Id..], h.Id);
        r[EventHeaderOffsets.Version] = h.Version;
        r[EventHeaderOffsets.Channel] = h.Channel;
        r[EventHeaderOffsets.Level] = h.Level;
        r[EventHeaderOffsets.Opcode] = h.Opcode;
        BinaryPrimitives.WriteUInt16LittleEndian(r[EventHeaderOffsets.Task..], h.Task);
        BinaryPrimitives.WriteUInt64LittleEndian(r[EventHeaderOffsets.Keyword..], h.Keywords);
        BinaryPrimitives.WriteUInt32LittleEndian(r[EventHeaderOffsets.KernelTime..], h.KernelTime);
        BinaryPrimitives.WriteUInt32LittleEndian(r[EventHeaderOffsets.UserTime..], h.UserTime);
        h.ActivityId.TryWriteBytes(r[EventHeaderOffsets.ActivityId..]);
        int p = header;
        for (int i = 0; i < items.Length; i++)
        {
            var data = items[i].Data.Span;
            if (data.Length > ushort.MaxValue) throw new ArgumentException("an extended data item holds at most 65,535 bytes");
            int itemSize = (ExtendedItemOffsets.Data + data.Length + 7) & ~7;
            r.Slice(p, itemSize).Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(r[(p + ExtendedItemOffsets.ExtType)..], (ushort)items[i].Type);
            BinaryPrimitives.WriteUInt16LittleEndian(r[(p + ExtendedItemOffsets.Linkage)..], (ushort)(i + 1 < items.Length ? 1 : 0));
            BinaryPrimitives.WriteUInt16LittleEndian(r[(p + ExtendedItemOffsets.DataSize)..], (ushort)data.Length);
            data.CopyTo(r[(p + ExtendedItemOffsets.Data)..]);
            p += itemSize;
        }
        userData.CopyTo(r[p..]);
        return size;
    }

    /// <summary>
    /// Writes a kernel-logger record: SYSTEM (0x20-byte header), COMPACT (0x18) or PERFINFO (0x10, no process or
    /// thread id) by <paramref name="type"/>.
    /// </summary>
    public static int Kernel(Span<byte> dest, TraceHeaderType type, byte group, byte opcode, ushort version,
        uint threadId, uint processId, long timestamp, ReadOnlySpan<byte> data, uint kernelTime = 0, uint userTime = 0)
    {
        var family = type.Family();
        if (!family.IsKernelKind()) throw new ArgumentException($"{type} is not a kernel header type", nameof(type));
        int header = family.HeaderLength();
        int size = CheckSize(header + data.Length, dest.Length);
        var r = dest[..size];
        r[..header].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(r[KernelHeaderOffsets.Version..], version);
        r[TraceHeaderMarker.HeaderType] = (byte)type;
        r[TraceHeaderMarker.Flags] = TraceHeaderMarker.Typed;
        BinaryPrimitives.WriteUInt16LittleEndian(r[KernelHeaderOffsets.Size..], (ushort)size);
        r[KernelHeaderOffsets.Opcode] = opcode;
        r[KernelHeaderOffsets.Group] = group;
        if (family == TraceHeaderFamily.PerfInfo)
        {
            BinaryPrimitives.WriteInt64LittleEndian(r[KernelHeaderOffsets.PerfInfoTimeStamp..], timestamp);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(r[KernelHeaderOffsets.ThreadId..], threadId);
            BinaryPrimitives.WriteUInt32LittleEndian(r[KernelHeaderOffsets.ProcessId..], processId);
            BinaryPrimitives.WriteInt64LittleEndian(r[KernelHeaderOffsets.SystemTime..], timestamp);
            if (family == TraceHeaderFamily.System)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(r[KernelHeaderOffsets.KernelTime..], kernelTime);
                BinaryPrimitives.WriteUInt32LittleEndian(r[KernelHeaderOffsets.UserTime..], userTime);
            }
        }
        data.CopyTo(r[header..]);
        return size;
    }

    /// <summary>
    /// Writes a classic provider's record: EVENT_TRACE_HEADER (0x30) or, for the instance types,
    /// EVENT_INSTANCE_GUID_HEADER (0x48) with its instance and parent fields.
    /// </summary>
    public static int Classic(Span<byte> dest, TraceHeaderType type, Guid guid, byte eventType, byte level,
        ushort version, uint threadId, uint processId, long timestamp, ReadOnlySpan<byte> data,
        uint instanceId = 0, uint parentInstanceId = 0, Guid parentGuid = default, uint kernelTime = 0, uint userTime = 0)
    {
        var family = type.Family();
        if (family is not (TraceHeaderFamily.FullHeader or TraceHeaderFamily.Instance))
            throw new ArgumentException($"{type} is not a classic header type", nameof(type));
        int header = family.HeaderLength();
        int size = CheckSize(header + data.Length, dest.Length);
        var r = dest[..size];
        r[..header].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(r[ClassicHeaderOffsets.Size..], (ushort)size);
        r[TraceHeaderMarker.HeaderType] = (byte)type;
        r[TraceHeaderMarker.Flags] = TraceHeaderMarker.Typed;
        r[ClassicHeaderOffsets.ClassType] = eventType;
        r[ClassicHeaderOffsets.ClassLevel] = level;
        BinaryPrimitives.WriteUInt16LittleEndian(r[ClassicHeaderOffsets.ClassVersion..], version);
        BinaryPrimitives.WriteUInt32LittleEndian(r[ClassicHeaderOffsets.ThreadId..], threadId);
        BinaryPrimitives.WriteUInt32LittleEndian(r[ClassicHeaderOffsets.ProcessId..], processId);
        BinaryPrimitives.WriteInt64LittleEndian(r[ClassicHeaderOffsets.TimeStamp..], timestamp);
        guid.TryWriteBytes(r[ClassicHeaderOffsets.Guid..]);
        BinaryPrimitives.WriteUInt32LittleEndian(r[ClassicHeaderOffsets.KernelTime..], kernelTime);
        BinaryPrimitives.WriteUInt32LittleEndian(r[ClassicHeaderOffsets.UserTime..], userTime);
        if (family == TraceHeaderFamily.Instance)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(r[ClassicHeaderOffsets.InstanceId..], instanceId);
            BinaryPrimitives.WriteUInt32LittleEndian(r[ClassicHeaderOffsets.ParentInstanceId..], parentInstanceId);
            parentGuid.TryWriteBytes(r[ClassicHeaderOffsets.ParentGuid..]);
        }
        data.CopyTo(r[header..]);
        return size;
    }

    /// <summary>
    /// Writes a WPP MESSAGE_TRACE_HEADER record with the items <paramref name="options"/> (TRACE_MESSAGE_*) asks for:
    /// sequence (0x01), GUID (0x02) or component id (0x04), time stamp (0x08), system information (0x20).
    /// </summary>
    public static int Message(Span<byte> dest, ushort messageNumber, ushort options, Guid messageGuid, uint componentId,
        uint sequence, long timestamp, uint threadId, uint processId, ReadOnlySpan<byte> data)
    {
        int items = 0;
        if ((options & MessageOptions.Sequence) != 0) items += 4;
        if ((options & MessageOptions.ComponentId) != 0) items += 4;
        else if ((options & MessageOptions.Guid) != 0) items += 16;
        if ((options & (MessageOptions.Timestamp | MessageOptions.PerformanceTimestamp)) != 0) items += 8;
        if ((options & MessageOptions.SystemInfo) != 0) items += 8;
        const int header = MessageHeaderOffsets.Items;
        int size = CheckSize(header + items + data.Length, dest.Length);
        var r = dest[..size];
        r[..(header + items)].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(r[MessageHeaderOffsets.Size..], (ushort)size);
        r[TraceHeaderMarker.Flags] = TraceHeaderMarker.Message;
        BinaryPrimitives.WriteUInt16LittleEndian(r[MessageHeaderOffsets.MessageNumber..], messageNumber);
        BinaryPrimitives.WriteUInt16LittleEndian(r[MessageHeaderOffsets.Options..], options);
        int p = header;
        if ((options & MessageOptions.Sequence) != 0) { BinaryPrimitives.WriteUInt32LittleEndian(r[p..], sequence); p += 4; }
        if ((options & MessageOptions.ComponentId) != 0) { BinaryPrimitives.WriteUInt32LittleEndian(r[p..], componentId); p += 4; }
        else if ((options & MessageOptions.Guid) != 0) { messageGuid.TryWriteBytes(r[p..]); p += 16; }
        if ((options & (MessageOptions.Timestamp | MessageOptions.PerformanceTimestamp)) != 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(r[p..], timestamp);
            p += 8;
        }
        if ((options & MessageOptions.SystemInfo) != 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(r[p..], threadId);
            BinaryPrimitives.WriteUInt32LittleEndian(r[(p + 4)..], processId);
            p += 8;
        }
        data.CopyTo(r[p..]);
        return size;
    }

    private static int CheckSize(int size, int room)
    {
        if (size > MaxRecordSize) throw new ArgumentException($"a record of {size} bytes exceeds the 16-bit size field");
        if (size > room) throw new ArgumentException($"a record of {size} bytes does not fit the {room} bytes given");
        return size;
    }
}
