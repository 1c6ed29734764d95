using System.Net;
using static Sockscope.Synthesis.TraceSim;

namespace Sockscope.Synthesis;

/// <summary>
/// One scripted part of a trace: the processes it declares (for the rundown at the start) and the operations it runs.
/// Parts use documentation address ranges only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).
/// </summary>
internal abstract class Part
{
    /// <summary>Written as Windows 7 events whatever the build (the "legacy" part).</summary>
    public virtual bool Windows7 => false;
    public abstract void Declare(TraceSim sim);
    public abstract void Run(TraceSim sim);

    protected static SimAddress A(string address, int port) => SimAddress.Parse(address, port);
    protected static SimAddress Any(bool v6, int port) => SimAddress.Any(v6, port);
    protected static IPAddress[] Ips(params string[] addresses) => addresses.Select(IPAddress.Parse).ToArray();

    /// <summary>A TCP client socket: create, implicit bind to an ephemeral port, connect.</summary>
    protected static SimSocket Client(TraceSim sim, SimProcess p, SimAddress remote, int port, bool ex, uint fail = 0, ulong endpoint = 0)
    {
        var s = sim.NewSocket(p, remote.Family, 1, 6, endpoint);
        sim.Create(s);
        sim.Bind(s, Any(remote.IsV6, 0), Any(remote.IsV6, port));
        sim.Connect(s, remote, ex, fail);
        return s;
    }
}

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
        var s1 = sim.NewSocket(p, 23, 1, 6);
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
        var s4 = sim.NewSocket(p, 23, 1, 6, endpoint: s1.Endpoint);
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
        var u4 = sim.NewSocket(p, 2, 2, 17);
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
        var u6 = sim.NewSocket(p, 23, 2, 17);
        sim.Create(u6);
        sim.Bind(u6, Any(true, 0), Any(true, 61002), api: true);
        sim.SendTo(u6, resolver6, 38);
        sim.ReceiveFrom(u6, resolver6, 90, message: true);
        sim.SendTo(u6, resolver6, 38);
        sim.ReceiveFrom(u6, resolver6, 126, message: true);
        sim.Close(u6);
    }
}

/// <summary>A server: a listener with a backlog, connections accepted with AcceptEx and accept(), bytes each way.</summary>
internal sealed class ServerPart : Part
{
    private SimProcess _httpd = null!;

    public override void Declare(TraceSim sim) =>
        _httpd = sim.Process("httpd.exe", 3344, "\"C:\\Apache24\\bin\\httpd.exe\" -k runservice", 700,
            account: Account.NetworkService, threads: 8);

    public override void Run(TraceSim sim)
    {
        var p = _httpd;
        var listener = sim.NewSocket(p, 2, 1, 6);
        sim.Create(listener);
        sim.Bind(listener, Any(false, 8443), Any(false, 8443), api: true);
        sim.Listen(listener, 128);
        for (int i = 0; i < 3; i++)
        {
            var accepted = sim.NewSocket(p, 2, 1, 6);
            sim.Create(accepted);
            sim.AcceptEx(listener, accepted, A($"198.51.100.{21 + i}", 52000 + 7 * i));
            sim.Receive(accepted, 517, async: true);
            sim.Send(accepted, 4830, nested: i == 1);
            sim.Receive(accepted, 93);
            sim.Send(accepted, 51);
            sim.Receive(accepted, 612, async: true);
            sim.Send(accepted, 16384, nested: true);
            sim.Send(accepted, 9021);
            sim.Receive(accepted, 0);
            sim.Close(accepted, bySystem: i == 2);
        }
        var viaAccept = sim.NewSocket(p, 2, 1, 6);
        sim.Accept(listener, viaAccept, A("203.0.113.77", 61544));
        sim.Receive(viaAccept, 388);
        sim.Send(viaAccept, 1200);
        sim.Close(viaAccept);
        // The listening socket stays open.
    }
}

/// <summary>A 32-bit (WOW64) process: its user-mode providers log EVENT_HEADER32 records with 4-byte pointers.</summary>
internal sealed class Wow64Part : Part
{
    private SimProcess _putty = null!;

    public override void Declare(TraceSim sim) =>
        _putty = sim.Process("putty.exe", 6012, "\"C:\\Program Files (x86)\\PuTTY\\putty.exe\" admin@ssh.example.org", 6800,
            wow64: true, threads: 3);

    public override void Run(TraceSim sim)
    {
        var p = _putty;
        sim.Resolve(p, p.Thread(0), "ssh.example.org", Ips("203.0.113.22"));
        var s = sim.NewSocket(p, 2, 1, 6);
        sim.Create(s);
        sim.Bind(s, Any(false, 0), Any(false, 49822));
        sim.Connect(s, A("203.0.113.22", 22), ex: false);
        sim.Receive(s, 21);
        sim.Send(s, 27);
        sim.Send(s, 1392);
        sim.Receive(s, 1080, async: true);
        sim.Send(s, 48);
        sim.Receive(s, 564, async: true);
        sim.Send(s, 16);
        sim.Send(s, 92, nested: true);
        sim.Receive(s, 52);
        sim.Close(s);
    }
}

/// <summary>One finding of each kind, each on a socket of its own, in a process started during the trace.</summary>
internal sealed class FailuresPart : Part
{
    private SimProcess _tester = null!;

    public override void Declare(TraceSim sim) =>
        _tester = sim.Process("tester.exe", 4400, "C:\\Tools\\tester.exe --all", 6800, startsLater: true, threads: 3);

    public override void Run(TraceSim sim)
    {
        var p = _tester;
        sim.StartProcess(p);

        // name_resolution_failed: the name does not exist.
        sim.Resolve(p, p.Thread(1), "missing.example.com", [], result: "", status: 11001); // WSAHOST_NOT_FOUND

        // connect_failed: a refused IPv6 connect.
        var refused = Client(sim, p, A("2001:db8::dead:beef", 443), 50611, ex: false, fail: StatusConnectionRefused);
        sim.Close(refused);

        // bind_failed: the port is taken.
        var taken = sim.NewSocket(p, 2, 1, 6);
        sim.Create(taken);
        sim.Bind(taken, Any(false, 445), null, fail: StatusAddressAlreadyExists, api: true);
        sim.Close(taken);

        // accept_failed: the peer reset before the accept completed.
        var listener = sim.NewSocket(p, 2, 1, 6);
        sim.Create(listener);
        sim.Bind(listener, Any(false, 9090), Any(false, 9090), api: true);
        sim.Listen(listener, 16);
        var acceptSocket = sim.NewSocket(p, 2, 1, 6);
        sim.Create(acceptSocket);
        sim.AcceptEx(listener, acceptSocket, A("198.51.100.99", 40123), fail: StatusConnectionReset);
        sim.Close(acceptSocket);
        sim.Close(listener);

        // abort: the transport reset the connection.
        var aborted = Client(sim, p, A("203.0.113.50", 443), 50620, ex: true);
        sim.Send(aborted, 517);
        sim.Receive(aborted, 3000, async: true);
        sim.Abort(aborted, 4, transport: true);
        sim.Close(aborted);

        // events_lost: a buffer flagged, and the logfile header's count.
        sim.MarkEventsLost();

        // send_failed
        var sendFails = Client(sim, p, A("203.0.113.51", 80), 50621, ex: false);
        sim.Send(sendFails, 120);
        sim.Receive(sendFails, 240);
        sim.Send(sendFails, 512, fail: StatusConnectionReset);
        sim.Close(sendFails);

        // receive_failed
        var receiveFails = Client(sim, p, A("203.0.113.52", 80), 50622, ex: false);
        sim.Send(receiveFails, 96);
        sim.Receive(receiveFails, 0, async: true, fail: StatusConnectionAborted);
        sim.Close(receiveFails);

        // datagram_dropped: a late duplicate answer from the resolver finds no room.
        var resolver = A("192.0.2.53", 53);
        var udp = sim.NewSocket(p, 2, 2, 17);
        sim.Create(udp);
        sim.Bind(udp, Any(false, 0), Any(false, 61800));
        sim.SendTo(udp, resolver, 40);
        sim.ReceiveFrom(udp, resolver, 80);
        sim.DropDatagram(udp, resolver, 512, 2);
        sim.Close(udp);

        // option_changed and buffer_reuse
        var reuse = Client(sim, p, A("203.0.113.53", 443), 50623, ex: false);
        sim.Option(reuse, 6, 0x20000, setsockopt: true);
        sim.Send(reuse, 200);
        sim.ReceiveOverlapped(reuse, 1460, 2920);
        sim.Close(reuse);
    }
}

/// <summary>Sockets open before the trace began: no create, bind or connect; sends, receives and closes only.</summary>
internal sealed class PreexistingPart : Part
{
    private SimProcess _outlook = null!, _svchost = null!;

    public override void Declare(TraceSim sim)
    {
        _outlook = sim.Process("OUTLOOK.EXE", 9012, "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\"", 6800, threads: 5);
        _svchost = sim.Process("svchost.exe", 1288, "C:\\Windows\\system32\\svchost.exe -k NetworkService -p", 700,
            account: Account.NetworkService, threads: 3);
    }

    public override void Run(TraceSim sim)
    {
        var mail = sim.Preexisting(_outlook, 2, 1, 6);
        sim.Receive(mail, 1460);
        sim.Receive(mail, 8760, async: true);
        sim.Send(mail, 342, nested: true);
        sim.Receive(mail, 17408);
        sim.Send(mail, 62);
        sim.Close(mail);

        var sync = sim.Preexisting(_outlook, 23, 1, 6);
        sim.Send(sync, 1024);
        sim.Receive(sync, 4096, async: true);
        sim.Send(sync, 33); // outlives the trace

        var service = sim.Preexisting(_svchost, 2, 1, 6);
        sim.Receive(service, 300, async: true);
        sim.Send(service, 150);
        sim.Close(service, bySystem: true);
    }
}

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
        var udp = sim.NewSocket(p, 2, 2, 17);
        sim.Create(udp);
        sim.Bind(udp, Any(false, 0), Any(false, 58001));
        sim.SendTo(udp, resolver, 34);
        sim.ReceiveFrom(udp, resolver, 50);
        sim.DropDatagram(udp, resolver, 1200, 2);
        sim.Close(udp);

        var resolver6 = A("2001:db8::53", 53);
        var udp6 = sim.NewSocket(p, 23, 2, 17);
        sim.Create(udp6);
        sim.Bind(udp6, Any(true, 0), Any(true, 58002));
        sim.SendTo(udp6, resolver6, 34);
        sim.ReceiveFrom(udp6, resolver6, 62);
        sim.DropDatagram(udp6, resolver6, 900, 4);
        sim.Close(udp6);

        var server = _inetinfo;
        var listener = sim.NewSocket(server, 2, 1, 6);
        sim.Create(listener);
        sim.Bind(listener, Any(false, 8080), Any(false, 8080), api: true);
        sim.Listen(listener, 5);
        var accepted = sim.NewSocket(server, 2, 1, 6);
        sim.Create(accepted);
        sim.AcceptEx(listener, accepted, A("198.51.100.30", 51000));
        sim.Receive(accepted, 320);
        sim.Send(accepted, 1024);
        sim.Close(accepted); // the listener stays open

        var taken = sim.NewSocket(server, 2, 1, 6);
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
