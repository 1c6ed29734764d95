using System.Buffers.Binary;

namespace Sockscope.Etl.Writing;

/// <summary>
/// Lays out event records exactly as ETW puts them in its buffers, for every header kind. Each method writes one
/// record into <c>dest</c> and returns its size (the header's Size field; the caller aligns the next record to 8).
/// </summary>
public static class TraceRecordEncoder
{
    /// <summary>Largest record size a 16-bit Size field can state.</summary>
    public const int MaxRecordSize = ushort.MaxValue;

    /// <summary>Bytes an EVENT_HEADER record takes.</summary>
    public static int EventHeaderSize(int userDataLength, ReadOnlySpan<ExtendedDataItemValue> items)
    {
        int size = 0x50;
        foreach (var item in items) size += (8 + item.Data.Length + 7) & ~7;
        return size + userDataLength;
    }

    /// <summary>Writes an EVENT_HEADER record (type 0x12 or 0x13 by <see cref="EventHeaderValues.Is32Bit"/>).</summary>
    public static int EventHeader(Span<byte> dest, in EventHeaderValues h, ReadOnlySpan<byte> userData,
        ReadOnlySpan<ExtendedDataItemValue> items = default)
    {
        int size = CheckSize(EventHeaderSize(userData.Length, items), dest.Length);
        var r = dest[..size];
        r[..0x50].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(r, (ushort)size);
        r[2] = (byte)(h.Is32Bit ? TraceHeaderType.EventHeader32 : TraceHeaderType.EventHeader64);
        r[3] = 0xC0;
        ushort flags = (ushort)(h.Flags & ~0x0061);
        flags |= (ushort)(h.Is32Bit ? 0x0020 : 0x0040);
        if (!items.IsEmpty) flags |= 0x0001;
        BinaryPrimitives.WriteUInt16LittleEndian(r[0x04..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(r[0x06..], h.EventProperty);
        BinaryPrimitives.WriteUInt32LittleEndian(r[0x08..], h.ThreadId);
        BinaryPrimitives.WriteUInt32LittleEndian(r[0x0C..], h.ProcessId);
        BinaryPrimitives.WriteInt64LittleEndian(r[0x10..], h.Timestamp);
        h.ProviderId.TryWriteBytes(r[0x18..]);
        BinaryPrimitives.WriteUInt16LittleEndian(r[0x28..], h.Id);
        r[0x2A] = h.Version;
        r[0x2B] = h.Channel;
        r[0x2C] = h.Level;
        r[0x2D] = h.Opcode;
        BinaryPrimitives.WriteUInt16LittleEndian(r[0x2E..], h.Task);
        BinaryPrimitives.WriteUInt64LittleEndian(r[0x30..], h.Keywords);
        BinaryPrimitives.WriteUInt32LittleEndian(r[0x38..], h.KernelTime);
        BinaryPrimitives.WriteUInt32LittleEndian(r[0x3C..], h.UserTime);
        h.ActivityId.TryWriteBytes(r[0x40..]);
        int p = 0x50;
        for (int i = 0; i < items.Length; i++)
        {
            var data = items[i].Data.Span;
            if (data.Length > ushort.MaxValue) throw new ArgumentException("an extended data item holds at most 65,535 bytes");
            int itemSize = (8 + data.Length + 7) & ~7;
            r.Slice(p, itemSize).Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(r[(p + 2)..], (ushort)items[i].Type);
            BinaryPrimitives.WriteUInt16LittleEndian(r[(p + 4)..], (ushort)(i + 1 < items.Length ? 1 : 0));
            BinaryPrimitives.WriteUInt16LittleEndian(r[(p + 6)..], (ushort)data.Length);
            data.CopyTo(r[(p + 8)..]);
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
        BinaryPrimitives.WriteUInt16LittleEndian(r, version);
        r[2] = (byte)type;
        r[3] = 0xC0;
        BinaryPrimitives.WriteUInt16LittleEndian(r[4..], (ushort)size);
        r[6] = opcode;
        r[7] = group;
        if (family == TraceHeaderFamily.PerfInfo)
        {
            BinaryPrimitives.WriteInt64LittleEndian(r[8..], timestamp);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(r[8..], threadId);
            BinaryPrimitives.WriteUInt32LittleEndian(r[12..], processId);
            BinaryPrimitives.WriteInt64LittleEndian(r[16..], timestamp);
            if (family == TraceHeaderFamily.System)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(r[0x18..], kernelTime);
                BinaryPrimitives.WriteUInt32LittleEndian(r[0x1C..], userTime);
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
        BinaryPrimitives.WriteUInt16LittleEndian(r, (ushort)size);
        r[2] = (byte)type;
        r[3] = 0xC0;
        r[4] = eventType;
        r[5] = level;
        BinaryPrimitives.WriteUInt16LittleEndian(r[6..], version);
        BinaryPrimitives.WriteUInt32LittleEndian(r[8..], threadId);
        BinaryPrimitives.WriteUInt32LittleEndian(r[12..], processId);
        BinaryPrimitives.WriteInt64LittleEndian(r[16..], timestamp);
        guid.TryWriteBytes(r[0x18..]);
        BinaryPrimitives.WriteUInt32LittleEndian(r[0x28..], kernelTime);
        BinaryPrimitives.WriteUInt32LittleEndian(r[0x2C..], userTime);
        if (family == TraceHeaderFamily.Instance)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(r[0x30..], instanceId);
            BinaryPrimitives.WriteUInt32LittleEndian(r[0x34..], parentInstanceId);
            parentGuid.TryWriteBytes(r[0x38..]);
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
        int size = CheckSize(8 + items + data.Length, dest.Length);
        var r = dest[..size];
        r[..(8 + items)].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(r, (ushort)size);
        r[3] = 0x90; // TRACE_HEADER_FLAG | TRACE_MESSAGE, without TRACE_HEADER_EVENT_TRACE
        BinaryPrimitives.WriteUInt16LittleEndian(r[4..], messageNumber);
        BinaryPrimitives.WriteUInt16LittleEndian(r[6..], options);
        int p = 8;
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
