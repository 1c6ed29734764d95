using Sockscope.Decoding.Values;

namespace Sockscope.Synthesis;

/// <summary>A DNS client: UDP sockets to port 53 over IPv4 and IPv6, datagrams with addresses.</summary>
internal sealed class DnsClientPart : Part
{
    private SimProcess _nslookup = null!;

    public override void Declare(TraceSim sim) =>
        _nslookup = sim.Process("nslookup.exe", 5120, "nslookup -type=any www.example.com", 4932, threads: 2);

    public override void Run(TraceSim sim)
    {
        var p = _nslookup;
        // The server's name first: its datagrams are then named by it (this process's lookup only).
        sim.Resolve(p, p.Thread(0), "dns1.example.net", Ips("192.0.2.53"));
        var resolver1 = A("192.0.2.53", 53);
        var resolver2 = A("198.51.100.53", 53);
        var u4 = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Datagram, IpProtocols.Udp);
        sim.Create(u4);
        sim.Bind(u4, Any(false, 0), Any(false, 61001), api: true);
        sim.Option(u4, 11, 0, setsockopt: false); // SIO_UDP_CONNRESET off
        sim.SendTo(u4, resolver1, 38);
        sim.ReceiveFrom(u4, resolver1, 54);
        sim.SendTo(u4, resolver1, 38);
        sim.ReceiveFrom(u4, resolver1, 66);
        sim.SendTo(u4, resolver2, 42);
        sim.ReceiveFrom(u4, resolver2, 110, message: true);
        sim.Close(u4);

        var resolver6 = A("2001:db8::53", 53);
        var u6 = sim.NewSocket(p, AddressFamilies.InterNetworkV6, SocketTypes.Datagram, IpProtocols.Udp);
        sim.Create(u6);
        sim.Bind(u6, Any(true, 0), Any(true, 61002), api: true);
        sim.SendTo(u6, resolver6, 38);
        sim.ReceiveFrom(u6, resolver6, 90, message: true);
        sim.SendTo(u6, resolver6, 38);
        sim.ReceiveFrom(u6, resolver6, 126, message: true);
        sim.Close(u6);
    }
}
