using Sockscope.Events;

namespace Sockscope.Analysis;

/// <summary>A socket's life: opened by its endpoint (or first seen, when it was open before the trace), owned by a process, closed, and handed on.</summary>
internal sealed partial class SocketAnalyzer
{
    // Compared in raw clock ticks: converting every event's time stamp only to compare it would cost more.
    private void HandOnClosedPastJoinWindow(long stamp)
    {
        if (_closing.Count > 0 && stamp - _closing.Peek().Stamp > _joinTicks) HandOnClosed(stamp - _joinTicks);
    }

    private void HandOn(SocketState s)
    {
        s.Completed = true;
        SocketCompleted?.Invoke(s.Record);
    }

    private SocketState OpenSocket(ulong endpoint, in SocketEvent e, bool created)
    {
        if (_open.TryGetValue(endpoint, out var s))
        {
            // The same endpoint address reused after a close we did not see: the old socket ends here.
            if (!created) return s;
            _open.Remove(endpoint, out _);
            if (_lastEndpoint == endpoint) _lastOpen = null;
            StopAwaiting(s);
            HandOn(s);
        }
        s = new SocketState(new SocketRecord
        {
            Endpoint = endpoint,
            ProcessObject = e.Process,
            ProcessId = OwnerOf(e.Process, e.HeaderProcessId),
            Opened = created ? UtcOf(e.Stamp) : null,
        });
        _open.Set(endpoint, s);
        _lastEndpoint = endpoint;
        _lastOpen = s;
        s.Record.Id = ++SocketsSeen;
        LastSocket = s.Record;
        return s;
    }

    /// <summary>The socket of an endpoint, made when the endpoint existed before the trace (no create seen).</summary>
    private SocketState SocketAt(ulong endpoint, in SocketEvent e)
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
        return OpenSocket(endpoint, e, created: false);
    }

    /// <summary>
    /// The owning process: from the EPROCESS pointer when the trace named it or a create event tied it to a process
    /// id; the ETW header's process id only when it is not the System process (kernel completions log under it).
    /// </summary>
    private uint OwnerOf(ulong process, uint headerProcessId)
    {
        if (process != 0 && _processIds.TryGetValue(process, out uint pid)) return pid;
        if (process != 0 && _processes.TryGetByObject(process, out pid, out _)) return pid;
        return headerProcessId is 0 or SystemProcess.Id ? 0 : headerProcessId;
    }

    private void CloseSocket(ulong endpoint, long stamp)
    {
        if (!_open.Remove(endpoint, out var s)) return;
        if (_lastEndpoint == endpoint) _lastOpen = null;
        var time = UtcOf(stamp);
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

    private void HandOnClosed(long before)
    {
        while (_closing.Count > 0 && _closing.Peek().Stamp < before)
        {
            var s = _closing.Dequeue().State;
            StopAwaiting(s);
            HandOn(s);
        }
    }

    private uint OwnerOfObject(ulong process) =>
        _processIds.TryGetValue(process, out uint pid) ? pid : _processes.TryGetByObject(process, out pid, out _) ? pid : 0;
}
