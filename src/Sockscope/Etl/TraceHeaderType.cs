namespace Sockscope.Etl;

/// <summary>
/// The kind of trace header that starts an event record in an ETL buffer: the byte at record offset 2
/// (NTWMI.H's TRACE_HEADER_TYPE_* values), or <see cref="Message"/> for WPP message headers, which carry
/// no type byte and are told apart by their marker flags.
/// </summary>
public enum TraceHeaderType : byte
{
    /// <summary>SYSTEM_TRACE_HEADER, 32-bit event data (kernel logger events).</summary>
    System32 = 0x01,
    /// <summary>SYSTEM_TRACE_HEADER, 64-bit event data.</summary>
    System64 = 0x02,
    /// <summary>Compact SYSTEM_TRACE_HEADER (no kernel/user time), 32-bit event data.</summary>
    Compact32 = 0x03,
    /// <summary>Compact SYSTEM_TRACE_HEADER, 64-bit event data.</summary>
    Compact64 = 0x04,
    /// <summary>EVENT_TRACE_HEADER (classic provider), 32-bit event data.</summary>
    FullHeader32 = 0x0A,
    /// <summary>EVENT_INSTANCE_GUID_HEADER, 32-bit event data.</summary>
    Instance32 = 0x0B,
    /// <summary>MESSAGE_TRACE_HEADER (WPP software tracing).</summary>
    Message = 0x0F,
    /// <summary>PERFINFO_TRACE_HEADER (no process or thread id), 32-bit event data.</summary>
    PerfInfo32 = 0x10,
    /// <summary>PERFINFO_TRACE_HEADER, 64-bit event data.</summary>
    PerfInfo64 = 0x11,
    /// <summary>EVENT_HEADER (manifest, EventSource and TraceLogging events), 32-bit event data.</summary>
    EventHeader32 = 0x12,
    /// <summary>EVENT_HEADER, 64-bit event data.</summary>
    EventHeader64 = 0x13,
    /// <summary>EVENT_TRACE_HEADER, 64-bit event data.</summary>
    FullHeader64 = 0x14,
    /// <summary>EVENT_INSTANCE_GUID_HEADER, 64-bit event data.</summary>
    Instance64 = 0x15,
}

/// <summary>Groups the header types by layout, pointer size aside.</summary>
public enum TraceHeaderFamily : byte
{
    /// <summary>SYSTEM_TRACE_HEADER with kernel and user time (0x20 bytes).</summary>
    System,
    /// <summary>Compact SYSTEM_TRACE_HEADER (0x18 bytes).</summary>
    Compact,
    /// <summary>PERFINFO_TRACE_HEADER (0x10 bytes).</summary>
    PerfInfo,
    /// <summary>EVENT_TRACE_HEADER (0x30 bytes).</summary>
    FullHeader,
    /// <summary>EVENT_INSTANCE_GUID_HEADER (0x48 bytes).</summary>
    Instance,
    /// <summary>EVENT_HEADER (0x50 bytes, then extended data items).</summary>
    EventHeader,
    /// <summary>MESSAGE_TRACE_HEADER (8 bytes, then optional items).</summary>
    Message,
}

/// <summary>Layout facts per <see cref="TraceHeaderType"/>.</summary>
internal static class TraceHeaderTypes
{
    /// <summary>The layout family of a header type.</summary>
    public static TraceHeaderFamily Family(this TraceHeaderType type) => type switch
    {
        TraceHeaderType.System32 or TraceHeaderType.System64 => TraceHeaderFamily.System,
        TraceHeaderType.Compact32 or TraceHeaderType.Compact64 => TraceHeaderFamily.Compact,
        TraceHeaderType.PerfInfo32 or TraceHeaderType.PerfInfo64 => TraceHeaderFamily.PerfInfo,
        TraceHeaderType.FullHeader32 or TraceHeaderType.FullHeader64 => TraceHeaderFamily.FullHeader,
        TraceHeaderType.Instance32 or TraceHeaderType.Instance64 => TraceHeaderFamily.Instance,
        TraceHeaderType.EventHeader32 or TraceHeaderType.EventHeader64 => TraceHeaderFamily.EventHeader,
        _ => TraceHeaderFamily.Message,
    };

    /// <summary>
    /// Pointer size of the event data (4 or 8). For WPP messages it is not in the type; 0 is returned and the
    /// record's option flags decide.
    /// </summary>
    public static int PointerSize(this TraceHeaderType type) => type switch
    {
        TraceHeaderType.System32 or TraceHeaderType.Compact32 or TraceHeaderType.FullHeader32 or
        TraceHeaderType.Instance32 or TraceHeaderType.PerfInfo32 or TraceHeaderType.EventHeader32 => 4,
        TraceHeaderType.Message => 0,
        _ => 8,
    };

    /// <summary>Fixed header length in bytes before any optional items.</summary>
    public static int HeaderLength(this TraceHeaderFamily family) => family switch
    {
        TraceHeaderFamily.System => KernelHeaderOffsets.SystemLength,
        TraceHeaderFamily.Compact => KernelHeaderOffsets.CompactLength,
        TraceHeaderFamily.PerfInfo => KernelHeaderOffsets.PerfInfoLength,
        TraceHeaderFamily.FullHeader => ClassicHeaderOffsets.Length,
        TraceHeaderFamily.Instance => ClassicHeaderOffsets.InstanceLength,
        TraceHeaderFamily.EventHeader => EventHeaderOffsets.Length,
        _ => MessageHeaderOffsets.Items,
    };

    /// <summary>True for the kernel-logger headers whose event is identified by group and type (hook id).</summary>
    public static bool IsKernelKind(this TraceHeaderFamily family) =>
        family is TraceHeaderFamily.System or TraceHeaderFamily.Compact or TraceHeaderFamily.PerfInfo;

    /// <summary>The name dissect.etl and NTWMI.H use for the header layout.</summary>
    public static string LayoutName(this TraceHeaderFamily family) => family switch
    {
        TraceHeaderFamily.System => "SystemHeader",
        TraceHeaderFamily.Compact => "CompactHeader",
        TraceHeaderFamily.PerfInfo => "PerfinfoTraceHeader",
        TraceHeaderFamily.FullHeader => "EventTraceHeader",
        TraceHeaderFamily.Instance => "EventInstanceGuidHeader",
        TraceHeaderFamily.EventHeader => "EventHeader",
        _ => "MessageTraceHeader",
    };
}
