using System.Buffers.Binary;
using System.Net;
using System.Text;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Events;
using Sockscope.Schema;

namespace Sockscope.Synthesis;

/// <summary>
/// The synthesised machine: writes the events of socket operations as Windows logs them (the Windows 7 events 1–41,
/// or the 1000-series with Winsock-Sockets and Winsock-NameResolution where the build has them), advancing a 10 MHz
/// QPC clock, and keeps the ground truth of every operation. One instance writes one file.
/// </summary>
internal sealed class TraceSim : IDisposable
{
    public const long StartStamp = 1_000_000_000;
    private const ulong ChannelKeyword = 0x8000_0000_0000_0000UL; // AFD events go to its Operational channel
    private const ulong BufferedKeyword = 0x20; // AFD_KW_BUFFERED: a buffered send's completion
    private const byte OperationalChannel = 16;

    // NTSTATUS values the scenarios use.
    public const uint StatusConnectionRefused = 0xC0000236;
    public const uint StatusAddressAlreadyExists = 0xC000020A;
    public const uint StatusConnectionReset = 0xC000020D;
    public const uint StatusConnectionAborted = 0xC0000241;

    private static readonly Guid Afd = WellKnownProviders.WinsockAfd;
    private static readonly Guid Sockets = WellKnownProviders.WinsockSockets;
    private static readonly Guid NameResolution = WellKnownProviders.WinsockNameResolution;
    private static readonly uint[] SystemThreads = [0x3C, 0x44, 0x1F8, 0x204, 0x2A0, 0x2B4, 0x30C, 0x318];

    private readonly EtlWriter _writer;
    private readonly byte[] _payload = new byte[32 * 1024];
    private readonly EventData _d = new();
    private readonly EventTemplate?[] _afd = new EventTemplate?[4100];
    private readonly EventTemplate?[] _sockets64 = new EventTemplate?[17], _sockets32 = new EventTemplate?[17];
    private readonly EventTemplate?[] _names64 = new EventTemplate?[16], _names32 = new EventTemplate?[16];
    private readonly Dictionary<EventKey, long> _kernelCounts = new();
    private readonly List<SimProcess> _processes = new();
    private readonly Queue<ulong> _freeEndpoints = new();
    private readonly ProviderSchema _afdSchema, _socketsSchema, _namesSchema;
    private readonly string _afdLabel, _socketsLabel, _namesLabel;
    private readonly ulong _endpointBase, _kernelBufferBase;
    private readonly int _processVersion;
    private long _now = StartStamp;
    private long _nextEndpoint;
    private long _kernelBuffers;
    private bool _eventsLostFound;
    // What each process resolved, by address: the truth names a socket by its own process's earlier lookup.
    private readonly Dictionary<(uint Pid, IPAddress Address), string> _resolved = new();
    private bool _disposed;

    public ScenarioOptions Options { get; }
    public ScenarioTruth Truth { get; }
    public SimRandom Rng { get; }
    public int Build { get; }
    public int PointerSize { get; }
    public bool Detailed { get; }
    /// <summary>True when the build is Windows 7: every part writes the events 1–41.</summary>
    public bool LegacyBuild { get; }
    /// <summary>Write the Windows 7 events 1–41 for the operations from now on.</summary>
    public bool Legacy { get; set; }
    /// <summary>Endpoints of closed sockets are handed out again (as the kernel's pool does) once enough are free.</summary>
    public bool RecycleEndpoints { get; set; }
    public bool HasSockets => !Legacy && Build >= 22000;
    public bool HasNameResolution => !Legacy && Build >= 10240;
    public long Events { get; private set; }
    public long Now => _now;
    public long OpenSockets { get; private set; }
    public SimProcess System { get; }
    public IReadOnlyList<SimProcess> Processes => _processes;

    public TraceSim(Stream output, ScenarioOptions options, int build, bool detailed, uint eventsLost)
    {
        Options = options;
        Build = build;
        PointerSize = options.PointerSize;
        Detailed = detailed;
        LegacyBuild = build <= 7601;
        Legacy = LegacyBuild;
        Rng = new SimRandom(options.Seed);
        _processVersion = LegacyBuild ? 3 : 4;
        _endpointBase = PointerSize == 8 ? 0xFFFF_9A0C_1234_5000UL : 0x8A40_0000UL;
        _kernelBufferBase = PointerSize == 8 ? 0xFFFF_9A0C_3000_0000UL : 0x8E00_0000UL;
        var catalog = SchemaCatalog.Winsock;
        _afdSchema = catalog.Find(Afd)!;
        _socketsSchema = catalog.Find(Sockets)!;
        _namesSchema = catalog.Find(NameResolution)!;
        _afdLabel = Label(_afdSchema, build);
        _socketsLabel = Label(_socketsSchema, build);
        _namesLabel = Label(_namesSchema, build);
        (byte major, byte minor) = build switch
        {
            <= 7601 => ((byte)6, (byte)1),
            < 9600 => ((byte)6, (byte)2),
            < 10240 => ((byte)6, (byte)3),
            _ => ((byte)10, (byte)0),
        };
        Truth = new ScenarioTruth
        {
            Scenario = options.Scenario,
            Build = build,
            PointerSize = PointerSize,
            Compressed = options.Compress,
            Start = options.Start,
            Aggregate = !detailed,
            EventsLost = eventsLost,
        };
        _writer = new EtlWriter(output, new EtlWriterOptions
        {
            PointerSize = PointerSize,
            ProcessorCount = options.Processors,
            BufferSize = options.BufferSize,
            Compress = options.Compress,
            Build = (uint)build,
            MajorVersion = major,
            MinorVersion = minor,
            StartTime = options.Start,
            StartTimestamp = StartStamp,
            PerfFreq = 10_000_000,
            EventsLost = eventsLost,
            LoggerName = "Sockscope-Synthesis",
            LogFileName = @"C:\Windows\Temp\winsock.etl",
        }, leaveOpen: true);
        System = Process("System", 4, "", 0, account: Account.System);
    }

    /// <summary>The build label of a provider's schema a build falls under (the newest label not after it).</summary>
    private static string Label(ProviderSchema provider, int build)
    {
        string label = provider.Builds[0].Label;
        foreach (var b in provider.Builds)
        {
            var numbers = b.Numbers().ToArray();
            if (numbers.Length > 0 && numbers.Min() <= build) label = b.Label;
        }
        return label;
    }

    // ----- time --------------------------------------------------------------------------------------------------

    /// <summary>The UTC time of a QPC stamp (10 MHz: one tick is one DateTime tick).</summary>
    public DateTime Utc(long stamp) => Options.Start.AddTicks(stamp - StartStamp);

    /// <summary>
    /// Waits are divided by this: a busy host runs many connections at once, so the time between one socket's
    /// operations is shared with other sockets' events.
    /// </summary>
    public int WaitDivisor { get; set; } = 1;

    /// <summary>Lets time pass: between <paramref name="minMicros"/> and <paramref name="maxMicros"/> µs.</summary>
    public void Wait(int minMicros, int maxMicros) => _now += 10L * Rng.Next(minMicros, maxMicros + 1) / WaitDivisor;

    private long Tick() => _now += 5 + Rng.Next(30);

    // ----- processes ---------------------------------------------------------------------------------------------

    public enum Account { User, System, LocalService, NetworkService }

    /// <summary>Declares a process; it is in the rundown (DCStart) unless <paramref name="startsLater"/>.</summary>
    public SimProcess Process(string name, uint pid, string commandLine, uint parent, bool wow64 = false,
        Account account = Account.User, bool startsLater = false, int threads = 4)
    {
        int index = _processes.Count;
        var tids = new uint[threads];
        uint baseTid = ((pid * 3u + 0x1000u) & ~3u) + 4u * (uint)index;
        for (int i = 0; i < threads; i++) tids[i] = baseTid + 4u * (uint)(i * 7 + 1);
        var truth = new ProcessTruth
        {
            ProcessId = pid,
            ProcessObject = PointerSize == 8 ? 0xFFFF_9A0C_0E20_0080UL + (ulong)index * 0x1_0340 : 0x8512_3040UL + (ulong)index * 0x1_02C0,
            ImageName = name,
            CommandLine = commandLine,
            ParentId = parent,
            Is32Bit = wow64 || PointerSize == 4,
            Preexisting = !startsLater,
        };
        var p = new SimProcess
        {
            Name = name,
            CommandLine = commandLine,
            Pid = pid,
            ParentId = parent,
            Session = account == Account.User ? 1u : 0u,
            Wow64 = wow64 && PointerSize == 8,
            StartsLater = startsLater,
            Index = index,
            EProcess = truth.ProcessObject,
            DirectoryTableBase = 0x1AD000UL + (ulong)index * 0x3_1000,
            Sid = account switch
            {
                Account.System => Sid(5, 18),
                Account.LocalService => Sid(5, 19),
                Account.NetworkService => Sid(5, 20),
                _ => Sid(5, 21, 1004336348, 1177238915, 682003330, 1001),
            },
            Threads = pid == 4 ? SystemThreads : tids,
            Truth = truth,
        };
        _processes.Add(p);
        Truth.Processes.Add(truth);
        return p;
    }

    private static byte[] Sid(byte authority, params uint[] subAuthorities)
    {
        var sid = new byte[8 + 4 * subAuthorities.Length];
        sid[0] = 1;
        sid[1] = (byte)subAuthorities.Length;
        sid[7] = authority;
        for (int i = 0; i < subAuthorities.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(sid.AsSpan(8 + 4 * i), subAuthorities[i]);
        return sid;
    }

    /// <summary>Writes the rundown: a DCStart of every process already running.</summary>
    public void Rundown()
    {
        foreach (var p in _processes)
        {
            if (p.StartsLater) continue;
            p.Running = true;
            WriteProcessEvent(p, 3);
        }
    }

    /// <summary>A process started during the trace: its Start event.</summary>
    public void StartProcess(SimProcess p)
    {
        if (p.Running) return;
        p.Running = true;
        Wait(200, 2000);
        WriteProcessEvent(p, 1);
    }

    // Process_V3/V4_TypeGroup1 (MOF "Process" class, group 0x03): UniqueProcessKey (pointer: the EPROCESS), ProcessId,
    // ParentId, SessionId, ExitStatus, DirectoryTableBase (pointer), Flags (V4 only), UserSID (a TOKEN_USER — SID pointer
    // and attributes, two pointers' room — then the SID), ImageFileName (ANSI), CommandLine (UTF-16), and in V4
    // PackageFullName and ApplicationId (UTF-16). Checked against TraceEvent's KernelTraceEventParser (image name at
    // SkipSID(HostOffset(28, 2)) in V4, HostOffset(24, 2) in V3; SkipSID steps over HostOffset(8, 2) then the SID).
    private void WriteProcessEvent(SimProcess p, byte opcode)
    {
        var d = _payload.AsSpan();
        int o = 0;
        void Pointer(Span<byte> s, ulong v)
        {
            if (PointerSize == 8) { BinaryPrimitives.WriteUInt64LittleEndian(s[o..], v); o += 8; }
            else { BinaryPrimitives.WriteUInt32LittleEndian(s[o..], (uint)v); o += 4; }
        }
        void U32(Span<byte> s, uint v) { BinaryPrimitives.WriteUInt32LittleEndian(s[o..], v); o += 4; }
        Pointer(d, p.EProcess);
        U32(d, p.Pid);
        U32(d, p.ParentId);
        U32(d, p.Session);
        U32(d, opcode is 2 or 4 && !p.Running ? 0u : 259u); // STILL_ACTIVE while running
        Pointer(d, p.DirectoryTableBase);
        if (_processVersion >= 4) U32(d, p.Wow64 ? 2u : 0u); // TraceEvent's ProcessFlags: Wow64 = 2
        Pointer(d, p.EProcess + 0x4B0); // TOKEN_USER.User.Sid
        U32(d, 0); // Attributes
        if (PointerSize == 8) U32(d, 0); // padding to two pointers
        p.Sid.CopyTo(d[o..]);
        o += p.Sid.Length;
        o += Encoding.ASCII.GetBytes(p.Name, d[o..]);
        d[o++] = 0;
        o += Encoding.Unicode.GetBytes(p.CommandLine, d[o..]);
        d[o++] = 0; d[o++] = 0;
        if (_processVersion >= 4)
        {
            d[o++] = 0; d[o++] = 0; // PackageFullName ""
            d[o++] = 0; d[o++] = 0; // ApplicationId ""
        }
        long stamp = Tick();
        uint headerPid = opcode == 1 ? p.ParentId : p.Pid;
        _writer.WriteKernelEvent(Cpu(p.Threads[0]), PointerSize == 8 ? TraceHeaderType.System64 : TraceHeaderType.System32,
            3, opcode, (ushort)_processVersion, opcode == 1 ? 0u : p.Threads[0], headerPid, stamp, d[..o]);
        var key = new EventKey(KernelEventGroups.Process, opcode);
        _kernelCounts[key] = _kernelCounts.GetValueOrDefault(key) + 1;
        Events++;
    }

    private int Cpu(uint tid) => (int)((tid >> 2) % (uint)Options.Processors);

    private uint SystemThread() => SystemThreads[Rng.Next(SystemThreads.Length)];

    // ----- sockets -----------------------------------------------------------------------------------------------

    /// <summary>A new socket of a process (not yet created: call <see cref="Create"/>).</summary>
    public SimSocket NewSocket(SimProcess p, int family, int type, int protocol, ulong endpoint = 0)
    {
        int slot = p.NextBufferSlot++;
        ulong buffer = p.Wow64 || PointerSize == 4
            ? 0x0A00_0000UL + (ulong)(slot % 2048) * 0x4000 + (ulong)p.Index * 0x10
            : 0x0000_01D3_0000_0000UL + (ulong)p.Index * 0x10_0000_0000UL + (ulong)(slot % 65536) * 0x1_0000;
        return new SimSocket
        {
            P = p,
            Endpoint = endpoint != 0 ? endpoint : NewEndpoint(),
            Family = family,
            Type = type,
            Protocol = protocol,
            Thread = p.Thread(Rng.Next(p.Threads.Length)),
            Buffer = buffer,
        };
    }

    /// <summary>A socket that was open before the trace began: it has a handle, but no create, bind or connect.</summary>
    public SimSocket Preexisting(SimProcess p, int family, int type, int protocol)
    {
        var s = NewSocket(p, family, type, protocol);
        s.Handle = p.NewHandle();
        return s;
    }

    private ulong NewEndpoint()
    {
        if (RecycleEndpoints && _freeEndpoints.Count > 64) return _freeEndpoints.Dequeue();
        return _endpointBase + (ulong)_nextEndpoint++ * 0x200;
    }

    private ulong KernelBuffer() => _kernelBufferBase + (ulong)(_kernelBuffers++ % 65536) * (PointerSize == 8 ? 0x800UL : 0x400UL);

    // ----- writing -----------------------------------------------------------------------------------------------

    private EventTemplate AfdTemplate(ushort id) => _afd[id] ??= new EventTemplate(
        _afdSchema.Find(id, 0, _afdLabel) ?? throw new InvalidOperationException($"the catalog has no AFD event {id}"),
        PointerSize, PointerSize == 4, OperationalChannel, id >= 1000 ? ChannelKeyword : 0);

    private EventTemplate SocketsTemplate(ushort id, SimProcess p)
    {
        bool is32 = PointerSize == 4 || p.Wow64;
        var table = is32 ? _sockets32 : _sockets64;
        return table[id] ??= new EventTemplate(_socketsSchema.Find(id, 0, _socketsLabel)!, is32 ? 4 : 8, is32, OperationalChannel, 0);
    }

    private EventTemplate NamesTemplate(ushort id, SimProcess p)
    {
        bool is32 = PointerSize == 4 || p.Wow64;
        var table = is32 ? _names32 : _names64;
        return table[id - 1000] ??= new EventTemplate(_namesSchema.Find(id, 0, _namesLabel)!, is32 ? 4 : 8, is32, 0, 0);
    }

    private long Emit(EventTemplate t, uint pid, uint tid, int opcode = -1, int level = -1, ulong keywords = 0)
    {
        var h = t.Header;
        h.ProcessId = pid;
        h.ThreadId = tid;
        h.Timestamp = Tick();
        if (opcode >= 0) h.Opcode = (byte)opcode;
        if (level >= 0) h.Level = (byte)level;
        h.Keywords |= keywords;
        int n = t.Write(_d, _payload);
        _writer.WriteEvent(Cpu(tid), h, _payload.AsSpan(0, n));
        t.Count++;
        Events++;
        return h.Timestamp;
    }

    /// <summary>Starts a 1000-series AFD event's data: EnterExit, Location, Process, Endpoint.</summary>
    private EventData M(SimSocket s, int enterExit, int location) => _d.Clear()
        .Set(F.EnterExit, (ulong)enterExit).Set(F.Location, (ulong)location).Set(F.Process, s.P.EProcess).Set(F.Endpoint, s.Endpoint);

    /// <summary>
    /// Writes a 1000-series AFD event. Header process: the owner, or System (4) for kernel completions. Opcode: the
    /// catalog's, but Open (10) on the entry of the events whose opcode is Connected (12), as BindWithAddress shows.
    /// Level 2 (Error) for an exit with a failing status, as afd.sys sets it. Keywords: the catalog's plus the
    /// channel bit and AFD_KW_STREAM / AFD_KW_DATAGRAM by socket type.
    /// </summary>
    private long EmitM(ushort id, SimSocket s, int enterExit, bool system, bool error = false, ulong keywords = 0)
    {
        var t = AfdTemplate(id);
        int opcode = enterExit == 0 && t.Schema.Opcode.Value == 12 ? 10 : -1;
        ulong typeKeyword = s.Type == 1 ? 0x2UL : s.Type == 2 ? 0x1UL : 0;
        return system
            ? Emit(t, 4, SystemThread(), opcode, error ? 2 : -1, typeKeyword | keywords)
            : Emit(t, s.P.Pid, s.Thread, opcode, error ? 2 : -1, typeKeyword | keywords);
    }

    /// <summary>Starts a Windows 7 AFD event's data: Process, Endpoint.</summary>
    private EventData L(SimSocket s) => _d.Clear().Set(F.Process, s.P.EProcess).Set(F.Endpoint, s.Endpoint);

    private long EmitL(ushort id, SimSocket s, bool system) =>
        system ? Emit(AfdTemplate(id), 4, SystemThread()) : Emit(AfdTemplate(id), s.P.Pid, s.Thread);

    private void SocketsStart(ushort id, SimSocket s)
    {
        _d.Clear();
        Emit(SocketsTemplate(id, s.P), s.P.Pid, s.Thread);
    }

    private void SocketsStop(ushort id, SimSocket s)
    {
        Emit(SocketsTemplate(id, s.P), s.P.Pid, s.Thread);
        if (s.Record is { } r && s.Handle != 0) r.SocketHandle = s.Handle;
    }

    // ----- truth -------------------------------------------------------------------------------------------------

    private void See(SimSocket s)
    {
        if (s.Seen) return;
        s.Seen = true;
        Truth.SocketCount++;
        s.P.Truth.Sockets++;
        OpenSockets++;
        if (!Detailed) return;
        s.Record = new SocketRecord
        {
            Endpoint = s.Endpoint,
            ProcessId = s.P.Pid,
            ProcessObject = s.P.EProcess,
            ProcessName = s.P.Name,
        };
        Truth.Sockets.Add(s.Record);
    }

    private void Fail(SimSocket s, uint status)
    {
        if (s.Record is { Error: null } r) r.Error = StatusName(status);
    }

    private static string StatusName(uint status) =>
        Decoding.Values.NtStatusNames.TryGetName(status, out var name) ? name : $"0x{status:X8}";

    private void AddFinding(FindingKind kind, long stamp, SimSocket? s, SimAddress? remote, FindingSeverity severity, Func<string> detail)
    {
        Truth.FindingCounts[kind] = Truth.FindingCounts.GetValueOrDefault(kind) + 1;
        if (!Detailed) return;
        var where = remote ?? s?.Remote;
        Truth.Findings.Add(new Finding(kind, Utc(stamp), s?.P.Pid ?? 0, s?.Endpoint ?? 0, where?.Copy(), detail(), severity)
            { RemoteName = s is not null && where is not null ? NameOf(s.P, where) : null });
    }

    private void AddPeer(SimSocket s, SimAddress peer, long sent, long received)
    {
        if (s.Record is not { } r) return;
        int index = r.Peers.FindIndex(known => known.Equals(peer.EndPoint));
        if (index < 0)
        {
            index = r.Peers.Count;
            r.Peers.Add(peer.Copy());
            string? name = NameOf(s.P, peer);
            r.PeerTraffic.Add(new PeerTraffic { Remote = peer.Copy(), Name = name });
            if (r.Remote is null) r.RemoteName ??= name;
        }
        r.PeerTraffic[index].BytesSent += sent;
        r.PeerTraffic[index].BytesReceived += received;
    }

    private string? NameOf(SimProcess p, SimAddress address) => _resolved.GetValueOrDefault((p.Pid, address.EndPoint.Address));

    private void Sent(SimSocket s, long bytes)
    {
        Truth.Sends++;
        Truth.BytesSent += bytes;
        s.P.Truth.BytesSent += bytes;
        if (s.Record is { } r) { r.Sends++; r.BytesSent += bytes; }
    }

    private void Received(SimSocket s, long bytes)
    {
        Truth.Receives++;
        Truth.BytesReceived += bytes;
        s.P.Truth.BytesReceived += bytes;
        if (s.Record is { } r) { r.Receives++; r.BytesReceived += bytes; }
    }

    private string OptionName(uint option) =>
        AfdTemplate(1035).Schema.Fields[AfdTemplate(1035).Schema.IndexOf("Option")].Map?.Lookup(option) ?? option.ToString();

    private string AbortText(uint reason) =>
        AfdTemplate(1032).Schema.Fields[AfdTemplate(1032).Schema.IndexOf("Reason")].Map?.Lookup(reason) ?? reason.ToString();

    private string DropText(uint reason) =>
        AfdTemplate(1033).Schema.Fields[AfdTemplate(1033).Schema.IndexOf("Reason")].Map?.Lookup(reason) ?? reason.ToString();

    // ----- operations --------------------------------------------------------------------------------------------

    /// <summary>socket(): SockCreate (an API call) around AfdCreate entry 1002 / exit 1012; Windows 7: event 1.</summary>
    public void Create(SimSocket s, bool api = true)
    {
        Wait(20, 400);
        long stamp;
        if (Legacy)
        {
            L(s).Set(F.AddressFamily, (ulong)s.Family).Set(F.SocketType, (ulong)s.Type).Set(F.Protocol, (ulong)s.Protocol).Set(F.UserModePid, s.P.Pid);
            stamp = EmitL(1, s, false);
        }
        else
        {
            bool sockets = api && HasSockets;
            if (sockets) SocketsStart(1, s);
            M(s, 0, 1002).Set(F.AddressFamily, (ulong)s.Family).Set(F.SocketType, (ulong)s.Type).Set(F.Protocol, (ulong)s.Protocol)
                .Set(F.ProcessId, s.P.Pid).Set(F.Status, 0);
            stamp = EmitM(1000, s, 0, false);
            M(s, 1, 1012).Set(F.AddressFamily, (ulong)s.Family).Set(F.SocketType, (ulong)s.Type).Set(F.Protocol, (ulong)s.Protocol)
                .Set(F.ProcessId, s.P.Pid).Set(F.Status, 0);
            EmitM(1000, s, 1, false);
            if (sockets)
            {
                s.Handle = s.P.NewHandle();
                _d.Clear().Set(F.ErrorCode, 0).Set(F.Socket, s.Handle).Set(F.AddressFamily, (ulong)s.Family).Set(F.SocketType, (ulong)s.Type)
                    .Set(F.Protocol, (ulong)s.Protocol).Set(F.ProcessId, s.P.Pid).Set(F.FailurePoint, 0);
                // The record is made below; the handle is set on it there.
                Emit(SocketsTemplate(2, s.P), s.P.Pid, s.Thread);
            }
        }
        See(s);
        if (s.Record is { } r)
        {
            r.Opened = Utc(stamp);
            r.Family = s.Family;
            r.SocketType = s.Type;
            r.Protocol = s.Protocol;
            if (s.Handle != 0 && !Legacy && api && HasSockets) r.SocketHandle = s.Handle;
        }
    }

    /// <summary>
    /// bind() (explicit: a SockBind API call) or the implicit bind before a connect: BindWithAddress entry 7010 with the
    /// requested address, exit 7022 with the bound one (7023 with no address when it fails); Windows 7: 2/3, or 40.
    /// </summary>
    public void Bind(SimSocket s, SimAddress requested, SimAddress? bound, uint fail = 0, bool api = false)
    {
        Wait(5, 100);
        long stamp;
        if (Legacy)
        {
            if (fail != 0)
            {
                L(s).Set(F.Error, fail);
                stamp = EmitL(40, s, false);
            }
            else
            {
                L(s).Set(F.Address, bound!.Raw).Set(F.Port, bound.Port).Set(F.Status, 0);
                stamp = EmitL(bound.IsV6 ? (ushort)3 : (ushort)2, s, false);
            }
        }
        else
        {
            bool sockets = api && HasSockets && s.Handle != 0;
            if (sockets) SocketsStart(11, s);
            M(s, 0, 7010).Set(F.Status, 0).Set(F.Address, requested.SockAddr);
            EmitM(1030, s, 0, false);
            if (fail != 0)
            {
                M(s, 1, 7023).Set(F.Status, fail);
                stamp = EmitM(1030, s, 1, false, error: true);
            }
            else
            {
                M(s, 1, 7022).Set(F.Status, 0).Set(F.Address, bound!.SockAddr);
                stamp = EmitM(1030, s, 1, false);
            }
            if (sockets)
            {
                _d.Clear().Set(F.ErrorCode, fail != 0 ? 10048UL : 0).Set(F.Socket, s.Handle).Set(F.Address, requested.SockAddr).Set(F.FailurePoint, 0);
                SocketsStop(12, s);
            }
        }
        See(s);
        if (fail != 0)
        {
            Fail(s, fail);
            AddFinding(FindingKind.BindFailed, stamp, s, null, FindingSeverity.Error, () => $"bind to {requested} failed: {StatusName(fail)}");
        }
        else
        {
            s.Local = bound;
            if (s.Record is { } r) r.Local = bound!.Copy();
        }
    }

    /// <summary>
    /// connect() (a SockConnect API call; ConnectWithAddress entry 5023, AfdConnect exit on the same thread) or
    /// ConnectEx (ConnectExWithAddress entry 5031, its completion logged by the kernel under System); the remote
    /// address is on the entry. Windows 7: 4/5, then 6 with the status.
    /// </summary>
    public void Connect(SimSocket s, SimAddress remote, bool ex, uint fail = 0)
    {
        Wait(5, 200);
        s.Remote = remote;
        long stamp;
        if (Legacy)
        {
            L(s).Set(F.Address, remote.Raw).Set(F.Port, remote.Port);
            EmitL(remote.IsV6 ? (ushort)5 : (ushort)4, s, false);
            Wait(8_000, 60_000);
            L(s).Set(F.Error, fail);
            stamp = EmitL(6, s, system: ex);
        }
        else
        {
            bool sockets = !ex && HasSockets && s.Handle != 0;
            if (sockets) SocketsStart(9, s);
            M(s, 0, ex ? 5031 : 5023).Set(F.Buffer, 0).Set(F.BufferLength, 0).Set(F.Status, 0).Set(F.Address, remote.SockAddr);
            EmitM(ex ? (ushort)1021 : (ushort)1018, s, 0, false);
            Wait(8_000, 60_000);
            M(s, 1, ex ? 5036 : 5024).Set(F.Status, fail);
            stamp = EmitM(ex ? (ushort)1020 : (ushort)1017, s, 1, system: ex, error: fail != 0);
            if (sockets)
            {
                _d.Clear().Set(F.ErrorCode, fail != 0 ? 10061UL : 0).Set(F.Socket, s.Handle).Set(F.Address, remote.SockAddr).Set(F.FailurePoint, 0);
                SocketsStop(10, s);
            }
        }
        See(s);
        if (s.Record is { } r)
        {
            r.Remote = remote.Copy();
            r.RemoteName = NameOf(s.P, remote);
        }
        if (fail != 0)
        {
            Fail(s, fail);
            AddFinding(FindingKind.ConnectFailed, stamp, s, remote, FindingSeverity.Warning, () => $"connect to {remote} failed: {StatusName(fail)}");
        }
    }

    /// <summary>
    /// A send: entry 3003 (BufferLength = bytes) and exit 3014. Nested: an inner entry 3006 and exit 3024 (a buffered
    /// send completing under System, AFD_KW_BUFFERED) between them, one operation. Windows 7: 18 posted, then 24
    /// (sometimes completed under System) or 9 when it fails.
    /// </summary>
    public void Send(SimSocket s, int bytes, bool nested = false, uint fail = 0)
    {
        Wait(20, 3000);
        long stamp;
        if (Legacy)
        {
            L(s).Set(F.FastPath, 1).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)bytes);
            EmitL(18, s, false);
            Wait(5, 300);
            if (fail != 0)
            {
                L(s).Set(F.Error, fail);
                stamp = EmitL(9, s, false);
            }
            else
            {
                L(s).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)bytes);
                stamp = EmitL(24, s, system: Rng.Chance(300));
            }
        }
        else
        {
            M(s, 0, 3003).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)bytes).Set(F.Status, 0);
            EmitM(1003, s, 0, false);
            if (nested && fail == 0)
            {
                ulong kernel = KernelBuffer();
                M(s, 0, 3006).Set(F.BufferCount, 1).Set(F.Buffer, kernel).Set(F.BufferLength, (ulong)bytes).Set(F.Status, 0);
                EmitM(1003, s, 0, false);
                Wait(2, 80);
                M(s, 1, 3024).Set(F.BufferCount, 1).Set(F.Buffer, kernel).Set(F.BufferLength, (ulong)bytes).Set(F.Status, 0);
                EmitM(1003, s, 1, system: true, keywords: BufferedKeyword);
            }
            else Wait(2, 60);
            M(s, 1, 3014).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, fail != 0 ? 0 : (ulong)bytes).Set(F.Status, fail);
            stamp = EmitM(1003, s, 1, false, error: fail != 0);
        }
        See(s);
        Sent(s, fail != 0 ? 0 : bytes);
        if (fail != 0)
        {
            Fail(s, fail);
            AddFinding(FindingKind.SendFailed, stamp, s, null, FindingSeverity.Error, () => $"send of {bytes} bytes failed: {StatusName(fail)}");
        }
    }

    /// <summary>
    /// A receive: entry 4106 offering a buffer (BufferLength = its size, e.g. 17,408), exit with the bytes received:
    /// 4109 on the caller's thread, or 4114 under System when it completes later. Windows 7: 19 posted (the buffer
    /// size), then 23 (the bytes) or 11 when it fails.
    /// </summary>
    public void Receive(SimSocket s, int bytes, bool async = false, uint fail = 0, int offered = 17408)
    {
        if (bytes > offered) throw new ArgumentOutOfRangeException(nameof(bytes), "a receive returns at most the buffer it offers");
        Wait(20, 2000);
        long stamp;
        if (Legacy)
        {
            L(s).Set(F.FastPath, 1).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)offered);
            EmitL(19, s, false);
            Wait(async ? 2_000 : 10, async ? 40_000 : 400);
            if (fail != 0)
            {
                L(s).Set(F.Error, fail);
                stamp = EmitL(11, s, false);
            }
            else
            {
                L(s).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)bytes);
                stamp = EmitL(23, s, system: async);
            }
        }
        else
        {
            M(s, 0, 4106).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)offered).Set(F.Status, 0);
            EmitM(1004, s, 0, false);
            Wait(async ? 2_000 : 10, async ? 40_000 : 400);
            M(s, 1, async ? 4114 : 4109).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, fail != 0 ? 0 : (ulong)bytes).Set(F.Status, fail);
            stamp = EmitM(1004, s, 1, system: async, error: fail != 0);
        }
        See(s);
        Received(s, fail != 0 ? 0 : bytes);
        if (fail != 0)
        {
            Fail(s, fail);
            AddFinding(FindingKind.ReceiveFailed, stamp, s, null, FindingSeverity.Error, () => $"receive failed: {StatusName(fail)}");
        }
    }

    /// <summary>
    /// Two overlapped receives posted with the same buffer: the second entry names a Buffer whose first receive has no
    /// exit yet (buffer_reuse). Windows 7: 19, 19, then 23, 23.
    /// </summary>
    public void ReceiveOverlapped(SimSocket s, int first, int second, int offered = 17408)
    {
        Wait(20, 500);
        long stamp;
        if (Legacy)
        {
            L(s).Set(F.FastPath, 1).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)offered);
            EmitL(19, s, false);
            Wait(20, 300);
            L(s).Set(F.FastPath, 1).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)offered);
            stamp = EmitL(19, s, false);
            Wait(1_000, 20_000);
            L(s).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)first);
            EmitL(23, s, true);
            Wait(50, 2_000);
            L(s).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)second);
            EmitL(23, s, true);
        }
        else
        {
            M(s, 0, 4106).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)offered).Set(F.Status, 0);
            EmitM(1004, s, 0, false);
            Wait(20, 300);
            M(s, 0, 4106).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)offered).Set(F.Status, 0);
            stamp = EmitM(1004, s, 0, false);
            Wait(1_000, 20_000);
            M(s, 1, 4114).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)first).Set(F.Status, 0);
            EmitM(1004, s, 1, system: true);
            Wait(50, 2_000);
            M(s, 1, 4114).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)second).Set(F.Status, 0);
            EmitM(1004, s, 1, system: true);
        }
        See(s);
        Received(s, first);
        Received(s, second);
        ulong buffer = s.Buffer;
        AddFinding(FindingKind.BufferReuse, stamp, s, null, FindingSeverity.Warning,
            () => $"buffer 0x{buffer:X} posted again while an earlier receive on it was in flight");
    }

    /// <summary>A datagram sent with an address: SendMessageWithAddress entry 3100 / exit 3200; Windows 7: 21/22 then 28.</summary>
    public void SendTo(SimSocket s, SimAddress peer, int bytes)
    {
        Wait(20, 2000);
        if (Legacy)
        {
            L(s).Set(F.FastPath, 1).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)bytes)
                .Set(F.Address, peer.Raw).Set(F.Port, peer.Port);
            EmitL(peer.IsV6 ? (ushort)22 : (ushort)21, s, false);
            Wait(5, 100);
            L(s).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)bytes);
            EmitL(28, s, false);
        }
        else
        {
            M(s, 0, 3100).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)bytes).Set(F.Status, 0).Set(F.Address, peer.SockAddr);
            EmitM(1013, s, 0, false);
            Wait(5, 100);
            M(s, 1, 3200).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer).Set(F.BufferLength, (ulong)bytes).Set(F.Status, 0).Set(F.Address, peer.SockAddr);
            EmitM(1013, s, 1, false);
        }
        See(s);
        Sent(s, bytes);
        AddPeer(s, peer, bytes, 0);
    }

    /// <summary>
    /// A datagram received with its sender: ReceiveFromWithAddress (or ReceiveMessageWithAddress) exit 4201 only;
    /// Windows 7: 20 posted, then 26/27 with the sender.
    /// </summary>
    public void ReceiveFrom(SimSocket s, SimAddress peer, int bytes, bool message = false)
    {
        Wait(300, 30_000);
        if (Legacy)
        {
            L(s).Set(F.FastPath, 1).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer + 0x800).Set(F.BufferLength, 2048);
            EmitL(20, s, false);
            Wait(100, 5_000);
            L(s).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer + 0x800).Set(F.BufferLength, (ulong)bytes).Set(F.Address, peer.Raw).Set(F.Port, peer.Port);
            EmitL(peer.IsV6 ? (ushort)27 : (ushort)26, s, false);
        }
        else
        {
            M(s, 1, 4201).Set(F.BufferCount, 1).Set(F.Buffer, s.Buffer + 0x800).Set(F.BufferLength, (ulong)bytes).Set(F.Status, 0).Set(F.Address, peer.SockAddr);
            EmitM(message ? (ushort)1015 : (ushort)1009, s, 1, false);
        }
        See(s);
        Received(s, bytes);
        AddPeer(s, peer, 0, bytes);
    }

    /// <summary>A datagram dropped by AFD (under System): 1033 with its source and a reason; Windows 7: 33/34.</summary>
    public void DropDatagram(SimSocket s, SimAddress source, int bytes, uint reason)
    {
        Wait(50, 5_000);
        long stamp;
        if (Legacy)
        {
            L(s).Set(F.PacketSize, (ulong)bytes).Set(F.Address, source.Raw).Set(F.Port, source.Port).Set(F.Reason, reason);
            stamp = EmitL(source.IsV6 ? (ushort)34 : (ushort)33, s, true);
        }
        else
        {
            M(s, 3, 4310).Set(F.Buffer, 0).Set(F.BufferLength, (ulong)bytes).Set(F.Address, source.SockAddr).Set(F.Reason, reason);
            stamp = EmitM(1033, s, 3, true);
        }
        See(s);
        if (s.Record is { } r) r.DatagramsDropped++;
        AddFinding(FindingKind.DatagramDropped, stamp, s, source, FindingSeverity.Warning,
            () => $"datagram of {bytes} bytes from {source} dropped: {DropText(reason)}");
    }

    /// <summary>
    /// listen(): SockListen around AfdListen entry 13006 (Backlog) and exit 13013 (Backlog 0). Windows 7 logs nothing.
    /// </summary>
    public void Listen(SimSocket s, int backlog)
    {
        Wait(5, 100);
        if (Legacy)
        {
            s.PendingListen = true;
            return;
        }
        bool sockets = HasSockets && s.Handle != 0;
        if (sockets) SocketsStart(15, s);
        M(s, 0, 13006).Set(F.Backlog, (ulong)backlog).Set(F.Status, 0);
        EmitM(1037, s, 0, false);
        M(s, 1, 13013).Set(F.Backlog, 0).Set(F.Status, 0);
        EmitM(1037, s, 1, false);
        if (sockets)
        {
            _d.Clear().Set(F.ErrorCode, 0).Set(F.Socket, s.Handle).Set(F.Backlog, (ulong)backlog).Set(F.FailurePoint, 0);
            SocketsStop(16, s);
        }
        See(s);
        if (s.Record is { } r) { r.Listening = true; r.Backlog = backlog; }
    }

    /// <summary>The transport indicates a connection on a listening socket (under System): 3001; Windows 7: 35/36.</summary>
    private void ConnectIndication(SimSocket listener, SimAddress remote)
    {
        if (Legacy)
        {
            _d.Clear().Set(F.Process, listener.P.EProcess).Set(F.ListenEndpoint, listener.Endpoint).Set(F.Address, remote.Raw).Set(F.Port, remote.Port);
            EmitL(remote.IsV6 ? (ushort)36 : (ushort)35, listener, true);
            if (listener.Record is { } r) r.Listening = true;
        }
        else
        {
            M(listener, 3, 6500).Set(F.Status, 0).Set(F.Address, remote.SockAddr).Set(F.CurrentBacklog, 1);
            EmitM(3001, listener, 3, true);
        }
    }

    /// <summary>
    /// AcceptEx on a listening socket with an accept socket made beforehand: AcceptExWithAddress entry 6100 (no address),
    /// the connection indication, then the exit 6101 under System with the remote address and AcceptEndpoint.
    /// Windows 7: 35/36, then 15/16 on the accepted socket, or 17 on the listener when it fails.
    /// </summary>
    public void AcceptEx(SimSocket listener, SimSocket accepted, SimAddress remote, uint fail = 0)
    {
        Wait(50, 2000);
        long stamp;
        if (Legacy)
        {
            Wait(1_000, 200_000);
            ConnectIndication(listener, remote);
            Wait(5, 100);
            if (fail != 0)
            {
                L(listener).Set(F.Error, fail);
                stamp = EmitL(17, listener, false);
            }
            else
            {
                L(accepted).Set(F.Address, remote.Raw).Set(F.Port, remote.Port).Set(F.Status, 0);
                stamp = EmitL(remote.IsV6 ? (ushort)16 : (ushort)15, accepted, false);
            }
        }
        else
        {
            M(listener, 0, 6100).Set(F.Buffer, accepted.Buffer).Set(F.BufferLength, 88).Set(F.Status, 0)
                .Set(F.AcceptEndpoint, accepted.Endpoint).Set(F.CurrentBacklog, 0);
            EmitM(1027, listener, 0, false);
            Wait(1_000, 200_000);
            ConnectIndication(listener, remote);
            Wait(5, 100);
            M(listener, 1, 6101).Set(F.Buffer, accepted.Buffer).Set(F.BufferLength, 88).Set(F.Status, fail)
                .Set(F.Address, fail != 0 ? null : remote.SockAddr).Set(F.AcceptEndpoint, accepted.Endpoint).Set(F.CurrentBacklog, 0);
            stamp = EmitM(1027, listener, 1, true, error: fail != 0);
        }
        See(listener);
        if (fail != 0)
        {
            Fail(listener, fail);
            AddFinding(FindingKind.AcceptFailed, stamp, listener, null, FindingSeverity.Warning, () => $"accept failed: {StatusName(fail)}");
            return;
        }
        Accepted(listener, accepted, remote);
    }

    /// <summary>
    /// accept(): SockAccept around the indication, an AfdCreate of the new endpoint and AcceptWithAddress exit with
    /// AcceptEndpoint; Windows 7: 35/36, 1, then 15/16.
    /// </summary>
    public void Accept(SimSocket listener, SimSocket accepted, SimAddress remote)
    {
        Wait(50, 2000);
        accepted.Thread = listener.Thread;
        if (Legacy)
        {
            Wait(1_000, 200_000);
            ConnectIndication(listener, remote);
            Create(accepted, api: false);
            L(accepted).Set(F.Address, remote.Raw).Set(F.Port, remote.Port).Set(F.Status, 0);
            EmitL(remote.IsV6 ? (ushort)16 : (ushort)15, accepted, false);
        }
        else
        {
            bool sockets = HasSockets && listener.Handle != 0;
            if (sockets) SocketsStart(5, listener);
            Wait(1_000, 200_000);
            ConnectIndication(listener, remote);
            Create(accepted, api: false);
            M(listener, 1, 6102).Set(F.Buffer, 0).Set(F.BufferLength, 0).Set(F.Status, 0).Set(F.Address, remote.SockAddr)
                .Set(F.AcceptEndpoint, accepted.Endpoint).Set(F.CurrentBacklog, 0);
            EmitM(1024, listener, 1, false);
            if (sockets)
            {
                accepted.Handle = accepted.P.NewHandle();
                _d.Clear().Set(F.ErrorCode, 0).Set(F.SocketAccepted, accepted.Handle).Set(F.SocketListening, listener.Handle)
                    .Set(F.ProcessId, listener.P.Pid).Set(F.FailurePoint, 0);
                Emit(SocketsTemplate(6, listener.P), listener.P.Pid, listener.Thread);
                if (accepted.Record is { } r) r.SocketHandle = accepted.Handle;
            }
        }
        See(listener);
        Accepted(listener, accepted, remote);
    }

    private void Accepted(SimSocket listener, SimSocket accepted, SimAddress remote)
    {
        accepted.Remote = remote;
        accepted.Local = listener.Local;
        See(accepted);
        if (accepted.Record is { } r)
        {
            r.Remote = remote.Copy();
            r.RemoteName = NameOf(accepted.P, remote);
            r.Local = listener.Local?.Copy();
            r.AcceptedFrom = listener.Endpoint;
        }
    }

    /// <summary>
    /// An option AFD logs (SO_RCVBUF, FIONBIO, SIO_UDP_CONNRESET, …): AfdOption 1035 (EnterExit 4, AFD-caused), in a
    /// SockSetOpt call when it came from setsockopt; Windows 7: 29.
    /// </summary>
    public void Option(SimSocket s, uint option, uint value, bool setsockopt)
    {
        Wait(5, 200);
        long stamp;
        if (Legacy)
        {
            L(s).Set(F.Option, option).Set(F.Value, value);
            stamp = EmitL(29, s, false);
        }
        else
        {
            bool sockets = setsockopt && HasSockets && s.Handle != 0;
            if (sockets) SocketsStart(7, s);
            M(s, 4, 9001).Set(F.Option, option).Set(F.Value, value).Set(F.Status, 0);
            stamp = EmitM(1035, s, 4, false);
            if (sockets)
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
                ulong name = option switch { 6 => 0x1002, 7 => 0x1001, 1 => 0x0100, _ => option };
                _d.Clear().Set(F.ErrorCode, 0).Set(F.Socket, s.Handle).Set(F.Level, 0xFFFF).Set(F.OptName, name).Set(F.OptVal, bytes).Set(F.FailurePoint, 0);
                SocketsStop(8, s);
            }
        }
        See(s);
        string optionName = OptionName(option);
        if (s.Record is { } r) r.Options[optionName] = value;
        AddFinding(FindingKind.OptionChanged, stamp, s, null, FindingSeverity.Info, () => $"{optionName} set to 0x{value:X}");
    }

    /// <summary>
    /// An abort: AfdAbort 1032 (EnterExit 2) at 8000 on the owner's thread, or at 8016 under System when the transport
    /// reset the connection; Windows 7: 7 (AFD-initiated) or 8 (transport-initiated).
    /// </summary>
    public void Abort(SimSocket s, uint reason, bool transport)
    {
        Wait(100, 20_000);
        long stamp;
        if (Legacy)
        {
            L(s).Set(F.Reason, reason);
            stamp = EmitL(transport ? (ushort)8 : (ushort)7, s, transport);
        }
        else
        {
            M(s, 2, transport ? 8016 : 8000).Set(F.Reason, reason);
            stamp = EmitM(1032, s, 2, transport);
        }
        See(s);
        string text = AbortText(reason);
        if (s.Record is { } r) { r.Aborted = true; r.AbortReason = text; }
        AddFinding(FindingKind.Abort, stamp, s, null, FindingSeverity.Error, () => $"connection aborted: {text}");
    }

    /// <summary>
    /// A transport-side notice with no bearing on the truth: AfdSendBackLog 3007 under System; Windows 7: 32 (WSAEventSelect).
    /// </summary>
    public void Notice(SimSocket s)
    {
        Wait(5, 400);
        if (Legacy)
        {
            L(s).Set(F.EventMask, 0x23);
            EmitL(32, s, false);
        }
        else
        {
            M(s, 3, 3300).Set(F.SendBacklog, (ulong)(8192 << Rng.Next(4)));
            EmitM(3007, s, 3, true);
        }
        See(s);
    }

    /// <summary>
    /// closesocket(): SockClose around AfdCleanup 2002 and AfdClose entry 2000 / exit 2001; with
    /// <paramref name="bySystem"/> the close comes later from a System thread (the last reference went away there).
    /// Windows 7: 13.
    /// </summary>
    public void Close(SimSocket s, bool bySystem = false)
    {
        Wait(50, 5_000);
        long stamp;
        if (Legacy)
        {
            L(s).Set(F.Error, 0);
            stamp = EmitL(13, s, bySystem);
        }
        else
        {
            bool sockets = HasSockets && s.Handle != 0;
            if (sockets) SocketsStart(3, s);
            M(s, 0, 2002).Set(F.Status, 0);
            EmitM(1002, s, 0, false);
            void Stop()
            {
                _d.Clear().Set(F.ErrorCode, 0).Set(F.Socket, s.Handle).Set(F.IsProviderSocket, 0).Set(F.FailurePoint, 0);
                SocketsStop(4, s);
            }
            if (bySystem)
            {
                if (sockets) Stop();
                Wait(100, 3_000);
            }
            M(s, 0, 2000).Set(F.Status, 0);
            EmitM(1001, s, 0, bySystem);
            M(s, 1, 2001).Set(F.Status, 0);
            stamp = EmitM(1001, s, 1, bySystem);
            if (sockets && !bySystem) Stop();
        }
        See(s);
        if (s.Record is { } r)
        {
            r.Closed = Utc(stamp);
            if (s.Handle != 0 && !Legacy && HasSockets) r.SocketHandle = s.Handle;
        }
        s.Closed = true;
        OpenSockets--;
        if (RecycleEndpoints) _freeEndpoints.Enqueue(s.Endpoint);
    }

    /// <summary>getaddrinfo: Winsock-NameResolution 1000 (the query) and 1001 (the result, addresses separated by ';').</summary>
    public void Resolve(SimProcess p, uint thread, string name, IReadOnlyList<IPAddress> addresses, string? result = null, uint status = 0)
    {
        if (!HasNameResolution) return;
        Wait(50, 2_000);
        _d.Clear().Set(F.NodeName, name).Set(F.ServiceName, "").Set(F.Location, 0).Set(F.Flags, 0).Set(F.Family, 0).Set(F.SocketType, 1).Set(F.Protocol, 6);
        Emit(NamesTemplate(1000, p), p.Pid, thread);
        Wait(2_000, 40_000);
        result ??= string.Concat(addresses.Select(a => a + ";"));
        _d.Clear().Set(F.NodeName, name).Set(F.Status, status).Set(F.Result, result);
        long stamp = Emit(NamesTemplate(1001, p), p.Pid, thread);
        if (Detailed) Truth.Lookups.Add(new NameLookup(Utc(stamp), p.Pid, name, addresses.ToArray(), status));
        if (status == 0)
        {
            foreach (var a in addresses) _resolved[(p.Pid, a)] = name;
            return;
        }
        Truth.FindingCounts[FindingKind.NameResolutionFailed] = Truth.FindingCounts.GetValueOrDefault(FindingKind.NameResolutionFailed) + 1;
        if (Detailed)
            Truth.Findings.Add(new Finding(FindingKind.NameResolutionFailed, Utc(stamp), p.Pid, 0, null,
                $"lookup of {name} failed: {(Decoding.Values.Win32ErrorNames.TryGetName(status, out var n) ? n : status.ToString())}", FindingSeverity.Warning) { RemoteName = name });
    }

    /// <summary>Flags the current buffer of a processor: events were lost (and the finding, once per trace).</summary>
    public void MarkEventsLost()
    {
        _writer.MarkEventsLost(Cpu(System.Threads[0]));
        Truth.BuffersFlaggedEventsLost++;
        EventsLostFinding();
    }

    private void EventsLostFinding()
    {
        if (_eventsLostFound) return;
        _eventsLostFound = true;
        uint lost = Truth.EventsLost;
        int flagged = Truth.BuffersFlaggedEventsLost;
        Truth.FindingCounts[FindingKind.EventsLost] = Truth.FindingCounts.GetValueOrDefault(FindingKind.EventsLost) + 1;
        if (Detailed)
            Truth.Findings.Add(new Finding(FindingKind.EventsLost, Options.Start, 0, 0, null,
                $"{lost} events lost (logfile header); {flagged} buffer(s) flagged events-lost", FindingSeverity.Warning));
    }

    // ----- the end -----------------------------------------------------------------------------------------------

    /// <summary>DCEnd of every running process, then the counts; closes the file.</summary>
    public ScenarioTruth Finish()
    {
        if (Truth.EventsLost > 0) EventsLostFinding();
        Wait(1_000, 5_000);
        foreach (var p in _processes)
            if (p.Running) WriteProcessEvent(p, 4);
        Dispose();
        Truth.Events = Events;
        Truth.End = Utc(_now);
        Truth.OpenAtEnd = OpenSockets;
        foreach (var t in _afd.Concat(_sockets64).Concat(_sockets32).Concat(_names64).Concat(_names32))
        {
            if (t is null || t.Count == 0) continue;
            var key = new EventKey(t.Schema.Provider.Guid, t.Schema.Id);
            Truth.EventCounts[key] = Truth.EventCounts.GetValueOrDefault(key) + t.Count;
        }
        foreach (var (key, n) in _kernelCounts) Truth.EventCounts[key] = n;
        var ordered = Truth.Findings.OrderBy(f => f.Time).ToList(); // stable: events_lost (at the start) first
        Truth.Findings.Clear();
        Truth.Findings.AddRange(ordered);
        return Truth;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _writer.Dispose();
    }
}
