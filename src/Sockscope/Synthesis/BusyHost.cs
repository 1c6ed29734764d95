using System.Net;
using Sockscope.Decoding.Values;
using static Sockscope.Synthesis.TraceSim;

namespace Sockscope.Synthesis;

/// <summary>
/// A busy machine: some forty processes (three of them 32-bit), servers with listeners, hundreds of open connections,
/// datagram traffic, sockets opened before the trace; sockets are made and closed on the fly and only the open ones
/// are kept, so memory does not grow with the trace. Sends and receives dominate; failures are rare.
/// Writes exactly the number of events asked for.
/// </summary>
internal sealed class BusyHost
{
    private const int TcpTarget = 600, TcpMinimum = 200, UdpTarget = 48, UdpMinimum = 8;

    private readonly TraceSim _sim;
    private readonly SimRandom _rng;
    private readonly List<(SimProcess P, int Weight)> _clients = new();
    private readonly List<SimProcess> _udpUsers = new();
    private readonly List<SimSocket> _listeners = new();
    private readonly List<SimSocket> _tcp = new();
    private readonly List<SimSocket> _udp = new();
    private readonly SimAddress[] _web, _resolvers, _udpPeers;
    private readonly (string Name, IPAddress[] Addresses, string Result)[] _names;
    private readonly string[] _clientNets = ["198.51.100.", "203.0.113."];
    private int _clientWeight;
    private int _port = 49152;
    private SimProcess _dnscache = null!;
    private SimSocket _keeper = null!;

    public BusyHost(TraceSim sim)
    {
        _sim = sim;
        _rng = sim.Rng;
        var web = new List<SimAddress>();
        for (int i = 1; i < 200; i++) web.Add(SimAddress.Parse($"{(i % 2 == 0 ? "203.0.113." : "198.51.100.")}{i}", i % 7 == 0 ? 80 : 443));
        for (int i = 1; i < 64; i++) web.Add(SimAddress.Parse($"2001:db8:{i:x}::{i * 3:x}", 443));
        _web = web.ToArray();
        _resolvers = [SimAddress.Parse("192.0.2.53", 53), SimAddress.Parse("192.0.2.54", 53), SimAddress.Parse("2001:db8::53", 53), SimAddress.Parse("2001:db8::54", 53)];
        _udpPeers = Enumerable.Range(1, 40).Select(i => i % 4 == 0
            ? SimAddress.Parse($"2001:db8:77::{i:x}", 443)
            : SimAddress.Parse($"203.0.113.{100 + i}", i % 3 == 0 ? 3478 : 443)).ToArray();
        _names = Enumerable.Range(0, 64).Select(i =>
        {
            var a = _web[(i * 5) % 199];
            var b = _web[199 + i % 63];
            var addresses = new[] { b.EndPoint.Address, a.EndPoint.Address };
            return ($"host{i}.example.{(i % 3 == 0 ? "net" : "com")}", addresses, $"{addresses[0]};{addresses[1]};");
        }).ToArray();
    }

    public void Declare()
    {
        uint pid = 1000;
        void Client(string name, string command, int weight, bool wow64 = false, bool udp = false, int copies = 1)
        {
            for (int c = 0; c < copies; c++)
            {
                pid += 4 * (uint)(7 + _rng.Next(40));
                var p = _sim.Process(name, pid, command, 6800, wow64: wow64, threads: 6);
                _clients.Add((p, weight));
                _clientWeight += weight;
                if (udp) _udpUsers.Add(p);
            }
        }
        SimProcess Service(string name, string command, Account account)
        {
            pid += 4 * (uint)(7 + _rng.Next(40));
            return _sim.Process(name, pid, command, 700, account: account, threads: 8);
        }
        Client("chrome.exe", "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService", 30, udp: true, copies: 3);
        Client("chrome.exe", "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer", 4, copies: 2);
        Client("msedge.exe", "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService", 20, udp: true, copies: 2);
        Client("firefox.exe", "\"C:\\Program Files\\Mozilla Firefox\\firefox.exe\" -contentproc -parentBuildID 20260512 -isForBrowser", 12, copies: 2);
        Client("ms-teams.exe", "\"C:\\Program Files\\WindowsApps\\MSTeams_8wekyb3d8bbwe\\ms-teams.exe\"", 10, udp: true, copies: 2);
        Client("OUTLOOK.EXE", "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\"", 8);
        Client("WINWORD.EXE", "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n", 2);
        Client("OneDrive.exe", "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background", 8);
        Client("Spotify.exe", "\"C:\\Users\\user\\AppData\\Roaming\\Spotify\\Spotify.exe\"", 6, udp: true);
        Client("steam.exe", "\"C:\\Program Files (x86)\\Steam\\steam.exe\" -silent", 5, wow64: true);
        Client("putty.exe", "\"C:\\Program Files (x86)\\PuTTY\\putty.exe\" admin@ssh.example.org", 1, wow64: true);
        Client("Dropbox.exe", "\"C:\\Program Files (x86)\\Dropbox\\Client\\Dropbox.exe\" /systemstartup", 4, wow64: true);
        Client("Code.exe", "\"C:\\Users\\user\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe\" --type=utility", 3, copies: 2);
        Client("node.exe", "node server.js", 3, copies: 2);
        Client("python.exe", "python -m pip install --upgrade pip", 2);
        Client("MsMpEng.exe", "\"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.25040.2-0\\MsMpEng.exe\"", 3);
        Client("SearchHost.exe", "\"C:\\Windows\\SystemApps\\MicrosoftWindows.Client.CBS_cw5n1h2txyewy\\SearchHost.exe\" -ServerName:CortanaUI.AppX8z9r6jm96hw4bsbneegw0kyxx296wr9t.mca", 2);
        Client("svchost.exe", "C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s wuauserv", 4);
        Client("svchost.exe", "C:\\Windows\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p", 2);
        Client("svchost.exe", "C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s CryptSvc", 2);
        Client("Discord.exe", "\"C:\\Users\\user\\AppData\\Local\\Discord\\app-1.0.9190\\Discord.exe\" --type=utility", 3, udp: true);
        Client("Zoom.exe", "\"C:\\Users\\user\\AppData\\Roaming\\Zoom\\bin\\Zoom.exe\"", 3, wow64: true, udp: true);
        Client("slack.exe", "\"C:\\Users\\user\\AppData\\Local\\slack\\app-4.43.51\\slack.exe\"", 2);
        Client("explorer.exe", "C:\\Windows\\Explorer.EXE", 1);
        Client("WmiPrvSE.exe", "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding", 1);
        Client("lsass.exe", "C:\\Windows\\system32\\lsass.exe", 1);
        _dnscache = Service("svchost.exe", "C:\\Windows\\system32\\svchost.exe -k NetworkService -p -s Dnscache", Account.NetworkService);
        _udpUsers.Add(_dnscache);
        Service("svchost.exe", "C:\\Windows\\system32\\svchost.exe -k LocalService -p -s EventLog", Account.LocalService);
        Service("spoolsv.exe", "C:\\Windows\\System32\\spoolsv.exe", Account.System);
        Service("sqlservr.exe", "\"C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe\" -sMSSQLSERVER", Account.NetworkService);
        Service("w3wp.exe", "c:\\windows\\system32\\inetsrv\\w3wp.exe -ap \"DefaultAppPool\" -v \"v4.0\"", Account.NetworkService);
        Service("nginx.exe", "nginx.exe -p C:\\nginx", Account.LocalService);
        Service("svchost.exe", "C:\\Windows\\System32\\svchost.exe -k termsvcs -s TermService", Account.NetworkService);
    }

    public void Run(long events, Action<long>? progress = null)
    {
        var sim = _sim;
        sim.RecycleEndpoints = true;
        sim.WaitDivisor = 150; // some 50,000 events a second
        sim.Rundown();
        // Servers listen (created during the trace).
        foreach (var (name, port) in new[] { ("sqlservr.exe", 1433), ("w3wp.exe", 443), ("nginx.exe", 8080), ("svchost.exe", 3389) })
        {
            var p = sim.Processes.Last(x => x.Name == name);
            var listener = sim.NewSocket(p, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
            sim.Create(listener);
            sim.Bind(listener, SimAddress.Any(false, port), SimAddress.Any(false, port), api: true);
            sim.Listen(listener, 200);
            _listeners.Add(listener);
        }
        // Sockets open before the trace: no create, bind or connect.
        for (int i = 0; i < 150; i++)
        {
            var p = PickClient();
            _tcp.Add(sim.Preexisting(p, _rng.Chance(250) ? AddressFamilies.InterNetworkV6 : AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp));
        }
        for (int i = 0; i < 16; i++) _udp.Add(sim.Preexisting(_udpUsers[_rng.Next(_udpUsers.Count)], AddressFamilies.InterNetwork, SocketTypes.Datagram, IpProtocols.Udp));
        _keeper = _tcp[0];

        int endEvents = sim.Processes.Count(p => p.Running);
        long stop = events - endEvents - 64;
        long report = 1 << 16;
        while (sim.Events < stop)
        {
            Step();
            if (progress is not null && sim.Events >= report)
            {
                progress(sim.Events);
                report += 1 << 16;
            }
        }
        while (sim.Events < events - endEvents) sim.Notice(_keeper);
    }

    private SimProcess PickClient()
    {
        int w = _rng.Next(_clientWeight);
        foreach (var (p, weight) in _clients)
        {
            if (w < weight) return p;
            w -= weight;
        }
        return _clients[^1].P;
    }

    private int NextPort()
    {
        if (++_port > 65535) _port = 49152;
        return _port;
    }

    private void Step()
    {
        int r = _rng.Next(1000);
        if (r < 420) Send();
        else if (r < 780) Receive();
        else if (r < 860) Datagrams();
        else if (r < 920) { if (_tcp.Count < TcpTarget) OpenClient(); else CloseTcp(); }
        else if (r < 945) AcceptOne();
        else if (r < 975) { if (_tcp.Count > TcpMinimum) CloseTcp(); else OpenClient(); }
        else if (r < 985) { if (_udp.Count < UdpTarget) OpenUdp(); else CloseUdp(); }
        else if (r < 990) { if (_udp.Count > UdpMinimum) CloseUdp(); }
        else if (r < 994) _sim.Option(_tcp[_rng.Next(_tcp.Count)], _rng.Chance(500) ? 6u : 7u, 0x10000u << _rng.Next(4), setsockopt: true);
        else if (r < 998) _sim.Notice(_tcp[_rng.Next(_tcp.Count)]);
        else Rare();
    }

    private void Send()
    {
        var s = _tcp[_rng.Next(_tcp.Count)];
        int k = _rng.Next(100);
        int bytes = k < 40 ? _rng.Next(40, 600) : k < 75 ? _rng.Next(600, 1500) : k < 95 ? _rng.Next(1500, 16384) : _rng.Next(16384, 65536);
        if (_rng.Next(10_000) < 3 && s != _keeper)
        {
            _sim.Send(s, bytes, fail: StatusConnectionReset);
            CloseTcp(s);
            return;
        }
        _sim.Send(s, bytes, nested: _rng.Chance(120));
    }

    private void Receive()
    {
        var s = _tcp[_rng.Next(_tcp.Count)];
        int offered = _rng.Chance(300) ? 65536 : 17408;
        int k = _rng.Next(100);
        int bytes = k < 30 ? _rng.Next(0, 600) : k < 70 ? _rng.Next(600, 4380) : k < 95 ? _rng.Next(4380, 17408) : _rng.Next(0, offered + 1);
        if (_rng.Next(10_000) < 3 && s != _keeper)
        {
            _sim.Receive(s, 0, async: true, fail: StatusConnectionAborted, offered: offered);
            CloseTcp(s);
            return;
        }
        _sim.Receive(s, bytes, async: _rng.Chance(250), offered: offered);
    }

    private void Datagrams()
    {
        var u = _udp[_rng.Next(_udp.Count)];
        var peers = u.P == _dnscache ? _resolvers : _udpPeers;
        var peer = peers[_rng.Next(peers.Length)];
        if (peer.IsV6 != (u.Family == 23)) peer = Array.Find(peers, x => x.IsV6 == (u.Family == 23)) ?? peer;
        _sim.SendTo(u, peer, _rng.Next(30, u.P == _dnscache ? 80 : 1350));
        if (_rng.Chance(10)) _sim.DropDatagram(u, peer, _rng.Next(60, 1400), _rng.Chance(700) ? 2u : 4u);
        _sim.ReceiveFrom(u, peer, _rng.Next(40, u.P == _dnscache ? 512 : 1350), message: _rng.Chance(500));
    }

    private void OpenClient(uint fail = 0)
    {
        var p = PickClient();
        var remote = _web[_rng.Next(_web.Length)];
        uint thread = p.Thread(_rng.Next(p.Threads.Length));
        if (_sim.HasNameResolution && _rng.Chance(150))
        {
            var (name, addresses, result) = _names[_rng.Next(_names.Length)];
            _sim.Resolve(p, thread, name, addresses, result);
        }
        var s = _sim.NewSocket(p, remote.Family, SocketTypes.Stream, IpProtocols.Tcp);
        s.Thread = thread;
        _sim.Create(s);
        if (_rng.Chance(300)) _sim.Option(s, 2, 1, setsockopt: false);
        _sim.Bind(s, SimAddress.Any(remote.IsV6, 0), SimAddress.Any(remote.IsV6, NextPort()));
        _sim.Connect(s, remote, ex: _rng.Chance(400), fail);
        if (fail != 0) _sim.Close(s);
        else _tcp.Add(s);
    }

    private void AcceptOne()
    {
        var listener = _listeners[_rng.Next(_listeners.Count)];
        var remote = SimAddress.Parse(_clientNets[_rng.Next(2)] + _rng.Next(1, 255), NextPort());
        var s = _sim.NewSocket(listener.P, AddressFamilies.InterNetwork, SocketTypes.Stream, IpProtocols.Tcp);
        if (_rng.Chance(800))
        {
            _sim.Create(s);
            _sim.AcceptEx(listener, s, remote);
        }
        else _sim.Accept(listener, s, remote);
        _tcp.Add(s);
    }

    private void OpenUdp()
    {
        var p = _udpUsers[_rng.Next(_udpUsers.Count)];
        bool v6 = _rng.Chance(250);
        var u = _sim.NewSocket(p, v6 ? AddressFamilies.InterNetworkV6 : AddressFamilies.InterNetwork, SocketTypes.Datagram, IpProtocols.Udp);
        _sim.Create(u);
        _sim.Bind(u, SimAddress.Any(v6, 0), SimAddress.Any(v6, NextPort()), api: true);
        if (p == _dnscache) _sim.Option(u, 11, 0, setsockopt: false);
        _udp.Add(u);
    }

    private void CloseTcp()
    {
        int i = _rng.Next(_tcp.Count);
        if (_tcp[i] == _keeper) return;
        CloseTcp(_tcp[i]);
    }

    private void CloseTcp(SimSocket s)
    {
        int i = _tcp.IndexOf(s);
        _tcp[i] = _tcp[^1];
        _tcp.RemoveAt(_tcp.Count - 1);
        _sim.Close(s, bySystem: _rng.Chance(50));
    }

    private void CloseUdp()
    {
        int i = _rng.Next(_udp.Count);
        var u = _udp[i];
        _udp[i] = _udp[^1];
        _udp.RemoveAt(_udp.Count - 1);
        _sim.Close(u);
    }

    private void Rare()
    {
        if (_rng.Chance(500))
        {
            var s = _tcp[_rng.Next(_tcp.Count)];
            if (s == _keeper) return;
            _sim.Abort(s, _rng.Chance(700) ? 4u : 2u, transport: true);
            CloseTcp(s);
        }
        else OpenClient(StatusConnectionRefused);
    }
}
