using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Sinks.Report;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sinks.Report;

/// <summary>The report's data and page, without a browser: what a scenario's ground truth says is there, the caps, and the escaping.</summary>
public class ReportDataTests
{
    private static (ScenarioTruth Truth, ReportData Data, string Page) Build(TempDir dir, string scenario, ReportOptions? options = null, int pointerSize = 8)
    {
        string path = dir.File(scenario + ".etl");
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = scenario, PointerSize = pointerSize });
        using var reader = EtlReader.Open(path);
        var data = HtmlReport.Collect(reader, path, options);
        using var page = new MemoryStream();
        HtmlReport.Write(page, data);
        return (truth, data, Encoding.UTF8.GetString(page.ToArray()));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void The_data_has_every_socket_and_finding_of_the_ground_truth(int pointerSize)
    {
        using var dir = new TempDir();
        var (truth, data, page) = Build(dir, "mixed", pointerSize: pointerSize);
        using var json = ReportTraces.Data(page);
        var root = json.RootElement;
        Assert.Equal(ReportJson.Format, root.GetProperty("format").GetString());

        var overview = root.GetProperty("overview");
        Assert.Equal(truth.SocketCount, overview.GetProperty("sockets").GetInt64());
        Assert.Equal(truth.SocketCount, overview.GetProperty("sockets_shown").GetInt64());
        Assert.Equal(truth.BytesSent, overview.GetProperty("bytes_sent").GetInt64());
        Assert.Equal(truth.BytesReceived, overview.GetProperty("bytes_received").GetInt64());
        Assert.Equal(truth.Findings.Count, overview.GetProperty("finding_count").GetInt64());
        Assert.Equal(truth.EventsLost, overview.GetProperty("events_lost").GetInt64());
        Assert.Equal(truth.Build, overview.GetProperty("os_build").GetInt32());
        Assert.Equal(pointerSize, overview.GetProperty("pointer_size").GetInt32());
        Assert.Equal(0, overview.GetProperty("problem_count").GetInt64());

        // Socket by socket: the same endpoint, opening time, process, remote, bytes and error as the truth.
        var origin = DateTime.Parse(overview.GetProperty("origin").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        var sockets = root.GetProperty("sockets").EnumerateArray().ToList();
        Assert.Equal(truth.Sockets.Count, sockets.Count);
        var unmatched = sockets.ToList();
        foreach (var t in truth.Sockets)
        {
            string endpoint = "0x" + t.Endpoint.ToString("X");
            long? opened = t.Opened is { } o ? (o - origin).Ticks / 10 : null;
            var s = unmatched.FirstOrDefault(x => x.GetProperty("endpoint").GetString() == endpoint && Micros(x, "opened") == opened);
            Assert.True(s.ValueKind == JsonValueKind.Object, $"socket {endpoint} opened {t.Opened:O} is not in the report");
            unmatched.Remove(s);
            Assert.Equal(t.ProcessId, s.GetProperty("process_id").GetUInt32());
            Assert.Equal(t.ProcessName, s.GetProperty("process").GetString());
            Assert.Equal(t.Remote?.ToString(), s.GetProperty("remote").GetString());
            Assert.Equal(t.BytesSent, s.GetProperty("bytes_sent").GetInt64());
            Assert.Equal(t.BytesReceived, s.GetProperty("bytes_received").GetInt64());
            Assert.Equal(t.Error, s.GetProperty("error").GetString());
            Assert.Equal(t.Closed is { } c ? (c - origin).Ticks / 10 : null, Micros(s, "closed"));
            Assert.Equal(SocketOutcomes.Name(SocketOutcomes.Of(t)), s.GetProperty("outcome").GetString());
            // Every socket's events are there (the mixed trace is far below the caps), in time order, within its life.
            var events = s.GetProperty("events").EnumerateArray().Select(e => e[0].GetInt64()).ToList();
            Assert.Equal(s.GetProperty("event_count").GetInt64(), events.Count);
            Assert.NotEmpty(events);
            Assert.Equal(events.Order(), events);
            if (opened is { } from) Assert.True(events[0] >= from);
        }
        Assert.Empty(unmatched);
        Assert.Equal(truth.Sockets.Count(s => s.Aborted), sockets.Count(s => s.GetProperty("outcome").GetString() == "aborted"));

        // Findings: every one listed, and counted by kind as the truth counts them.
        Assert.Equal(truth.Findings.Count, root.GetProperty("findings").GetArrayLength());
        var counts = root.GetProperty("findings_by_kind").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(truth.FindingCounts.Select(kv => KeyValuePair.Create(kv.Key.ToText(), kv.Value)).OrderBy(kv => kv.Key), counts.OrderBy(kv => kv.Key));
        Assert.Equal(truth.Findings.Select(f => f.Kind.ToText()).Order(), root.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("kind").GetString()!).Order());

        // The event kinds that events refer to exist, and every event of the sockets is an AFD, Sockets or legacy event.
        int kinds = root.GetProperty("event_kinds").GetArrayLength();
        Assert.All(sockets.SelectMany(s => s.GetProperty("events").EnumerateArray()), e => Assert.InRange(e[1].GetInt32(), 0, kinds - 1));
        Assert.All(root.GetProperty("event_kinds").EnumerateArray(), k => Assert.StartsWith("Microsoft-Windows-Winsock-", k.GetProperty("provider").GetString()));

        // The activity: bytes each way per bucket add up to the trace's, and every socket opened in the trace is counted once.
        var activity = root.GetProperty("activity");
        Assert.Equal(truth.BytesSent, activity.GetProperty("bytes_sent").EnumerateArray().Sum(v => v.GetInt64()));
        Assert.Equal(truth.BytesReceived, activity.GetProperty("bytes_received").EnumerateArray().Sum(v => v.GetInt64()));
        Assert.Equal(truth.Sockets.Count(s => s.Opened is not null), activity.GetProperty("opened").EnumerateArray().Sum(v => v.GetInt64()));
        Assert.Equal(truth.Sockets.Count(s => s.Closed is not null), activity.GetProperty("closed").EnumerateArray().Sum(v => v.GetInt64()));
        Assert.Equal(truth.Findings.Count(f => f.Severity != FindingSeverity.Info), activity.GetProperty("failures").EnumerateArray().Sum(v => v.GetInt64()));

        // Remote endpoints: the truth's per remote (a datagram socket's bytes go to its peers), the most bytes first.
        var remotes = root.GetProperty("remote_endpoints").EnumerateArray().ToList();
        var truthRemotes = truth.Sockets.Where(s => s.Remote is not null).Select(s => (Remote: s.Remote!.ToString(), Bytes: s.BytesSent + s.BytesReceived))
            .Concat(truth.Sockets.Where(s => s.Remote is null).SelectMany(s => s.PeerTraffic.Select(p => (Remote: p.Remote.ToString(), Bytes: p.BytesSent + p.BytesReceived))))
            .GroupBy(x => x.Remote).ToDictionary(g => g.Key, g => g.Sum(x => x.Bytes));
        foreach (var r in remotes.Where(r => r.GetProperty("sockets").GetInt64() > 0))
            Assert.Equal(truthRemotes[r.GetProperty("remote").GetString()!], r.GetProperty("bytes_sent").GetInt64() + r.GetProperty("bytes_received").GetInt64());
        var totals = remotes.Select(r => r.GetProperty("bytes_sent").GetInt64() + r.GetProperty("bytes_received").GetInt64()).ToList();
        Assert.Equal(totals.OrderDescending(), totals);
        Assert.Equal(data.Sockets.Count, sockets.Count);
    }

    private static long? Micros(JsonElement socket, string name) =>
        socket.GetProperty(name).ValueKind == JsonValueKind.Null ? null : socket.GetProperty(name).GetInt64();

    [Fact]
    public void Caps_keep_the_failures_first_then_the_most_bytes_and_bound_the_events()
    {
        using var dir = new TempDir();
        var (_, all, _) = Build(dir, "mixed");
        var options = new ReportOptions { MaxSockets = 6, MaxEventsPerSocket = 3, MaxEvents = 7, MaxFindings = 4, MaxRemotes = 2, MaxProcesses = 3 };
        var (truth, capped, page) = Build(dir, "mixed", options);

        // The kept sockets are exactly the six best: every problem socket ranks above every clean one, then bytes.
        var expected = all.Sockets
            .OrderByDescending(s => SocketOutcomes.IsProblem(s.Outcome))
            .ThenByDescending(s => s.Record.BytesSent + s.Record.BytesReceived)
            .ThenBy(s => s.Record.Id)
            .Take(6).Select(s => s.Record.Id).Order().ToList();
        Assert.Equal(expected, capped.Sockets.Select(s => s.Record.Id).ToList());
        Assert.True(all.Sockets.Count(s => SocketOutcomes.IsProblem(s.Outcome)) >= 6, "the scenario has enough failures to fill the cap");
        Assert.All(capped.Sockets, s => Assert.True(SocketOutcomes.IsProblem(s.Outcome)));

        // Events: at most three per socket, seven in all, given to the best sockets; every socket keeps its full count.
        Assert.All(capped.Sockets, s => Assert.True(s.Events is null || s.Events.Count <= 3));
        Assert.InRange(capped.Sockets.Sum(s => s.Events?.Count ?? 0), 1, 7);
        foreach (var s in capped.Sockets)
            Assert.Equal(all.Sockets.Single(a => a.Record.Id == s.Record.Id).EventCount, s.EventCount);
        Assert.Contains(capped.Sockets, s => s.Events is null && s.EventCount > 0);

        using var json = ReportTraces.Data(page);
        var root = json.RootElement;
        var overview = root.GetProperty("overview");
        Assert.Equal(truth.SocketCount, overview.GetProperty("sockets").GetInt64());
        Assert.Equal(6, overview.GetProperty("sockets_shown").GetInt32());
        Assert.Equal(6, root.GetProperty("sockets").GetArrayLength());
        Assert.Equal(4, root.GetProperty("findings").GetArrayLength());
        Assert.All(root.GetProperty("findings").EnumerateArray(), f => Assert.NotEqual("info", f.GetProperty("severity").GetString()));
        // The counts by kind still cover every finding.
        Assert.Equal(truth.Findings.Count, root.GetProperty("findings_by_kind").EnumerateObject().Sum(p => p.Value.GetInt64()));
        Assert.Equal(2, root.GetProperty("remote_endpoints").GetArrayLength());
        Assert.Equal(3, root.GetProperty("processes").GetArrayLength());
        Assert.Equal(6, overview.GetProperty("caps").GetProperty("max_sockets").GetInt32());
    }

    [Fact]
    public void Failures_come_before_notices_and_are_counted_apart_per_process_and_remote()
    {
        using var dir = new TempDir();
        var (truth, data, page) = Build(dir, "mixed");
        var failures = truth.Findings.Where(f => f.Severity != FindingSeverity.Info).ToList();
        var notices = truth.Findings.Where(f => f.Severity == FindingSeverity.Info).ToList();
        Assert.True(failures.Count > 0 && notices.Count > 0, "the scenario has both");
        Assert.Equal(failures.Count, data.Overview.FailureCount);
        Assert.Equal(notices.Count, data.Overview.NoticeCount);

        // Listed: every failure in time order, then every notice in time order.
        Assert.Equal(failures.Select(f => (f.Kind, f.Time)).OrderBy(f => f.Time), data.Findings.Take(failures.Count).Select(f => (f.Kind, f.Time)));
        Assert.All(data.Findings.Skip(failures.Count), f => Assert.Equal(FindingSeverity.Info, f.Severity));
        Assert.Equal(data.Findings.Skip(failures.Count).Select(f => f.Time).Order(), data.Findings.Skip(failures.Count).Select(f => f.Time));
        Assert.Equal(failures.Min(f => f.Time), data.Overview.FirstFailure!.Time);

        // Per process: the truth's failures counted, the most first, with their kinds; notices apart.
        var expected = failures.GroupBy(f => f.ProcessId)
            .Select(g => (Pid: g.Key, Count: (long)g.Count(), First: g.Min(f => f.Time), Kinds: g.GroupBy(f => f.Kind.ToText()).ToDictionary(k => k.Key, k => (long)k.Count())))
            .OrderByDescending(p => p.Count).ThenBy(p => p.First).ThenBy(p => p.Pid).ToList();
        Assert.Equal(expected.Count, data.FailingProcessCount);
        Assert.Equal(expected.Select(p => (p.Pid, p.Count, p.First)), data.FailingProcesses.Select(p => (p.ProcessId, p.Failures, p.FirstFailure)));
        foreach (var (p, e) in data.FailingProcesses.Zip(expected))
        {
            Assert.Equal(e.Kinds.OrderBy(k => k.Key), p.Kinds.OrderBy(k => k.Key));
            Assert.Equal(p.Kinds.Select(k => k.Value).OrderDescending(), p.Kinds.Select(k => k.Value));
            Assert.Equal(notices.Count(n => n.ProcessId == p.ProcessId), p.Notices);
        }
        // Per remote: every remote a failure involved, counted; a name looked up in vain counts as a remote of its own.
        var remotes = failures.Where(f => f.Remote is not null || f.RemoteName is not null)
            .GroupBy(f => f.Remote?.ToString() ?? "name:" + f.RemoteName).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Contains(failures, f => f.Remote is null && f.RemoteName is not null);
        Assert.Equal(remotes.Count, data.FailingRemoteCount);
        Assert.All(data.FailingRemotes, r => Assert.Equal(remotes[r.Remote?.ToString() ?? "name:" + r.Name], r.Failures));
        Assert.Equal(remotes.Values.OrderDescending().Take(data.FailingRemotes.Count), data.FailingRemotes.Select(r => r.Failures));

        using var json = ReportTraces.Data(page);
        var root = json.RootElement;
        Assert.Equal(failures.Count, root.GetProperty("overview").GetProperty("failures").GetInt64());
        Assert.Equal(notices.Count, root.GetProperty("overview").GetProperty("notices").GetInt64());
        Assert.Equal(notices.Count, root.GetProperty("notices_by_kind").EnumerateObject().Sum(k => k.Value.GetInt64()));
        Assert.Equal(failures.Count, root.GetProperty("failures_by_kind").EnumerateObject().Sum(k => k.Value.GetInt64()));
        foreach (var p in root.GetProperty("processes").EnumerateArray())
        {
            uint pid = p.GetProperty("process_id").GetUInt32();
            Assert.Equal(failures.Count(f => f.ProcessId == pid), p.GetProperty("failures").GetInt64());
            Assert.Equal(notices.Count(f => f.ProcessId == pid), p.GetProperty("notices").GetInt64());
        }
    }

    [Fact]
    public void A_busy_host_report_stays_within_its_caps_and_its_memory_bound()
    {
        using var dir = new TempDir();
        string path = dir.File("busy.etl");
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "busy-host", Events = 100_000 });
        var options = new ReportOptions { MaxSockets = 300, MaxEventsPerSocket = 20, MaxEvents = 2_000, MaxHeldBytes = 200_000 };
        using var reader = EtlReader.Open(path);
        var collector = new ReportCollector(reader, options);
        var summary = TraceAnalysis.Run(reader, collector.OnSocket, onEvent: collector.OnEvent);
        var data = collector.Build(path, summary);

        Assert.Equal(truth.SocketCount, data.Overview.Sockets);
        Assert.True(truth.SocketCount > 300, "the trace has more sockets than the cap");
        Assert.Equal(300, data.Sockets.Count);
        Assert.InRange(data.Overview.EventsShown, 1, 2_000);
        Assert.All(data.Sockets, s => Assert.True(s.Events is null || s.Events.Count <= 20));
        Assert.InRange(collector.PeakHeldBytes, 1, 200_000);
        Assert.Equal(truth.BytesSent, data.Activity.Sent.ToArray().Sum());
        // The sockets kept are the 300 best of all: problems first, then bytes.
        var all = new List<SocketRecord>();
        using (var again = EtlReader.Open(path)) TraceAnalysis.Run(again, all.Add);
        var expected = all.OrderByDescending(s => SocketOutcomes.IsProblem(SocketOutcomes.Of(s))).ThenByDescending(s => s.BytesSent + s.BytesReceived)
            .ThenBy(s => s.Id).Take(300).Select(s => s.Id).Order();
        Assert.Equal(expected, data.Sockets.Select(s => s.Record.Id));
    }

    [Fact]
    public void A_hostile_process_name_stays_inside_the_json_escaped_and_comes_back_exact()
    {
        using var dir = new TempDir();
        string path = dir.File("hostile.etl");
        ReportTraces.WriteHostile(path);
        string page;
        using (var reader = EtlReader.Open(path))
        {
            var report = HtmlReport.Collect(reader, path);
            Assert.Equal(3, report.Sockets.Count);
            Assert.Equal(ReportTraces.HostileName, report.Sockets[0].Record.ProcessName);
            using var stream = new MemoryStream();
            HtmlReport.Write(stream, report);
            page = Encoding.UTF8.GetString(stream.ToArray());
        }
        Assert.DoesNotContain(ReportTraces.HostileName, page);
        Assert.DoesNotContain("<img", page);
        Assert.DoesNotContain(ReportTraces.EntityName, page);
        // The page has its two script elements and no third: nothing in the data opened or closed one.
        Assert.Equal(2, Regex.Count(page, "<script", RegexOptions.IgnoreCase));
        Assert.Equal(2, Regex.Count(page, "</script", RegexOptions.IgnoreCase));
        string data = ReportTraces.DataText(page);
        Assert.DoesNotContain("<", data);
        Assert.DoesNotContain(">", data);
        Assert.DoesNotContain("&", data);
        Assert.Contains("\\u003Cimg src=x onerror=alert(1)\\u003E\\u003C/script\\u003E", data);

        using var json = JsonDocument.Parse(data);
        var sockets = json.RootElement.GetProperty("sockets").EnumerateArray().ToList();
        Assert.Equal([ReportTraces.HostileName, ReportTraces.HostileName, ReportTraces.EntityName], sockets.Select(s => s.GetProperty("process").GetString()));
        Assert.Equal(["failed", "clean", "aborted"], sockets.Select(s => s.GetProperty("outcome").GetString()));
        Assert.Contains(json.RootElement.GetProperty("processes").EnumerateArray(), p => p.GetProperty("process").GetString() == ReportTraces.HostileName);
        Assert.Contains(json.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("process").GetString() == ReportTraces.HostileName);
    }

    [Fact]
    public void The_page_is_self_contained_and_its_policy_allows_only_its_own_script()
    {
        using var dir = new TempDir();
        var (_, _, page) = Build(dir, "server");
        Assert.StartsWith("<!DOCTYPE html>", page);
        // Nothing is loaded: no src or href to anything but the page's own anchors.
        Assert.DoesNotMatch(new Regex("\\b(src|href)\\s*=\\s*\"(?!#)", RegexOptions.IgnoreCase), page);
        Assert.DoesNotContain("http://", page.Replace("http://www.w3.org", ""));
        Assert.DoesNotContain("https://", page);
        var csp = Regex.Match(page, "http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\"").Groups[1].Value;
        Assert.Contains("default-src 'none'", csp);
        var script = Regex.Match(page, "<script>(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal(ReportPage.Script, script);
        string hash = "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)));
        Assert.Contains($"script-src '{hash}'", csp);
    }

    [Fact]
    public void A_damaged_trace_still_gives_a_report_that_names_the_damage()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed" });
        var bytes = File.ReadAllBytes(path);
        // Scribble over the middle of the second buffer: its header and some events.
        new Random(5).NextBytes(bytes.AsSpan(64 * 1024 + 8, 2000));
        File.WriteAllBytes(path, bytes);
        using var reader = EtlReader.Open(path);
        var data = HtmlReport.Collect(reader, path);
        Assert.True(data.Overview.ProblemCount > 0);
        Assert.NotEmpty(data.Overview.Problems);
        Assert.Contains(path, data.Overview.Problems[0]);
        Assert.NotEmpty(data.Sockets);
    }

    [Fact]
    public void Caps_that_are_not_positive_are_refused()
    {
        using var dir = new TempDir();
        string path = dir.File("server.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "server" });
        using var reader = EtlReader.Open(path);
        Assert.Throws<ArgumentException>(() => HtmlReport.Collect(reader, path, new ReportOptions { MaxSockets = 0 }));
    }

    [Fact]
    public void The_activity_histogram_widens_without_losing_anything()
    {
        var origin = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var h = new ActivityHistogram(origin, 10, TimeSpan.FromMilliseconds(1));
        h.AddOpened(origin.AddTicks(-5));                       // before the origin: the first bucket
        h.AddBytes(origin.AddMilliseconds(3.5), 100, 7);
        Assert.Equal(TimeSpan.FromMilliseconds(1), h.Width);
        Assert.Equal(4, h.Count);
        h.AddClosed(origin.AddMilliseconds(25));                 // past ten 1-ms buckets: 4 ms wide now
        Assert.Equal(TimeSpan.FromMilliseconds(4), h.Width);
        Assert.Equal([1L, 0, 0, 0, 0, 0, 0], h.Opened.ToArray());
        Assert.Equal([100L, 0, 0, 0, 0, 0, 0], h.Sent.ToArray());
        Assert.Equal(1, h.Closed[6]);
        h.AddFailure(DateTime.MaxValue);                         // a hostile time: widened until it fits, and no further
        Assert.Equal(1, h.Failures.ToArray().Sum());
        Assert.InRange(h.Count, 1, 10);
        Assert.True(h.Width > TimeSpan.FromDays(100_000));
        Assert.Equal(100, h.Sent.ToArray().Sum());
        Assert.Equal(7, h.Received.ToArray().Sum());
        Assert.Equal(1, h.Opened.ToArray().Sum());
    }

    [Fact]
    public void Outcomes_rank_an_abort_over_an_error_over_a_drop()
    {
        var s = new SocketRecord { Opened = DateTime.UnixEpoch, Closed = DateTime.UnixEpoch };
        Assert.Equal(SocketOutcome.Clean, SocketOutcomes.Of(s));
        s.Closed = null;
        Assert.Equal(SocketOutcome.Open, SocketOutcomes.Of(s));
        s.DatagramsDropped = 1;
        Assert.Equal(SocketOutcome.Dropped, SocketOutcomes.Of(s));
        s.Error = "STATUS_CONNECTION_REFUSED";
        Assert.Equal(SocketOutcome.Failed, SocketOutcomes.Of(s));
        s.BytesReceived = 10;
        Assert.Equal(SocketOutcome.Error, SocketOutcomes.Of(s));
        s.Aborted = true;
        Assert.Equal(SocketOutcome.Aborted, SocketOutcomes.Of(s));
    }
}
