using System.Net;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Analysis;

/// <summary>Datagram peers count in the remote-endpoint totals, each with the bytes of its own datagrams.</summary>
public class DatagramTotalsTests
{
    [Fact]
    public void The_resolver_totals_count_every_udp_socket_that_exchanged_datagrams_with_it()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed", Compress = true });
        AnalysisSummary summary;
        using (var reader = EtlReader.Open(path))
            summary = TraceAnalysis.Run(reader, null);

        var resolver = new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53);
        var totals = Assert.Single(summary.Remotes, r => r.Remote.Equals(resolver));
        // By hand: nslookup sent 38 + 38 and received 54 + 66; tester.exe 40 and 80; iexplore 34 and 50 (Scenarios.cs).
        Assert.Equal((3, 150, 250), (totals.Sockets, totals.BytesSent, totals.BytesReceived));
        // And the same from the ground truth, peer by peer.
        var peers = truth.Sockets.SelectMany(s => s.PeerTraffic).Where(p => p.Remote.Equals(resolver)).ToList();
        Assert.Equal((peers.Count, peers.Sum(p => p.BytesSent), peers.Sum(p => p.BytesReceived)), ((int)totals.Sockets, totals.BytesSent, totals.BytesReceived));
        // nslookup's socket talked to two servers: each has its own bytes, not the socket's.
        var second = Assert.Single(summary.Remotes, r => r.Remote.Equals(new IPEndPoint(IPAddress.Parse("198.51.100.53"), 53)));
        Assert.Equal((1, 42, 110), (second.Sockets, second.BytesSent, second.BytesReceived));
        Assert.Equal("dns1.example.net", totals.Name);
    }

    [Fact]
    public void Every_byte_of_a_datagram_socket_is_some_peers()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed", Build = 7601 }); // Windows 7: the address is on the post only
        var sockets = new List<SocketRecord>();
        AnalysisSummary summary;
        using (var reader = EtlReader.Open(path))
            summary = TraceAnalysis.Run(reader, sockets.Add);
        var udp = sockets.Where(s => s.Peers.Count > 0).ToList();
        Assert.NotEmpty(udp);
        foreach (var s in udp)
        {
            Assert.Equal(s.Peers, s.PeerTraffic.Select(p => p.Remote));
            Assert.Equal((s.BytesSent, s.BytesReceived), (s.PeerTraffic.Sum(p => p.BytesSent), s.PeerTraffic.Sum(p => p.BytesReceived)));
        }
        // So the remote totals add up to the trace's bytes of every socket with a remote or peers.
        var counted = sockets.Where(s => s.Remote is not null || s.Peers.Count > 0).ToList();
        Assert.Equal(counted.Sum(s => s.BytesSent), summary.Remotes.Sum(r => r.BytesSent));
        Assert.Equal(counted.Sum(s => s.BytesReceived), summary.Remotes.Sum(r => r.BytesReceived));
    }
}
