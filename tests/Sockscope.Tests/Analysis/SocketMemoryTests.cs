using System.Buffers.Binary;
using System.Net;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Analysis;

/// <summary>
/// What the analysis keeps per socket: endpoints made once per address, collections made only for the sockets that
/// use them, and the table of open sockets that answers lookups ahead of its dictionary.
/// </summary>
public class SocketMemoryTests
{
    private static List<SocketRecord> BusyHostSockets(TempDir dir)
    {
        string path = dir.File("busy.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "busy-host", Events = 60_000, PointerSize = 8 });
        var sockets = new List<SocketRecord>();
        using var reader = EtlReader.Open(path);
        TraceAnalysis.Run(reader, sockets.Add, parallel: false);
        return sockets;
    }

    [Fact]
    public void Sockets_to_the_same_remote_end_share_one_endpoint()
    {
        using var dir = new TempDir();
        var sockets = BusyHostSockets(dir);
        var shared = sockets.Where(s => s.Remote is not null).GroupBy(s => s.Remote!).Where(g => g.Count() > 1).ToList();
        Assert.True(shared.Count >= 10, $"only {shared.Count} remote ends had more than one socket");
        // The cache is direct-mapped: an address that lost its slot to another is made again, so nearly all, not all.
        int one = shared.Count(g => g.All(s => ReferenceEquals(s.Remote, g.First().Remote)));
        Assert.True(one >= shared.Count * 9 / 10, $"{one} of {shared.Count} remote ends shared by sockets were one endpoint");
    }

    [Fact]
    public void A_socket_makes_peer_and_option_collections_only_when_it_has_some()
    {
        using var dir = new TempDir();
        var sockets = BusyHostSockets(dir);
        var plain = sockets.Where(s => s.PeersOrNull is null && s.OptionsOrNull is null).ToList();
        Assert.True(plain.Count > sockets.Count / 2, $"{plain.Count} of {sockets.Count} sockets made no collections");
        Assert.Contains(sockets, s => s.PeersOrNull is { Count: > 0 });
        Assert.Contains(sockets, s => s.OptionsOrNull is { Count: > 0 });
        Assert.All(sockets, s => Assert.Equal(s.PeersOrNull?.Count ?? 0, s.PeerTrafficOrNull?.Count ?? 0));
        // The public properties still hand out a list to fill, the same one each time.
        var socket = plain[0];
        Assert.Empty(socket.Peers);
        Assert.Same(socket.Peers, socket.Peers);
        Assert.Same(socket.Options, socket.Options);
    }

    [Fact]
    public void The_endpoint_cache_gives_what_a_sockaddr_says_and_tells_scopes_and_ports_apart()
    {
        var cache = new EndpointCache();
        var v4 = Sockaddr4("203.0.113.7", 443);
        var first = cache.FromSockaddr(v4);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 443), first);
        Assert.Same(first, cache.FromSockaddr(v4));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 80), cache.FromSockaddr(Sockaddr4("203.0.113.7", 80)));
        var scoped = Sockaddr6("fe80::1", 443, scope: 7);
        var unscoped = Sockaddr6("fe80::1", 443, scope: 0);
        Assert.Equal(SocketAddresses.FromSockaddr(scoped), cache.FromSockaddr(scoped));
        Assert.Equal(SocketAddresses.FromSockaddr(unscoped), cache.FromSockaddr(unscoped));
        Assert.NotEqual(cache.FromSockaddr(scoped), cache.FromSockaddr(unscoped));
        // A legacy event's address and port (host order) make the same endpoint as the SOCKADDR of it.
        Assert.Same(first, cache.FromAddressAndPort(IPAddress.Parse("203.0.113.7").GetAddressBytes(), 443));
        var legacy6 = IPAddress.Parse("2001:db8::9").GetAddressBytes();
        Assert.Equal(SocketAddresses.FromAddressAndPort(legacy6, 8080), cache.FromAddressAndPort(legacy6, 8080));
        Assert.Null(cache.FromAddressAndPort(new byte[5], 80));
        Assert.Null(cache.FromSockaddr(v4.AsSpan(0, 7)));
        Assert.Null(cache.FromSockaddr(new byte[16])); // family 0
        // Many more addresses than slots: every one still comes back right.
        for (int i = 0; i < 10_000; i++)
        {
            var bytes = Sockaddr4($"10.{i >> 8 & 255}.{i & 255}.1", 1000 + i % 7);
            Assert.Equal(SocketAddresses.FromSockaddr(bytes), cache.FromSockaddr(bytes));
        }
    }

    [Fact]
    public void The_open_socket_table_agrees_with_its_dictionary_when_endpoints_share_a_slot()
    {
        var open = new OpenSockets();
        // Endpoints a slot apart are plenty: among a few thousand, some land in the same slot of 1024.
        var endpoints = Enumerable.Range(1, 4096).Select(i => 0xFFFF_9A0C_0000_0000UL + (ulong)i * 0x140).ToList();
        var states = endpoints.ToDictionary(e => e, e => new SocketState(new SocketRecord { Endpoint = e }));
        foreach (var e in endpoints) open.Set(e, states[e]);
        foreach (var e in endpoints)
        {
            Assert.True(open.TryGetValue(e, out var s));
            Assert.Same(states[e], s);
        }
        // Close every other one, looking each up first so that the table holds it when it goes.
        foreach (var e in endpoints.Where((_, i) => i % 2 == 0))
        {
            Assert.True(open.ContainsKey(e));
            Assert.True(open.Remove(e, out var removed));
            Assert.Same(states[e], removed);
        }
        foreach (var (e, i) in endpoints.Select((e, i) => (e, i)))
        {
            Assert.Equal(i % 2 == 1, open.TryGetValue(e, out var s));
            if (i % 2 == 1) Assert.Same(states[e], s);
        }
        Assert.False(open.Remove(endpoints[0], out _));
        // Replaced in place: the new socket, not the old, from then on.
        var reused = new SocketState(new SocketRecord { Endpoint = endpoints[1] });
        open.Set(endpoints[1], reused);
        Assert.True(open.TryGetValue(endpoints[1], out var now));
        Assert.Same(reused, now);
        Assert.Equal(endpoints.Count / 2, open.Values.Count);
        open.Clear();
        Assert.False(open.TryGetValue(endpoints[1], out _));
        Assert.Empty(open.Values);
    }

    private static byte[] Sockaddr4(string address, int port)
    {
        var sa = new byte[16];
        sa[0] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(sa.AsSpan(2), (ushort)port);
        IPAddress.Parse(address).GetAddressBytes().CopyTo(sa, 4);
        return sa;
    }

    private static byte[] Sockaddr6(string address, int port, uint scope)
    {
        var sa = new byte[28];
        sa[0] = 23;
        BinaryPrimitives.WriteUInt16BigEndian(sa.AsSpan(2), (ushort)port);
        IPAddress.Parse(address).GetAddressBytes().CopyTo(sa, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(sa.AsSpan(24), scope);
        return sa;
    }
}
