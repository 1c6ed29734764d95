using LegacyId = Sockscope.Events.LegacyAfdEventIds;

namespace Sockscope.Analysis;

/// <summary>The AFD events of Windows 7 (1–41): one event per step, no entry and exit, the address beside its port.</summary>
internal sealed partial class SocketAnalyzer
{
    private void ObserveLegacy(in SocketEvent e)
    {
        ushort id = e.Id;
        ulong endpoint = e.Endpoint;
        uint error = e.Error;
        switch (id)
        {
            case LegacyId.Create:
            {
                var s = OpenSocket(endpoint, e, created: true);
                s.Record.Family = e.Family;
                s.Record.SocketType = e.SocketType;
                s.Record.Protocol = e.Protocol;
                if (e.ProcessId is > 0 and < uint.MaxValue) TakeOwner(s, e);
                return;
            }
            case LegacyId.BindV4 or LegacyId.BindV6:
            {
                var s = SocketAt(endpoint, e);
                if (e.Status != 0) { FailSocket(s, FindingKind.BindFailed, UtcOf(e.Stamp), e.Status, FindingSeverity.Error); return; }
                s.Record.Local = LegacyAddressOf(e);
                return;
            }
            case LegacyId.ConnectV4 or LegacyId.ConnectV6:
                SetRemote(SocketAt(endpoint, e), LegacyAddressOf(e));
                return;
            case LegacyId.ConnectCompleted:
                if (error != 0) FailSocket(SocketAt(endpoint, e), FindingKind.ConnectFailed, UtcOf(e.Stamp), error, FindingSeverity.Warning);
                return;
            case LegacyId.AfdAbort or LegacyId.TransportAbort:
            {
                var s = SocketAt(endpoint, e);
                s.Record.Aborted = true;
                string reason = e.Text ?? "";
                s.Record.AbortReason ??= reason;
                AddFinding(new Finding(FindingKind.Abort, UtcOf(e.Stamp), s.Record.ProcessId, endpoint, s.Record.Remote,
                    $"{(id == LegacyId.AfdAbort ? "AFD" : "transport")}-initiated abort: {reason}", FindingSeverity.Error));
                return;
            }
            case LegacyId.SendFailed or LegacyId.SendMessageFailed:
                FailSocket(SocketAt(endpoint, e), FindingKind.SendFailed, UtcOf(e.Stamp), error, FindingSeverity.Error);
                return;
            case LegacyId.ReceiveFailed or LegacyId.ReceiveFromFailed:
                FailSocket(SocketAt(endpoint, e), FindingKind.ReceiveFailed, UtcOf(e.Stamp), error, FindingSeverity.Error);
                return;
            case LegacyId.Close:
                SocketAt(endpoint, e);
                CloseSocket(endpoint, e.Stamp);
                return;
            case LegacyId.Cleanup:
                SocketAt(endpoint, e);
                return;
            case LegacyId.AcceptV4 or LegacyId.AcceptV6:
            {
                var s = SocketAt(endpoint, e);
                if (e.Status != 0) { FailSocket(s, FindingKind.AcceptFailed, UtcOf(e.Stamp), e.Status, FindingSeverity.Warning); return; }
                SetRemote(s, LegacyAddressOf(e));
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
            case LegacyId.AcceptFailed:
                FailSocket(SocketAt(endpoint, e), FindingKind.AcceptFailed, UtcOf(e.Stamp), error, FindingSeverity.Warning);
                return;
            case >= LegacyId.SendPosted and <= LegacyId.SendToPostedV6: // posted
            {
                var s = SocketAt(endpoint, e);
                if (id is LegacyId.SendToPostedV4 or LegacyId.SendToPostedV6) s.SendPeer = AddPeer(s, e, remote: true);
                else if (id == LegacyId.SendPosted) s.SendPeer = -1;
                NotePosted(s, e);
                return;
            }
            case LegacyId.ReceiveCompleted or LegacyId.ReceiveFromCompletedV4 or LegacyId.ReceiveFromCompletedV6:
            {
                var s = SocketAt(endpoint, e);
                NoteCompleted(e);
                int peer = id != LegacyId.ReceiveCompleted ? AddPeer(s, e, remote: false) : -1;
                s.Record.Receives++;
                s.Record.BytesReceived += (long)e.Length;
                if (peer >= 0) AddPeerBytes(s, peer, 0, (long)e.Length);
                return;
            }
            case LegacyId.SendCompleted or LegacyId.SendMessageCompleted or LegacyId.SendToCompleted:
            {
                var s = SocketAt(endpoint, e);
                NoteCompleted(e);
                s.Record.Sends++;
                s.Record.BytesSent += (long)e.Length;
                // Windows 7 logs the address on the post only.
                if (s.SendPeer >= 0) AddPeerBytes(s, s.SendPeer, (long)e.Length, 0);
                return;
            }
            case LegacyId.OptionSet:
            {
                var s = SocketAt(endpoint, e);
                string option = e.Text ?? "";
                s.Record.Options[option] = e.Value;
                AddFinding(new Finding(FindingKind.OptionChanged, UtcOf(e.Stamp), s.Record.ProcessId, endpoint, s.Record.Remote, $"{option} set to {e.Value}", FindingSeverity.Info));
                return;
            }
            case LegacyId.DatagramDroppedV4 or LegacyId.DatagramDroppedV6:
            {
                var s = SocketAt(endpoint, e);
                s.Record.DatagramsDropped++;
                var from = LegacyAddressOf(e);
                AddFinding(new Finding(FindingKind.DatagramDropped, UtcOf(e.Stamp), s.Record.ProcessId, endpoint, from,
                    $"datagram of {(long)e.Length} bytes{(from is null ? "" : " from " + from)} dropped: {e.Text}", FindingSeverity.Warning));
                return;
            }
            case LegacyId.ConnectionIndicatedV4 or LegacyId.ConnectionIndicatedV6:
                SocketAt(endpoint, e).Record.Listening = true;
                if (_indications.Count >= 4096) _indications.RemoveAt(0);
                _indications.Add((endpoint, e.Process, LegacyAddressOf(e)));
                return;
            case LegacyId.BindFailed:
                FailSocket(SocketAt(endpoint, e), FindingKind.BindFailed, UtcOf(e.Stamp), error, FindingSeverity.Error);
                return;
        }
    }
}
