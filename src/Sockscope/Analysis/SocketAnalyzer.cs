using System.Net;
using System.Runtime.CompilerServices;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;

namespace Sockscope.Analysis;

/// <summary>
/// Rebuilds each socket's life from a stream of decoded Winsock events (AFD 1000-series and legacy 1–41,
/// Winsock-Sockets), and says what went wrong. Streaming: a socket is handed to <see cref="SocketCompleted"/> when
/// it closes, so memory follows the sockets open at once, not the trace.
/// </summary>
public sealed class SocketAnalyzer
{
    private const int MaxInFlight = 1 << 20;
    // Hostile traces can name endless processes; real ones name thousands.
    private const int MaxProcesses = 1 << 20;

    private readonly EtlClock _clock;
    private readonly ProcessTable _processes;
    private readonly int _maxFindingsKept;
    private readonly Dictionary<ulong, SocketState> _open = new();
    // The socket of the event before: a call's entry and exit, and a socket's runs of sends, come one after another.
    private ulong _lastEndpoint;
    private SocketState? _lastOpen;
    private readonly Dictionary<(uint Pid, ulong Handle), SocketState> _handles = new();
    private readonly Dictionary<ulong, uint> _processIds = new();
    private readonly Dictionary<BufferKey, ulong> _inFlight = new();
    private readonly Dictionary<(string Kind, uint Pid, string Where), DateTime> _recentFailures = new();
    // The findings kept for listing, in the order found: when the cap is reached, a failure takes the place of the
    // latest notice kept (left as a null here), so thousands of notices ("FIONBIO set to 1") never crowd out the
    // failures. One list of references, not failures and notices apart with their sequence numbers: a list of
    // (long, Finding) pairs was code the runtime compiled for it alone at every start.
    private readonly List<Finding?> _kept = new();
    private int _keptNotices, _keptRemoved;
    // Past the cap no notice is added, so the latest notice kept is always before the one given up last.
    private int _noticeSearchEnd = int.MaxValue;
    private List<Finding>? _findings;
    private readonly List<(ulong Listener, ulong Process, IPEndPoint? Remote)> _indications = new();
    // ws2_32 logs a call's result after the AFD work inside it: an AFD socket created or accepted a moment ago waits
    // here for its handle, and a closed one waits a second for SockClose to name it before it is handed on.
    private readonly Dictionary<uint, SocketState> _awaitingHandle = new();
    private readonly Queue<(SocketState State, long Stamp)> _closing = new();
    private readonly long _joinTicks;
    private static readonly TimeSpan JoinWindow = TimeSpan.FromSeconds(1);
    private readonly List<(uint Pid, ulong Handle, DateTime Time)> _unclaimedCloses = new();
    private readonly NameTable _names;

    /// <summary>Raised when a socket closes (and, at <see cref="Complete"/>, for every socket still open).</summary>
    public event Action<SocketRecord>? SocketCompleted;

    /// <summary>Raised for every finding as it is found.</summary>
    public event Action<Finding>? FindingFound;

    /// <summary>
    /// The findings so far, in the order found: as many as the analyzer keeps (<see cref="FindingCount"/> counts
    /// all), the first failures before any notice when there are more than that, then the first notices.
    /// </summary>
    public IReadOnlyList<Finding> Findings => _findings ??= KeptInOrder();

    private List<Finding> KeptInOrder()
    {
        var all = new List<Finding>(_kept.Count - _keptRemoved);
        foreach (var f in _kept)
            if (f is not null) all.Add(f);
        return all;
    }
    /// <summary>Findings found.</summary>
    public long FindingCount { get; private set; }
    /// <summary>Winsock events analysed.</summary>
    public long EventsAnalysed { get; private set; }
    /// <summary>Sockets seen.</summary>
    public long SocketsSeen { get; private set; }
    /// <summary>Successful name lookups seen (Winsock-NameResolution results).</summary>
    public long NameLookups { get; private set; }
    /// <summary>Resolved addresses not remembered because the name table was full (see <see cref="AnalysisLimits.MaxNames"/>).</summary>
    public long NamesDropped => _names.Dropped;

    /// <summary>The socket the event last given to <see cref="Observe"/> was about, or null (for a report's or a database's events of each socket).</summary>
    public SocketRecord? LastSocket { get; private set; }

    /// <summary>
    /// Creates an analyzer for a trace with this clock; process names come from <paramref name="processes"/>; the
    /// first <paramref name="maxFindingsKept"/> findings are kept in <see cref="Findings"/>; the host names of at most
    /// <paramref name="maxNames"/> resolved addresses are remembered for naming sockets.
    /// </summary>
    public SocketAnalyzer(EtlClock clock, ProcessTable? processes = null, int maxFindingsKept = 100_000, int maxNames = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFindingsKept);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNames);
        _names = new NameTable(maxNames);
        _clock = clock;
        _maxFindingsKept = maxFindingsKept;
        _processes = processes ?? new ProcessTable();
        _joinTicks = clock.Frequency;
    }

    /// <summary>The process table (fed with the Process events given to <see cref="Observe"/>).</summary>
    public ProcessTable Processes => _processes;

    private sealed class SocketState(SocketRecord record)
    {
        public readonly SocketRecord Record = record;
        public int SendDepth;
        // Set once the socket is handed on: a late ws2_32 result must not join it.
        public bool Completed;
        // The process id it waits for a ws2_32 handle under (see _awaitingHandle).
        public uint AwaitingPid;
        // The last datagram peer's bytes: most datagrams go to and come from the peer before, and comparing bytes
        // spares making an address for each.
        public AddressBytes LastPeer;
        public int LastPeerLength = -1;
        public ushort LastPeerPort;
        // The index in Peers of that last peer (-1 past the cap), and of the peer the send in flight goes to: the
        // bytes of a datagram are the peer's.
        public int LastPeerIndex = -1;
        public int SendPeer = -1;
    }

    private readonly record struct BufferKey(ulong Process, ulong Buffer)
    {
        public override int GetHashCode() => (int)(Buffer ^ Buffer >> 32) ^ (int)(Process * 0x9E3779B97F4A7C15 >> 32);
    }

    /// <summary>Analyses one event (events of other sources are ignored).</summary>
    public void Observe(in SocketEvent e)
    {
        LastSocket = null;
        switch (e.Source)
        {
            case SocketEventSource.Afd:
                Flush(e.Stamp);
                EventsAnalysed++;
                ObserveAfd(e);
                return;
            case SocketEventSource.AfdLegacy:
                Flush(e.Stamp);
                EventsAnalysed++;
                ObserveLegacy(e);
                return;
            case SocketEventSource.Sockets:
                Flush(e.Stamp);
                EventsAnalysed++;
                ObserveSockets(e);
                return;
            case SocketEventSource.Process:
                _processes.Add(e.Process, (uint)e.ProcessId, e.Text ?? "");
                return;
            case SocketEventSource.NameResolution:
                ObserveLookup(e);
                return;
        }
    }

    /// <summary>
    /// A name lookup's result: its addresses name the process's later sockets to them; a failed one is a finding.
    /// A lookup that logs both results (1001 and the asynchronous 1004) fails once.
    /// </summary>
    private void ObserveLookup(in SocketEvent e)
    {
        string name = e.Text ?? "";
        uint pid = e.HeaderProcessId;
        if (e.Status == 0)
        {
            NameLookups++;
            _names.Add(pid, name, e.Result);
            return;
        }
        var time = Time(e.Stamp);
        var key = ("name_resolution_failed", pid, name);
        if (_recentFailures.TryGetValue(key, out var last) && (time - last).Duration() < TimeSpan.FromSeconds(1)) return;
        if (_recentFailures.Count > 65_536) _recentFailures.Clear();
        _recentFailures[key] = time;
        Add(new Finding("name_resolution_failed", time, pid, 0, null, $"lookup of {name} failed: {Win32(e.Status)}", FindingSeverity.Warning) { RemoteName = name });
    }

    // Compared in raw clock ticks: converting every event's time stamp only to compare it would cost more.
    private void Flush(long stamp)
    {
        if (_closing.Count > 0 && stamp - _closing.Peek().Stamp > _joinTicks) FlushClosed(stamp - _joinTicks);
    }

    /// <summary>Records lost events (the session's count and the buffers flagged) as a finding.</summary>
    public void ObserveLostEvents(long eventsLost, long buffersLost, long buffersWithLostEvents, DateTime when)
    {
        if (eventsLost == 0 && buffersLost == 0 && buffersWithLostEvents == 0) return;
        Add(new Finding("events_lost", when, 0, 0, null,
            $"the session lost {eventsLost} events and {buffersLost} buffers; {buffersWithLostEvents} buffers are flagged with lost events: sockets may be incomplete",
            FindingSeverity.Warning));
    }

    /// <summary>Hands every socket still open to <see cref="SocketCompleted"/>, oldest first.</summary>
    public void Complete()
    {
        FlushClosed(long.MaxValue);
        var left = _open.Values.Concat(_handles.Values.Where(s => s.Record.Endpoint == 0))
            .Distinct().OrderBy(s => s.Record.Opened ?? DateTime.MinValue).ToList();
        _open.Clear();
        _lastOpen = null;
        _handles.Clear();
        foreach (var s in left)
        {
            s.Record.ProcessName ??= _processes.NameOf(s.Record.ProcessId);
            Hand(s);
        }
    }

    private DateTime Time(long stamp) => _clock.ToUtc(stamp);

    // ----- AFD, current Windows (1000-series) -----

    private void ObserveAfd(in SocketEvent e)
    {
        ushort id = e.Id;
        bool exit = e.Exit;
        ulong endpoint = e.Endpoint;
        uint status = e.Status;
        switch (id)
        {
            case 1000: // create: the entry opens the socket; the exit completes it
            {
                if (exit && status != 0) return;
                var s = exit && _open.TryGetValue(endpoint, out var entered) ? entered : Open(endpoint, e, created: true);
                LastSocket = s.Record;
                if (e.Has(SocketEventFields.Family)) s.Record.Family = e.Family;
                if (e.Has(SocketEventFields.SocketType)) s.Record.SocketType = e.SocketType;
                if (e.Has(SocketEventFields.Protocol)) s.Record.Protocol = e.Protocol;
                if (e.ProcessId is > 0 and < uint.MaxValue) Owner(s, e);
                if (!exit && s.Record.ProcessId != 0) AwaitHandle(s);
                return;
            }
            case 1001: // close (a socket opened before the trace may show itself first here)
                Known(endpoint, e);
                if (exit) Close(endpoint, e.Stamp);
                return;
            case 1002: // cleanup: the socket is still there
                Known(endpoint, e);
                return;
            case 1003 or 1005 or 1007 or 1011 or 1013: // sends
            {
                var s = Known(endpoint, e);
                if (e.Has(SocketEventFields.Address)) s.SendPeer = AddPeer(s, e, remote: true);
                else if (!exit && s.SendDepth == 0) s.SendPeer = -1;
                if (!exit)
                {
                    // A nested entry is the same send going deeper, not a second post of its buffer.
                    if (++s.SendDepth == 1) Posted(s, e);
                    return;
                }
                Completed(e);
                // Sends nest (enter, enter, exit, exit): only the outermost completion counts, and the completions AFD
                // logs again for a nested send (locations 3073, 3024) never do.
                if (s.SendDepth > 0) s.SendDepth--;
                if (s.SendDepth > 0 || e.Location is 3073 or 3024) return;
                s.Record.Sends++;
                if (NtStatusNames.IsFailure(status)) { Failure(s, "send_failed", Time(e.Stamp), status, FindingSeverity.Error); return; }
                s.Record.BytesSent += (long)e.Length;
                if (s.SendPeer >= 0) PeerBytes(s, s.SendPeer, (long)e.Length, 0);
                return;
            }
            case 1004 or 1006 or 1009 or 1012 or 1015: // receives: bytes come from the exit only
            {
                var s = Known(endpoint, e);
                if (!exit)
                {
                    Posted(s, e);
                    return;
                }
                Completed(e);
                int peer = e.Has(SocketEventFields.Address) ? AddPeer(s, e, remote: s.Record.SocketType != 2 && s.Record.Protocol != 17) : -1;
                s.Record.Receives++;
                if (NtStatusNames.IsFailure(status)) { Failure(s, "receive_failed", Time(e.Stamp), status, FindingSeverity.Error); return; }
                s.Record.BytesReceived += (long)e.Length;
                if (peer >= 0) PeerBytes(s, peer, 0, (long)e.Length);
                return;
            }
            case 1017 or 1018 or 1020 or 1021: // connects: the remote address is on the entry
            {
                var s = Known(endpoint, e);
                if (Sockaddr(e) is { } remote) SetRemote(s, remote);
                if (exit && NtStatusNames.IsFailure(status)) Failure(s, "connect_failed", Time(e.Stamp), status, FindingSeverity.Warning);
                return;
            }
            case 1023 or 1024 or 1026 or 1027: // accepts: the exit names the new endpoint
            {
                var listener = Known(endpoint, e);
                listener.Record.Listening = true;
                if (!exit) return;
                if (NtStatusNames.IsFailure(status)) { Failure(listener, "accept_failed", Time(e.Stamp), status, FindingSeverity.Warning); return; }
                ulong accepted = e.Other;
                if (accepted == 0) return;
                var s = Open(accepted, e, created: !_open.ContainsKey(accepted));
                s.Record.AcceptedFrom = endpoint;
                s.Record.Local ??= listener.Record.Local;
                s.Record.Family = s.Record.Family >= 0 ? s.Record.Family : listener.Record.Family;
                s.Record.Protocol = s.Record.Protocol >= 0 ? s.Record.Protocol : listener.Record.Protocol;
                s.Record.SocketType = s.Record.SocketType >= 0 ? s.Record.SocketType : listener.Record.SocketType;
                s.Record.ProcessId = listener.Record.ProcessId;
                if (Sockaddr(e) is { } peer) SetRemote(s, peer);
                if (s.Record.ProcessId != 0) AwaitHandle(s);
                return;
            }
            case 1029 or 1030: // bind: the bound address is on the exit
            {
                var s = Known(endpoint, e);
                if (!exit) return;
                if (NtStatusNames.IsFailure(status)) { Failure(s, "bind_failed", Time(e.Stamp), status, FindingSeverity.Error); return; }
                if (Sockaddr(e) is { } local) s.Record.Local = local;
                return;
            }
            case 1032: // abort
            {
                var s = Known(endpoint, e);
                s.Record.Aborted = true;
                string reason = e.Text ?? "";
                s.Record.AbortReason ??= reason;
                Add(new Finding("abort", Time(e.Stamp), s.Record.ProcessId, endpoint, s.Record.Remote, $"connection aborted: {reason}", FindingSeverity.Error));
                return;
            }
            case 1033: // datagram dropped
            {
                var s = Known(endpoint, e);
                s.Record.DatagramsDropped++;
                var from = Sockaddr(e);
                Add(new Finding("datagram_dropped", Time(e.Stamp), s.Record.ProcessId, endpoint, from,
                    $"datagram of {e.Length} bytes{(from is null ? "" : " from " + from)} dropped: {e.Text}", FindingSeverity.Warning));
                return;
            }
            case 1035: // option
            {
                var s = Known(endpoint, e);
                string option = e.Text ?? "";
                ulong value = e.Value;
                s.Record.Options[option] = value;
                Add(new Finding("option_changed", Time(e.Stamp), s.Record.ProcessId, endpoint, s.Record.Remote, $"{option} set to {value}", FindingSeverity.Info));
                return;
            }
            case 1036 or 1037: // listen: the backlog is on the entry (the exit logs 0)
            {
                var s = Known(endpoint, e);
                s.Record.Listening = true;
                if (!exit && e.Has(SocketEventFields.Backlog)) s.Record.Backlog = (int)e.Backlog;
                return;
            }
        }
    }

    /// <summary>A create event names the process id that owns the socket and its EPROCESS pointer.</summary>
    private void Owner(SocketState s, in SocketEvent e)
    {
        s.Record.ProcessId = (uint)e.ProcessId;
        if (e.Process != 0 && (_processIds.Count < MaxProcesses || _processIds.ContainsKey(e.Process))) _processIds[e.Process] = (uint)e.ProcessId;
    }

    // ----- AFD, Windows 7 (legacy 1–41) -----

    private void ObserveLegacy(in SocketEvent e)
    {
        ushort id = e.Id;
        ulong endpoint = e.Endpoint;
        uint error = e.Error;
        switch (id)
        {
            case 1:
            {
                var s = Open(endpoint, e, created: true);
                s.Record.Family = e.Family;
                s.Record.SocketType = e.SocketType;
                s.Record.Protocol = e.Protocol;
                if (e.ProcessId is > 0 and < uint.MaxValue) Owner(s, e);
                return;
            }
            case 2 or 3:
            {
                var s = Known(endpoint, e);
                if (e.Status != 0) { Failure(s, "bind_failed", Time(e.Stamp), e.Status, FindingSeverity.Error); return; }
                s.Record.Local = LegacyAddress(e);
                return;
            }
            case 4 or 5:
                SetRemote(Known(endpoint, e), LegacyAddress(e));
                return;
            case 6:
                if (error != 0) Failure(Known(endpoint, e), "connect_failed", Time(e.Stamp), error, FindingSeverity.Warning);
                return;
            case 7 or 8:
            {
                var s = Known(endpoint, e);
                s.Record.Aborted = true;
                string reason = e.Text ?? "";
                s.Record.AbortReason ??= reason;
                Add(new Finding("abort", Time(e.Stamp), s.Record.ProcessId, endpoint, s.Record.Remote,
                    $"{(id == 7 ? "AFD" : "transport")}-initiated abort: {reason}", FindingSeverity.Error));
                return;
            }
            case 9 or 10:
                Failure(Known(endpoint, e), "send_failed", Time(e.Stamp), error, FindingSeverity.Error);
                return;
            case 11 or 12:
                Failure(Known(endpoint, e), "receive_failed", Time(e.Stamp), error, FindingSeverity.Error);
                return;
            case 13:
                Known(endpoint, e);
                Close(endpoint, e.Stamp);
                return;
            case 14:
                Known(endpoint, e);
                return;
            case 15 or 16:
            {
                var s = Known(endpoint, e);
                if (e.Status != 0) { Failure(s, "accept_failed", Time(e.Stamp), e.Status, FindingSeverity.Warning); return; }
                SetRemote(s, LegacyAddress(e));
                // Windows 7 names no listener on the accept: the connection indication just before it, of the same
                // process and remote address, does.
                for (int i = _indications.Count - 1; i >= 0; i--)
                {
                    var ind = _indications[i];
                    if (ind.Process != e.Process || !Equals(ind.Remote, s.Record.Remote)) continue;
                    _indications.RemoveAt(i);
                    s.Record.AcceptedFrom = ind.Listener;
                    if (_open.TryGetValue(ind.Listener, out var listener)) s.Record.Local ??= listener.Record.Local;
                    break;
                }
                return;
            }
            case 17:
                Failure(Known(endpoint, e), "accept_failed", Time(e.Stamp), error, FindingSeverity.Warning);
                return;
            case >= 18 and <= 22: // posted
            {
                var s = Known(endpoint, e);
                if (id is 21 or 22) s.SendPeer = AddPeer(s, e, remote: true);
                else if (id == 18) s.SendPeer = -1;
                Posted(s, e);
                return;
            }
            case 23 or 26 or 27: // receive completed
            {
                var s = Known(endpoint, e);
                Completed(e);
                int peer = id != 23 ? AddPeer(s, e, remote: false) : -1;
                s.Record.Receives++;
                s.Record.BytesReceived += (long)e.Length;
                if (peer >= 0) PeerBytes(s, peer, 0, (long)e.Length);
                return;
            }
            case 24 or 25 or 28: // send completed
            {
                var s = Known(endpoint, e);
                Completed(e);
                s.Record.Sends++;
                s.Record.BytesSent += (long)e.Length;
                // Windows 7 logs the address on the post only.
                if (s.SendPeer >= 0) PeerBytes(s, s.SendPeer, (long)e.Length, 0);
                return;
            }
            case 29:
            {
                var s = Known(endpoint, e);
                string option = e.Text ?? "";
                s.Record.Options[option] = e.Value;
                Add(new Finding("option_changed", Time(e.Stamp), s.Record.ProcessId, endpoint, s.Record.Remote, $"{option} set to {e.Value}", FindingSeverity.Info));
                return;
            }
            case 33 or 34:
            {
                var s = Known(endpoint, e);
                s.Record.DatagramsDropped++;
                var from = LegacyAddress(e);
                Add(new Finding("datagram_dropped", Time(e.Stamp), s.Record.ProcessId, endpoint, from,
                    $"datagram of {(long)e.Length} bytes{(from is null ? "" : " from " + from)} dropped: {e.Text}", FindingSeverity.Warning));
                return;
            }
            case 35 or 36:
                Known(endpoint, e).Record.Listening = true;
                if (_indications.Count >= 4096) _indications.RemoveAt(0);
                _indications.Add((endpoint, e.Process, LegacyAddress(e)));
                return;
            case 40:
                Failure(Known(endpoint, e), "bind_failed", Time(e.Stamp), error, FindingSeverity.Error);
                return;
        }
    }

    // ----- Winsock-Sockets (ws2_32) -----

    private void ObserveSockets(in SocketEvent e)
    {
        ushort id = e.Id;
        if (id % 2 == 1) return; // the Start events carry no fields
        uint pid = e.Has(SocketEventFields.ProcessId) ? (uint)e.ProcessId : e.HeaderProcessId;
        if (pid == 0) pid = e.HeaderProcessId;
        ulong handle = e.Endpoint;
        uint error = e.Error;
        var key = (pid, handle);
        switch (id)
        {
            case 2: // SockCreateStop
            {
                if (error != 0 || handle == 0) return;
                if (TryJoin(pid, handle, Time(e.Stamp))) return;
                var s = new SocketState(new SocketRecord { SocketHandle = handle, ProcessId = pid, Opened = Time(e.Stamp),
                    Family = e.Family, SocketType = e.SocketType, Protocol = e.Protocol });
                SetHandle(key, s);
                s.Record.Id = ++SocketsSeen;
                return;
            }
            case 4: // SockCloseStop
            {
                if (!_handles.Remove(key, out var s))
                {
                    // A socket opened before the trace: SockClose names it, whether its AFD close came just before or
                    // comes a moment later (completed by the kernel).
                    foreach (var (closing, _) in _closing)
                    {
                        if (closing.Record.ProcessId != pid || closing.Record.SocketHandle != 0) continue;
                        closing.Record.SocketHandle = handle;
                        LastSocket = closing.Record;
                        return;
                    }
                    if (_unclaimedCloses.Count >= 4096) _unclaimedCloses.RemoveAt(0);
                    _unclaimedCloses.Add((pid, handle, Time(e.Stamp)));
                    return;
                }
                LastSocket = s.Record;
                if (s.Record.Endpoint == 0)
                {
                    s.Record.Closed = Time(e.Stamp);
                    s.Record.ProcessName ??= _processes.NameOf(s.Record.ProcessId);
                    Hand(s);
                }
                return;
            }
            case 6: // SockAcceptStop
            {
                var listening = (pid, e.Other);
                if (error != 0)
                {
                    if (_handles.TryGetValue(listening, out var l))
                    {
                        LastSocket = l.Record;
                        Failure(l, "accept_failed", Time(e.Stamp), error, FindingSeverity.Warning, win32: true);
                    }
                    else Add(new Finding("accept_failed", Time(e.Stamp), pid, 0, null, $"accept failed: {Win32(error)}", FindingSeverity.Warning));
                    return;
                }
                if (handle == 0) return;
                if (TryJoin(pid, handle, Time(e.Stamp))) return;
                var s = new SocketState(new SocketRecord { SocketHandle = handle, ProcessId = pid, Opened = Time(e.Stamp) });
                if (_handles.TryGetValue(listening, out var listener))
                {
                    listener.Record.Listening = true;
                    s.Record.Local = listener.Record.Local;
                    s.Record.Family = listener.Record.Family;
                    s.Record.Protocol = listener.Record.Protocol;
                    s.Record.SocketType = listener.Record.SocketType;
                    s.Record.AcceptedFrom = listener.Record.Endpoint;
                }
                SetHandle(key, s);
                s.Record.Id = ++SocketsSeen;
                return;
            }
            case 8: // SockSetOptStop
                return;
            case 10 or 12: // SockConnectStop, SockBindStop
            {
                var address = Sockaddr(e);
                _handles.TryGetValue(key, out var s);
                LastSocket = s?.Record;
                if (error != 0)
                {
                    string kind = id == 10 ? "connect_failed" : "bind_failed";
                    if (s is not null) { if (id == 10 && s.Record.Remote is null) SetRemote(s, address); Failure(s, kind, Time(e.Stamp), error, id == 10 ? FindingSeverity.Warning : FindingSeverity.Error, win32: true); }
                    else Report(kind, Time(e.Stamp), pid, 0, id == 10 ? address : null, $"{(id == 10 ? "connect" : "bind")} failed: {Win32(error)}", id == 10 ? FindingSeverity.Warning : FindingSeverity.Error);
                    return;
                }
                if (s is null || address is null) return;
                if (id == 10) { if (s.Record.Remote is null) SetRemote(s, address); }
                else s.Record.Local ??= address;
                return;
            }
            case 16: // SockListenStop
                if (error == 0 && _handles.TryGetValue(key, out var ls))
                {
                    LastSocket = ls.Record;
                    ls.Record.Listening = true;
                    ls.Record.Backlog ??= (int)e.Backlog;
                }
                return;
        }
    }

    /// <summary>
    /// Names a socket by its ws2_32 handle. A handle value comes back after a close the trace did not show: the
    /// standalone socket it named ends there rather than being lost.
    /// </summary>
    private void SetHandle((uint, ulong) key, SocketState s)
    {
        LastSocket = s.Record;
        if (_handles.TryGetValue(key, out var old) && !ReferenceEquals(old, s) && old.Record.Endpoint == 0)
        {
            old.Record.ProcessName ??= _processes.NameOf(old.Record.ProcessId);
            Hand(old);
        }
        _handles[key] = s;
    }

    private void AwaitHandle(SocketState s)
    {
        uint pid = s.Record.ProcessId;
        if (_awaitingHandle.Count >= MaxProcesses && !_awaitingHandle.ContainsKey(pid)) return;
        if (s.AwaitingPid != 0 && s.AwaitingPid != pid) StopAwaiting(s);
        _awaitingHandle[pid] = s;
        s.AwaitingPid = pid;
    }

    private void StopAwaiting(SocketState s)
    {
        if (s.AwaitingPid != 0 && _awaitingHandle.TryGetValue(s.AwaitingPid, out var waiting) && ReferenceEquals(waiting, s))
            _awaitingHandle.Remove(s.AwaitingPid);
        s.AwaitingPid = 0;
    }

    /// <summary>Gives the AFD socket this process created or accepted a moment ago the ws2_32 handle of that call.</summary>
    private bool TryJoin(uint pid, ulong handle, DateTime time)
    {
        if (!_awaitingHandle.Remove(pid, out var afd)) return false;
        afd.AwaitingPid = 0;
        if (afd.Completed || afd.Record.SocketHandle != 0 || (afd.Record.Opened is { } opened && time - opened > JoinWindow)) return false;
        afd.Record.SocketHandle = handle;
        SetHandle((pid, handle), afd);
        return true;
    }

    private void Hand(SocketState s)
    {
        s.Completed = true;
        SocketCompleted?.Invoke(s.Record);
    }

    // ----- shared -----

    private SocketState Open(ulong endpoint, in SocketEvent e, bool created)
    {
        if (_open.TryGetValue(endpoint, out var s))
        {
            // The same endpoint address reused after a close we did not see: the old socket ends here.
            if (!created) return s;
            _open.Remove(endpoint);
            if (_lastEndpoint == endpoint) _lastOpen = null;
            StopAwaiting(s);
            Hand(s);
        }
        s = new SocketState(new SocketRecord
        {
            Endpoint = endpoint,
            ProcessObject = e.Process,
            ProcessId = OwnerOf(e.Process, e.HeaderProcessId),
            Opened = created ? Time(e.Stamp) : null,
        });
        _open[endpoint] = s;
        _lastEndpoint = endpoint;
        _lastOpen = s;
        s.Record.Id = ++SocketsSeen;
        LastSocket = s.Record;
        return s;
    }

    /// <summary>The socket of an endpoint, made when the endpoint existed before the trace (no create seen).</summary>
    private SocketState Known(ulong endpoint, in SocketEvent e)
    {
        if (_lastOpen is { } last && _lastEndpoint == endpoint)
        {
            if (last.Record.ProcessObject == 0 && e.Process != 0) last.Record.ProcessObject = e.Process;
            LastSocket = last.Record;
            return last;
        }
        if (_open.TryGetValue(endpoint, out var s))
        {
            _lastEndpoint = endpoint;
            _lastOpen = s;
            LastSocket = s.Record;
            if (s.Record.ProcessObject == 0 && e.Process != 0) s.Record.ProcessObject = e.Process;
            return s;
        }
        return Open(endpoint, e, created: false);
    }

    /// <summary>
    /// The owning process: from the EPROCESS pointer when the trace named it or a create event tied it to a process
    /// id; the ETW header's process id only when it is not the System process (kernel completions log under it).
    /// </summary>
    private uint OwnerOf(ulong process, uint headerProcessId)
    {
        if (process != 0 && _processIds.TryGetValue(process, out uint pid)) return pid;
        if (process != 0 && _processes.TryGetByObject(process, out pid, out _)) return pid;
        return headerProcessId is 0 or 4 ? 0 : headerProcessId;
    }

    private void Close(ulong endpoint, long stamp)
    {
        if (!_open.Remove(endpoint, out var s)) return;
        if (_lastEndpoint == endpoint) _lastOpen = null;
        var time = Time(stamp);
        s.Record.Closed = time;
        if (s.Record.ProcessId == 0 && s.Record.ProcessObject != 0) s.Record.ProcessId = OwnerOfObject(s.Record.ProcessObject);
        s.Record.ProcessName ??= _processes.NameOf(s.Record.ProcessId);
        if (s.Record.SocketHandle == 0)
        {
            for (int i = 0; i < _unclaimedCloses.Count; i++)
            {
                var c = _unclaimedCloses[i];
                if (c.Pid != s.Record.ProcessId || time - c.Time > JoinWindow) continue;
                s.Record.SocketHandle = c.Handle;
                _unclaimedCloses.RemoveAt(i);
                break;
            }
        }
        _closing.Enqueue((s, stamp));
    }

    private void FlushClosed(long before)
    {
        while (_closing.Count > 0 && _closing.Peek().Stamp < before)
        {
            var s = _closing.Dequeue().State;
            StopAwaiting(s);
            Hand(s);
        }
    }

    private uint OwnerOfObject(ulong process) =>
        _processIds.TryGetValue(process, out uint pid) ? pid : _processes.TryGetByObject(process, out pid, out _) ? pid : 0;

    /// <summary>
    /// A send's or receive's address: a datagram socket's peer, or the remote end of a connected socket when it
    /// has none yet. Returns the peer's index in <see cref="SocketRecord.Peers"/>, or -1 (no datagram peer, or past the cap).
    /// </summary>
    private int AddPeer(SocketState s, in SocketEvent e, bool remote)
    {
        bool datagram = s.Record.SocketType == 2 || s.Record.Protocol == 17;
        if (!datagram && (!remote || s.Record.Remote is not null)) return -1;
        var bytes = e.AddressSpan;
        ushort port = e.Source == SocketEventSource.AfdLegacy ? e.Port : (ushort)0;
        if (datagram && s.LastPeerLength == bytes.Length && s.LastPeerPort == port && bytes.SequenceEqual(((ReadOnlySpan<byte>)s.LastPeer)[..bytes.Length]))
            return s.LastPeerIndex;
        var peer = e.Source == SocketEventSource.AfdLegacy ? LegacyAddress(e) : Sockaddr(e);
        if (peer is null) return -1;
        if (!datagram)
        {
            SetRemote(s, peer);
            return -1;
        }
        var peers = s.Record.Peers;
        int index = peers.IndexOf(peer);
        if (index < 0 && peers.Count < 1024)
        {
            index = peers.Count;
            peers.Add(peer);
            string? name = _names.NameOf(s.Record.ProcessId, peer.Address);
            s.Record.PeerTraffic.Add(new PeerTraffic { Remote = peer, Name = name });
            if (s.Record.Remote is null) s.Record.RemoteName ??= name;
        }
        bytes.CopyTo(s.LastPeer);
        s.LastPeerLength = bytes.Length;
        s.LastPeerPort = port;
        s.LastPeerIndex = index;
        return index;
    }

    // Datagrams only: kept out of the event switch so the stream path's code (and what the JIT inlines into it) stays as small as before.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PeerBytes(SocketState s, int peer, long sent, long received)
    {
        var traffic = s.Record.PeerTraffic[peer];
        traffic.BytesSent += sent;
        traffic.BytesReceived += received;
    }

    /// <summary>Sets the socket's remote end, named by what its process resolved to that address so far.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SetRemote(SocketState s, IPEndPoint? remote)
    {
        s.Record.Remote = remote;
        if (remote is not null) s.Record.RemoteName = _names.NameOf(s.Record.ProcessId, remote.Address);
    }

    /// <summary>A buffer posted to a send or receive: posting it again while still in flight is a buffer reuse.</summary>
    private void Posted(SocketState s, in SocketEvent e)
    {
        ulong buffer = e.Buffer;
        if (buffer == 0) return;
        var key = new BufferKey(s.Record.ProcessObject, buffer);
        if (_inFlight.TryGetValue(key, out ulong earlier))
        {
            Add(new Finding("buffer_reuse", Time(e.Stamp), s.Record.ProcessId, s.Record.Endpoint, s.Record.Remote,
                $"buffer 0x{buffer:X} posted again while an earlier operation on it (endpoint 0x{earlier:X}) is still in flight",
                FindingSeverity.Warning));
            return;
        }
        if (_inFlight.Count < MaxInFlight) _inFlight[key] = s.Record.Endpoint;
    }

    private void Completed(in SocketEvent e)
    {
        if (e.Buffer != 0) _inFlight.Remove(new BufferKey(e.Process, e.Buffer));
    }

    private void Failure(SocketState s, string kind, DateTime time, uint code, FindingSeverity severity, bool win32 = false)
    {
        string name = win32 ? Win32(code) : Status(code);
        s.Record.Error ??= name;
        Report(kind, time, s.Record.ProcessId, s.Record.Endpoint, s.Record.Remote, $"{kind.Replace('_', ' ')}: {name}", severity);
    }

    /// <summary>Adds a failure finding unless the other provider reported the same failure a moment ago.</summary>
    private void Report(string kind, DateTime time, uint pid, ulong endpoint, IPEndPoint? remote, string detail, FindingSeverity severity)
    {
        string where = remote?.ToString() ?? "";
        var key = (kind, pid, where);
        if (_recentFailures.TryGetValue(key, out var last) && (time - last).Duration() < TimeSpan.FromSeconds(1)) return;
        if (_recentFailures.Count > 65_536) _recentFailures.Clear();
        _recentFailures[key] = time;
        Add(new Finding(kind, time, pid, endpoint, remote, detail, severity));
    }

    private void Add(Finding finding)
    {
        if (finding.Remote is { } remote && finding.RemoteName is null && _names.NameOf(finding.ProcessId, remote.Address) is { } name)
            finding = finding with { RemoteName = name };
        FindingCount++;
        bool full = _kept.Count - _keptRemoved >= _maxFindingsKept;
        if (finding.Severity == FindingSeverity.Info)
        {
            if (!full)
            {
                _kept.Add(finding);
                _keptNotices++;
            }
        }
        else if (!full) _kept.Add(finding);
        else if (_keptNotices > 0)
        {
            int i = Math.Min(_noticeSearchEnd, _kept.Count) - 1;
            while (_kept[i] is not { Severity: FindingSeverity.Info }) i--;
            _kept[i] = null;
            _noticeSearchEnd = i;
            _keptNotices--;
            _keptRemoved++;
            _kept.Add(finding);
        }
        _findings = null;
        FindingFound?.Invoke(finding);
    }

    private static IPEndPoint? Sockaddr(in SocketEvent e) => SocketAddresses.FromSockaddr(e.AddressSpan);

    private static IPEndPoint? LegacyAddress(in SocketEvent e) =>
        e.Has(SocketEventFields.Port) ? SocketAddresses.FromAddressAndPort(e.AddressSpan, e.Port) : null;

    private static string Status(uint code) => NtStatusNames.TryGetName(code, out var name) ? name : $"0x{code:X8}";

    private static string Win32(uint code) => Win32ErrorNames.TryGetName(code, out var name) ? name : $"0x{code:X8}";
}
