using System.Net;

namespace Sockscope.Analysis;

/// <summary>One datagram peer of a socket: the bytes sent to it and received from it, and its host name.</summary>
public sealed class PeerTraffic
{
    /// <summary>The peer's address and port.</summary>
    public required IPEndPoint Remote { get; init; }
    /// <summary>The host name the socket's process resolved to the peer's address before it first used it, or null.</summary>
    public string? Name { get; set; }
    /// <summary>Bytes sent to the peer.</summary>
    public long BytesSent { get; set; }
    /// <summary>Bytes received from the peer.</summary>
    public long BytesReceived { get; set; }
}
