namespace Sockscope.Etl;

// Where each field of the event record headers lies, named once: the reader (RecordLayout, EtlRecord,
// ExtendedDataItem) and the writer (Writing/TraceRecordEncoder) both take their offsets from here, so the two cannot
// drift apart. Names and layouts follow NTWMI.H and evntcons.h.

/// <summary>The first 4 bytes every record header shares, and the marker bits of its flags byte.</summary>
internal static class TraceHeaderMarker
{
    /// <summary>The header type byte (<see cref="TraceHeaderType"/>) of the typed headers.</summary>
    public const int HeaderType = 0x02;
    /// <summary>The marker (flags) byte.</summary>
    public const int Flags = 0x03;
    /// <summary>TRACE_HEADER_FLAG | TRACE_HEADER_EVENT_TRACE: a header typed by <see cref="HeaderType"/>.</summary>
    public const byte Typed = 0xC0;
    /// <summary>The bits that tell a WPP message's marker from others.</summary>
    public const byte MessageMask = 0xD0;
    /// <summary>TRACE_HEADER_FLAG | TRACE_MESSAGE, without TRACE_HEADER_EVENT_TRACE: a WPP message.</summary>
    public const byte Message = 0x90;
}

/// <summary>EVENT_HEADER (0x50 bytes, then the extended data items).</summary>
internal static class EventHeaderOffsets
{
    public const int Size = 0x00;
    public const int Flags = 0x04;
    public const int EventProperty = 0x06;
    public const int ThreadId = 0x08;
    public const int ProcessId = 0x0C;
    public const int TimeStamp = 0x10;
    public const int ProviderId = 0x18;
    public const int Id = 0x28;
    public const int Version = 0x2A;
    public const int Channel = 0x2B;
    public const int Level = 0x2C;
    public const int Opcode = 0x2D;
    public const int Task = 0x2E;
    public const int Keyword = 0x30;
    public const int KernelTime = 0x38;
    public const int UserTime = 0x3C;
    public const int ActivityId = 0x40;
    /// <summary>The header's length: the extended data items, if any, start here.</summary>
    public const int Length = 0x50;

    /// <summary>EVENT_HEADER_FLAG_EXTENDED_INFO: extended data items follow the header.</summary>
    public const ushort ExtendedInfoFlag = 0x0001;
    /// <summary>EVENT_HEADER_FLAG_32_BIT_HEADER.</summary>
    public const ushort Header32Flag = 0x0020;
    /// <summary>EVENT_HEADER_FLAG_64_BIT_HEADER.</summary>
    public const ushort Header64Flag = 0x0040;
}

/// <summary>EVENT_HEADER_EXTENDED_DATA_ITEM as it lies in a record: an 8-byte head, then the data, 8-aligned.</summary>
internal static class ExtendedItemOffsets
{
    public const int ExtType = 0x02;
    /// <summary>Bit 0 set: another item follows.</summary>
    public const int Linkage = 0x04;
    public const int DataSize = 0x06;
    /// <summary>Where the data starts, and so the length of the head.</summary>
    public const int Data = 0x08;
}

/// <summary>EVENT_TRACE_HEADER (0x30 bytes) and EVENT_INSTANCE_GUID_HEADER (0x48), which extends it.</summary>
internal static class ClassicHeaderOffsets
{
    public const int Size = 0x00;
    /// <summary>Class.Type: the opcode.</summary>
    public const int ClassType = 0x04;
    public const int ClassLevel = 0x05;
    public const int ClassVersion = 0x06;
    public const int ThreadId = 0x08;
    public const int ProcessId = 0x0C;
    public const int TimeStamp = 0x10;
    public const int Guid = 0x18;
    public const int KernelTime = 0x28;
    public const int UserTime = 0x2C;
    public const int InstanceId = 0x30;
    public const int ParentInstanceId = 0x34;
    public const int ParentGuid = 0x38;
    /// <summary>EVENT_TRACE_HEADER's length.</summary>
    public const int Length = 0x30;
    /// <summary>EVENT_INSTANCE_GUID_HEADER's length.</summary>
    public const int InstanceLength = 0x48;
}

/// <summary>
/// SYSTEM_TRACE_HEADER (0x20 bytes), its compact form (0x18, no CPU times) and PERFINFO_TRACE_HEADER (0x10, the time
/// stamp where the others keep thread and process ids).
/// </summary>
internal static class KernelHeaderOffsets
{
    public const int Version = 0x00;
    public const int Size = 0x04;
    /// <summary>The hook id: event type (opcode) in its low byte, group in its high byte.</summary>
    public const int HookId = 0x06;
    public const int Opcode = 0x06;
    public const int Group = 0x07;
    public const int ThreadId = 0x08;
    public const int ProcessId = 0x0C;
    public const int SystemTime = 0x10;
    public const int KernelTime = 0x18;
    public const int UserTime = 0x1C;
    public const int PerfInfoTimeStamp = 0x08;
    public const int SystemLength = 0x20;
    public const int CompactLength = 0x18;
    public const int PerfInfoLength = 0x10;
}

/// <summary>MESSAGE_TRACE_HEADER (8 bytes, then the items its options ask for, in this order).</summary>
internal static class MessageHeaderOffsets
{
    public const int Size = 0x00;
    public const int MessageNumber = 0x04;
    public const int Options = 0x06;
    /// <summary>Where the first optional item starts.</summary>
    public const int Items = 0x08;
}
