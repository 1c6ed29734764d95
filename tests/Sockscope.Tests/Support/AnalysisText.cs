using Sockscope.Analysis;

namespace Sockscope.Tests.Support;

/// <summary>
/// Sockets and findings as one line of text each, every field at full precision, so that two analyses can be
/// compared whole and a difference shows which field differs.
/// </summary>
internal static class AnalysisText
{
    public static string Of(SocketRecord s) =>
        $"{s.Endpoint:X} h={s.SocketHandle:X} pid={s.ProcessId} {s.ProcessName} proto={s.Protocol} fam={s.Family} type={s.SocketType} " +
        $"local={s.Local} remote={s.Remote} peers={string.Join(",", s.Peers)} opened={s.Opened:O} closed={s.Closed:O} " +
        $"sent={s.BytesSent}/{s.Sends} recv={s.BytesReceived}/{s.Receives} listen={s.Listening}/{s.Backlog} from={s.AcceptedFrom:X} " +
        $"opts={string.Join(",", s.Options.Select(o => o.Key + "=" + o.Value))} abort={s.Aborted}/{s.AbortReason} dropped={s.DatagramsDropped} error={s.Error}";

    public static string Of(Finding f) =>
        $"{f.Kind} {f.Time:O} pid={f.ProcessId} ep={f.Endpoint:X} remote={f.Remote} name={f.RemoteName} {f.Severity} {f.Detail}";
}
