using System.Buffers.Binary;
using Sockscope.Analysis;
using Sockscope.Events;
using AfdId = Sockscope.Events.AfdEventIds;
using LegacyId = Sockscope.Events.LegacyAfdEventIds;
using SocketsId = Sockscope.Events.SocketsEventIds;

namespace Sockscope.Synthesis;

/// <summary>What happens to a socket besides its traffic: options set, aborts, and the transport's notices.</summary>
internal sealed partial class TraceSim
{
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
            LegacyAfdData(s).Set(SimField.Option, option).Set(SimField.Value, value);
            stamp = WriteLegacyAfd(LegacyId.OptionSet, s, false);
        }
        else
        {
            bool sockets = setsockopt && HasSockets && s.Handle != 0;
            if (sockets) WriteSocketsStart(SocketsId.SetOptStart, s);
            AfdData(s, AfdEnterExit.AfdCaused, AfdLocations.Option).Set(SimField.Option, option).Set(SimField.Value, value).Set(SimField.Status, 0);
            stamp = WriteAfd(AfdId.Option, s, AfdEnterExit.AfdCaused, false);
            if (sockets)
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
                ulong name = option switch { 6 => 0x1002, 7 => 0x1001, 1 => 0x0100, _ => option };
                _d.Clear().Set(SimField.ErrorCode, 0).Set(SimField.Socket, s.Handle).Set(SimField.Level, 0xFFFF).Set(SimField.OptName, name).Set(SimField.OptVal, bytes).Set(SimField.FailurePoint, 0);
                WriteSocketsStop(SocketsId.SetOptStop, s);
            }
        }
        CountSocket(s);
        string optionName = OptionName(option);
        if (s.Record is { } r) r.Options[optionName] = value;
        AddTruthFinding(FindingKind.OptionChanged, stamp, s, null, FindingSeverity.Info, () => $"{optionName} set to 0x{value:X}");
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
            LegacyAfdData(s).Set(SimField.Reason, reason);
            stamp = WriteLegacyAfd(transport ? LegacyId.TransportAbort : LegacyId.AfdAbort, s, transport);
        }
        else
        {
            AfdData(s, AfdEnterExit.AfdAction, transport ? AfdLocations.TransportAbort : AfdLocations.Abort).Set(SimField.Reason, reason);
            stamp = WriteAfd(AfdId.Abort, s, AfdEnterExit.AfdAction, transport);
        }
        CountSocket(s);
        string text = AbortText(reason);
        if (s.Record is { } r) { r.Aborted = true; r.AbortReason = text; }
        AddTruthFinding(FindingKind.Abort, stamp, s, null, FindingSeverity.Error, () => $"connection aborted: {text}");
    }

    /// <summary>
    /// A transport-side notice with no bearing on the truth: AfdSendBackLog 3007 under System; Windows 7: 32 (WSAEventSelect).
    /// </summary>
    public void Notice(SimSocket s)
    {
        Wait(5, 400);
        if (Legacy)
        {
            LegacyAfdData(s).Set(SimField.EventMask, 0x23);
            WriteLegacyAfd(LegacyId.EventSelect, s, false);
        }
        else
        {
            AfdData(s, AfdEnterExit.TransportCaused, AfdLocations.SendBacklog).Set(SimField.SendBacklog, (ulong)(8192 << Rng.Next(4)));
            WriteAfd(AfdId.SendBackLog, s, AfdEnterExit.TransportCaused, true);
        }
        CountSocket(s);
    }
}
