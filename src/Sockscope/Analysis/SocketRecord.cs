using System.Net;

namespace Sockscope.Analysis;

/// <summary>
/// One socket's life, rebuilt from the trace: one record per AFD endpoint (or, in traces without AFD events, per
/// Winsock-Sockets socket handle).
/// </summary>
public sealed class SocketRecord
{
    // Made when first asked for: most sockets have no datagram peers and no options, and three empty collections
    // were a quarter of what each socket allocated. The writers read them through the OrNull views, which make none.
    private List<IPEndPoint>? _peers;
    private List<PeerTraffic>? _peerTraffic;
    private Dictionary<string, ulong>? _options;

    /// <summary>The datagram peers, or null when there are none yet (reading <see cref="Peers"/> would make the list).</summary>
    internal List<IPEndPoint>? PeersOrNull => _peers;
    /// <summary>The peers' traffic, or null when there is none yet.</summary>
    internal List<PeerTraffic>? PeerTrafficOrNull => _peerTraffic;
    /// <summary>The options set, or null when none were.</summary>
    internal Dictionary<string, ulong>? OptionsOrNull => _options;

    /// <summary>
    /// A copy of the socket's values as they are now, for a reader on another thread while the analysis goes on: its
    /// plain values stay as they were; its peer and option collections are the record's own, not to be read there.
    /// </summary>
    internal SocketRecord Seen() => (SocketRecord)MemberwiseClone();

    /// <summary>The socket's number in its trace's analysis: 1, 2, … in the order the sockets were first seen.</summary>
    public long Id { get; set; }
    /// <summary>The AFD endpoint pointer (the socket's identity in the kernel); 0 for a Sockets-only socket.</summary>
    public ulong Endpoint { get; set; }
    /// <summary>The ws2_32 socket handle when the Winsock-Sockets provider named it; 0 otherwise.</summary>
    public ulong SocketHandle { get; set; }
    /// <summary>The owning process id.</summary>
    public uint ProcessId { get; set; }
    /// <summary>The owning process's EPROCESS pointer (AFD events' Process field).</summary>
    public ulong ProcessObject { get; set; }
    /// <summary>The process image name, when the trace has it.</summary>
    public string? ProcessName { get; set; }
    /// <summary>The protocol number (6 TCP, 17 UDP, …), or -1 when unknown.</summary>
    public int Protocol { get; set; } = -1;
    /// <summary>The address family (2 IPv4, 23 IPv6, …), or -1 when unknown.</summary>
    public int Family { get; set; } = -1;
    /// <summary>The socket type (1 stream, 2 datagram, …), or -1 when unknown.</summary>
    public int SocketType { get; set; } = -1;
    /// <summary>The local address and port, when known.</summary>
    public IPEndPoint? Local { get; set; }
    /// <summary>The remote address and port, when known.</summary>
    public IPEndPoint? Remote { get; set; }
    /// <summary>The host name the process resolved to <see cref="Remote"/> (or, for a datagram socket without a
    /// remote, to its first named peer) before using it, from the NameResolution events; null when none did.</summary>
    public string? RemoteName { get; set; }
    /// <summary>Datagram peers (UDP), in the order first seen.</summary>
    public List<IPEndPoint> Peers => _peers ??= new();
    /// <summary>What went to and came from each datagram peer: one entry per <see cref="Peers"/> entry, in the same order.</summary>
    public List<PeerTraffic> PeerTraffic => _peerTraffic ??= new();
    /// <summary>When the socket was created (UTC), or null when it existed before the trace began.</summary>
    public DateTime? Opened { get; set; }
    /// <summary>When the socket was closed (UTC), or null when it outlived the trace.</summary>
    public DateTime? Closed { get; set; }
    /// <summary>Bytes sent.</summary>
    public long BytesSent { get; set; }
    /// <summary>Bytes received.</summary>
    public long BytesReceived { get; set; }
    /// <summary>Send operations.</summary>
    public long Sends { get; set; }
    /// <summary>Receive operations.</summary>
    public long Receives { get; set; }
    /// <summary>True when the socket listened.</summary>
    public bool Listening { get; set; }
    /// <summary>The listen backlog, when given.</summary>
    public int? Backlog { get; set; }
    /// <summary>The listening endpoint an accepted socket came from, or 0.</summary>
    public ulong AcceptedFrom { get; set; }
    /// <summary>Options set on the socket, by option name or number, with the last value.</summary>
    public Dictionary<string, ulong> Options => _options ??= new();
    /// <summary>True when the connection was aborted.</summary>
    public bool Aborted { get; set; }
    /// <summary>The abort reason, when given.</summary>
    public string? AbortReason { get; set; }
    /// <summary>Datagrams dropped.</summary>
    public long DatagramsDropped { get; set; }
    /// <summary>The first error as a symbolic status (STATUS_…, WSAE…), or null.</summary>
    public string? Error { get; set; }
}
