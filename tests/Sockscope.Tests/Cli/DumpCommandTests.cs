using System.Text;
using Sockscope.Cli.Commands;
using Sockscope.Etl.Writing;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// <c>sockscope dump</c> on real traces: one line per record in time order with the documented shape, filters that
/// cut exactly the records a direct read selects, and the CSV and table formats.
/// </summary>
public class DumpCommandTests
{
    private const string Net = "perfview_net.4.5.2.x64.etl";

    private static readonly string[] SystemKeys =
    [
        "provider", "guid", "event_source_name", "event_id", "version", "level", "task", "opcode", "keywords",
        "time_created", "time_created_precise", "event_record_id", "correlation", "execution", "channel", "computer", "security",
    ];

    /// <summary>The traces small enough to hold their whole JSON output in memory.</summary>
    public static IEnumerable<object[]> SmallNames() =>
        SharedSamples.TraceNames().Where(n => (string)n[0] != "perfview_net.4.5.2.x64");

    /// <summary>
    /// The traces the filters are checked on: the shipped sample always (Winsock, process and logfile records), the
    /// kernel and CLR trace too when ../shared is there.
    /// </summary>
    public static IEnumerable<object[]> FilterTraces()
    {
        yield return [Sample];
        if (SharedSamples.Directory is not null) yield return [Net];
    }

    private const string Sample = "winsock-mixed.etl";

    private static string PathOf(string file) => file == Sample ? ShippedSample.Path : SharedSamples.PathOf(file);

    /// <summary>What a direct read in time order sees, per record.</summary>
    private sealed record Expected(ushort Id, long Pid, long Tid, string PayloadHex, long Stamp, Guid Guid, string? Name, bool SelfDescribing);

    private static List<Expected> ReadDirectly(string file, out EtlReader opened)
    {
        var list = new List<Expected>();
        var reader = EtlReader.Open(PathOf(file));
        var names = new ProviderNames();
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            list.Add(new Expected(r.Id, r.HasProcessInfo ? r.ProcessId : -1, r.HasProcessInfo ? r.ThreadId : -1,
                Convert.ToHexString(r.UserData), r.Timestamp, names.GuidOf(r), names.NameOf(r),
                Sockscope.Decoding.TraceLogging.TraceLoggingDecoder.TryGetMetadata(r, out _)));
        }
        opened = reader;
        return list;
    }

    [SharedSamplesTheory]
    [MemberData(nameof(SmallNames))]
    public void Every_record_becomes_one_json_line_in_time_order(string name)
    {
        var expected = ReadDirectly(name + ".etl", out var reader);
        reader.Dispose();
        var result = CliRunner.Run("dump", SharedSamples.PathOf(name + ".etl"), "--all");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("", result.Error);
        var lines = result.OutputLines;
        Assert.Equal(expected.Count, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var root = doc.RootElement;
            Assert.Equal(["system", "event_data", "message"], root.EnumerateObject().Select(p => p.Name));
            var system = root.GetProperty("system");
            Assert.Equal(SystemKeys, system.EnumerateObject().Select(p => p.Name));
            var e = expected[i];
            // TraceLogging events carry their schema and come out decoded; every other record of these traces has
            // no schema in the catalog and comes out as its payload.
            bool decoded = !root.GetProperty("event_data").TryGetProperty("payload_hex", out _);
            Assert.Equal(e.SelfDescribing, decoded);
            if (!decoded) Assert.Equal(["payload_hex"], root.GetProperty("event_data").EnumerateObject().Select(p => p.Name));
            Assert.Equal(e.Id, system.GetProperty("event_id").GetInt32());
            Assert.Equal(e.Pid, system.GetProperty("execution").GetProperty("process_id").GetInt64());
            Assert.Equal(e.Tid, system.GetProperty("execution").GetProperty("thread_id").GetInt64());
            Assert.Equal(e.Guid.ToString("B").ToUpperInvariant(), system.GetProperty("guid").GetString());
            Assert.Equal(e.Name ?? "", system.GetProperty("provider").GetString());
            if (!decoded) Assert.Equal(e.PayloadHex, root.GetProperty("event_data").GetProperty("payload_hex").GetString());
        }
    }

    [SharedSamplesFact]
    public void Json_lines_follow_the_documented_event_shape()
    {
        var result = CliRunner.Run("dump", SharedSamples.PathOf("airbus_AMSITrace.etl"), "--all", "--computer", "JD-DC01-2022");
        Assert.Equal(0, result.ExitCode);
        var line = result.OutputLines[2];
        // Compact, one object per line, in the documented form.
        Assert.StartsWith("{\"system\":{\"provider\":\"AmsiTrace\",\"guid\":\"{8E805EB3-6A8F-4A1E-90FA-A831D94E54A1}\",\"event_source_name\":\"\",\"event_id\":0,", line);
        using var doc = JsonDocument.Parse(line);
        var system = doc.RootElement.GetProperty("system");
        Assert.Equal("ETW Trace", system.GetProperty("channel").GetString());
        Assert.Equal("JD-DC01-2022", system.GetProperty("computer").GetString());
        Assert.Equal(0, system.GetProperty("event_record_id").GetInt32());
        Assert.Equal(5, system.GetProperty("level").GetInt32());
        Assert.Matches(new Regex(@"^0x[0-9A-F]{16}$"), system.GetProperty("keywords").GetString());
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$"), system.GetProperty("time_created").GetString());
        Assert.Equal("2020-02-17T12:48:57.", system.GetProperty("time_created").GetString()![..20]);
        Assert.Equal(["ActivityID"], system.GetProperty("correlation").EnumerateObject().Select(p => p.Name));
        Assert.Matches(new Regex(@"^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$"),
            system.GetProperty("correlation").GetProperty("ActivityID").GetString());
        Assert.Equal("", system.GetProperty("security").GetProperty("user_id").GetString());
        // A TraceLogging event: its message is the event name and its fields come from the schema it carries.
        Assert.Equal("AmsiScript", doc.RootElement.GetProperty("message").GetString());
        Assert.Equal(["Engine", "Script", "Raw Script"], doc.RootElement.GetProperty("event_data").EnumerateObject().Select(p => p.Name));
    }

    [SharedSamplesFact]
    public void Json_keys_match_the_seed_example_event()
    {
        string seed = Path.Combine(SharedSamples.Directory!, "..", "seeds", "000_f7064e56c63d583a.txt");
        Assert.True(File.Exists(seed), seed);
        var lines = File.ReadAllLines(seed);
        int start = Array.IndexOf(lines, "{");
        int end = Array.IndexOf(lines, "}", start);
        using var example = JsonDocument.Parse(string.Join('\n', lines[start..(end + 1)]));
        var result = CliRunner.Run("dump", SharedSamples.PathOf("perfview_gcevents.etl"), "--all", "--limit", "5");
        Assert.Equal(5, result.OutputLines.Length);
        foreach (var line in result.OutputLines)
        {
            using var ours = JsonDocument.Parse(line);
            Assert.Equal(Keys(example.RootElement), Keys(ours.RootElement));
            // Ours adds one key, the time to 100 ns, beside the catalog's time_created (README).
            var system = Keys(example.RootElement.GetProperty("system")).ToList();
            system.Insert(system.IndexOf("time_created") + 1, "time_created_precise");
            Assert.Equal(system, Keys(ours.RootElement.GetProperty("system")));
            foreach (var part in new[] { "correlation", "execution", "security" })
                Assert.Equal(Keys(example.RootElement.GetProperty("system").GetProperty(part)), Keys(ours.RootElement.GetProperty("system").GetProperty(part)));
            Assert.Equal(example.RootElement.GetProperty("system").GetProperty("channel").GetString(),
                ours.RootElement.GetProperty("system").GetProperty("channel").GetString());
        }

        static string[] Keys(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();
    }

    /// <summary>
    /// The trace's only related activity ids are on the three TaskScheduled events of TplEventSource (event 7) that
    /// PerfView's baseline lists, for tasks 6, 7 and 8 of process 3988. TPL makes such an id from the task id, the
    /// app domain id (1) and the process id, then the bytes FF DC D7 B5 (CreateGuidForTaskID in .NET's
    /// TplEventSource), so the three ids are known without reading them.
    /// </summary>
    [SharedSamplesFact]
    public void Related_activity_ids_appear_only_on_records_that_have_one()
    {
        var all = CliRunner.Run("dump", SharedSamples.PathOf(Net), "--all");
        Assert.Equal(0, all.ExitCode);
        var related = all.OutputLines.Where(l => l.Contains("\"RelatedActivityID\":")).ToList();
        Assert.Equal(3, related.Count);
        for (int i = 0; i < 3; i++)
        {
            var system = JsonDocument.Parse(related[i]).RootElement.GetProperty("system");
            Assert.Equal("System.Threading.Tasks.TplEventSource", system.GetProperty("provider").GetString());
            Assert.Equal(7, system.GetProperty("event_id").GetInt32());
            var expected = new Guid(6 + i, 1, 0, 3988 & 0xFF, 3988 >> 8, 0, 0, 0xFF, 0xDC, 0xD7, 0xB5);
            Assert.Equal(expected.ToString("B").ToUpperInvariant(), system.GetProperty("correlation").GetProperty("RelatedActivityID").GetString());
        }
        // Every record shows its activity id; no other record shows a related one.
        Assert.All(all.OutputLines, l => Assert.Contains("\"correlation\":{\"ActivityID\":\"{", l));
        var clr = CliRunner.Run("dump", SharedSamples.PathOf(Net), "--all", "--provider", "Microsoft-Windows-DotNETRuntime");
        Assert.NotEmpty(clr.OutputLines);
        Assert.DoesNotContain(clr.OutputLines, l => l.Contains("RelatedActivityID"));
    }

    [Theory]
    [MemberData(nameof(FilterTraces))]
    public void Event_id_pid_and_limit_filters_cut_the_records_a_direct_read_selects(string trace)
    {
        var all = ReadDirectly(trace, out var reader);
        reader.Dispose();
        ushort id = all.GroupBy(e => e.Id).OrderByDescending(g => g.Count()).Skip(3).First().Key;
        var byId = all.Where(e => e.Id == id).ToList();
        var result = CliRunner.Run("dump", PathOf(trace), "--all", "--event-id", id.ToString());
        Assert.Equal(byId.Count, result.OutputLines.Length);
        Assert.All(result.OutputLines, l => Assert.Contains($"\"event_id\":{id},", l));

        long pid = all.Where(e => e.Pid > 4).GroupBy(e => e.Pid).OrderBy(g => g.Count()).First(g => g.Count() > 10).Key;
        result = CliRunner.Run("dump", PathOf(trace), "--all", "--pid", pid.ToString(), "-f", "csv");
        Assert.Equal(all.Count(e => e.Pid == pid) + 1, result.OutputLines.Length);

        result = CliRunner.Run("dump", PathOf(trace), "--all", "--event-id", id.ToString(), "--limit", "7");
        Assert.Equal(7, result.OutputLines.Length);
        // The seventh record of that id: its process, and its payload where it is not decoded.
        var seventh = JsonDocument.Parse(result.OutputLines[6]).RootElement;
        Assert.Equal(byId[6].Pid, seventh.GetProperty("system").GetProperty("execution").GetProperty("process_id").GetInt64());
        if (seventh.GetProperty("event_data").TryGetProperty("payload_hex", out var hex)) Assert.Equal(byId[6].PayloadHex, hex.GetString());
        else Assert.Equal(Sample, trace);

        result = CliRunner.Run("dump", PathOf(trace), "--all", "--limit", "0", "-f", "csv");
        Assert.Single(result.OutputLines);
    }

    [Theory]
    [MemberData(nameof(FilterTraces))]
    public void Time_filters_keep_from_inclusive_to_exclusive_raw_stamps(string trace)
    {
        var all = ReadDirectly(trace, out var reader);
        using (reader)
        {
            long start = reader.Header.StartTime;
            long from = reader.Clock.ToStamp(start + 10_000_000), to = reader.Clock.ToStamp(start + 15_000_000);
            int relative = all.Count(e => e.Stamp >= from && e.Stamp < to);
            Assert.InRange(relative, 1, all.Count - 1);
            var result = CliRunner.Run("dump", PathOf(trace), "--all", "--from", "+1", "--to", "+1.5", "-f", "table");
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(relative + 1, result.OutputLines.Length);

            // Absolute times: from a record's own (truncated) instant, so that record is in and earlier ones out.
            var pivot = all[all.Count / 2];
            var instant = reader.Clock.ToUtc(pivot.Stamp);
            string iso = instant.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff");
            long pivotFrom = reader.Clock.ToStamp(EtlClock.ToFileTime(instant));
            int after = all.Count(e => e.Stamp >= pivotFrom);
            result = CliRunner.Run("dump", PathOf(trace), "--all", "--from", iso, "-f", "csv");
            Assert.Equal(after + 1, result.OutputLines.Length);
            Assert.InRange(after, 1, all.Count / 2 + 1000);
            // The same instant with an explicit offset means the same thing.
            result = CliRunner.Run("dump", PathOf(trace), "--all", "--to", instant.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff") + "+02:00", "-f", "csv");
            Assert.Equal(all.Count - after + 1, result.OutputLines.Length);
        }
    }

    [SharedSamplesFact]
    public void Provider_filter_takes_a_name_in_any_case_or_a_guid_with_or_without_braces()
    {
        var all = ReadDirectly(Net, out var reader);
        reader.Dispose();
        var clr = all.Where(e => e.Name == "Microsoft-Windows-DotNETRuntime").ToList();
        Assert.NotEmpty(clr);
        Guid guid = clr[0].Guid;
        foreach (var filter in new[] { "microsoft-windows-dotnetruntime", guid.ToString(), guid.ToString("B").ToUpperInvariant() })
        {
            var result = CliRunner.Run("dump", SharedSamples.PathOf(Net), "--all", "--provider", filter, "-f", "csv");
            Assert.Equal(clr.Count + 1, result.OutputLines.Length);
        }
        // Kernel records go by their event class name.
        int perfInfo = all.Count(e => e.Name == "PerfInfo");
        Assert.True(perfInfo > 1000);
        Assert.Equal(perfInfo + 1, CliRunner.Run("dump", SharedSamples.PathOf(Net), "--all", "--provider", "PerfInfo", "-f", "csv").OutputLines.Length);
        Assert.Single(CliRunner.Run("dump", SharedSamples.PathOf(Net), "--all", "--provider", "No-Such-Provider", "-f", "csv").OutputLines);
    }

    [SharedSamplesFact]
    public void Csv_has_a_header_and_one_row_per_record()
    {
        var all = ReadDirectly("krabsetw_powershell.etl", out var reader);
        reader.Dispose();
        var result = CliRunner.Run("dump", SharedSamples.PathOf("krabsetw_powershell.etl"), "--all", "--format", "csv");
        Assert.Equal(0, result.ExitCode);
        var lines = result.OutputLines;
        Assert.Equal(all.Count + 1, lines.Length);
        var fieldColumns = Sockscope.Sinks.EventCsvWriter.FieldColumns(Sockscope.Schema.SchemaCatalog.Winsock);
        Assert.StartsWith("time_created,provider,guid,event_id,version,level,task,opcode,keywords,process_id,thread_id,processor," +
            "header_type,pointer_size,activity_id,size,message,Process,Endpoint,AddressFamily,SocketType,Protocol,", lines[0]);
        Assert.EndsWith(",payload_hex\r", lines[0]);
        int columns = 17 + fieldColumns.Count + 1;
        Assert.Equal(columns, lines[0].Split(',').Length);
        for (int i = 1; i < lines.Length; i++)
        {
            Assert.EndsWith("\r", lines[i]);
            var fields = lines[i].TrimEnd('\r').Split(',');
            Assert.Equal(columns, fields.Length);
            Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$"), fields[0]);
            Assert.Equal(all[i - 1].Id.ToString(), fields[3]);
            Assert.Equal(all[i - 1].Pid.ToString(), fields[9]);
            Assert.Equal("", fields[16]);
            Assert.True(fields[17..^1].All(f => f == ""), "records not decoded have empty field cells");
            Assert.Equal(all[i - 1].PayloadHex, fields[^1]);
        }
        Assert.Equal(112, lines.Count(l => l.Contains(",Microsoft-Windows-PowerShell,") && l.Contains(",EventHeader,8,")));
    }

    [SharedSamplesFact]
    public void Table_has_a_header_and_one_row_per_record_within_the_width()
    {
        // On a terminal of 120 columns (into a pipe nothing is cut).
        using var output = new MemoryStream();
        var console = new CliConsole(output, new StringWriter(), outputIsTerminal: true, width: 120);
        Assert.Equal(0, Sockscope.Cli.Commands.Cli.Run(["dump", SharedSamples.PathOf("airbus_ShutdownPerfDiagLogger.etl"), "--all", "--format", "table"], console));
        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(17_078 + 1, lines.Length);
        Assert.Matches(new Regex(@"^TIME \(UTC\)\s+PROVIDER\s+ID\s+OP\s+PID\s+TID\s+CPU\s+SIZE DETAILS$"), lines[0]);
        Assert.All(lines, l => Assert.InRange(l.Length, 1, 120));
        Assert.All(lines.Skip(1), l => Assert.Matches(new Regex(@"^\d\d:\d\d:\d\d\.\d{7} "), l));
        // Perfinfo records carry no process: their ids show as "-".
        Assert.Equal(8645, lines.Count(l => Regex.IsMatch(l[25..], @"^\s+\d+\s+\d+\s+-\s+-\s")));
    }

    [Fact]
    public void Output_file_gets_what_the_standard_output_would()
    {
        string dir = Directory.CreateTempSubdirectory("sockscope-dump-").FullName;
        try
        {
            string path = Path.Combine(dir, "out.jsonl");
            var toFile = CliRunner.Run("dump", ShippedSample.Path, "--all", "-o", path);
            Assert.Equal(0, toFile.ExitCode);
            Assert.Empty(toFile.OutputBytes);
            var toStdout = CliRunner.Run("dump", ShippedSample.Path, "--all");
            Assert.Equal(toStdout.OutputBytes, File.ReadAllBytes(path));
            Assert.Equal(ShippedSample.Records, toStdout.OutputLines.Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SharedSamplesFact]
    public void Without_all_dump_prints_only_winsock_events()
    {
        // None of the real traces carries Winsock events: without --all nothing is printed, with it everything.
        var with = CliRunner.Run("dump", SharedSamples.PathOf("perfview_gcevents.etl"), "--all");
        var without = CliRunner.Run("dump", SharedSamples.PathOf("perfview_gcevents.etl"));
        Assert.Equal(0, without.ExitCode);
        Assert.Empty(without.OutputBytes);
        Assert.Equal(2, without.ErrorLines.Length);
        Assert.StartsWith("sockscope: note: " + SharedSamples.PathOf("perfview_gcevents.etl") +
            " holds no Winsock events (Microsoft-Windows-Winsock-AFD, -Sockets, -NameResolution); its 71 records are of ", without.ErrorLines[0]);
        Assert.EndsWith("; --all shows every event", without.ErrorLines[0]);
        Assert.StartsWith("sockscope: note: to record Winsock events on Windows: logman start winsock ", without.ErrorLines[1]);
        Assert.Equal(71, with.OutputLines.Length);
    }

    [Fact]
    public void Without_all_dump_keeps_the_three_winsock_providers_and_decodes_them()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        using (var w = EtlWriter.Create(path))
        {
            var h = new EventHeaderValues { ProviderId = Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6"), Id = 1001, Timestamp = 1_000_000_010 };
            w.WriteEvent(0, h, new byte[28]);
            w.WriteEvent(0, h with { ProviderId = Guid.NewGuid(), Timestamp = 1_000_000_020 }, [1, 2, 3]);
            w.WriteEvent(0, h with { ProviderId = Guid.Parse("55404E71-4DB9-4DEB-A5F5-8F86E46DDE56"), Id = 1000, Timestamp = 1_000_000_030 },
                System.Text.Encoding.Unicode.GetBytes("example.com\0\0\0").Concat(new byte[20]).ToArray());
            w.WriteKernelEvent(1, TraceHeaderType.System64, 3, 1, 2, 4, 4, 1_000_000_040, []);
        }
        var lines = CliRunner.Run("dump", path).OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Equal("Microsoft-Windows-Winsock-AFD", lines[0].GetProperty("system").GetProperty("provider").GetString());
        Assert.Equal("closesocket: 0: Process 0x0, Endpoint 0x0, Seq 0, Status STATUS_SUCCESS", lines[0].GetProperty("message").GetString());
        Assert.False(lines[0].TryGetProperty("decoding", out _));
        Assert.True(lines[0].GetProperty("event_data").TryGetProperty("Endpoint", out _));
        Assert.Equal("example.com", lines[1].GetProperty("event_data").GetProperty("NodeName").GetString());
        Assert.Equal(5, CliRunner.Run("dump", path, "--all").OutputLines.Length);
    }

    [Theory]
    [InlineData("dump", "x.etl", "--format", "xml")]
    [InlineData("dump", "x.etl", "--from", "yesterday")]
    [InlineData("dump", "x.etl", "--to", "12:00")]
    [InlineData("dump", "x.etl", "--event-id", "70000")]
    [InlineData("dump", "x.etl", "--limit", "-1")]
    [InlineData("dump")]
    [InlineData("info")]
    [InlineData("frobnicate")]
    [InlineData]
    public void Usage_errors_exit_2(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.NotEqual("", result.Error);
    }
}
