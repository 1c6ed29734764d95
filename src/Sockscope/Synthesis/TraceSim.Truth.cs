using Sockscope.Analysis;
using AfdId = Sockscope.Events.AfdEventIds;

namespace Sockscope.Synthesis;

/// <summary>The ground truth kept beside the events: sockets, their traffic and errors, and the findings an analysis must make.</summary>
internal sealed partial class TraceSim
{
    private void CountSocket(SimSocket s)
    {
        if (s.Seen) return;
        s.Seen = true;
        Truth.SocketCount++;
        s.P.Truth.Sockets++;
        OpenSockets++;
        if (!Detailed) return;
        s.Record = new SocketRecord
        {
            Endpoint = s.Endpoint,
            ProcessId = s.P.Pid,
            ProcessObject = s.P.EProcess,
            ProcessName = s.P.Name,
        };
        Truth.Sockets.Add(s.Record);
    }

    private void RecordError(SimSocket s, uint status)
    {
        if (s.Record is { Error: null } r) r.Error = StatusName(status);
    }

    private static string StatusName(uint status) =>
        Decoding.Values.NtStatusNames.TryGetName(status, out var name) ? name : $"0x{status:X8}";

    private void AddTruthFinding(FindingKind kind, long stamp, SimSocket? s, SimAddress? remote, FindingSeverity severity, Func<string> detail)
    {
        Truth.FindingCounts[kind] = Truth.FindingCounts.GetValueOrDefault(kind) + 1;
        if (!Detailed) return;
        var where = remote ?? s?.Remote;
        Truth.Findings.Add(new Finding(kind, Utc(stamp), s?.P.Pid ?? 0, s?.Endpoint ?? 0, where?.Copy(), detail(), severity)
            { RemoteName = s is not null && where is not null ? NameOf(s.P, where) : null });
    }

    private void AddPeerTraffic(SimSocket s, SimAddress peer, long sent, long received)
    {
        if (s.Record is not { } r) return;
        int index = r.Peers.FindIndex(known => known.Equals(peer.EndPoint));
        if (index < 0)
        {
            index = r.Peers.Count;
            r.Peers.Add(peer.Copy());
            string? name = NameOf(s.P, peer);
            r.PeerTraffic.Add(new PeerTraffic { Remote = peer.Copy(), Name = name });
            if (r.Remote is null) r.RemoteName ??= name;
        }
        r.PeerTraffic[index].BytesSent += sent;
        r.PeerTraffic[index].BytesReceived += received;
    }

    private string? NameOf(SimProcess p, SimAddress address) => _resolved.GetValueOrDefault((p.Pid, address.EndPoint.Address));

    private void CountSent(SimSocket s, long bytes)
    {
        Truth.Sends++;
        Truth.BytesSent += bytes;
        s.P.Truth.BytesSent += bytes;
        if (s.Record is { } r) { r.Sends++; r.BytesSent += bytes; }
    }

    private void CountReceived(SimSocket s, long bytes)
    {
        Truth.Receives++;
        Truth.BytesReceived += bytes;
        s.P.Truth.BytesReceived += bytes;
        if (s.Record is { } r) { r.Receives++; r.BytesReceived += bytes; }
    }

    private string OptionName(uint option) =>
        AfdTemplate(AfdId.Option).Schema.Fields[AfdTemplate(AfdId.Option).Schema.IndexOf("Option")].Map?.Lookup(option) ?? option.ToString();

    private string AbortText(uint reason) =>
        AfdTemplate(AfdId.Abort).Schema.Fields[AfdTemplate(AfdId.Abort).Schema.IndexOf("Reason")].Map?.Lookup(reason) ?? reason.ToString();

    private string DropText(uint reason) =>
        AfdTemplate(AfdId.DatagramDropWithAddress).Schema.Fields[AfdTemplate(AfdId.DatagramDropWithAddress).Schema.IndexOf("Reason")].Map?.Lookup(reason) ?? reason.ToString();

    /// <summary>Flags the current buffer of a processor: events were lost (and the finding, once per trace).</summary>
    public void MarkEventsLost()
    {
        _writer.MarkEventsLost(ProcessorOf(System.Threads[0]));
        Truth.BuffersFlaggedEventsLost++;
        EventsLostFinding();
    }

    private void EventsLostFinding()
    {
        if (_eventsLostFound) return;
        _eventsLostFound = true;
        uint lost = Truth.EventsLost;
        int flagged = Truth.BuffersFlaggedEventsLost;
        Truth.FindingCounts[FindingKind.EventsLost] = Truth.FindingCounts.GetValueOrDefault(FindingKind.EventsLost) + 1;
        if (Detailed)
            Truth.Findings.Add(new Finding(FindingKind.EventsLost, Options.Start, 0, 0, null,
                $"{lost} events lost (logfile header); {flagged} buffer(s) flagged events-lost", FindingSeverity.Warning));
    }
}
