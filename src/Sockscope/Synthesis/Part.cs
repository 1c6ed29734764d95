using System.Net;
using Sockscope.Decoding.Values;

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
        var s = sim.NewSocket(p, remote.Family, SocketTypes.Stream, IpProtocols.Tcp, endpoint);
        sim.Create(s);
        sim.Bind(s, Any(remote.IsV6, 0), Any(remote.IsV6, port));
        sim.Connect(s, remote, ex, fail);
        return s;
    }
}
