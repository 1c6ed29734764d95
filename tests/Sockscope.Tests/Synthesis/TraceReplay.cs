using System.Buffers.Binary;
using System.Net;
using System.Text;
using Sockscope.Analysis;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Synthesis;

namespace Sockscope.Tests.Synthesis;

/// <summary>
/// Reads a synthesised trace back and rebuilds its sockets and findings from the decoded events alone, following the
/// rules <see cref="ScenarioTruth"/> documents, written independently of the synthesiser: if the truth and this
/// replay agree, the truth describes what the file really holds.
/// </summary>
internal sealed class TraceReplay
{
    public List<SocketRecord> Sockets { get; } = new();
    public List<Finding> Findings { get; } = new();
    public Dictionary<EventKey, long> Counts { get; } = new();
    public Dictionary<ulong, (uint Pid, string Name, string CommandLine, int Version)> Processes { get; } = new();
    public long Records { get; private set; }
    public int Incomplete { get; private set; }
    public long Problems { get; private set; }
    public int PointerSize { get; private set; }
    public uint Build { get; private set; }
    public int Wow64Records { get; private set; }
    public DateTime Last { get; private set; }
    public List<string> Errors { get; } = new();

    private sealed class Live
    {
        public required SocketRecord R;
        public int SendDepth;
    }

    private readonly Dictionary<ulong, Live> _live = new();
    private readonly Dictionary<(ulong, ulong), int> _inflight = new();
    private readonly Dictionary<uint, SocketRecord> _createdOnThread = new(), _cleanedOnThread = new();
    private readonly Dictionary<(ulong, string), ulong> _indications = new();
    private readonly Dictionary<(uint Pid, IPAddress Address), string> _names = new();

    public static TraceReplay Read(string path)
    {
        var replay = new TraceReplay();
        replay.Run(path);
        return replay;
    }

    private void Run(string path)
    {
        using var reader = EtlReader.Open(path);
        PointerSize = reader.PointerSize;
        Build = reader.Header.ProviderVersion;
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        bool first = true;
        long previous = long.MinValue;
        while (reader.TryRead(out var r))
        {
            if (first) { first = false; continue; } // the logfile header record
            Records++;
            if (r.Timestamp < previous) Errors.Add($"record {Records}: time goes back");
            previous = r.Timestamp;
            var time = reader.Clock.ToUtc(r.Timestamp);
            Last = time;
            if (r.Family != TraceHeaderFamily.EventHeader)
            {
                if (r.Group == 3) Kernel(r);
                else Errors.Add($"record {Records}: unexpected kernel group {r.Group}");
                Count(KernelEventGroups.Process, r.Opcode);
                continue;
            }
            Count(r.ProviderId, r.Id);
            if (r.PointerSize == 4 && reader.PointerSize == 8) Wow64Records++;
            if (!decoder.TryDecode(r, out var d)) { Errors.Add($"record {Records}: {r.ProviderId} {r.Id} not in the catalog"); continue; }
            if (d.Status != DecodeStatus.Complete) { Incomplete++; continue; }
            if (r.ProviderId == WellKnownProviders.WinsockAfd) Afd(r, d, time);
            else if (r.ProviderId == WellKnownProviders.WinsockSockets) Sockets_(r, d);
            else if (r.ProviderId == WellKnownProviders.WinsockNameResolution && r.Id == 1001) Lookup(r, d, time);
        }
        Problems = reader.Diagnostics.ProblemCount;
        if (reader.Header.EventsLost > 0 || reader.BuffersWithEventsLost > 0)
            Findings.Add(new Finding(FindingKind.EventsLost, reader.Clock.ToUtc(reader.HeaderTimestamp), 0, 0, null, "", FindingSeverity.Warning));
        Findings.Sort((a, b) => a.Time.CompareTo(b.Time));
    }

    // A lookup's result: its addresses name the asking process's later sockets; a failure is a finding.
    private void Lookup(in EtlRecord rec, in DecodedEvent d, DateTime time)
    {
        string name = d.String(d.IndexOf("NodeName"))!;
        if (N(d, "Status") != 0)
        {
            Findings.Add(new Finding(FindingKind.NameResolutionFailed, time, rec.ProcessId, 0, null, "", FindingSeverity.Warning) { RemoteName = name });
            return;
        }
        foreach (var part in d.String(d.IndexOf("Result"))!.Split(';', StringSplitOptions.RemoveEmptyEntries))
            _names[(rec.ProcessId, IPAddress.Parse(part))] = name;
    }

    private void Count(Guid provider, ushort id)
    {
        var key = new EventKey(provider, id);
        Counts[key] = Counts.GetValueOrDefault(key) + 1;
    }

    private void Kernel(in EtlRecord r)
    {
        var u = r.UserData;
        int p = r.PointerSize;
        ulong key = p == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(u) : BinaryPrimitives.ReadUInt32LittleEndian(u);
        int o = p;
        uint pid = BinaryPrimitives.ReadUInt32LittleEndian(u[o..]);
        o += 16 + p; // ProcessId, ParentId, SessionId, ExitStatus, DirectoryTableBase
        if (r.Version >= 4) o += 4; // Flags
        if (BinaryPrimitives.ReadUInt32LittleEndian(u[o..]) == 0) o += 4;
        else o += 2 * p + 8 + 4 * u[o + 2 * p + 1];
        int end = u[o..].IndexOf((byte)0);
        string name = Encoding.ASCII.GetString(u.Slice(o, end));
        o += end + 1;
        int cmdEnd = o;
        while (u[cmdEnd] != 0 || u[cmdEnd + 1] != 0) cmdEnd += 2;
        string command = Encoding.Unicode.GetString(u[o..cmdEnd]);
        Processes[key] = (pid, name, command, r.Version);
    }

    private SocketRecord Record(ulong endpoint, ulong process)
    {
        if (_live.TryGetValue(endpoint, out var live)) return live.R;
        var (pid, name, _, _) = Processes.GetValueOrDefault(process);
        if (name is null) Errors.Add($"endpoint 0x{endpoint:X}: Process 0x{process:X} has no kernel Process event");
        var r = new SocketRecord { Endpoint = endpoint, ProcessObject = process, ProcessId = pid, ProcessName = name };
        Sockets.Add(r);
        _live[endpoint] = new Live { R = r };
        return r;
    }

    private static IPEndPoint SockAddr(ReadOnlySpan<byte> sa)
    {
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(sa);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(sa[2..]);
        return family == 2 ? new IPEndPoint(new IPAddress(sa.Slice(4, 4)), port) : new IPEndPoint(new IPAddress(sa.Slice(8, 16)), port);
    }

    private static ulong N(in DecodedEvent d, string field) => d.Number(d.IndexOf(field));
    private static ReadOnlySpan<byte> B(in DecodedEvent d, string field) => d.Bytes(d.IndexOf(field));
    private static IPEndPoint Address(in DecodedEvent d) =>
        new(new IPAddress(d.Bytes(d.IndexOf("Address"))), d.NetworkUInt16(d.IndexOf("Port")));

    private static string Status(uint status) => NtStatusNames.TryGetName(status, out var n) ? n : $"0x{status:X8}";

    private void Fail(SocketRecord r, uint status) => r.Error ??= Status(status);

    private void Find(FindingKind kind, DateTime time, SocketRecord r, IPEndPoint? remote) =>
        Findings.Add(new Finding(kind, time, r.ProcessId, r.Endpoint, remote ?? r.Remote, "", FindingSeverity.Info));

    private void Peer(SocketRecord r, IPEndPoint peer)
    {
        if (r.Peers.Contains(peer)) return;
        r.Peers.Add(peer);
        string? name = _names.GetValueOrDefault((r.ProcessId, peer.Address));
        r.PeerTraffic.Add(new PeerTraffic { Remote = peer, Name = name });
        if (r.Remote is null) r.RemoteName ??= name;
    }

    private void Post(SocketRecord r, ulong buffer, DateTime time)
    {
        var key = (r.Endpoint, buffer);
        int n = _inflight.GetValueOrDefault(key);
        if (n > 0) Find(FindingKind.BufferReuse, time, r, null);
        _inflight[key] = n + 1;
    }

    private void Complete(SocketRecord r, ulong buffer)
    {
        var key = (r.Endpoint, buffer);
        if (_inflight.TryGetValue(key, out int n) && n > 0) _inflight[key] = n - 1;
    }

    private void Afd(in EtlRecord rec, in DecodedEvent d, DateTime time)
    {
        ulong process = N(d, "Process");
        if (!Processes.ContainsKey(process)) Errors.Add($"AFD {rec.Id}: unknown Process 0x{process:X}");
        ushort id = rec.Id;
        if (id < 1000)
        {
            Legacy(d, time, id, process);
            return;
        }
        int ee = (int)N(d, "EnterExit");
        ulong endpoint = N(d, "Endpoint");
        var owner = Processes.GetValueOrDefault(process);
        if (rec.ProcessId != 4 && rec.ProcessId != owner.Pid) Errors.Add($"AFD {id}: header process {rec.ProcessId} is neither the owner {owner.Pid} nor System");
        if (ee == 0 && d.Schema.Opcode.Value == 12 && rec.Opcode != 10) Errors.Add($"AFD {id}: entry opcode {rec.Opcode}");
        if (id == 1000 && ee == 0)
        {
            _live.Remove(endpoint);
            var r0 = Record(endpoint, process);
            r0.Opened = time;
            r0.Family = (int)N(d, "AddressFamily");
            r0.SocketType = (int)N(d, "SocketType");
            r0.Protocol = (int)N(d, "Protocol");
            _createdOnThread[rec.ThreadId] = r0;
            return;
        }
        var r = Record(endpoint, process);
        var live = _live[endpoint];
        uint status = d.IndexOf("Status") >= 0 ? (uint)N(d, "Status") : 0;
        switch (id)
        {
            case 1030 when ee == 1:
                if (status == 0) r.Local = SockAddr(B(d, "Address"));
                else { Fail(r, status); Find(FindingKind.BindFailed, time, r, null); }
                break;
            case 1018 or 1021 when ee == 0:
                r.Remote = SockAddr(B(d, "Address"));
                r.RemoteName = _names.GetValueOrDefault((r.ProcessId, r.Remote.Address));
                break;
            case 1017 or 1020 when ee == 1 && status != 0:
                Fail(r, status);
                Find(FindingKind.ConnectFailed, time, r, null);
                break;
            case 1003:
                if (ee == 0)
                {
                    if (live.SendDepth == 0) { r.Sends++; Post(r, N(d, "Buffer"), time); }
                    live.SendDepth++;
                }
                else
                {
                    live.SendDepth--;
                    if (live.SendDepth == 0)
                    {
                        r.BytesSent += (long)N(d, "BufferLength");
                        Complete(r, N(d, "Buffer"));
                        if (status != 0) { Fail(r, status); Find(FindingKind.SendFailed, time, r, null); }
                    }
                }
                break;
            case 1004:
                if (ee == 0) Post(r, N(d, "Buffer"), time);
                else
                {
                    r.Receives++;
                    r.BytesReceived += (long)N(d, "BufferLength");
                    Complete(r, N(d, "Buffer"));
                    if (status != 0) { Fail(r, status); Find(FindingKind.ReceiveFailed, time, r, null); }
                }
                break;
            case 1013:
                Peer(r, SockAddr(B(d, "Address")));
                if (ee == 0) r.Sends++;
                else r.BytesSent += (long)N(d, "BufferLength");
                break;
            case 1009 or 1015 when ee == 1:
                r.Receives++;
                r.BytesReceived += (long)N(d, "BufferLength");
                Peer(r, SockAddr(B(d, "Address")));
                break;
            case 1033:
                r.DatagramsDropped++;
                Find(FindingKind.DatagramDropped, time, r, SockAddr(B(d, "Address")));
                break;
            case 1037 when ee == 0:
                r.Listening = true;
                r.Backlog = (int)N(d, "Backlog");
                break;
            case 1024 or 1027 when ee == 1:
                if (status == 0)
                {
                    var accepted = Record(N(d, "AcceptEndpoint"), process);
                    accepted.Remote = SockAddr(B(d, "Address"));
                    accepted.AcceptedFrom = endpoint;
                    accepted.Local = r.Local;
                    if (id == 1024) _createdOnThread[rec.ThreadId] = accepted;
                }
                else { Fail(r, status); Find(FindingKind.AcceptFailed, time, r, null); }
                break;
            case 1035:
                r.Options[d.Schema.Fields[d.IndexOf("Option")].Map!.Lookup(N(d, "Option"))!] = N(d, "Value");
                Find(FindingKind.OptionChanged, time, r, null);
                break;
            case 1032:
                r.Aborted = true;
                r.AbortReason = d.Schema.Fields[d.IndexOf("Reason")].Map!.Lookup(N(d, "Reason"));
                Find(FindingKind.Abort, time, r, null);
                break;
            case 1002:
                _cleanedOnThread[rec.ThreadId] = r;
                break;
            case 1001 when ee == 1:
                r.Closed = time;
                _live.Remove(endpoint);
                break;
        }
    }

    private void Legacy(in DecodedEvent d, DateTime time, ushort id, ulong process)
    {
        if (id is 35 or 36)
        {
            var listener = Record(N(d, "ListenEndpoint"), process);
            listener.Listening = true;
            _indications[(process, Address(d).ToString())] = listener.Endpoint;
            return;
        }
        ulong endpoint = N(d, "Endpoint");
        if (id == 1)
        {
            _live.Remove(endpoint);
            var c = Record(endpoint, process);
            c.Opened = time;
            c.Family = (int)N(d, "AddressFamily");
            c.SocketType = (int)N(d, "SocketType");
            c.Protocol = (int)N(d, "Protocol");
            return;
        }
        var r = Record(endpoint, process);
        switch (id)
        {
            case 2 or 3: r.Local = Address(d); break;
            case 40: Fail(r, (uint)N(d, "Error")); Find(FindingKind.BindFailed, time, r, null); break;
            case 4 or 5: r.Remote = Address(d); break;
            case 6 when N(d, "Error") != 0: Fail(r, (uint)N(d, "Error")); Find(FindingKind.ConnectFailed, time, r, null); break;
            case 18: r.Sends++; Post(r, N(d, "Buffer"), time); break;
            case 21 or 22: r.Sends++; Peer(r, Address(d)); Post(r, N(d, "Buffer"), time); break;
            case 24 or 28: r.BytesSent += (long)N(d, "BufferLength"); Complete(r, N(d, "Buffer")); break;
            case 9: Fail(r, (uint)N(d, "Error")); Find(FindingKind.SendFailed, time, r, null); _inflight.Clear(); break;
            case 19 or 20: r.Receives++; Post(r, N(d, "Buffer"), time); break;
            case 23: r.BytesReceived += (long)N(d, "BufferLength"); Complete(r, N(d, "Buffer")); break;
            case 26 or 27: r.BytesReceived += (long)N(d, "BufferLength"); Peer(r, Address(d)); Complete(r, N(d, "Buffer")); break;
            case 11: Fail(r, (uint)N(d, "Error")); Find(FindingKind.ReceiveFailed, time, r, null); _inflight.Clear(); break;
            case 33 or 34: r.DatagramsDropped++; Find(FindingKind.DatagramDropped, time, r, Address(d)); break;
            case 15 or 16:
                r.Remote = Address(d);
                if (_indications.TryGetValue((process, r.Remote.ToString()), out var from))
                {
                    r.AcceptedFrom = from;
                    r.Local = _live.TryGetValue(from, out var l) ? l.R.Local : null;
                }
                break;
            case 17: Fail(r, (uint)N(d, "Error")); Find(FindingKind.AcceptFailed, time, r, null); break;
            case 29:
                r.Options[d.Schema.Fields[d.IndexOf("Option")].Map!.Lookup(N(d, "Option"))!] = N(d, "Value");
                Find(FindingKind.OptionChanged, time, r, null);
                break;
            case 7 or 8:
                r.Aborted = true;
                r.AbortReason = SchemaCatalog.Winsock.Find(WellKnownProviders.WinsockAfd, 1032, 0)!.Fields[4].Map!.Lookup(N(d, "Reason"));
                Find(FindingKind.Abort, time, r, null);
                break;
            case 13:
                r.Closed = time;
                _live.Remove(endpoint);
                break;
        }
    }

    private void Sockets_(in EtlRecord rec, in DecodedEvent d)
    {
        switch (rec.Id)
        {
            case 2 when _createdOnThread.TryGetValue(rec.ThreadId, out var created):
                created.SocketHandle = N(d, "Socket");
                break;
            case 6 when _createdOnThread.TryGetValue(rec.ThreadId, out var accepted):
                accepted.SocketHandle = N(d, "SocketAccepted");
                break;
            case 4 when _cleanedOnThread.TryGetValue(rec.ThreadId, out var closed):
                closed.SocketHandle = N(d, "Socket");
                break;
        }
    }
}
