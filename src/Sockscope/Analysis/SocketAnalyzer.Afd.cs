using Sockscope.Decoding.Values;
using Sockscope.Events;
using AfdId = Sockscope.Events.AfdEventIds;

namespace Sockscope.Analysis;

/// <summary>The AFD events of current Windows (the 1000-series): an endpoint's create, traffic, connect, accept, bind and close.</summary>
internal sealed partial class SocketAnalyzer
{
    private void ObserveAfd(in SocketEvent e)
    {
        ushort id = e.Id;
        bool exit = e.Exit;
        ulong endpoint = e.Endpoint;
        uint status = e.Status;
        switch (id)
        {
            case AfdId.Create: // create: the entry opens the socket; the exit completes it
            {
                if (exit && status != 0) return;
                var s = exit && _open.TryGetValue(endpoint, out var entered) ? entered : OpenSocket(endpoint, e, created: true);
                LastSocket = s.Record;
                if (e.Has(SocketEventFields.Family)) s.Record.Family = e.Family;
                if (e.Has(SocketEventFields.SocketType)) s.Record.SocketType = e.SocketType;
                if (e.Has(SocketEventFields.Protocol)) s.Record.Protocol = e.Protocol;
                if (e.ProcessId is > 0 and < uint.MaxValue) TakeOwner(s, e);
                if (!exit && s.Record.ProcessId != 0) AwaitHandle(s);
                return;
            }
            case AfdId.Close: // close (a socket opened before the trace may show itself first here)
                SocketAt(endpoint, e);
                if (exit) CloseSocket(endpoint, e.Stamp);
                return;
            case AfdId.Cleanup: // cleanup: the socket is still there
                SocketAt(endpoint, e);
                return;
            case AfdId.Send or AfdId.SendTo or AfdId.SendToWithAddress or AfdId.SendMessage or AfdId.SendMessageWithAddress: // sends
            {
                var s = SocketAt(endpoint, e);
                if (e.Has(SocketEventFields.Address)) s.SendPeer = AddPeer(s, e, remote: true);
                else if (!exit && s.SendDepth == 0) s.SendPeer = -1;
                if (!exit)
                {
                    // A nested entry is the same send going deeper, not a second post of its buffer.
                    if (++s.SendDepth == 1) NotePosted(s, e);
                    return;
                }
                NoteCompleted(e);
                // Sends nest (enter, enter, exit, exit): only the outermost completion counts, and the completions AFD
                // logs again for a nested send (locations 3073, 3024) never do.
                if (s.SendDepth > 0) s.SendDepth--;
                if (s.SendDepth > 0 || e.Location is AfdLocations.BufferedSendCompleteBatch or AfdLocations.BufferedSendRestart) return;
                s.Record.Sends++;
                if (NtStatusNames.IsFailure(status)) { FailSocket(s, FindingKind.SendFailed, UtcOf(e.Stamp), status, FindingSeverity.Error); return; }
                s.Record.BytesSent += (long)e.Length;
                if (s.SendPeer >= 0) AddPeerBytes(s, s.SendPeer, (long)e.Length, 0);
                return;
            }
            case AfdId.Receive or AfdId.ReceiveFrom or AfdId.ReceiveFromWithAddress or AfdId.ReceiveMessage or AfdId.ReceiveMessageWithAddress: // receives: bytes come from the exit only
            {
                var s = SocketAt(endpoint, e);
                if (!exit)
                {
                    NotePosted(s, e);
                    return;
                }
                NoteCompleted(e);
                int peer = e.Has(SocketEventFields.Address) ? AddPeer(s, e, remote: s.Record.SocketType != SocketTypes.Datagram && s.Record.Protocol != IpProtocols.Udp) : -1;
                s.Record.Receives++;
                if (NtStatusNames.IsFailure(status)) { FailSocket(s, FindingKind.ReceiveFailed, UtcOf(e.Stamp), status, FindingSeverity.Error); return; }
                s.Record.BytesReceived += (long)e.Length;
                if (peer >= 0) AddPeerBytes(s, peer, 0, (long)e.Length);
                return;
            }
            case AfdId.Connect or AfdId.ConnectWithAddress or AfdId.ConnectEx or AfdId.ConnectExWithAddress: // connects: the remote address is on the entry
            {
                var s = SocketAt(endpoint, e);
                if (SockaddrOf(e) is { } remote) SetRemote(s, remote);
                if (exit && NtStatusNames.IsFailure(status)) FailSocket(s, FindingKind.ConnectFailed, UtcOf(e.Stamp), status, FindingSeverity.Warning);
                return;
            }
            case AfdId.Accept or AfdId.AcceptWithAddress or AfdId.AcceptEx or AfdId.AcceptExWithAddress: // accepts: the exit names the new endpoint
            {
                var listener = SocketAt(endpoint, e);
                listener.Record.Listening = true;
                if (!exit) return;
                if (NtStatusNames.IsFailure(status)) { FailSocket(listener, FindingKind.AcceptFailed, UtcOf(e.Stamp), status, FindingSeverity.Warning); return; }
                ulong accepted = e.Other;
                if (accepted == 0) return;
                var s = OpenSocket(accepted, e, created: !_open.ContainsKey(accepted));
                s.Record.AcceptedFrom = endpoint;
                s.Record.Local ??= listener.Record.Local;
                s.Record.Family = s.Record.Family >= 0 ? s.Record.Family : listener.Record.Family;
                s.Record.Protocol = s.Record.Protocol >= 0 ? s.Record.Protocol : listener.Record.Protocol;
                s.Record.SocketType = s.Record.SocketType >= 0 ? s.Record.SocketType : listener.Record.SocketType;
                s.Record.ProcessId = listener.Record.ProcessId;
                if (SockaddrOf(e) is { } peer) SetRemote(s, peer);
                if (s.Record.ProcessId != 0) AwaitHandle(s);
                return;
            }
            case AfdId.Bind or AfdId.BindWithAddress: // bind: the bound address is on the exit
            {
                var s = SocketAt(endpoint, e);
                if (!exit) return;
                if (NtStatusNames.IsFailure(status)) { FailSocket(s, FindingKind.BindFailed, UtcOf(e.Stamp), status, FindingSeverity.Error); return; }
                // Made apart from the cache: a bound address is each socket's own, and would only push out the remote ends kept there.
                if (SocketAddresses.FromSockaddr(e.AddressSpan) is { } local) s.Record.Local = local;
                return;
            }
            case AfdId.Abort: // abort
            {
                var s = SocketAt(endpoint, e);
                s.Record.Aborted = true;
                string reason = e.Text ?? "";
                s.Record.AbortReason ??= reason;
                AddFinding(new Finding(FindingKind.Abort, UtcOf(e.Stamp), s.Record.ProcessId, endpoint, s.Record.Remote, $"connection aborted: {reason}", FindingSeverity.Error));
                return;
            }
            case AfdId.DatagramDropWithAddress: // datagram dropped
            {
                var s = SocketAt(endpoint, e);
                s.Record.DatagramsDropped++;
                var from = SockaddrOf(e);
                AddFinding(new Finding(FindingKind.DatagramDropped, UtcOf(e.Stamp), s.Record.ProcessId, endpoint, from,
                    $"datagram of {e.Length} bytes{(from is null ? "" : " from " + from)} dropped: {e.Text}", FindingSeverity.Warning));
                return;
            }
            case AfdId.Option: // option
            {
                var s = SocketAt(endpoint, e);
                string option = e.Text ?? "";
                ulong value = e.Value;
                s.Record.Options[option] = value;
                AddFinding(new Finding(FindingKind.OptionChanged, UtcOf(e.Stamp), s.Record.ProcessId, endpoint, s.Record.Remote, $"{option} set to {value}", FindingSeverity.Info));
                return;
            }
            case AfdId.WaitForListen or AfdId.Listen: // listen: the backlog is on the entry (the exit logs 0)
            {
                var s = SocketAt(endpoint, e);
                s.Record.Listening = true;
                if (!exit && e.Has(SocketEventFields.Backlog)) s.Record.Backlog = (int)e.Backlog;
                return;
            }
        }
    }

    /// <summary>A create event names the process id that owns the socket and its EPROCESS pointer.</summary>
    private void TakeOwner(SocketState s, in SocketEvent e)
    {
        s.Record.ProcessId = (uint)e.ProcessId;
        if (e.Process != 0 && (_processIds.Count < MaxProcesses || _processIds.ContainsKey(e.Process))) _processIds[e.Process] = (uint)e.ProcessId;
    }
}
