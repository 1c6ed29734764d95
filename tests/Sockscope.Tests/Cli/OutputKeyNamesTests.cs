using Sockscope.Analysis;
using System.Text.Json;
using Sockscope.Synthesis;
using Sockscope.Tests.Sinks.Report;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// One name per concept in every output (issue 14): each key the report's data and <c>summary --json</c> renamed is
/// there under the name the other outputs use, with the value they give, and the old name is gone.
/// </summary>
public sealed class OutputKeyNamesTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _trace;
    private readonly ScenarioTruth _truth;

    public OutputKeyNamesTests()
    {
        _trace = _dir.File("mixed.etl");
        // mixed: datagram and stream sockets, names resolved to remotes, failures and notices in several processes.
        _truth = ScenarioSynthesizer.Write(_trace, new ScenarioOptions { Scenario = "mixed" });
    }

    public void Dispose() => _dir.Dispose();

    private JsonDocument Json(params string[] args)
    {
        var run = CliRunner.Run(args);
        Assert.Equal(0, run.ExitCode);
        return JsonDocument.Parse(run.Output);
    }

    private JsonDocument ReportData()
    {
        var run = CliRunner.Run("report", _trace);
        Assert.Equal(0, run.ExitCode);
        return ReportTraces.Data(run.Output);
    }

    private static void Renamed(JsonElement e, string old, string now)
    {
        Assert.False(e.TryGetProperty(old, out _), $"'{old}' is still written beside '{now}'");
        Assert.True(e.TryGetProperty(now, out _), $"'{now}' is missing");
    }

    private static Dictionary<string, long> Counts(JsonElement e) => e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

    [Fact]
    public void Summary_names_a_process_s_kinds_and_a_remote_s_name_as_the_other_outputs_do()
    {
        using var summary = Json("summary", _trace, "--json");
        var root = summary.RootElement;
        var processes = root.GetProperty("processes").EnumerateArray().ToList();
        Assert.NotEmpty(processes);
        foreach (var p in processes)
        {
            Renamed(p, "findings", "findings_by_kind");
            uint pid = p.GetProperty("process_id").GetUInt32();
            var truth = _truth.Findings.Where(f => f.ProcessId == pid).GroupBy(f => f.Kind.ToText()).ToDictionary(g => g.Key, g => (long)g.Count());
            Assert.Equal(truth, Counts(p.GetProperty("findings_by_kind")));
        }
        Assert.Contains(processes, p => p.GetProperty("findings_by_kind").EnumerateObject().Any());

        var remotes = root.GetProperty("remote_endpoints").EnumerateArray().ToList();
        foreach (var r in remotes) Renamed(r, "name", "remote_name");
        Assert.Equal("dns1.example.net", remotes.Single(r => r.GetProperty("remote").GetString() == "192.0.2.53:53").GetProperty("remote_name").GetString());
        Assert.Equal("www.example.com", remotes.Single(r => r.GetProperty("remote").GetString() == "203.0.113.10:443").GetProperty("remote_name").GetString());
    }

    [Fact]
    public void The_report_s_totals_carry_summary_s_names_and_values()
    {
        using var summary = Json("summary", _trace, "--json", "--notices");
        using var report = ReportData();
        var s = summary.RootElement;
        var r = report.RootElement;

        foreach (var (old, now) in new[] { ("finding_counts", "findings_by_kind"), ("failure_counts", "failures_by_kind"), ("notice_counts", "notices_by_kind") })
        {
            Renamed(r, old, now);
            Assert.Equal(Counts(s.GetProperty(now)), Counts(r.GetProperty(now)));
        }
        Assert.NotEmpty(Counts(r.GetProperty("failures_by_kind")));
        Assert.NotEmpty(Counts(r.GetProperty("notices_by_kind")));

        // A remote endpoint's totals are one serializer's: the report's objects are summary's, key for key.
        Renamed(r, "remotes", "remote_endpoints");
        // Compact and escaped alike: the two outputs differ in indentation and in what their encoders escape.
        var summaryRemotes = s.GetProperty("remote_endpoints").EnumerateArray().Select(e => JsonSerializer.Serialize(e)).ToList();
        var reportRemotes = r.GetProperty("remote_endpoints").EnumerateArray().Select(e => JsonSerializer.Serialize(e)).ToList();
        Assert.NotEmpty(reportRemotes);
        Assert.Equal(summaryRemotes, reportRemotes);

        var summaryProcesses = s.GetProperty("processes").EnumerateArray().ToDictionary(p => p.GetProperty("process_id").GetUInt32());
        var reportProcesses = r.GetProperty("processes").EnumerateArray().ToList();
        Assert.Equal(summaryProcesses.Count, reportProcesses.Count);
        foreach (var p in reportProcesses)
        {
            foreach (var (old, now) in new[] { ("pid", "process_id"), ("name", "process"), ("sent", "bytes_sent"), ("received", "bytes_received"), ("findings", "finding_count") })
                Renamed(p, old, now);
            var same = summaryProcesses[p.GetProperty("process_id").GetUInt32()];
            Assert.Equal(same.GetProperty("process").GetString(), p.GetProperty("process").GetString());
            Assert.Equal(same.GetProperty("bytes_sent").GetInt64(), p.GetProperty("bytes_sent").GetInt64());
            Assert.Equal(same.GetProperty("bytes_received").GetInt64(), p.GetProperty("bytes_received").GetInt64());
            Assert.Equal(Counts(same.GetProperty("findings_by_kind")).Values.Sum(), p.GetProperty("finding_count").GetInt64());
        }

        var activity = r.GetProperty("activity");
        Renamed(activity, "sent", "bytes_sent");
        Renamed(activity, "received", "bytes_received");
        Assert.Equal(s.GetProperty("bytes_sent").GetInt64(), activity.GetProperty("bytes_sent").EnumerateArray().Sum(v => v.GetInt64()));
        Assert.Equal(s.GetProperty("bytes_received").GetInt64(), activity.GetProperty("bytes_received").EnumerateArray().Sum(v => v.GetInt64()));
    }

    [Fact]
    public void The_report_s_failures_and_findings_carry_summary_s_names()
    {
        using var summary = Json("summary", _trace, "--json", "--notices");
        using var report = ReportData();
        var s = summary.RootElement;
        var r = report.RootElement;

        // The same findings, written by one serializer: the same kind, process, endpoint, remote and detail in each.
        static string Key(JsonElement f) => string.Join('|', new[] { "kind", "process_id", "endpoint", "remote", "remote_name", "severity", "detail" }
            .Select(k => f.GetProperty(k).ToString()));
        var reportFindings = r.GetProperty("findings").EnumerateArray().ToList();
        foreach (var f in reportFindings) Renamed(f, "pid", "process_id");
        Assert.Equal(s.GetProperty("findings").EnumerateArray().Select(Key).Order(), reportFindings.Select(Key).Order());
        Assert.Equal(_truth.Findings.Count, reportFindings.Count);
        Renamed(r.GetProperty("overview").GetProperty("first_failure"), "pid", "process_id");

        var failing = r.GetProperty("failing_processes").EnumerateArray().ToList();
        Assert.NotEmpty(failing);
        var names = s.GetProperty("processes").EnumerateArray().ToDictionary(p => p.GetProperty("process_id").GetUInt32(), p => p.GetProperty("process").GetString());
        foreach (var p in failing)
        {
            Renamed(p, "pid", "process_id");
            Renamed(p, "name", "process");
            Assert.Equal(names[p.GetProperty("process_id").GetUInt32()], p.GetProperty("process").GetString());
        }

        Renamed(r, "failing_remotes", "failing_remote_endpoints");
        Renamed(r, "failing_remote_count", "failing_remote_endpoint_count");
        var failingRemotes = r.GetProperty("failing_remote_endpoints").EnumerateArray().ToList();
        // The count covers every remote a failure involved; the list holds those with the most.
        Assert.NotEmpty(failingRemotes);
        Assert.InRange(r.GetProperty("failing_remote_endpoint_count").GetInt32(), failingRemotes.Count, int.MaxValue);
        foreach (var remote in failingRemotes) Renamed(remote, "name", "remote_name");
        Assert.Contains(failingRemotes, x => x.GetProperty("remote_name").GetString() is { Length: > 0 });
    }

    [Fact]
    public void The_report_s_sockets_carry_the_names_and_values_of_sockets_json_lines()
    {
        var lines = CliRunner.Run("sockets", _trace).OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        using var report = ReportData();
        var sockets = report.RootElement.GetProperty("sockets").EnumerateArray().ToList();
        Assert.Equal(lines.Count, sockets.Count);
        Assert.Contains(sockets, x => x.GetProperty("socket_type").ValueKind == JsonValueKind.String);
        Assert.Contains(sockets, x => x.GetProperty("bytes_sent").GetInt64() > 0);
        foreach (var socket in sockets)
        {
            foreach (var (old, now) in new[] { ("pid", "process_id"), ("handle", "socket_handle"), ("type", "socket_type"), ("sent", "bytes_sent"),
                ("received", "bytes_received"), ("dropped", "datagrams_dropped") })
                Renamed(socket, old, now);
            string endpoint = socket.GetProperty("endpoint").ToString(), process = socket.GetProperty("process_id").ToString();
            var line = lines.First(l => l.GetProperty("endpoint").ToString() == endpoint && l.GetProperty("process_id").ToString() == process
                && l.GetProperty("bytes_sent").GetInt64() == socket.GetProperty("bytes_sent").GetInt64());
            foreach (var key in new[] { "socket_handle", "socket_type", "bytes_received", "datagrams_dropped", "process", "remote_name" })
                Assert.Equal(line.GetProperty(key).ToString(), socket.GetProperty(key).ToString());
        }
    }

    [Fact]
    public void The_report_s_overview_carries_the_names_and_values_of_info_json()
    {
        using var info = Json("info", _trace, "--json");
        using var report = ReportData();
        var i = info.RootElement;
        var o = report.RootElement.GetProperty("overview");
        foreach (var (old, now) in new[] { ("build", "os_build"), ("processors", "cpu_count"), ("logger", "logger_name"), ("start", "start_time"),
            ("end", "end_time"), ("buffers_with_events_lost", "buffers_with_lost_events") })
        {
            Renamed(o, old, now);
            Assert.Equal(i.GetProperty(now).ToString(), o.GetProperty(now).ToString());
        }
        Renamed(o, "findings", "finding_count");
        Assert.Equal(_truth.Findings.Count, o.GetProperty("finding_count").GetInt64());
        Renamed(o, "processes", "process_count");
        Assert.Equal(report.RootElement.GetProperty("processes").GetArrayLength(), o.GetProperty("process_count").GetInt32());
    }
}
