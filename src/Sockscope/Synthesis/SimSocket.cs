using Sockscope.Analysis;

namespace Sockscope.Synthesis;

/// <summary>A socket of the synthesised machine: what it really is, and its truth record.</summary>
internal sealed class SimSocket
{
    public required SimProcess P { get; init; }
    public ulong Endpoint { get; init; }
    public int Family { get; init; }
    public int Type { get; init; }
    public int Protocol { get; init; }
    /// <summary>The application thread that works the socket.</summary>
    public uint Thread { get; set; }
    /// <summary>The user buffer its sends and receives use (sequential operations reuse it, as applications do).</summary>
    public ulong Buffer { get; init; }
    public ulong Handle { get; set; }
    public SimAddress? Local { get; set; }
    public SimAddress? Remote { get; set; }
    /// <summary>Windows 7: listen() logs nothing; the socket is known to listen from its first connection indication.</summary>
    public bool PendingListen { get; set; }
    public bool Seen { get; set; }
    public bool Closed { get; set; }
    public SocketRecord? Record { get; set; }
}
