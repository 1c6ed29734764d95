using System.Net;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;
using Xunit.Abstractions;

namespace Sockscope.Tests.Analysis;

/// <summary>
/// The analysis of every synthesised scenario matches its ground truth socket by socket and field by field, and
/// finding by finding: modern and legacy events, both pointer sizes, compressed and not.
/// </summary>
public class ScenarioTruthTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var scenario in new[] { "browser", "dns-client", "server", "wow64", "failures", "preexisting", "legacy", "mixed" })
        foreach (int pointer in new[] { 8, 4 })
            yield return [scenario, pointer, pointer == 4];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sockets_and_findings_match_the_ground_truth(string scenario, int pointerSize, bool compress)
    {
        using var dir = new TempDir();
        string path = dir.File(scenario + ".etl");
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions
        {
            Scenario = scenario, PointerSize = pointerSize, Compress = compress, Build = scenario == "legacy" ? 7601 : 26100,
        });
        var sockets = new List<SocketRecord>();
        AnalysisSummary summary;
        using (var reader = EtlReader.Open(path))
        {
            summary = TraceAnalysis.Run(reader, sockets.Add);
            Assert.Equal(0, reader.Diagnostics.ProblemCount);
        }
        var differences = new List<string>();
        var unmatched = sockets.ToList();
        foreach (var t in truth.Sockets)
        {
            var ours = unmatched.FirstOrDefault(s => s.Endpoint == t.Endpoint && s.Opened == t.Opened)
                ?? unmatched.FirstOrDefault(s => s.Endpoint == t.Endpoint);
            if (ours is null) { differences.Add($"missing socket 0x{t.Endpoint:X} opened {t.Opened:O}"); continue; }
            unmatched.Remove(ours);
            Compare(differences, t, ours);
        }
        foreach (var extra in unmatched) differences.Add($"extra socket 0x{extra.Endpoint:X} pid {extra.ProcessId} opened {extra.Opened:O}");

        var expectedFindings = truth.Findings.Select(f => $"{f.Kind} pid {f.ProcessId} ep 0x{f.Endpoint:X} {f.Severity} {f.RemoteName}").Order().ToList();
        var actualFindings = summary.Findings.Select(f => $"{f.Kind} pid {f.ProcessId} ep 0x{f.Endpoint:X} {f.Severity} {f.RemoteName}").Order().ToList();
        foreach (var f in expectedFindings.Except(actualFindings)) differences.Add("missing finding " + f);
        foreach (var f in actualFindings.Except(expectedFindings)) differences.Add("extra finding " + f);

        foreach (var d in differences) output.WriteLine(d);
        Assert.True(differences.Count == 0, $"{scenario}: {differences.Count} differences, first: {differences.FirstOrDefault()}");
        Assert.Equal(truth.BytesSent, summary.BytesSent);
        Assert.Equal(truth.BytesReceived, summary.BytesReceived);
    }

    [Theory]
    [InlineData(8, false)]
    [InlineData(4, true)]
    public void Busy_host_totals_match_the_ground_truth(int pointerSize, bool compress)
    {
        using var dir = new TempDir();
        string path = dir.File("busy.etl");
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "busy-host", Events = 200_000, PointerSize = pointerSize, Compress = compress });
        long sockets = 0, sends = 0, receives = 0;
        AnalysisSummary summary;
        using (var reader = EtlReader.Open(path))
            summary = TraceAnalysis.Run(reader, s => { sockets++; sends += s.Sends; receives += s.Receives; });
        Assert.Equal(truth.SocketCount, sockets);
        Assert.Equal(truth.BytesSent, summary.BytesSent);
        Assert.Equal(truth.BytesReceived, summary.BytesReceived);
        Assert.Equal(truth.Sends, sends);
        Assert.Equal(truth.Receives, receives);
        var kinds = summary.Findings.GroupBy(f => f.Kind).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(truth.FindingCounts.OrderBy(k => k.Key), kinds.OrderBy(k => k.Key));
        foreach (var p in truth.Processes)
        {
            var ours = summary.Processes.FirstOrDefault(x => x.ProcessId == p.ProcessId);
            Assert.True(ours is not null || p.Sockets == 0, $"process {p.ProcessId} missing");
            if (ours is null) continue;
            Assert.Equal(p.ImageName, ours.Name);
            Assert.Equal(p.Sockets, ours.Sockets);
            Assert.Equal(p.BytesSent, ours.BytesSent);
            Assert.Equal(p.BytesReceived, ours.BytesReceived);
        }
    }

    private static void Compare(List<string> d, SocketRecord t, SocketRecord o)
    {
        string who = $"socket 0x{t.Endpoint:X}";
        void Check<T>(string field, T expected, T actual)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual)) d.Add($"{who} {field}: expected {expected}, got {actual}");
        }
        Check("process_id", t.ProcessId, o.ProcessId);
        Check("process", t.ProcessName, o.ProcessName);
        Check("protocol", t.Protocol, o.Protocol);
        Check("family", t.Family, o.Family);
        Check("socket_type", t.SocketType, o.SocketType);
        Check("local", t.Local?.ToString(), o.Local?.ToString());
        Check("remote", t.Remote?.ToString(), o.Remote?.ToString());
        Check("peers", string.Join(" ", t.Peers), string.Join(" ", o.Peers));
        Check("remote_name", t.RemoteName, o.RemoteName);
        Check("peer_traffic", string.Join(" ", t.PeerTraffic.Select(p => $"{p.Remote}={p.Name}/{p.BytesSent}/{p.BytesReceived}")),
            string.Join(" ", o.PeerTraffic.Select(p => $"{p.Remote}={p.Name}/{p.BytesSent}/{p.BytesReceived}")));
        Check("opened", t.Opened, o.Opened);
        Check("closed", t.Closed, o.Closed);
        Check("bytes_sent", t.BytesSent, o.BytesSent);
        Check("bytes_received", t.BytesReceived, o.BytesReceived);
        Check("sends", t.Sends, o.Sends);
        Check("receives", t.Receives, o.Receives);
        Check("listening", t.Listening, o.Listening);
        Check("backlog", t.Backlog, o.Backlog);
        Check("accepted_from", t.AcceptedFrom, o.AcceptedFrom);
        Check("options", string.Join(" ", t.Options.OrderBy(k => k.Key).Select(k => $"{k.Key}={k.Value}")), string.Join(" ", o.Options.OrderBy(k => k.Key).Select(k => $"{k.Key}={k.Value}")));
        Check("aborted", t.Aborted, o.Aborted);
        Check("abort_reason", t.AbortReason, o.AbortReason);
        Check("datagrams_dropped", t.DatagramsDropped, o.DatagramsDropped);
        Check("error", t.Error, o.Error);
        Check("socket_handle", t.SocketHandle, o.SocketHandle);
    }
}
