using Sockscope.Decoding.Values;
using static Sockscope.Synthesis.TraceSim;

namespace Sockscope.Synthesis;

/// <summary>Windows 7: events 1–41 only — clients over IPv4 and IPv6, datagrams with drops, a server, a failed bind, aborts.</summary>
internal sealed class LegacyPart : Part
{
    private SimProcess _iexplore = null!, _inetinfo = null!;

    public override bool Windows7 => true;

    public override void Declare(TraceSim sim)
    {
        _iexplore = sim.Process("iexplore.exe", 2468, "\"C:\\Program Files\\Internet Explorer\\iexplore.exe\" http://www.example.com/", 2204, threads: 4);
        _inetinfo = sim.Process("inetinfo.exe", 1736, "C:\\Windows\\system32\\inetsrv\\inetinfo.exe", 496, account: Account.System, threads: 4);
    }

    public override void Run(TraceSim sim)
    {
        var p = _iexplore;
        var web = Client(sim, p, A("203.0.113.10", 80), 49170, ex: false);
        sim.Send(web, 412);
        sim.Receive(web, 1460);
        sim.Receive(web, 8192, async: true);
        sim.Send(web, 388);
        sim.Receive(web, 2210);
        sim.Close(web);

        var web6 = Client(sim, p, A("2001:db8:1::10", 80), 49171, ex: true);
        sim.Send(web6, 390);
        sim.Receive(web6, 5840, async: true);
        sim.Option(web6, 6, 0x10000, setsockopt: true);
        sim.Close(web6);

        var resolver = A("192.0.2.53", 53);
        var udp = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Datagram, IpProtocols.Udp);
        sim.Create(udp);
        sim.Bind(udp, Any(false, 0), Any(false, 58001));
        sim.SendTo(udp, resolver, 34);
        sim.ReceiveFrom(udp, resolver, 50);
        sim.DropDatagram(udp, resolver, 1200, 2);
        sim.Close(udp);

        var resolver6 = A("2001:db8::53", 53);
        var udp6 = sim.NewSocket(p, AddressFamilies.InterNetworkV6, SocketTypes.Datagram, IpProtocols.Udp);
        sim.Create(udp6);
        sim.Bind(udp6, Any(true, 0), Any(true, 58002));
        sim.SendTo(udp6, resolver6, 34);
        sim.ReceiveFrom(udp6, resolver6, 62);
        sim.DropDatagram(udp6, resolver6, 900, 4);
        sim.Close(udp6);

        var server = _inetinfo;
        var listener = sim.NewSocket(server, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Create(listener);
        sim.Bind(listener, Any(false, 8080), Any(false, 8080), api: true);
        sim.Listen(listener, 5);
        var accepted = sim.NewSocket(server, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Create(accepted);
        sim.AcceptEx(listener, accepted, A("198.51.100.30", 51000));
        sim.Receive(accepted, 320);
        sim.Send(accepted, 1024);
        sim.Close(accepted); // the listener stays open

        var taken = sim.NewSocket(server, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Create(taken);
        sim.Bind(taken, Any(false, 80), null, fail: StatusAddressAlreadyExists, api: true);
        sim.Close(taken);

        var abortive = Client(sim, p, A("203.0.113.60", 443), 49175, ex: false);
        sim.Send(abortive, 100);
        sim.Abort(abortive, 2, transport: false);
        sim.Close(abortive);

        var reset = Client(sim, p, A("203.0.113.61", 443), 49176, ex: false);
        sim.Receive(reset, 200, async: true);
        sim.Abort(reset, 4, transport: true);
        sim.Close(reset);
    }
}
