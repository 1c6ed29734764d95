namespace Sockscope.Etl.Writing;

/// <summary>The EVENT_HEADER fields of one event to write.</summary>
internal struct EventHeaderValues
{
    /// <summary>Provider GUID.</summary>
    public Guid ProviderId;
    /// <summary>Event id.</summary>
    public ushort Id;
    /// <summary>Event version.</summary>
    public byte Version;
    /// <summary>Channel.</summary>
    public byte Channel;
    /// <summary>Level.</summary>
    public byte Level;
    /// <summary>Opcode.</summary>
    public byte Opcode;
    /// <summary>Task.</summary>
    public ushort Task;
    /// <summary>Keywords.</summary>
    public ulong Keywords;
    /// <summary>Process id.</summary>
    public uint ProcessId;
    /// <summary>Thread id.</summary>
    public uint ThreadId;
    /// <summary>Raw time stamp in the session clock.</summary>
    public long Timestamp;
    /// <summary>Activity id.</summary>
    public Guid ActivityId;
    /// <summary>Extra EVENT_HEADER_FLAG_* bits (the extended-info and pointer-size bits are set by the writer).</summary>
    public ushort Flags;
    /// <summary>EVENT_HEADER_PROPERTY_* bits.</summary>
    public ushort EventProperty;
    /// <summary>Kernel time units.</summary>
    public uint KernelTime;
    /// <summary>User time units.</summary>
    public uint UserTime;
    /// <summary>True for a 32-bit (WOW64) provider: EVENT_HEADER32 record with 4-byte pointers in the payload.</summary>
    public bool Is32Bit;
}
