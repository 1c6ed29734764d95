using Sockscope.Decoding.Values;

namespace Sockscope.Synthesis;

/// <summary>A browser's network service: name lookups, TLS connections to 443 over IPv4 and IPv6, closes.</summary>
internal sealed class BrowserPart : Part
{
    private SimProcess _chrome = null!;

    public override void Declare(TraceSim sim) =>
        _chrome = sim.Process("chrome.exe", 7420,
            "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=2040 /prefetch:11",
            6800, threads: 6);

    public override void Run(TraceSim sim)
    {
        var p = _chrome;
        sim.Resolve(p, p.Thread(2), "www.example.com", Ips("203.0.113.10", "2001:db8:1::10"));

        // IPv6 first (connect(), non-blocking), then the IPv4 fallback with ConnectEx.
        var s1 = sim.NewSocket(p, AddressFamilies.InterNetworkV6, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Create(s1);
        sim.Option(s1, 2, 1, setsockopt: false); // FIONBIO
        sim.Bind(s1, Any(true, 0), Any(true, 50432));
        sim.Connect(s1, A("2001:db8:1::10", 443), ex: false);
        sim.Send(s1, 517);
        sim.Receive(s1, 5120, async: true);
        sim.Send(s1, 80);
        sim.Send(s1, 1350, nested: true);
        sim.Receive(s1, 16384);
        sim.Receive(s1, 16384, async: true);
        sim.Receive(s1, 9873);
        sim.Send(s1, 31);

        var s2 = Client(sim, p, A("203.0.113.10", 443), 50433, ex: true);
        sim.Send(s2, 517, nested: true);
        sim.Receive(s2, 4096, async: true);
        sim.Send(s2, 1024);
        sim.Receive(s2, 16384);
        sim.Receive(s2, 2750);
        sim.Close(s2);
        sim.Close(s1);

        sim.Resolve(p, p.Thread(3), "cdn.example.net", Ips("198.51.100.7", "2001:db8:2::7"));
        var s3 = Client(sim, p, A("198.51.100.7", 443), 50437, ex: true);
        sim.Option(s3, 6, 0x80000, setsockopt: true); // SO_RCVBUF
        sim.Send(s3, 517);
        sim.Receive(s3, 6144, async: true, offered: 65536);
        sim.Send(s3, 126);
        sim.Send(s3, 2210, nested: true);
        for (int i = 0; i < 6; i++) sim.Receive(s3, 65536, async: i % 2 == 0, offered: 65536);
        sim.Receive(s3, 31744, offered: 65536);
        sim.Receive(s3, 0, offered: 65536); // the server closed: a receive of 0 bytes
        sim.Close(s3);

        // The endpoint of the first socket comes back for a new one: a second life at the same address.
        var s4 = sim.NewSocket(p, AddressFamilies.InterNetworkV6, SocketTypes.Stream, IpProtocols.Tcp, endpoint: s1.Endpoint);
        sim.Create(s4);
        sim.Option(s4, 2, 1, setsockopt: false);
        sim.Bind(s4, Any(true, 0), Any(true, 50441));
        sim.Connect(s4, A("2001:db8:2::7", 443), ex: false);
        sim.Send(s4, 517);
        sim.Receive(s4, 4870, async: true);
        sim.Send(s4, 64);
        sim.Receive(s4, 1200); // still open when the trace ends
    }
}
