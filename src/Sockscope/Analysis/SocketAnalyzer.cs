using System.Net;
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
    private static readonly Guid Afd = new("E53C6823-7BB8-44BB-90DC-3F86090D48A6");
    private static readonly Guid Sockets = new("BDE46AEA-2357-51FE-7367-D5296F530BD1");
    private const int MaxInFlight = 1 << 20;
    private const int MaxFindingsKept = 100_000;
    // Hostile traces can name endless processes; real ones name thousands.
    private const int MaxProcesses = 1 << 20;

    // AFD's confirmed double counters: a nested send's completions are logged again at these locations.
    private static readonly HashSet<uint> DoubleCountingSendLocations = [3073, 3024];

    private readonly EtlClock _clock;
    private readonly ProcessTable _processes;
    private readonly EventRoles _roles = new();
    private readonly Dictionary<ulong, SocketState> _open = new();
    private readonly Dictionary<(uint Pid, ulong Handle), SocketState> _handles = new();
    private readonly Dictionary<ulong, uint> _processIds = new();
    private readonly Dictionary<(ulong Process, ulong Buffer), (ulong Endpoint, long Stamp)> _inFlight = new();
    private readonly Dictionary<(string Kind, uint Pid, string Where), DateTime> _recentFailures = new();
    private readonly List<Finding> _findings = new();
    private readonly List<(ulong Listener, ulong Process, IPEndPoint? Remote)> _indications = new();
    // ws2_32 logs a call's result after the AFD work inside it: an AFD socket created or accepted a moment ago waits
    // here for its handle, and a closed one waits a second for SockClose to name it before it is handed on.
    private readonly Dictionary<uint, SocketState> _awaitingHandle = new();
    private readonly Queue<(SocketState State, long Stamp)> _closing = new();
    private readonly long _joinTicks;
    private static readonly TimeSpan JoinWindow = TimeSpan.FromSeconds(1);
    private readonly List<(uint Pid, ulong Handle, DateTime Time)> _unclaimedCloses = new();

    /// <summary>Raised when a socket closes (and, at <see cref="Complete"/>, for every socket still open).</summary>
    public event Action<SocketRecord>? SocketCompleted;

    /// <summary>Raised for every finding as it is found.</summary>
    public event Action<Finding>? FindingFound;

    /// <summary>The findings so far (the first 100,000; <see cref="FindingCount"/> counts all).</summary>
    public IReadOnlyList<Finding> Findings => _findings;
    /// <summary>Findings found.</summary>
    public long FindingCount { get; private set; }
    /// <summary>Winsock events analysed.</summary>
    public long EventsAnalysed { get; private set; }
    /// <summary>Sockets seen.</summary>
    public long SocketsSeen { get; private set; }

    /// <summary>Creates an analyzer for a trace with this clock; process names come from <paramref name="processes"/>.</summary>
    public SocketAnalyzer(EtlClock clock, ProcessTable? processes = null)
    {
        _clock = clock;
        _processes = processes ?? new ProcessTable();
        _joinTicks = clock.Frequency;
    }

    /// <summary>The process table (fed with kernel Process events by the caller).</summary>
    public ProcessTable Processes => _processes;

    private sealed class SocketState(SocketRecord record)
    {
        public readonly SocketRecord Record = record;
        public int SendDepth;
    }

    /// <summary>Analyses one decoded event (others are ignored).</summary>
    public void Observe(in EtlRecord record, in DecodedEvent e)
    {
        var provider = e.Schema.Provider.Guid;
        // Compared in raw clock ticks: converting every event's time stamp only to compare it would cost more.
        if (_closing.Count > 0 && record.Timestamp - _closing.Peek().Stamp > _joinTicks) FlushClosed(record.Timestamp - _joinTicks);
        if (provider == Afd)
        {
            EventsAnalysed++;
            var r = new RoleReader(e, _roles.Of(e.Schema));
            if (record.Id >= 1000) ObserveAfd(record, r);
            else ObserveLegacy(record, r);
        }
        else if (provider == Sockets)
        {
            EventsAnalysed++;
            ObserveSockets(record, new RoleReader(e, _roles.Of(e.Schema)));
        }
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
        var left = _open.Values.Select(s => s.Record).Concat(_handles.Values.Where(s => s.Record.Endpoint == 0).Select(s => s.Record))
            .Distinct().OrderBy(s => s.Opened ?? DateTime.MinValue).ToList();
        _open.Clear();
        _handles.Clear();
        foreach (var s in left)
        {
            s.ProcessName ??= _processes.NameOf(s.ProcessId);
            SocketCompleted?.Invoke(s);
        }
    }

    private DateTime Time(in EtlRecord record) => _clock.ToUtc(record.Timestamp);

    // ----- AFD, current Windows (1000-series) -----

    private void ObserveAfd(in EtlRecord record, RoleReader r)
    {
        ushort id = record.Id;
        bool exit = r.Number(Role.EnterExit) == 1;
        ulong endpoint = r.Number(Role.Endpoint);
        ulong process = r.Number(Role.Process);
        uint status = (uint)r.Number(Role.Status);
        switch (id)
        {
            case 1000: // create: the entry opens the socket; the exit completes it
            {
                if (exit && status != 0) return;
                var s = exit && _open.TryGetValue(endpoint, out var entered) ? entered : Open(endpoint, process, record, Time(record), created: true);
                if (r.Has(Role.AddressFamily)) s.Record.Family = (int)r.Number(Role.AddressFamily);
                if (r.Has(Role.SocketType)) s.Record.SocketType = (int)r.Number(Role.SocketType);
                if (r.Has(Role.Protocol)) s.Record.Protocol = (int)r.Number(Role.Protocol);
                if (r.Number(Role.ProcessId) is var pid and > 0 and < uint.MaxValue)
                {
                    s.Record.ProcessId = (uint)pid;
                    if (process != 0 && (_processIds.Count < MaxProcesses || _processIds.ContainsKey(process))) _processIds[process] = (uint)pid;
                }
                if (!exit && s.Record.ProcessId != 0) AwaitHandle(s);
                return;
            }
            case 1001: // close (a socket opened before the trace may show itself first here)
                Known(endpoint, process, record, Time(record));
                if (exit) Close(endpoint, Time(record), record.Timestamp);
                return;
            case 1002: // cleanup: the socket is still there
                Known(endpoint, process, record, Time(record));
                return;
            case 1003 or 1005 or 1007 or 1011 or 1013: // sends
            {
                var s = Known(endpoint, process, record, Time(record));
                if (r.Has(Role.Address) && AddressOf(r) is { } to) AddPeer(s, to, remote: true);
                uint location = (uint)r.Number(Role.Location);
                if (!exit)
                {
                    // A nested entry is the same send going deeper, not a second post of its buffer.
                    if (++s.SendDepth == 1) Posted(s, r, record, Time(record));
                    return;
                }
                Completed(r, process);
                // Sends nest (enter, enter, exit, exit): only the outermost completion counts, and the completions AFD
                // logs again for a nested send (locations 3073, 3024) never do.
                if (s.SendDepth > 0) s.SendDepth--;
                if (s.SendDepth > 0 || DoubleCountingSendLocations.Contains(location)) return;
                s.Record.Sends++;
                if (status != 0 && status != 0x103) { Failure(s, "send_failed", Time(record), status, FindingSeverity.Error); return; }
                s.Record.BytesSent += (long)r.Number(Role.BufferLength);
                return;
            }
            case 1004 or 1006 or 1009 or 1012 or 1015: // receives: bytes come from the exit only
            {
                var s = Known(endpoint, process, record, Time(record));
                if (!exit)
                {
                    Posted(s, r, record, Time(record));
                    return;
                }
                Completed(r, process);
                if (r.Has(Role.Address) && AddressOf(r) is { } from) AddPeer(s, from, remote: s.Record.SocketType != 2 && s.Record.Protocol != 17);
                s.Record.Receives++;
                if (status != 0 && status != 0x103) { Failure(s, "receive_failed", Time(record), status, FindingSeverity.Error); return; }
                s.Record.BytesReceived += (long)r.Number(Role.BufferLength);
                return;
            }
            case 1017 or 1018 or 1020 or 1021: // connects: the remote address is on the entry
            {
                var s = Known(endpoint, process, record, Time(record));
                if (r.Has(Role.Address) && AddressOf(r) is { } remote) s.Record.Remote = remote;
                if (exit && status != 0 && status != 0x103) Failure(s, "connect_failed", Time(record), status, FindingSeverity.Warning);
                return;
            }
            case 1023 or 1024 or 1026 or 1027: // accepts: the exit names the new endpoint
            {
                var listener = Known(endpoint, process, record, Time(record));
                listener.Record.Listening = true;
                if (!exit) return;
                if (status != 0 && status != 0x103) { Failure(listener, "accept_failed", Time(record), status, FindingSeverity.Warning); return; }
                ulong accepted = r.Number(Role.AcceptEndpoint);
                if (accepted == 0) return;
                var s = Open(accepted, process, record, Time(record), created: !_open.ContainsKey(accepted));
                s.Record.AcceptedFrom = endpoint;
                s.Record.Local ??= listener.Record.Local;
                s.Record.Family = s.Record.Family >= 0 ? s.Record.Family : listener.Record.Family;
                s.Record.Protocol = s.Record.Protocol >= 0 ? s.Record.Protocol : listener.Record.Protocol;
                s.Record.SocketType = s.Record.SocketType >= 0 ? s.Record.SocketType : listener.Record.SocketType;
                s.Record.ProcessId = listener.Record.ProcessId;
                if (AddressOf(r) is { } peer) s.Record.Remote = peer;
                if (s.Record.ProcessId != 0) AwaitHandle(s);
                return;
            }
            case 1029 or 1030: // bind: the bound address is on the exit
            {
                var s = Known(endpoint, process, record, Time(record));
                if (!exit) return;
                if (status != 0 && status != 0x103) { Failure(s, "bind_failed", Time(record), status, FindingSeverity.Error); return; }
                if (AddressOf(r) is { } local) s.Record.Local = local;
                return;
            }
            case 1032: // abort
            {
                var s = Known(endpoint, process, record, Time(record));
                s.Record.Aborted = true;
                string reason = Text(r, Role.Reason);
                s.Record.AbortReason ??= reason;
                Add(new Finding("abort", Time(record), s.Record.ProcessId, endpoint, s.Record.Remote, $"connection aborted: {reason}", FindingSeverity.Error));
                return;
            }
            case 1033: // datagram dropped
            {
                var s = Known(endpoint, process, record, Time(record));
                s.Record.DatagramsDropped++;
                var from = AddressOf(r);
                Add(new Finding("datagram_dropped", Time(record), s.Record.ProcessId, endpoint, from,
                    $"datagram of {r.Number(Role.BufferLength)} bytes{(from is null ? "" : " from " + from)} dropped: {DropReason(r)}", FindingSeverity.Warning));
                return;
            }
            case 1035: // option
            {
                var s = Known(endpoint, process, record, Time(record));
                string option = Text(r, Role.Option);
                ulong value = r.Number(Role.Value);
                s.Record.Options[option] = value;
                Add(new Finding("option_changed", Time(record), s.Record.ProcessId, endpoint, s.Record.Remote, $"{option} set to {value}", FindingSeverity.Info));
                return;
            }
            case 1036 or 1037: // listen: the backlog is on the entry (the exit logs 0)
            {
                var s = Known(endpoint, process, record, Time(record));
                s.Record.Listening = true;
                if (!exit && r.Has(Role.Backlog)) s.Record.Backlog = (int)r.Number(Role.Backlog);
                return;
            }
        }
    }

    // ----- AFD, Windows 7 (legacy 1–41) -----

    private void ObserveLegacy(in EtlRecord record, RoleReader r)
    {
        ushort id = record.Id;
        ulong endpoint = r.Number(id is 35 or 36 ? Role.ListenEndpoint : Role.Endpoint);
        ulong process = r.Number(Role.Process);
        uint error = (uint)r.Number(Role.Error);
        switch (id)
        {
            case 1:
            {
                var s = Open(endpoint, process, record, Time(record), created: true);
                s.Record.Family = (int)r.Number(Role.AddressFamily);
                s.Record.SocketType = (int)r.Number(Role.SocketType);
                s.Record.Protocol = (int)r.Number(Role.Protocol);
                if (r.Number(Role.UserModePid) is var pid and > 0 and < uint.MaxValue)
                {
                    s.Record.ProcessId = (uint)pid;
                    if (process != 0 && (_processIds.Count < MaxProcesses || _processIds.ContainsKey(process))) _processIds[process] = (uint)pid;
                }
                return;
            }
            case 2 or 3:
            {
                var s = Known(endpoint, process, record, Time(record));
                uint status = (uint)r.Number(Role.Status);
                if (status != 0) { Failure(s, "bind_failed", Time(record), status, FindingSeverity.Error); return; }
                s.Record.Local = LegacyAddress(r);
                return;
            }
            case 4 or 5:
                Known(endpoint, process, record, Time(record)).Record.Remote = LegacyAddress(r);
                return;
            case 6:
                if (error != 0) Failure(Known(endpoint, process, record, Time(record)), "connect_failed", Time(record), error, FindingSeverity.Warning);
                return;
            case 7 or 8:
            {
                var s = Known(endpoint, process, record, Time(record));
                s.Record.Aborted = true;
                string reason = Text(r, Role.Reason);
                s.Record.AbortReason ??= reason;
                Add(new Finding("abort", Time(record), s.Record.ProcessId, endpoint, s.Record.Remote,
                    $"{(id == 7 ? "AFD" : "transport")}-initiated abort: {reason}", FindingSeverity.Error));
                return;
            }
            case 9 or 10:
                Failure(Known(endpoint, process, record, Time(record)), "send_failed", Time(record), error, FindingSeverity.Error);
                return;
            case 11 or 12:
                Failure(Known(endpoint, process, record, Time(record)), "receive_failed", Time(record), error, FindingSeverity.Error);
                return;
            case 13:
                Known(endpoint, process, record, Time(record));
                Close(endpoint, Time(record), record.Timestamp);
                return;
            case 14:
                Known(endpoint, process, record, Time(record));
                return;
            case 15 or 16:
            {
                var s = Known(endpoint, process, record, Time(record));
                uint status = (uint)r.Number(Role.Status);
                if (status != 0) { Failure(s, "accept_failed", Time(record), status, FindingSeverity.Warning); return; }
                s.Record.Remote = LegacyAddress(r);
                // Windows 7 names no listener on the accept: the connection indication just before it, of the same
                // process and remote address, does.
                for (int i = _indications.Count - 1; i >= 0; i--)
                {
                    var ind = _indications[i];
                    if (ind.Process != process || !Equals(ind.Remote, s.Record.Remote)) continue;
                    _indications.RemoveAt(i);
                    s.Record.AcceptedFrom = ind.Listener;
                    if (_open.TryGetValue(ind.Listener, out var listener)) s.Record.Local ??= listener.Record.Local;
                    break;
                }
                return;
            }
            case 17:
                Failure(Known(endpoint, process, record, Time(record)), "accept_failed", Time(record), error, FindingSeverity.Warning);
                return;
            case >= 18 and <= 22: // posted
            {
                var s = Known(endpoint, process, record, Time(record));
                if (id is 21 or 22 && LegacyAddress(r) is { } to) AddPeer(s, to, remote: true);
                Posted(s, r, record, Time(record));
                return;
            }
            case 23 or 26 or 27: // receive completed
            {
                var s = Known(endpoint, process, record, Time(record));
                Completed(r, process);
                if (id != 23 && LegacyAddress(r) is { } from) AddPeer(s, from, remote: false);
                s.Record.Receives++;
                s.Record.BytesReceived += (long)r.Number(Role.BufferLength);
                return;
            }
            case 24 or 25 or 28: // send completed
            {
                var s = Known(endpoint, process, record, Time(record));
                Completed(r, process);
                s.Record.Sends++;
                s.Record.BytesSent += (long)r.Number(Role.BufferLength);
                return;
            }
            case 29:
            {
                var s = Known(endpoint, process, record, Time(record));
                string option = Text(r, Role.Option);
                s.Record.Options[option] = r.Number(Role.Value);
                Add(new Finding("option_changed", Time(record), s.Record.ProcessId, endpoint, s.Record.Remote, $"{option} set to {r.Number(Role.Value)}", FindingSeverity.Info));
                return;
            }
            case 33 or 34:
            {
                var s = Known(endpoint, process, record, Time(record));
                s.Record.DatagramsDropped++;
                var from = LegacyAddress(r);
                Add(new Finding("datagram_dropped", Time(record), s.Record.ProcessId, endpoint, from,
                    $"datagram of {(long)r.Number(Role.PacketSize)} bytes{(from is null ? "" : " from " + from)} dropped: {DropReason(r)}", FindingSeverity.Warning));
                return;
            }
            case 35 or 36:
                Known(endpoint, process, record, Time(record)).Record.Listening = true;
                if (_indications.Count >= 4096) _indications.RemoveAt(0);
                _indications.Add((endpoint, process, LegacyAddress(r)));
                return;
            case 40:
                Failure(Known(endpoint, process, record, Time(record)), "bind_failed", Time(record), error, FindingSeverity.Error);
                return;
        }
    }

    // ----- Winsock-Sockets (ws2_32) -----

    private void ObserveSockets(in EtlRecord record, RoleReader r)
    {
        ushort id = record.Id;
        if (id % 2 == 1) return; // the Start events carry no fields
        uint pid = r.Has(Role.ProcessId) ? (uint)r.Number(Role.ProcessId) : record.ProcessId;
        if (pid == 0) pid = record.ProcessId;
        ulong handle = r.Number(id == 6 ? Role.SocketAccepted : Role.Socket);
        uint error = (uint)r.Number(Role.ErrorCode);
        var key = (pid, handle);
        switch (id)
        {
            case 2: // SockCreateStop
            {
                if (error != 0 || handle == 0) return;
                if (TryJoin(pid, handle, Time(record))) return;
                var s = new SocketState(new SocketRecord { SocketHandle = handle, ProcessId = pid, Opened = Time(record),
                    Family = (int)r.Number(Role.AddressFamily), SocketType = (int)r.Number(Role.SocketType), Protocol = (int)r.Number(Role.Protocol) });
                SetHandle(key, s);
                SocketsSeen++;
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
                        return;
                    }
                    if (_unclaimedCloses.Count >= 4096) _unclaimedCloses.RemoveAt(0);
                    _unclaimedCloses.Add((pid, handle, Time(record)));
                    return;
                }
                if (s.Record.Endpoint == 0)
                {
                    s.Record.Closed = Time(record);
                    s.Record.ProcessName ??= _processes.NameOf(s.Record.ProcessId);
                    SocketCompleted?.Invoke(s.Record);
                }
                return;
            }
            case 6: // SockAcceptStop
            {
                var listening = (pid, r.Number(Role.SocketListening));
                if (error != 0)
                {
                    if (_handles.TryGetValue(listening, out var l)) Failure(l, "accept_failed", Time(record), error, FindingSeverity.Warning, win32: true);
                    else Add(new Finding("accept_failed", Time(record), pid, 0, null, $"accept failed: {Win32(error)}", FindingSeverity.Warning));
                    return;
                }
                if (handle == 0) return;
                if (TryJoin(pid, handle, Time(record))) return;
                var s = new SocketState(new SocketRecord { SocketHandle = handle, ProcessId = pid, Opened = Time(record) });
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
                SocketsSeen++;
                return;
            }
            case 8: // SockSetOptStop
                return;
            case 10 or 12: // SockConnectStop, SockBindStop
            {
                var address = SocketAddresses.FromSockaddr(r.Bytes(Role.Address));
                _handles.TryGetValue(key, out var s);
                if (error != 0)
                {
                    string kind = id == 10 ? "connect_failed" : "bind_failed";
                    if (s is not null) { if (id == 10) s.Record.Remote ??= address; Failure(s, kind, Time(record), error, id == 10 ? FindingSeverity.Warning : FindingSeverity.Error, win32: true); }
                    else Report(kind, Time(record), pid, 0, id == 10 ? address : null, $"{(id == 10 ? "connect" : "bind")} failed: {Win32(error)}", id == 10 ? FindingSeverity.Warning : FindingSeverity.Error);
                    return;
                }
                if (s is null || address is null) return;
                if (id == 10) s.Record.Remote ??= address;
                else s.Record.Local ??= address;
                return;
            }
            case 16: // SockListenStop
                if (error == 0 && _handles.TryGetValue(key, out var ls))
                {
                    ls.Record.Listening = true;
                    ls.Record.Backlog ??= (int)r.Number(Role.Backlog);
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
        if (_handles.TryGetValue(key, out var old) && !ReferenceEquals(old, s) && old.Record.Endpoint == 0)
        {
            old.Record.ProcessName ??= _processes.NameOf(old.Record.ProcessId);
            SocketCompleted?.Invoke(old.Record);
        }
        _handles[key] = s;
    }

    private void AwaitHandle(SocketState s)
    {
        if (_awaitingHandle.Count >= MaxProcesses && !_awaitingHandle.ContainsKey(s.Record.ProcessId)) return;
        _awaitingHandle[s.Record.ProcessId] = s;
    }

    /// <summary>Gives the AFD socket this process created or accepted a moment ago the ws2_32 handle of that call.</summary>
    private bool TryJoin(uint pid, ulong handle, DateTime time)
    {
        if (!_awaitingHandle.Remove(pid, out var afd)) return false;
        if (afd.Record.SocketHandle != 0 || (afd.Record.Opened is { } opened && time - opened > JoinWindow)) return false;
        afd.Record.SocketHandle = handle;
        SetHandle((pid, handle), afd);
        return true;
    }

    // ----- shared -----

    private SocketState Open(ulong endpoint, ulong process, in EtlRecord record, DateTime time, bool created)
    {
        if (_open.TryGetValue(endpoint, out var s))
        {
            // The same endpoint address reused after a close we did not see: the old socket ends here.
            if (!created) return s;
            _open.Remove(endpoint);
            SocketCompleted?.Invoke(s.Record);
        }
        s = new SocketState(new SocketRecord
        {
            Endpoint = endpoint,
            ProcessObject = process,
            ProcessId = OwnerOf(process, record),
            Opened = created ? time : null,
        });
        _open[endpoint] = s;
        SocketsSeen++;
        return s;
    }

    /// <summary>The socket of an endpoint, made when the endpoint existed before the trace (no create seen).</summary>
    private SocketState Known(ulong endpoint, ulong process, in EtlRecord record, DateTime time)
    {
        if (_open.TryGetValue(endpoint, out var s))
        {
            if (s.Record.ProcessObject == 0 && process != 0) s.Record.ProcessObject = process;
            return s;
        }
        return Open(endpoint, process, record, time, created: false);
    }

    /// <summary>
    /// The owning process: from the EPROCESS pointer when the trace named it or a create event tied it to a process
    /// id; the ETW header's process id only when it is not the System process (kernel completions log under it).
    /// </summary>
    private uint OwnerOf(ulong process, in EtlRecord record)
    {
        if (process != 0 && _processIds.TryGetValue(process, out uint pid)) return pid;
        if (process != 0 && _processes.TryGetByObject(process, out pid, out _)) return pid;
        uint header = record.ProcessId;
        return header is 0 or 4 ? 0 : header;
    }

    private void Close(ulong endpoint, DateTime time, long stamp)
    {
        if (!_open.Remove(endpoint, out var s)) return;
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
            foreach (var (pid, waiting) in _awaitingHandle)
                if (ReferenceEquals(waiting, s)) { _awaitingHandle.Remove(pid); break; }
            SocketCompleted?.Invoke(s.Record);
        }
    }

    private uint OwnerOfObject(ulong process) =>
        _processIds.TryGetValue(process, out uint pid) ? pid : _processes.TryGetByObject(process, out pid, out _) ? pid : 0;

    private void AddPeer(SocketState s, IPEndPoint peer, bool remote)
    {
        bool datagram = s.Record.SocketType == 2 || s.Record.Protocol == 17;
        if (datagram)
        {
            if (s.Record.Peers.Count < 1024 && !s.Record.Peers.Contains(peer)) s.Record.Peers.Add(peer);
        }
        else if (remote) s.Record.Remote ??= peer;
    }

    /// <summary>A buffer posted to a send or receive: posting it again while still in flight is a buffer reuse.</summary>
    private void Posted(SocketState s, RoleReader r, in EtlRecord record, DateTime time)
    {
        ulong buffer = r.Number(Role.Buffer);
        if (buffer == 0) return;
        var key = (s.Record.ProcessObject, buffer);
        if (_inFlight.TryGetValue(key, out var earlier))
        {
            Add(new Finding("buffer_reuse", time, s.Record.ProcessId, s.Record.Endpoint, s.Record.Remote,
                $"buffer 0x{buffer:X} posted again while an earlier operation on it (endpoint 0x{earlier.Endpoint:X}) is still in flight",
                FindingSeverity.Warning));
            return;
        }
        if (_inFlight.Count < MaxInFlight) _inFlight[key] = (s.Record.Endpoint, record.Timestamp);
    }

    private void Completed(RoleReader r, ulong process)
    {
        ulong buffer = r.Number(Role.Buffer);
        if (buffer != 0) _inFlight.Remove((process, buffer));
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
        FindingCount++;
        if (_findings.Count < MaxFindingsKept) _findings.Add(finding);
        FindingFound?.Invoke(finding);
    }

    private static IPEndPoint? AddressOf(RoleReader r) => SocketAddresses.FromSockaddr(r.Bytes(Role.Address));

    private static IPEndPoint? LegacyAddress(RoleReader r) => SocketAddresses.FromAddressAndPort(r.Bytes(Role.Address), r.Bytes(Role.Port));

    private static string Status(uint code) => NtStatusNames.TryGetName(code, out var name) ? name : $"0x{code:X8}";

    private static string Win32(uint code) => Win32ErrorNames.TryGetName(code, out var name) ? name : $"0x{code:X8}";

    private string Text(RoleReader r, Role role)
    {
        int index = r.Index(role);
        if (index < 0 || !r.Event.Has(index)) return "";
        var e = r.Event;
        var f = e.Field(index);
        ulong value = e.Number(index);
        if (f.Map?.Lookup(value) is { } meaning) return meaning;
        if (role == Role.Option && AfdOptions.TryGetValue(value, out var option)) return option;
        if (role == Role.Reason && AbortReasons.TryGetValue(value, out var reason)) return reason;
        return value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string DropReason(RoleReader r)
    {
        int index = r.Index(Role.Reason);
        if (index < 0 || !r.Event.Has(index)) return "";
        ulong value = r.Event.Number(index);
        return r.Event.Field(index).Map?.Lookup(value) ?? (DropReasons.TryGetValue(value, out var reason) ? reason : value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    // The manifests of newer builds dropped these maps; the values are those of the Windows 7 manifest.
    private static readonly Dictionary<ulong, string> DropReasons = Schema.SchemaCatalog.Winsock.Find(Afd)!.Maps
        .GetValueOrDefault("AFD_DGRAM_DROP_ValueMap")?.Entries.ToDictionary(e => e.Key, e => e.Value) ?? new();
    private static readonly Dictionary<ulong, string> AfdOptions = Schema.SchemaCatalog.Winsock.Find(Afd)!.Maps
        .GetValueOrDefault("AFD_OPTION_ValueMap")?.Entries.ToDictionary(e => e.Key, e => e.Value) ?? new();
    private static readonly Dictionary<ulong, string> AbortReasons = Schema.SchemaCatalog.Winsock.Find(Afd)!.Maps
        .GetValueOrDefault("AFD_ABORT_ValueMap")?.Entries.ToDictionary(e => e.Key, e => e.Value) ?? new();
}
