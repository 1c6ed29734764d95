namespace Sockscope.Analysis;

/// <summary>The analyzer's working state of one socket, beside the record it hands on.</summary>
internal sealed class SocketState(SocketRecord record)
{
    public readonly SocketRecord Record = record;
    public int SendDepth;
    // Set once the socket is handed on: a late ws2_32 result must not join it.
    public bool Completed;
    // The process id it waits for a ws2_32 handle under (see _awaitingHandle).
    public uint AwaitingPid;
    // The last datagram peer's bytes: most datagrams go to and come from the peer before, and comparing bytes
    // spares making an address for each.
    public AddressBytes LastPeer;
    public int LastPeerLength = -1;
    public ushort LastPeerPort;
    // The index in Peers of that last peer (-1 past the cap), and of the peer the send in flight goes to: the
    // bytes of a datagram are the peer's.
    public int LastPeerIndex = -1;
    public int SendPeer = -1;
}
