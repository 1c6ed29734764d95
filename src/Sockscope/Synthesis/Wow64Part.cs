using Sockscope.Decoding.Values;

namespace Sockscope.Synthesis;

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
        var s = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
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
