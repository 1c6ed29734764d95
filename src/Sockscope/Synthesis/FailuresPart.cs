using Sockscope.Decoding.Values;
using static Sockscope.Synthesis.TraceSim;

namespace Sockscope.Synthesis;

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
        var taken = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Create(taken);
        sim.Bind(taken, Any(false, 445), null, fail: StatusAddressAlreadyExists, api: true);
        sim.Close(taken);

        // accept_failed: the peer reset before the accept completed.
        var listener = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Create(listener);
        sim.Bind(listener, Any(false, 9090), Any(false, 9090), api: true);
        sim.Listen(listener, 16);
        var acceptSocket = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
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
        var udp = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Datagram, IpProtocols.Udp);
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
