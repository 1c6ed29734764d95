using System.Buffers.Binary;

namespace Sockscope.Etl;

/// <summary>
/// One event record of an ETL file: a view over its bytes, valid until the reader moves on. Header fields are read
/// on demand from the bytes, so a consumer pays only for what it looks at. Fields a header kind does not have read
/// as zero (or <see cref="Guid.Empty"/>); <see cref="HasProcessInfo"/> tells whether process and thread ids exist.
/// </summary>
public readonly ref struct EtlRecord
{
    private readonly ReadOnlySpan<byte> _raw;
    private readonly RecordLayout _layout;

    internal EtlRecord(ReadOnlySpan<byte> raw, scoped in RecordLayout layout, ushort processorIndex, long bufferOffset,
        int offsetInBuffer, bool compressedBuffer, long timestamp)
    {
        _raw = raw;
        _layout = layout;
        ProcessorIndex = processorIndex;
        BufferOffset = bufferOffset;
        OffsetInBuffer = offsetInBuffer;
        InCompressedBuffer = compressedBuffer;
        Timestamp = timestamp;
    }

    /// <summary>The whole record, header included.</summary>
    public ReadOnlySpan<byte> Raw => _raw;
    /// <summary>Where the record's parts lie, for a copy of it (<see cref="EtlRecordBatch"/>).</summary>
    internal RecordLayout Layout => _layout;
    /// <summary>The header kind.</summary>
    public TraceHeaderType HeaderType => _layout.Type;
    /// <summary>The header layout family.</summary>
    public TraceHeaderFamily Family => _layout.Family;
    /// <summary>The record size from its header.</summary>
    public int Size => _layout.Size;
    /// <summary>Raw time stamp in the session clock (for a WPP message without one: the previous event's).</summary>
    public long Timestamp { get; }
    /// <summary>The processor whose buffer held the record.</summary>
    public ushort ProcessorIndex { get; }
    /// <summary>File offset of the buffer that holds the record.</summary>
    public long BufferOffset { get; }
    /// <summary>Offset of the record in its buffer (after decompression when <see cref="InCompressedBuffer"/>).</summary>
    public int OffsetInBuffer { get; }
    /// <summary>True when the buffer was compressed, so <see cref="OffsetInBuffer"/> is not a file position.</summary>
    public bool InCompressedBuffer { get; }

    /// <summary>Pointer size of the event data: 4 for 32-bit (WOW64 or 32-bit Windows) records, else 8.</summary>
    public int PointerSize
    {
        get
        {
            int size = _layout.Type.PointerSize();
            if (size != 0) return size;
            return (MessageFlags & MessageOptions.Pointer32) != 0 ? 4 : 8;
        }
    }

    /// <summary>The event payload (user data).</summary>
    public ReadOnlySpan<byte> UserData => _raw[_layout.DataOffset..];

    /// <summary>True when the record has extended data items (an EVENT_HEADER record with any).</summary>
    public bool HasExtendedData => Family == TraceHeaderFamily.EventHeader && _layout.ExtLength > 0;

    /// <summary>The extended data items (EVENT_HEADER records only).</summary>
    public ExtendedDataEnumerator ExtendedData =>
        new(Family == TraceHeaderFamily.EventHeader ? _raw.Slice(_layout.ExtOffset, _layout.ExtLength) : default);

    /// <summary>True when the header carries process and thread ids (all kinds but perfinfo, and WPP without system info).</summary>
    public bool HasProcessInfo => Family switch
    {
        TraceHeaderFamily.PerfInfo => false,
        TraceHeaderFamily.Message => (MessageFlags & MessageOptions.SystemInfo) != 0,
        _ => true,
    };

    // Thread and process ids, and the provider GUID of the classic headers, lie at the same offsets in every header
    // that has them (EVENT_HEADER, EVENT_TRACE_HEADER, SYSTEM_TRACE_HEADER).
    /// <summary>The process id, or 0 when <see cref="HasProcessInfo"/> is false.</summary>
    public uint ProcessId => Family switch
    {
        TraceHeaderFamily.PerfInfo => 0,
        TraceHeaderFamily.Message => MessageSystemInfo(4),
        _ => U32(EventHeaderOffsets.ProcessId),
    };

    /// <summary>The thread id, or 0 when <see cref="HasProcessInfo"/> is false.</summary>
    public uint ThreadId => Family switch
    {
        TraceHeaderFamily.PerfInfo => 0,
        TraceHeaderFamily.Message => MessageSystemInfo(0),
        _ => U32(EventHeaderOffsets.ThreadId),
    };

    /// <summary>
    /// The provider (EVENT_HEADER), event class (classic headers) or message GUID (WPP). Kernel records have none:
    /// see <see cref="Group"/>.
    /// </summary>
    public Guid ProviderId => Family switch
    {
        TraceHeaderFamily.EventHeader or TraceHeaderFamily.FullHeader or TraceHeaderFamily.Instance => ReadGuid(EventHeaderOffsets.ProviderId),
        TraceHeaderFamily.Message => MessageGuid(),
        _ => Guid.Empty,
    };

    /// <summary>The kernel event group (high byte of the hook id) of system, compact and perfinfo records.</summary>
    public byte Group => Family.IsKernelKind() ? _raw[KernelHeaderOffsets.Group] : (byte)0;

    /// <summary>The kernel hook id (group &lt;&lt; 8 | type) of system, compact and perfinfo records.</summary>
    public ushort HookId => Family.IsKernelKind() ? U16(KernelHeaderOffsets.HookId) : (ushort)0;

    /// <summary>Event id: EVENT_HEADER's Id, the hook id of kernel records, the message number of WPP records, else 0.</summary>
    public ushort Id => Family switch
    {
        TraceHeaderFamily.EventHeader => U16(EventHeaderOffsets.Id),
        TraceHeaderFamily.System or TraceHeaderFamily.Compact or TraceHeaderFamily.PerfInfo => U16(KernelHeaderOffsets.HookId),
        TraceHeaderFamily.Message => U16(MessageHeaderOffsets.MessageNumber),
        _ => 0,
    };

    /// <summary>Event version: EVENT_HEADER's Version, the classic header's Class.Version, the kernel header's Version.</summary>
    public ushort Version => Family switch
    {
        TraceHeaderFamily.EventHeader => _raw[EventHeaderOffsets.Version],
        TraceHeaderFamily.FullHeader or TraceHeaderFamily.Instance => U16(ClassicHeaderOffsets.ClassVersion),
        TraceHeaderFamily.System or TraceHeaderFamily.Compact or TraceHeaderFamily.PerfInfo => (ushort)(_raw[KernelHeaderOffsets.Version]),
        _ => 0,
    };

    /// <summary>The channel (EVENT_HEADER only).</summary>
    public byte Channel => Family == TraceHeaderFamily.EventHeader ? _raw[EventHeaderOffsets.Channel] : (byte)0;

    /// <summary>The level (EVENT_HEADER and classic headers).</summary>
    public byte Level => Family switch
    {
        TraceHeaderFamily.EventHeader => _raw[EventHeaderOffsets.Level],
        TraceHeaderFamily.FullHeader or TraceHeaderFamily.Instance => _raw[ClassicHeaderOffsets.ClassLevel],
        _ => 0,
    };

    /// <summary>The opcode: EVENT_HEADER's Opcode, the classic header's Class.Type, or the kernel event type.</summary>
    public byte Opcode => Family switch
    {
        TraceHeaderFamily.EventHeader => _raw[EventHeaderOffsets.Opcode],
        TraceHeaderFamily.FullHeader or TraceHeaderFamily.Instance => _raw[ClassicHeaderOffsets.ClassType],
        TraceHeaderFamily.System or TraceHeaderFamily.Compact or TraceHeaderFamily.PerfInfo => _raw[KernelHeaderOffsets.Opcode],
        _ => 0,
    };

    /// <summary>The task (EVENT_HEADER only).</summary>
    public ushort Task => Family == TraceHeaderFamily.EventHeader ? U16(EventHeaderOffsets.Task) : (ushort)0;

    /// <summary>The keywords (EVENT_HEADER only).</summary>
    public ulong Keywords => Family == TraceHeaderFamily.EventHeader ? BinaryPrimitives.ReadUInt64LittleEndian(_raw[EventHeaderOffsets.Keyword..]) : 0;

    /// <summary>EVENT_HEADER Flags (EVENT_HEADER_FLAG_*).</summary>
    public ushort EventFlags => Family == TraceHeaderFamily.EventHeader ? U16(EventHeaderOffsets.Flags) : (ushort)0;

    /// <summary>EVENT_HEADER EventProperty (EVENT_HEADER_PROPERTY_*).</summary>
    public ushort EventProperty => Family == TraceHeaderFamily.EventHeader ? U16(EventHeaderOffsets.EventProperty) : (ushort)0;

    /// <summary>Kernel-mode CPU time units charged to the thread (0 where the header has none).</summary>
    public uint KernelTime => Family switch
    {
        TraceHeaderFamily.System => U32(KernelHeaderOffsets.KernelTime),
        TraceHeaderFamily.FullHeader or TraceHeaderFamily.Instance => U32(ClassicHeaderOffsets.KernelTime),
        TraceHeaderFamily.EventHeader => U32(EventHeaderOffsets.KernelTime),
        _ => 0,
    };

    /// <summary>User-mode CPU time units charged to the thread (0 where the header has none).</summary>
    public uint UserTime => Family switch
    {
        TraceHeaderFamily.System => U32(KernelHeaderOffsets.UserTime),
        TraceHeaderFamily.FullHeader or TraceHeaderFamily.Instance => U32(ClassicHeaderOffsets.UserTime),
        TraceHeaderFamily.EventHeader => U32(EventHeaderOffsets.UserTime),
        _ => 0,
    };

    /// <summary>The activity id (EVENT_HEADER only).</summary>
    public Guid ActivityId => Family == TraceHeaderFamily.EventHeader ? ReadGuid(EventHeaderOffsets.ActivityId) : Guid.Empty;

    /// <summary>Instance id (EVENT_INSTANCE_GUID_HEADER only).</summary>
    public uint InstanceId => Family == TraceHeaderFamily.Instance ? U32(ClassicHeaderOffsets.InstanceId) : 0;

    /// <summary>Parent instance id (EVENT_INSTANCE_GUID_HEADER only).</summary>
    public uint ParentInstanceId => Family == TraceHeaderFamily.Instance ? U32(ClassicHeaderOffsets.ParentInstanceId) : 0;

    /// <summary>Parent GUID (EVENT_INSTANCE_GUID_HEADER only).</summary>
    public Guid ParentGuid => Family == TraceHeaderFamily.Instance ? ReadGuid(ClassicHeaderOffsets.ParentGuid) : Guid.Empty;

    /// <summary>WPP option flags (TRACE_MESSAGE_*).</summary>
    public ushort MessageFlags => Family == TraceHeaderFamily.Message ? U16(MessageHeaderOffsets.Options) : (ushort)0;

    /// <summary>WPP sequence number when recorded.</summary>
    public uint MessageSequence => (MessageFlags & MessageOptions.Sequence) != 0 ? U32(MessageHeaderOffsets.Items) : 0;

    /// <summary>The related activity id from the extended data, if any.</summary>
    public bool TryGetRelatedActivityId(out Guid id)
    {
        foreach (var item in ExtendedData)
        {
            if (item.Type == ExtendedDataType.RelatedActivityId && item.Data.Length >= 16)
            {
                id = new Guid(item.Data[..16]);
                return true;
            }
        }
        id = Guid.Empty;
        return false;
    }

    /// <summary>The user SID bytes from the extended data, if any.</summary>
    public ReadOnlySpan<byte> UserSid
    {
        get
        {
            foreach (var item in ExtendedData)
                if (item.Type == ExtendedDataType.Sid) return item.Data;
            return default;
        }
    }

    /// <summary>The terminal-services session id from the extended data, or -1.</summary>
    public long TerminalSessionId
    {
        get
        {
            foreach (var item in ExtendedData)
                if (item.Type == ExtendedDataType.TerminalSessionId && item.Data.Length >= 4)
                    return BinaryPrimitives.ReadUInt32LittleEndian(item.Data);
            return -1;
        }
    }

    private ushort U16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(_raw[at..]);
    private uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(_raw[at..]);
    private Guid ReadGuid(int at) => new(_raw.Slice(at, 16));

    private int MessageItemOffset(bool includeGuid, bool includeTime)
    {
        ushort options = U16(MessageHeaderOffsets.Options);
        int p = MessageHeaderOffsets.Items;
        if ((options & MessageOptions.Sequence) != 0) p += 4;
        if (includeGuid)
        {
            if ((options & MessageOptions.ComponentId) != 0) p += 4;
            else if ((options & MessageOptions.Guid) != 0) p += 16;
        }
        if (includeTime && (options & (MessageOptions.Timestamp | MessageOptions.PerformanceTimestamp)) != 0) p += 8;
        return p;
    }

    private Guid MessageGuid()
    {
        ushort options = U16(MessageHeaderOffsets.Options);
        if ((options & MessageOptions.ComponentId) != 0 || (options & MessageOptions.Guid) == 0) return Guid.Empty;
        return ReadGuid(MessageItemOffset(false, false));
    }

    private uint MessageSystemInfo(int delta)
    {
        if ((MessageFlags & MessageOptions.SystemInfo) == 0) return 0;
        return U32(MessageItemOffset(true, true) + delta);
    }
}
