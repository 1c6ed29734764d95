using System.Net;
using System.Runtime.CompilerServices;
using Sockscope.Decoding.Values;

namespace Sockscope.Analysis;

/// <summary>A socket's traffic: its remote end and datagram peers, the bytes to and from each, and the buffers in flight.</summary>
internal sealed partial class SocketAnalyzer
{
    /// <summary>
    /// A send's or receive's address: a datagram socket's peer, or the remote end of a connected socket when it
    /// has none yet. Returns the peer's index in <see cref="SocketRecord.Peers"/>, or -1 (no datagram peer, or past the cap).
    /// </summary>
    private int AddPeer(SocketState s, in SocketEvent e, bool remote)
    {
        bool datagram = s.Record.SocketType == SocketTypes.Datagram || s.Record.Protocol == IpProtocols.Udp;
        if (!datagram && (!remote || s.Record.Remote is not null)) return -1;
        var bytes = e.AddressSpan;
        ushort port = e.Source == SocketEventSource.AfdLegacy ? e.Port : (ushort)0;
        if (datagram && s.LastPeerLength == bytes.Length && s.LastPeerPort == port && bytes.SequenceEqual(((ReadOnlySpan<byte>)s.LastPeer)[..bytes.Length]))
            return s.LastPeerIndex;
        var peer = e.Source == SocketEventSource.AfdLegacy ? LegacyAddressOf(e) : SockaddrOf(e);
        if (peer is null) return -1;
        if (!datagram)
        {
            SetRemote(s, peer);
            return -1;
        }
        var peers = s.Record.Peers;
        int index = peers.IndexOf(peer);
        if (index < 0 && peers.Count < 1024)
        {
            index = peers.Count;
            peers.Add(peer);
            string? name = _names.NameOf(s.Record.ProcessId, peer.Address);
            s.Record.PeerTraffic.Add(new PeerTraffic { Remote = peer, Name = name });
            if (s.Record.Remote is null) s.Record.RemoteName ??= name;
        }
        bytes.CopyTo(s.LastPeer);
        s.LastPeerLength = bytes.Length;
        s.LastPeerPort = port;
        s.LastPeerIndex = index;
        return index;
    }

    // Datagrams only: kept out of the event switch so the stream path's code (and what the JIT inlines into it) stays as small as before.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddPeerBytes(SocketState s, int peer, long sent, long received)
    {
        var traffic = s.Record.PeerTraffic[peer];
        traffic.BytesSent += sent;
        traffic.BytesReceived += received;
    }

    /// <summary>Sets the socket's remote end, named by what its process resolved to that address so far.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SetRemote(SocketState s, IPEndPoint? remote)
    {
        s.Record.Remote = remote;
        if (remote is not null) s.Record.RemoteName = _names.NameOf(s.Record.ProcessId, remote.Address);
    }

    /// <summary>A buffer posted to a send or receive: posting it again while still in flight is a buffer reuse.</summary>
    private void NotePosted(SocketState s, in SocketEvent e)
    {
        ulong buffer = e.Buffer;
        if (buffer == 0) return;
        var key = new BufferKey(s.Record.ProcessObject, buffer);
        if (_inFlight.TryGetValue(key, out ulong earlier))
        {
            AddFinding(new Finding(FindingKind.BufferReuse, UtcOf(e.Stamp), s.Record.ProcessId, s.Record.Endpoint, s.Record.Remote,
                $"buffer 0x{buffer:X} posted again while an earlier operation on it (endpoint 0x{earlier:X}) is still in flight",
                FindingSeverity.Warning));
            return;
        }
        if (_inFlight.Count < MaxInFlight) _inFlight[key] = s.Record.Endpoint;
    }

    private void NoteCompleted(in SocketEvent e)
    {
        if (e.Buffer != 0) _inFlight.Remove(new BufferKey(e.Process, e.Buffer));
    }

    private IPEndPoint? SockaddrOf(in SocketEvent e) => _endpoints.FromSockaddr(e.AddressSpan);

    private IPEndPoint? LegacyAddressOf(in SocketEvent e) =>
        e.Has(SocketEventFields.Port) ? _endpoints.FromAddressAndPort(e.AddressSpan, e.Port) : null;
}
