using Sockscope.Analysis;
using Sockscope.Events;
using AfdId = Sockscope.Events.AfdEventIds;
using LegacyId = Sockscope.Events.LegacyAfdEventIds;
using SocketsId = Sockscope.Events.SocketsEventIds;

namespace Sockscope.Synthesis;

/// <summary>A socket's making and ending: socket(), bind, connect, listen, accept and close, as each Windows logs them.</summary>
internal sealed partial class TraceSim
{
    /// <summary>socket(): SockCreate (an API call) around AfdCreate entry 1002 / exit 1012; Windows 7: event 1.</summary>
    public void Create(SimSocket s, bool api = true)
    {
        Wait(20, 400);
        long stamp;
        if (Legacy)
        {
            LegacyAfdData(s).Set(SimField.AddressFamily, (ulong)s.Family).Set(SimField.SocketType, (ulong)s.Type).Set(SimField.Protocol, (ulong)s.Protocol).Set(SimField.UserModePid, s.P.Pid);
            stamp = WriteLegacyAfd(LegacyId.Create, s, false);
        }
        else
        {
            bool sockets = api && HasSockets;
            if (sockets) WriteSocketsStart(SocketsId.CreateStart, s);
            AfdData(s, AfdEnterExit.Entry, AfdLocations.CreateEntry).Set(SimField.AddressFamily, (ulong)s.Family).Set(SimField.SocketType, (ulong)s.Type).Set(SimField.Protocol, (ulong)s.Protocol)
                .Set(SimField.ProcessId, s.P.Pid).Set(SimField.Status, 0);
            stamp = WriteAfd(AfdId.Create, s, AfdEnterExit.Entry, false);
            AfdData(s, AfdEnterExit.Exit, AfdLocations.CreateExit).Set(SimField.AddressFamily, (ulong)s.Family).Set(SimField.SocketType, (ulong)s.Type).Set(SimField.Protocol, (ulong)s.Protocol)
                .Set(SimField.ProcessId, s.P.Pid).Set(SimField.Status, 0);
            WriteAfd(AfdId.Create, s, AfdEnterExit.Exit, false);
            if (sockets)
            {
                s.Handle = s.P.NewHandle();
                _d.Clear().Set(SimField.ErrorCode, 0).Set(SimField.Socket, s.Handle).Set(SimField.AddressFamily, (ulong)s.Family).Set(SimField.SocketType, (ulong)s.Type)
                    .Set(SimField.Protocol, (ulong)s.Protocol).Set(SimField.ProcessId, s.P.Pid).Set(SimField.FailurePoint, 0);
                // The record is made below; the handle is set on it there.
                WriteEvent(SocketsTemplate(SocketsId.CreateStop, s.P), s.P.Pid, s.Thread);
            }
        }
        CountSocket(s);
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
                LegacyAfdData(s).Set(SimField.Error, fail);
                stamp = WriteLegacyAfd(LegacyId.BindFailed, s, false);
            }
            else
            {
                LegacyAfdData(s).Set(SimField.Address, bound!.Raw).Set(SimField.Port, bound.Port).Set(SimField.Status, 0);
                stamp = WriteLegacyAfd(bound.IsV6 ? LegacyId.BindV6 : LegacyId.BindV4, s, false);
            }
        }
        else
        {
            bool sockets = api && HasSockets && s.Handle != 0;
            if (sockets) WriteSocketsStart(SocketsId.BindStart, s);
            AfdData(s, AfdEnterExit.Entry, AfdLocations.BindWithAddressEntry).Set(SimField.Status, 0).Set(SimField.Address, requested.SockAddr);
            WriteAfd(AfdId.BindWithAddress, s, AfdEnterExit.Entry, false);
            if (fail != 0)
            {
                AfdData(s, AfdEnterExit.Exit, AfdLocations.BindWithAddressFailed).Set(SimField.Status, fail);
                stamp = WriteAfd(AfdId.BindWithAddress, s, AfdEnterExit.Exit, false, error: true);
            }
            else
            {
                AfdData(s, AfdEnterExit.Exit, AfdLocations.BindWithAddressExit).Set(SimField.Status, 0).Set(SimField.Address, bound!.SockAddr);
                stamp = WriteAfd(AfdId.BindWithAddress, s, AfdEnterExit.Exit, false);
            }
            if (sockets)
            {
                _d.Clear().Set(SimField.ErrorCode, fail != 0 ? 10048UL : 0).Set(SimField.Socket, s.Handle).Set(SimField.Address, requested.SockAddr).Set(SimField.FailurePoint, 0);
                WriteSocketsStop(SocketsId.BindStop, s);
            }
        }
        CountSocket(s);
        if (fail != 0)
        {
            RecordError(s, fail);
            AddTruthFinding(FindingKind.BindFailed, stamp, s, null, FindingSeverity.Error, () => $"bind to {requested} failed: {StatusName(fail)}");
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
            LegacyAfdData(s).Set(SimField.Address, remote.Raw).Set(SimField.Port, remote.Port);
            WriteLegacyAfd(remote.IsV6 ? LegacyId.ConnectV6 : LegacyId.ConnectV4, s, false);
            Wait(8_000, 60_000);
            LegacyAfdData(s).Set(SimField.Error, fail);
            stamp = WriteLegacyAfd(LegacyId.ConnectCompleted, s, system: ex);
        }
        else
        {
            bool sockets = !ex && HasSockets && s.Handle != 0;
            if (sockets) WriteSocketsStart(SocketsId.ConnectStart, s);
            AfdData(s, AfdEnterExit.Entry, ex ? AfdLocations.ConnectExWithAddressEntry : AfdLocations.ConnectWithAddressEntry).Set(SimField.Buffer, 0).Set(SimField.BufferLength, 0).Set(SimField.Status, 0).Set(SimField.Address, remote.SockAddr);
            WriteAfd(ex ? AfdId.ConnectExWithAddress : AfdId.ConnectWithAddress, s, AfdEnterExit.Entry, false);
            Wait(8_000, 60_000);
            AfdData(s, AfdEnterExit.Exit, ex ? AfdLocations.ConnectExCompleted : AfdLocations.ConnectExit).Set(SimField.Status, fail);
            stamp = WriteAfd(ex ? AfdId.ConnectEx : AfdId.Connect, s, AfdEnterExit.Exit, system: ex, error: fail != 0);
            if (sockets)
            {
                _d.Clear().Set(SimField.ErrorCode, fail != 0 ? 10061UL : 0).Set(SimField.Socket, s.Handle).Set(SimField.Address, remote.SockAddr).Set(SimField.FailurePoint, 0);
                WriteSocketsStop(SocketsId.ConnectStop, s);
            }
        }
        CountSocket(s);
        if (s.Record is { } r)
        {
            r.Remote = remote.Copy();
            r.RemoteName = NameOf(s.P, remote);
        }
        if (fail != 0)
        {
            RecordError(s, fail);
            AddTruthFinding(FindingKind.ConnectFailed, stamp, s, remote, FindingSeverity.Warning, () => $"connect to {remote} failed: {StatusName(fail)}");
        }
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
        if (sockets) WriteSocketsStart(SocketsId.ListenStart, s);
        AfdData(s, AfdEnterExit.Entry, AfdLocations.ListenEntry).Set(SimField.Backlog, (ulong)backlog).Set(SimField.Status, 0);
        WriteAfd(AfdId.Listen, s, AfdEnterExit.Entry, false);
        AfdData(s, AfdEnterExit.Exit, AfdLocations.ListenExit).Set(SimField.Backlog, 0).Set(SimField.Status, 0);
        WriteAfd(AfdId.Listen, s, AfdEnterExit.Exit, false);
        if (sockets)
        {
            _d.Clear().Set(SimField.ErrorCode, 0).Set(SimField.Socket, s.Handle).Set(SimField.Backlog, (ulong)backlog).Set(SimField.FailurePoint, 0);
            WriteSocketsStop(SocketsId.ListenStop, s);
        }
        CountSocket(s);
        if (s.Record is { } r) { r.Listening = true; r.Backlog = backlog; }
    }

    /// <summary>The transport indicates a connection on a listening socket (under System): 3001; Windows 7: 35/36.</summary>
    private void ConnectIndication(SimSocket listener, SimAddress remote)
    {
        if (Legacy)
        {
            _d.Clear().Set(SimField.Process, listener.P.EProcess).Set(SimField.ListenEndpoint, listener.Endpoint).Set(SimField.Address, remote.Raw).Set(SimField.Port, remote.Port);
            WriteLegacyAfd(remote.IsV6 ? LegacyId.ConnectionIndicatedV6 : LegacyId.ConnectionIndicatedV4, listener, true);
            if (listener.Record is { } r) r.Listening = true;
        }
        else
        {
            AfdData(listener, AfdEnterExit.TransportCaused, AfdLocations.ConnectIndication).Set(SimField.Status, 0).Set(SimField.Address, remote.SockAddr).Set(SimField.CurrentBacklog, 1);
            WriteAfd(AfdId.ConnectIndicationWithAddress, listener, AfdEnterExit.TransportCaused, true);
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
                LegacyAfdData(listener).Set(SimField.Error, fail);
                stamp = WriteLegacyAfd(LegacyId.AcceptFailed, listener, false);
            }
            else
            {
                LegacyAfdData(accepted).Set(SimField.Address, remote.Raw).Set(SimField.Port, remote.Port).Set(SimField.Status, 0);
                stamp = WriteLegacyAfd(remote.IsV6 ? LegacyId.AcceptV6 : LegacyId.AcceptV4, accepted, false);
            }
        }
        else
        {
            AfdData(listener, AfdEnterExit.Entry, AfdLocations.AcceptExEntry).Set(SimField.Buffer, accepted.Buffer).Set(SimField.BufferLength, 88).Set(SimField.Status, 0)
                .Set(SimField.AcceptEndpoint, accepted.Endpoint).Set(SimField.CurrentBacklog, 0);
            WriteAfd(AfdId.AcceptExWithAddress, listener, AfdEnterExit.Entry, false);
            Wait(1_000, 200_000);
            ConnectIndication(listener, remote);
            Wait(5, 100);
            AfdData(listener, AfdEnterExit.Exit, AfdLocations.AcceptExCompleted).Set(SimField.Buffer, accepted.Buffer).Set(SimField.BufferLength, 88).Set(SimField.Status, fail)
                .Set(SimField.Address, fail != 0 ? null : remote.SockAddr).Set(SimField.AcceptEndpoint, accepted.Endpoint).Set(SimField.CurrentBacklog, 0);
            stamp = WriteAfd(AfdId.AcceptExWithAddress, listener, AfdEnterExit.Exit, true, error: fail != 0);
        }
        CountSocket(listener);
        if (fail != 0)
        {
            RecordError(listener, fail);
            AddTruthFinding(FindingKind.AcceptFailed, stamp, listener, null, FindingSeverity.Warning, () => $"accept failed: {StatusName(fail)}");
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
            LegacyAfdData(accepted).Set(SimField.Address, remote.Raw).Set(SimField.Port, remote.Port).Set(SimField.Status, 0);
            WriteLegacyAfd(remote.IsV6 ? LegacyId.AcceptV6 : LegacyId.AcceptV4, accepted, false);
        }
        else
        {
            bool sockets = HasSockets && listener.Handle != 0;
            if (sockets) WriteSocketsStart(SocketsId.AcceptStart, listener);
            Wait(1_000, 200_000);
            ConnectIndication(listener, remote);
            Create(accepted, api: false);
            AfdData(listener, AfdEnterExit.Exit, AfdLocations.AcceptWithAddressExit).Set(SimField.Buffer, 0).Set(SimField.BufferLength, 0).Set(SimField.Status, 0).Set(SimField.Address, remote.SockAddr)
                .Set(SimField.AcceptEndpoint, accepted.Endpoint).Set(SimField.CurrentBacklog, 0);
            WriteAfd(AfdId.AcceptWithAddress, listener, AfdEnterExit.Exit, false);
            if (sockets)
            {
                accepted.Handle = accepted.P.NewHandle();
                _d.Clear().Set(SimField.ErrorCode, 0).Set(SimField.SocketAccepted, accepted.Handle).Set(SimField.SocketListening, listener.Handle)
                    .Set(SimField.ProcessId, listener.P.Pid).Set(SimField.FailurePoint, 0);
                WriteEvent(SocketsTemplate(SocketsId.AcceptStop, listener.P), listener.P.Pid, listener.Thread);
                if (accepted.Record is { } r) r.SocketHandle = accepted.Handle;
            }
        }
        CountSocket(listener);
        Accepted(listener, accepted, remote);
    }

    private void Accepted(SimSocket listener, SimSocket accepted, SimAddress remote)
    {
        accepted.Remote = remote;
        accepted.Local = listener.Local;
        CountSocket(accepted);
        if (accepted.Record is { } r)
        {
            r.Remote = remote.Copy();
            r.RemoteName = NameOf(accepted.P, remote);
            r.Local = listener.Local?.Copy();
            r.AcceptedFrom = listener.Endpoint;
        }
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
            LegacyAfdData(s).Set(SimField.Error, 0);
            stamp = WriteLegacyAfd(LegacyId.Close, s, bySystem);
        }
        else
        {
            bool sockets = HasSockets && s.Handle != 0;
            if (sockets) WriteSocketsStart(SocketsId.CloseStart, s);
            AfdData(s, AfdEnterExit.Entry, AfdLocations.CleanupEntry).Set(SimField.Status, 0);
            WriteAfd(AfdId.Cleanup, s, AfdEnterExit.Entry, false);
            void Stop()
            {
                _d.Clear().Set(SimField.ErrorCode, 0).Set(SimField.Socket, s.Handle).Set(SimField.IsProviderSocket, 0).Set(SimField.FailurePoint, 0);
                WriteSocketsStop(SocketsId.CloseStop, s);
            }
            if (bySystem)
            {
                if (sockets) Stop();
                Wait(100, 3_000);
            }
            AfdData(s, AfdEnterExit.Entry, AfdLocations.CloseEntry).Set(SimField.Status, 0);
            WriteAfd(AfdId.Close, s, AfdEnterExit.Entry, bySystem);
            AfdData(s, AfdEnterExit.Exit, AfdLocations.CloseExit).Set(SimField.Status, 0);
            stamp = WriteAfd(AfdId.Close, s, AfdEnterExit.Exit, bySystem);
            if (sockets && !bySystem) Stop();
        }
        CountSocket(s);
        if (s.Record is { } r)
        {
            r.Closed = Utc(stamp);
            if (s.Handle != 0 && !Legacy && HasSockets) r.SocketHandle = s.Handle;
        }
        s.Closed = true;
        OpenSockets--;
        if (RecycleEndpoints) _freeEndpoints.Enqueue(s.Endpoint);
    }
}
