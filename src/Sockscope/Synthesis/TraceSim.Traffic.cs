using Sockscope.Analysis;
using Sockscope.Events;
using AfdId = Sockscope.Events.AfdEventIds;
using LegacyId = Sockscope.Events.LegacyAfdEventIds;

namespace Sockscope.Synthesis;

/// <summary>A socket's traffic: sends and receives, datagrams to and from peers, and the datagrams AFD drops.</summary>
internal sealed partial class TraceSim
{
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
            LegacyAfdData(s).Set(SimField.FastPath, 1).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)bytes);
            WriteLegacyAfd(LegacyId.SendPosted, s, false);
            Wait(5, 300);
            if (fail != 0)
            {
                LegacyAfdData(s).Set(SimField.Error, fail);
                stamp = WriteLegacyAfd(LegacyId.SendFailed, s, false);
            }
            else
            {
                LegacyAfdData(s).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)bytes);
                stamp = WriteLegacyAfd(LegacyId.SendCompleted, s, system: Rng.Chance(300));
            }
        }
        else
        {
            AfdData(s, AfdEnterExit.Entry, AfdLocations.SendEntry).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)bytes).Set(SimField.Status, 0);
            WriteAfd(AfdId.Send, s, AfdEnterExit.Entry, false);
            if (nested && fail == 0)
            {
                ulong kernel = NewKernelBuffer();
                AfdData(s, AfdEnterExit.Entry, AfdLocations.NestedSendEntry).Set(SimField.BufferCount, 1).Set(SimField.Buffer, kernel).Set(SimField.BufferLength, (ulong)bytes).Set(SimField.Status, 0);
                WriteAfd(AfdId.Send, s, AfdEnterExit.Entry, false);
                Wait(2, 80);
                AfdData(s, AfdEnterExit.Exit, AfdLocations.BufferedSendRestart).Set(SimField.BufferCount, 1).Set(SimField.Buffer, kernel).Set(SimField.BufferLength, (ulong)bytes).Set(SimField.Status, 0);
                WriteAfd(AfdId.Send, s, AfdEnterExit.Exit, system: true, keywords: BufferedKeyword);
            }
            else Wait(2, 60);
            AfdData(s, AfdEnterExit.Exit, AfdLocations.SendExit).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, fail != 0 ? 0 : (ulong)bytes).Set(SimField.Status, fail);
            stamp = WriteAfd(AfdId.Send, s, AfdEnterExit.Exit, false, error: fail != 0);
        }
        CountSocket(s);
        CountSent(s, fail != 0 ? 0 : bytes);
        if (fail != 0)
        {
            RecordError(s, fail);
            AddTruthFinding(FindingKind.SendFailed, stamp, s, null, FindingSeverity.Error, () => $"send of {bytes} bytes failed: {StatusName(fail)}");
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
            LegacyAfdData(s).Set(SimField.FastPath, 1).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)offered);
            WriteLegacyAfd(LegacyId.ReceivePosted, s, false);
            Wait(async ? 2_000 : 10, async ? 40_000 : 400);
            if (fail != 0)
            {
                LegacyAfdData(s).Set(SimField.Error, fail);
                stamp = WriteLegacyAfd(LegacyId.ReceiveFailed, s, false);
            }
            else
            {
                LegacyAfdData(s).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)bytes);
                stamp = WriteLegacyAfd(LegacyId.ReceiveCompleted, s, system: async);
            }
        }
        else
        {
            AfdData(s, AfdEnterExit.Entry, AfdLocations.ReceiveEntry).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)offered).Set(SimField.Status, 0);
            WriteAfd(AfdId.Receive, s, AfdEnterExit.Entry, false);
            Wait(async ? 2_000 : 10, async ? 40_000 : 400);
            AfdData(s, AfdEnterExit.Exit, async ? AfdLocations.ReceiveCompletedLater : AfdLocations.ReceiveExit).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, fail != 0 ? 0 : (ulong)bytes).Set(SimField.Status, fail);
            stamp = WriteAfd(AfdId.Receive, s, AfdEnterExit.Exit, system: async, error: fail != 0);
        }
        CountSocket(s);
        CountReceived(s, fail != 0 ? 0 : bytes);
        if (fail != 0)
        {
            RecordError(s, fail);
            AddTruthFinding(FindingKind.ReceiveFailed, stamp, s, null, FindingSeverity.Error, () => $"receive failed: {StatusName(fail)}");
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
            LegacyAfdData(s).Set(SimField.FastPath, 1).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)offered);
            WriteLegacyAfd(LegacyId.ReceivePosted, s, false);
            Wait(20, 300);
            LegacyAfdData(s).Set(SimField.FastPath, 1).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)offered);
            stamp = WriteLegacyAfd(LegacyId.ReceivePosted, s, false);
            Wait(1_000, 20_000);
            LegacyAfdData(s).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)first);
            WriteLegacyAfd(LegacyId.ReceiveCompleted, s, true);
            Wait(50, 2_000);
            LegacyAfdData(s).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)second);
            WriteLegacyAfd(LegacyId.ReceiveCompleted, s, true);
        }
        else
        {
            AfdData(s, AfdEnterExit.Entry, AfdLocations.ReceiveEntry).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)offered).Set(SimField.Status, 0);
            WriteAfd(AfdId.Receive, s, AfdEnterExit.Entry, false);
            Wait(20, 300);
            AfdData(s, AfdEnterExit.Entry, AfdLocations.ReceiveEntry).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)offered).Set(SimField.Status, 0);
            stamp = WriteAfd(AfdId.Receive, s, AfdEnterExit.Entry, false);
            Wait(1_000, 20_000);
            AfdData(s, AfdEnterExit.Exit, AfdLocations.ReceiveCompletedLater).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)first).Set(SimField.Status, 0);
            WriteAfd(AfdId.Receive, s, AfdEnterExit.Exit, system: true);
            Wait(50, 2_000);
            AfdData(s, AfdEnterExit.Exit, AfdLocations.ReceiveCompletedLater).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)second).Set(SimField.Status, 0);
            WriteAfd(AfdId.Receive, s, AfdEnterExit.Exit, system: true);
        }
        CountSocket(s);
        CountReceived(s, first);
        CountReceived(s, second);
        ulong buffer = s.Buffer;
        AddTruthFinding(FindingKind.BufferReuse, stamp, s, null, FindingSeverity.Warning,
            () => $"buffer 0x{buffer:X} posted again while an earlier receive on it was in flight");
    }

    /// <summary>A datagram sent with an address: SendMessageWithAddress entry 3100 / exit 3200; Windows 7: 21/22 then 28.</summary>
    public void SendTo(SimSocket s, SimAddress peer, int bytes)
    {
        Wait(20, 2000);
        if (Legacy)
        {
            LegacyAfdData(s).Set(SimField.FastPath, 1).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)bytes)
                .Set(SimField.Address, peer.Raw).Set(SimField.Port, peer.Port);
            WriteLegacyAfd(peer.IsV6 ? LegacyId.SendToPostedV6 : LegacyId.SendToPostedV4, s, false);
            Wait(5, 100);
            LegacyAfdData(s).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)bytes);
            WriteLegacyAfd(LegacyId.SendToCompleted, s, false);
        }
        else
        {
            AfdData(s, AfdEnterExit.Entry, AfdLocations.SendMessageWithAddressEntry).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)bytes).Set(SimField.Status, 0).Set(SimField.Address, peer.SockAddr);
            WriteAfd(AfdId.SendMessageWithAddress, s, AfdEnterExit.Entry, false);
            Wait(5, 100);
            AfdData(s, AfdEnterExit.Exit, AfdLocations.SendMessageWithAddressExit).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer).Set(SimField.BufferLength, (ulong)bytes).Set(SimField.Status, 0).Set(SimField.Address, peer.SockAddr);
            WriteAfd(AfdId.SendMessageWithAddress, s, AfdEnterExit.Exit, false);
        }
        CountSocket(s);
        CountSent(s, bytes);
        AddPeerTraffic(s, peer, bytes, 0);
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
            LegacyAfdData(s).Set(SimField.FastPath, 1).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer + 0x800).Set(SimField.BufferLength, 2048);
            WriteLegacyAfd(LegacyId.ReceiveFromPosted, s, false);
            Wait(100, 5_000);
            LegacyAfdData(s).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer + 0x800).Set(SimField.BufferLength, (ulong)bytes).Set(SimField.Address, peer.Raw).Set(SimField.Port, peer.Port);
            WriteLegacyAfd(peer.IsV6 ? LegacyId.ReceiveFromCompletedV6 : LegacyId.ReceiveFromCompletedV4, s, false);
        }
        else
        {
            AfdData(s, AfdEnterExit.Exit, AfdLocations.ReceiveFromWithAddressExit).Set(SimField.BufferCount, 1).Set(SimField.Buffer, s.Buffer + 0x800).Set(SimField.BufferLength, (ulong)bytes).Set(SimField.Status, 0).Set(SimField.Address, peer.SockAddr);
            WriteAfd(message ? AfdId.ReceiveMessageWithAddress : AfdId.ReceiveFromWithAddress, s, AfdEnterExit.Exit, false);
        }
        CountSocket(s);
        CountReceived(s, bytes);
        AddPeerTraffic(s, peer, 0, bytes);
    }

    /// <summary>A datagram dropped by AFD (under System): 1033 with its source and a reason; Windows 7: 33/34.</summary>
    public void DropDatagram(SimSocket s, SimAddress source, int bytes, uint reason)
    {
        Wait(50, 5_000);
        long stamp;
        if (Legacy)
        {
            LegacyAfdData(s).Set(SimField.PacketSize, (ulong)bytes).Set(SimField.Address, source.Raw).Set(SimField.Port, source.Port).Set(SimField.Reason, reason);
            stamp = WriteLegacyAfd(source.IsV6 ? LegacyId.DatagramDroppedV6 : LegacyId.DatagramDroppedV4, s, true);
        }
        else
        {
            AfdData(s, AfdEnterExit.TransportCaused, AfdLocations.DatagramDrop).Set(SimField.Buffer, 0).Set(SimField.BufferLength, (ulong)bytes).Set(SimField.Address, source.SockAddr).Set(SimField.Reason, reason);
            stamp = WriteAfd(AfdId.DatagramDropWithAddress, s, AfdEnterExit.TransportCaused, true);
        }
        CountSocket(s);
        if (s.Record is { } r) r.DatagramsDropped++;
        AddTruthFinding(FindingKind.DatagramDropped, stamp, s, source, FindingSeverity.Warning,
            () => $"datagram of {bytes} bytes from {source} dropped: {DropText(reason)}");
    }
}
