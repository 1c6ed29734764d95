namespace Sockscope.Synthesis;

/// <summary>A process of a synthesised trace, as its kernel Process event names it.</summary>
internal sealed class ProcessTruth
{
    /// <summary>Process id.</summary>
    public uint ProcessId { get; init; }
    /// <summary>The EPROCESS pointer: UniqueProcessKey in the kernel event, the Process field of every AFD event.</summary>
    public ulong ProcessObject { get; init; }
    /// <summary>ImageFileName of the kernel event (for example "chrome.exe").</summary>
    public required string ImageName { get; init; }
    /// <summary>The command line.</summary>
    public required string CommandLine { get; init; }
    /// <summary>Parent process id.</summary>
    public uint ParentId { get; init; }
    /// <summary>True for a 32-bit (WOW64) process.</summary>
    public bool Is32Bit { get; init; }
    /// <summary>True when the process was already running when the trace began (DCStart); false when it started during it (Start).</summary>
    public bool Preexisting { get; init; }
    /// <summary>Sockets of this process that appear in the trace.</summary>
    public long Sockets { get; set; }
    /// <summary>Bytes sent by its sockets.</summary>
    public long BytesSent { get; set; }
    /// <summary>Bytes received by its sockets.</summary>
    public long BytesReceived { get; set; }
}
