namespace Sockscope.Etl;

/// <summary>EVENT_HEADER_EXT_TYPE_* values of extended data items.</summary>
public enum ExtendedDataType : ushort
{
    /// <summary>Related activity id (GUID).</summary>
    RelatedActivityId = 1,
    /// <summary>The user's SID.</summary>
    Sid = 2,
    /// <summary>Terminal-services session id (u32).</summary>
    TerminalSessionId = 3,
    /// <summary>EVENT_EXTENDED_ITEM_INSTANCE.</summary>
    InstanceInfo = 4,
    /// <summary>Stack trace with 32-bit addresses (u64 match id, then u32 frames).</summary>
    StackTrace32 = 5,
    /// <summary>Stack trace with 64-bit addresses (u64 match id, then u64 frames).</summary>
    StackTrace64 = 6,
    /// <summary>PEBS index.</summary>
    PebsIndex = 7,
    /// <summary>PMC counters.</summary>
    PmcCounters = 8,
    /// <summary>PSM key.</summary>
    PsmKey = 9,
    /// <summary>Event key (u64).</summary>
    EventKey = 10,
    /// <summary>TraceLogging event schema (metadata).</summary>
    EventSchemaTraceLogging = 11,
    /// <summary>Provider traits (TraceLogging provider name and traits).</summary>
    ProviderTraits = 12,
    /// <summary>Process start key (u64).</summary>
    ProcessStartKey = 13,
    /// <summary>Control GUID.</summary>
    ControlGuid = 14,
    /// <summary>QPC delta.</summary>
    QpcDelta = 15,
    /// <summary>Container id (GUID).</summary>
    ContainerId = 16,
    /// <summary>Stack key, 32-bit.</summary>
    StackKey32 = 17,
    /// <summary>Stack key, 64-bit.</summary>
    StackKey64 = 18,
}
