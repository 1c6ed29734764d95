using SocketsId = Sockscope.Events.SocketsEventIds;

namespace Sockscope.Analysis;

/// <summary>
/// The Winsock-Sockets (ws2_32) events: a call's result with the socket handle the application holds, joined to the AFD
/// endpoint the call worked on, or standing alone where the trace has no AFD events.
/// </summary>
internal sealed partial class SocketAnalyzer
{
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
            case SocketsId.CreateStop:
            {
                if (error != 0 || handle == 0) return;
                if (TryJoin(pid, handle, UtcOf(e.Stamp))) return;
                var s = new SocketState(new SocketRecord { SocketHandle = handle, ProcessId = pid, Opened = UtcOf(e.Stamp),
                    Family = e.Family, SocketType = e.SocketType, Protocol = e.Protocol });
                SetHandle(key, s);
                s.Record.Id = ++SocketsSeen;
                return;
            }
            case SocketsId.CloseStop:
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
                    _unclaimedCloses.Add((pid, handle, UtcOf(e.Stamp)));
                    return;
                }
                LastSocket = s.Record;
                if (s.Record.Endpoint == 0)
                {
                    s.Record.Closed = UtcOf(e.Stamp);
                    s.Record.ProcessName ??= _processes.NameOf(s.Record.ProcessId);
                    HandOn(s);
                }
                return;
            }
            case SocketsId.AcceptStop:
            {
                var listening = (pid, e.Other);
                if (error != 0)
                {
                    if (_handles.TryGetValue(listening, out var l))
                    {
                        LastSocket = l.Record;
                        FailSocket(l, FindingKind.AcceptFailed, UtcOf(e.Stamp), error, FindingSeverity.Warning, win32: true);
                    }
                    else AddFinding(new Finding(FindingKind.AcceptFailed, UtcOf(e.Stamp), pid, 0, null, $"accept failed: {Win32ErrorText(error)}", FindingSeverity.Warning));
                    return;
                }
                if (handle == 0) return;
                if (TryJoin(pid, handle, UtcOf(e.Stamp))) return;
                var s = new SocketState(new SocketRecord { SocketHandle = handle, ProcessId = pid, Opened = UtcOf(e.Stamp) });
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
            case SocketsId.SetOptStop:
                return;
            case SocketsId.ConnectStop or SocketsId.BindStop:
            {
                var address = SockaddrOf(e);
                _handles.TryGetValue(key, out var s);
                LastSocket = s?.Record;
                if (error != 0)
                {
                    FindingKind kind = id == SocketsId.ConnectStop ? FindingKind.ConnectFailed : FindingKind.BindFailed;
                    if (s is not null) { if (id == SocketsId.ConnectStop && s.Record.Remote is null) SetRemote(s, address); FailSocket(s, kind, UtcOf(e.Stamp), error, id == SocketsId.ConnectStop ? FindingSeverity.Warning : FindingSeverity.Error, win32: true); }
                    else AddUnlessRepeated(kind, UtcOf(e.Stamp), pid, 0, id == SocketsId.ConnectStop ? address : null, $"{(id == SocketsId.ConnectStop ? "connect" : "bind")} failed: {Win32ErrorText(error)}", id == SocketsId.ConnectStop ? FindingSeverity.Warning : FindingSeverity.Error);
                    return;
                }
                if (s is null || address is null) return;
                if (id == SocketsId.ConnectStop) { if (s.Record.Remote is null) SetRemote(s, address); }
                else s.Record.Local ??= address;
                return;
            }
            case SocketsId.ListenStop:
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
            HandOn(old);
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
}
