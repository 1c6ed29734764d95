using System.Text;
using System.Text.Json;
using Sockscope.Analysis;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Schema;
using Sockscope.Sources;
using Sockscope.Synthesis;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;
using Xunit.Abstractions;

namespace Sockscope.Tests.Sources;

/// <summary>
/// Events collected elsewhere as JSON give the same sockets and findings as the trace they came from: the catalog's
/// JSON lines (what <c>sockscope dump</c> writes), and SilkETW's and Sealighter's shapes.
/// </summary>
public class JsonInputTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Scenarios() =>
        new[] { "browser", "dns-client", "server", "wow64", "failures", "preexisting", "legacy", "mixed" }.Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Dumped_json_lines_give_the_sockets_and_findings_of_the_trace(string scenario)
    {
        using var dir = new TempDir();
        string etl = dir.File(scenario + ".etl"), jsonl = dir.File(scenario + ".jsonl");
        ScenarioSynthesizer.Write(etl, new ScenarioOptions { Scenario = scenario, PointerSize = 8, Build = scenario == "legacy" ? 7601 : 26100 });
        var dump = CliRunner.Run("dump", etl, "-o", jsonl);
        Assert.Equal(0, dump.ExitCode);

        Assert.Equal(InputFormat.Jsonl, EventSources.Detect(jsonl));
        var (fromTrace, traceSummary) = Analyse(EventSources.Open(etl));
        var (fromJson, jsonSummary) = Analyse(EventSources.Open(jsonl));
        // The catalog's format keeps times to the millisecond and names no processes (those are kernel events).
        AssertSame(fromTrace, fromJson, TimeSpan.TicksPerMillisecond, names: false);
        // What a session lost is in the ETL file's headers only.
        Assert.Equal(Findings(traceSummary, TimeSpan.TicksPerMillisecond).Where(f => !f.StartsWith("events_lost")), Findings(jsonSummary, TimeSpan.TicksPerMillisecond));
        Assert.Equal(traceSummary.WinsockEvents, jsonSummary.WinsockEvents);
    }

    [Fact]
    public void The_sockets_command_reads_json_lines_and_says_nothing_is_lost()
    {
        using var dir = new TempDir();
        string etl = dir.File("mixed.etl"), jsonl = dir.File("mixed.jsonl");
        ScenarioSynthesizer.Write(etl, new ScenarioOptions { Scenario = "mixed" });
        Assert.Equal(0, CliRunner.Run("dump", etl, "-o", jsonl).ExitCode);
        var fromEtl = CliRunner.Run("sockets", etl);
        var fromJson = CliRunner.Run("sockets", jsonl);
        var forced = CliRunner.Run("sockets", jsonl, "--input-format", "jsonl");
        Assert.Equal(0, fromJson.ExitCode);
        Assert.Equal(fromJson.Output, forced.Output);
        Assert.Equal(fromEtl.OutputLines.Length, fromJson.OutputLines.Length);
        var wrong = CliRunner.Run("sockets", jsonl, "--input-format", "etl");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains(jsonl, wrong.Error);
    }

    [Fact]
    public void Report_and_export_take_json_lines_too()
    {
        using var dir = new TempDir();
        string etl = dir.File("mixed.etl"), jsonl = dir.File("mixed.jsonl"), html = dir.File("mixed.html"), db = dir.File("all.db");
        var truth = ScenarioSynthesizer.Write(etl, new ScenarioOptions { Scenario = "mixed" });
        Assert.Equal(0, CliRunner.Run("dump", etl, "-o", jsonl).ExitCode);
        var report = CliRunner.Run("report", jsonl, "-o", html);
        Assert.Equal(0, report.ExitCode);
        string page = File.ReadAllText(html);
        Assert.Contains("203.0.113.53:443", page);
        var export = CliRunner.Run("export", jsonl, "--sqlite", db);
        Assert.Equal(0, export.ExitCode);
        Assert.Contains($"{truth.Sockets.Count} sockets", export.Error);
        // The trace itself goes in beside it: another input, another trace.
        Assert.Equal(0, CliRunner.Run("export", etl, "--sqlite", db).ExitCode);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(sockets, ',') FROM (SELECT sockets FROM traces ORDER BY id)";
        Assert.Equal($"{truth.Sockets.Count},{truth.Sockets.Count}", command.ExecuteScalar());
    }

    [Theory]
    [InlineData("silketw")]
    [InlineData("sealighter")]
    public void Other_collectors_events_give_the_sockets_and_findings_of_the_trace(string collector)
    {
        using var dir = new TempDir();
        string etl = dir.File("mixed.etl"), json = dir.File("mixed." + collector + ".json");
        ScenarioSynthesizer.Write(etl, new ScenarioOptions { Scenario = "mixed", PointerSize = 8 });
        int written = collector == "silketw" ? CollectorShapes.WriteSilkEtw(etl, json) : CollectorShapes.WriteSealighter(etl, json);
        Assert.True(written > 300);
        Assert.Equal(collector == "silketw" ? InputFormat.SilkEtw : InputFormat.Sealighter, EventSources.Detect(json));

        var (fromTrace, traceSummary) = Analyse(EventSources.Open(etl));
        var source = (JsonEventSource)EventSources.Open(json);
        var (fromJson, jsonSummary) = Analyse(source);
        output.WriteLine($"{source.Events} events, {source.UnknownEvents} unknown, {source.ValuesNotUnderstood} values not understood, {source.BadLines} bad lines");
        Assert.Equal(0, source.BadLines);
        Assert.Equal(0, source.ValuesNotUnderstood);
        // Sealighter keeps times to the second, SilkETW to the tick.
        long precision = collector == "sealighter" ? TimeSpan.TicksPerSecond : 1;
        AssertSame(fromTrace, fromJson, precision, names: false);
        // SilkETW writes no event id, and the 16 NameResolution events share one task and opcode: its lookups cannot be
        // told apart, so a failed one is no finding (and no name is joined).
        Assert.Equal(Findings(traceSummary, precision).Where(f => !f.StartsWith("events_lost") && !(collector == "silketw" && f.StartsWith("name_resolution_failed"))),
            Findings(jsonSummary, precision));
        // SilkETW names each event's process as TraceEvent does (the image without ".exe"); Sealighter names none.
        if (collector == "silketw")
            Assert.Equal(fromTrace.Select(s => s.ProcessName is null ? null : System.IO.Path.GetFileNameWithoutExtension(s.ProcessName)), fromJson.Select(s => s.ProcessName));
        else Assert.All(fromJson, s => Assert.Null(s.ProcessName));
    }

    [Fact]
    public void Lines_that_are_no_events_are_reported_with_their_offset_and_the_rest_is_read()
    {
        using var dir = new TempDir();
        string etl = dir.File("mixed.etl"), jsonl = dir.File("mixed.jsonl"), damaged = dir.File("damaged.jsonl");
        ScenarioSynthesizer.Write(etl, new ScenarioOptions { Scenario = "mixed" });
        Assert.Equal(0, CliRunner.Run("dump", etl, "-o", jsonl).ExitCode);
        var lines = File.ReadAllLines(jsonl).ToList();
        int total = lines.Count;
        lines.Insert(10, "{\"system\": {\"event_id\": \"x\"}, \"event_data\": {}}");
        lines.Insert(20, "{ this is not json");
        lines.Insert(30, new string('x', 100));
        File.WriteAllText(damaged, string.Join('\n', lines) + "\n");
        long offset = Encoding.UTF8.GetByteCount(string.Join('\n', lines.Take(20)) + "\n");

        using var source = (JsonEventSource)EventSources.Open(damaged);
        long events = 0;
        while (source.TryRead(out var r)) if (r.Family == TraceHeaderFamily.EventHeader) events++;
        Assert.Equal(total, events);
        Assert.Equal(3, source.BadLines);
        Assert.Equal(3, source.Diagnostics.ProblemCount);
        Assert.Contains(source.Diagnostics.Problems, p => p.Offset == offset && p.Message.Contains("not JSON"));
        Assert.All(source.Diagnostics.Problems, p => Assert.Equal(damaged, p.File));

        var result = CliRunner.Run("sockets", damaged);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"offset {offset}", result.Error);
    }

    [Fact]
    public void Input_of_no_known_kind_is_refused_with_the_file_named()
    {
        using var dir = new TempDir();
        string path = dir.File("other.json");
        File.WriteAllText(path, "{\"hello\": 1}\n");
        var e = Assert.Throws<EtlFormatException>(() => EventSources.Detect(path));
        Assert.Equal(path, e.File);
        var result = CliRunner.Run("sockets", path);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(path, result.Error);
    }

    private static (List<SocketRecord>, AnalysisSummary) Analyse(IEventSource source)
    {
        using (source)
        {
            var sockets = new List<SocketRecord>();
            var summary = TraceAnalysis.Run(source, sockets.Add);
            return (sockets, summary);
        }
    }

    private static DateTime? Cut(DateTime? t, long precision) => t is { } v ? new DateTime(v.Ticks - v.Ticks % precision, DateTimeKind.Utc) : null;

    private static List<string> Findings(AnalysisSummary s, long precision) =>
        s.Findings.Select(f => $"{f.Kind.ToText()} {Cut(f.Time, precision):O} {f.ProcessId} {f.Endpoint:X} {f.Remote} {f.Severity} {f.Detail}").Order().ToList();

    private void AssertSame(List<SocketRecord> expected, List<SocketRecord> actual, long precision, bool names)
    {
        string Describe(SocketRecord s) =>
            $"{s.Endpoint:X} h={s.SocketHandle:X} pid={s.ProcessId} {(names ? s.ProcessName : "")} proto={s.Protocol} fam={s.Family} type={s.SocketType} " +
            $"local={s.Local} remote={s.Remote} peers={string.Join(",", s.Peers)} opened={Cut(s.Opened, precision):O} closed={Cut(s.Closed, precision):O} " +
            $"sent={s.BytesSent}/{s.Sends} recv={s.BytesReceived}/{s.Receives} listen={s.Listening}/{s.Backlog} from={s.AcceptedFrom:X} " +
            $"opts={string.Join(",", s.Options.Select(o => o.Key + "=" + o.Value))} abort={s.Aborted}/{s.AbortReason} dropped={s.DatagramsDropped} error={s.Error}";
        var a = expected.Select(Describe).ToList();
        var b = actual.Select(Describe).ToList();
        foreach (var d in a.Except(b)) output.WriteLine("- " + d);
        foreach (var d in b.Except(a)) output.WriteLine("+ " + d);
        Assert.Equal(a, b);
    }
}

/// <summary>
/// Writes a trace's events the way SilkETW and Sealighter write them (from their public source and documentation),
/// to test reading those shapes without a Windows machine.
/// </summary>
internal static class CollectorShapes
{
    public static int WriteSilkEtw(string etl, string path) => Write(etl, path, silk: true);

    public static int WriteSealighter(string etl, string path) => Write(etl, path, silk: false);

    private static int Write(string etl, string path, bool silk)
    {
        using var reader = EtlReader.Open(etl);
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        var names = new Dictionary<uint, string>();
        using var file = new StreamWriter(path, false, new UTF8Encoding(false));
        int n = 0;
        while (reader.TryRead(out var record))
        {
            if (record.Family.IsKernelKind() && record.Group == 3 && record.Opcode is 1 or 3)
            {
                ProcessTable.TryParse(record.UserData, record.PointerSize, record.Version, out _, out uint pid, out string? image);
                if (image is not null) names[pid] = System.IO.Path.GetFileNameWithoutExtension(image);
                continue;
            }
            if (!decoder.TryDecode(record, out var d)) continue;
            var time = reader.Clock.ToUtc(record.Timestamp);
            var stream = new MemoryStream();
            using (var j = new Utf8JsonWriter(stream))
            {
                if (silk) WriteSilk(j, record, d, time, names.GetValueOrDefault(record.ProcessId));
                else WriteSealighter(j, record, d, time);
            }
            file.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
            n++;
        }
        return n;
    }

    // SilkETW: Json.NET's rendering of its EventRecordStruct; payload fields as TraceEvent's XML attributes (text).
    private static void WriteSilk(Utf8JsonWriter j, in EtlRecord r, in DecodedEvent d, DateTime time, string? process)
    {
        var schema = d.Schema;
        j.WriteStartObject();
        j.WriteString("ProviderGuid", schema.Provider.Guid.ToString());
        j.WriteStartArray("YaraMatch");
        j.WriteEndArray();
        j.WriteString("ProviderName", schema.Provider.Name);
        j.WriteString("EventName", schema.Task.Name is { Length: > 0 } task && task != "task_0" ? $"{task}/{schema.Opcode.Name ?? "Info"}" : $"EventID({r.Id})");
        j.WriteNumber("Opcode", r.Opcode);
        j.WriteString("OpcodeName", schema.Opcode.Name ?? "");
        j.WriteString("TimeStamp", time.ToString("yyyy-MM-ddTHH:mm:ss.fffffffzzz", System.Globalization.CultureInfo.InvariantCulture));
        j.WriteNumber("ThreadID", r.ThreadId);
        j.WriteNumber("ProcessID", r.ProcessId);
        j.WriteString("ProcessName", process ?? "");
        j.WriteNumber("PointerSize", r.PointerSize);
        j.WriteNumber("EventDataLength", r.UserData.Length);
        j.WriteStartObject("XmlEventData");
        j.WriteString("MSec", "1,234.5678");
        j.WriteString("PID", r.ProcessId.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        j.WriteString("EventName", "ignored");
        for (int i = 0; i < d.Count; i++)
        {
            if (!d.Has(i)) continue;
            var f = d.Field(i);
            string text = f.InType switch
            {
                InType.Pointer or InType.HexInt32 or InType.HexInt64 => "0x" + d.Number(i).ToString("x"),
                InType.Binary when f.EffectiveOutType == OutType.SocketAddress => SocketAddresses.FromSockaddr(d.Bytes(i))?.ToString() ?? Convert.ToHexString(d.Bytes(i)),
                InType.Binary => Convert.ToHexString(d.Bytes(i)),
                InType.UnicodeString or InType.AnsiString => d.String(i) ?? "",
                InType.Boolean => d.Number(i) != 0 ? "True" : "False",
                InType.UInt16 when f.EffectiveOutType == OutType.Port => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((ushort)d.Number(i)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                InType.UInt32 when f.EffectiveOutType == OutType.IPv4 => new System.Net.IPAddress(d.Bytes(i)).ToString(),
                _ when f.Map?.Lookup(d.Number(i)) is { } name => name,
                _ => ((long)d.Number(i)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
            };
            j.WriteString(f.Name, text);
        }
        j.WriteEndObject();
        j.WriteEndObject();
    }

    // Sealighter: header, properties as krabsetw parses them (pointers, hex integers and binaries as hex of the bytes),
    // property_types; time stamps to the second.
    private static void WriteSealighter(Utf8JsonWriter j, in EtlRecord r, in DecodedEvent d, DateTime time)
    {
        var schema = d.Schema;
        j.WriteStartObject();
        j.WriteStartObject("header");
        j.WriteString("activity_id", "{00000000-0000-0000-0000-000000000000}");
        j.WriteNumber("event_flags", 576);
        j.WriteNumber("event_id", r.Id);
        j.WriteString("event_name", "");
        j.WriteNumber("event_opcode", r.Opcode);
        j.WriteNumber("event_version", r.Version);
        j.WriteNumber("process_id", r.ProcessId);
        j.WriteString("provider_name", schema.Provider.Name);
        j.WriteString("task_name", schema.Task.Name ?? "");
        j.WriteNumber("thread_id", r.ThreadId);
        j.WriteString("timestamp", time.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        j.WriteEndObject();
        var types = new List<(string, string)>();
        j.WriteStartObject("properties");
        for (int i = 0; i < d.Count; i++)
        {
            if (!d.Has(i)) continue;
            var f = d.Field(i);
            switch (f.InType)
            {
                case InType.Pointer or InType.HexInt32 or InType.HexInt64 or InType.Binary:
                    j.WriteString(f.Name, Convert.ToHexString(d.Bytes(i)));
                    types.Add((f.Name, f.InType switch { InType.Pointer => "POINTER", InType.Binary => "BINARY", InType.HexInt32 => "HEXINT32", _ => "HEXINT64" }));
                    break;
                case InType.UnicodeString or InType.AnsiString:
                    j.WriteString(f.Name, d.String(i));
                    types.Add((f.Name, f.InType == InType.UnicodeString ? "STRINGW" : "STRINGA"));
                    break;
                case InType.Boolean:
                    j.WriteBoolean(f.Name, d.Number(i) != 0);
                    types.Add((f.Name, "BOOLEAN"));
                    break;
                default:
                    if (f.InType is InType.Int8 or InType.Int16 or InType.Int32 or InType.Int64) j.WriteNumber(f.Name, (long)d.Number(i));
                    else j.WriteNumber(f.Name, d.Number(i));
                    types.Add((f.Name, f.InType.ToString().ToUpperInvariant()));
                    break;
            }
        }
        j.WriteEndObject();
        j.WriteStartObject("property_types");
        foreach (var (name, type) in types) j.WriteString(name, type);
        j.WriteEndObject();
        j.WriteEndObject();
    }
}
