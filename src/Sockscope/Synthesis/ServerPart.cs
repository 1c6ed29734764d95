using Sockscope.Decoding.Values;
using static Sockscope.Synthesis.TraceSim;

namespace Sockscope.Synthesis;

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
        var listener = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Create(listener);
        sim.Bind(listener, Any(false, 8443), Any(false, 8443), api: true);
        sim.Listen(listener, 128);
        for (int i = 0; i < 3; i++)
        {
            var accepted = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
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
        var viaAccept = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Accept(listener, viaAccept, A("203.0.113.77", 61544));
        sim.Receive(viaAccept, 388);
        sim.Send(viaAccept, 1200);
        sim.Close(viaAccept);
        // The listening socket stays open.
    }
}
