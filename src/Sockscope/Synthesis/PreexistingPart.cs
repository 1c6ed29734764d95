using Sockscope.Decoding.Values;
using static Sockscope.Synthesis.TraceSim;

namespace Sockscope.Synthesis;

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
        var mail = sim.Preexisting(_outlook, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Receive(mail, 1460);
        sim.Receive(mail, 8760, async: true);
        sim.Send(mail, 342, nested: true);
        sim.Receive(mail, 17408);
        sim.Send(mail, 62);
        sim.Close(mail);

        var sync = sim.Preexisting(_outlook, AddressFamilies.InterNetworkV6, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Send(sync, 1024);
        sim.Receive(sync, 4096, async: true);
        sim.Send(sync, 33); // outlives the trace

        var service = sim.Preexisting(_svchost, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
        sim.Receive(service, 300, async: true);
        sim.Send(service, 150);
        sim.Close(service, bySystem: true);
    }
}
