using System.Text;
using Sockscope.Etl;
using Sockscope.Sources;
using Sockscope.Synthesis;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sources;

/// <summary>
/// The catalog's JSON lines are read in one reader pass straight into the payload, allocating nothing per line, and
/// every line gives what the parsed-document path gives: the same records, problems (offset and message) and counts,
/// whether the fast path reads the line or declines it.
/// </summary>
public class CatalogLineReaderTests
{
    [Fact]
    public void Reading_dumped_lines_allocates_nothing_per_line()
    {
        using var dir = new TempDir();
        byte[] dump = Dump(dir, "mixed");
        int events = Read(dir, dump, documentsOnly: false).Records.Count;
        // Six copies: each round reads one, after the first has met every address once.
        string path = dir.File("repeated.jsonl");
        File.WriteAllBytes(path, [.. Enumerable.Repeat(dump, 6).SelectMany(x => x)]);
        using var source = JsonEventSource.Open(path, InputFormat.Jsonl);
        // Parsed on this thread, where allocation is measured (on more, each block of lines costs the task that parses it).
        source.ParseThreads = 1;
        NoAllocation.AssertMeasured(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < events; i++) Assert.True(source.TryRead(out _));
            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.Equal(0, source.DocumentLines);
        Assert.Equal(0, source.BadLines);
    }

    [Theory]
    [InlineData("mixed")]
    [InlineData("legacy")]
    [InlineData("failures")]
    [InlineData("dns-client")]
    public void Every_dumped_line_is_read_without_a_document_and_as_the_document_path_reads_it(string scenario)
    {
        using var dir = new TempDir();
        byte[] dump = Dump(dir, scenario);
        var fast = Read(dir, dump, documentsOnly: false);
        var documents = Read(dir, dump, documentsOnly: true);
        Assert.Equal(0, fast.DocumentLines);
        AssertSame(documents, fast);
    }

    [Fact]
    public void Odd_and_bad_lines_read_as_the_document_path_reads_them()
    {
        using var dir = new TempDir();
        var lines = Encoding.UTF8.GetString(Dump(dir, "mixed")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var random = new Random(15);
        var output = new MemoryStream();
        foreach (var edit in Edits)
        {
            // Each edit on a few lines of different events, where it applies.
            for (int n = 0; n < 4; n++)
            {
                string line = lines[random.Next(lines.Length)];
                output.Write(edit(line) is { } edited ? edited : Encoding.UTF8.GetBytes(line));
                output.WriteByte((byte)'\n');
            }
        }
        byte[] input = output.ToArray();
        var fast = Read(dir, input, documentsOnly: false);
        var documents = Read(dir, input, documentsOnly: true);
        AssertSame(documents, fast);
        // Both paths were taken, and the edits made problems and unknown events to compare.
        Assert.InRange(fast.DocumentLines, 40, Edits.Length * 4 - 20);
        Assert.True(fast.BadLines > 20, $"{fast.BadLines} bad lines");
        Assert.True(fast.Unknown > 0 && fast.NotUnderstood > 0, $"{fast.Unknown} unknown, {fast.NotUnderstood} values not understood");
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static Func<string, byte[]?> Replace(string from, string to) => line => line.Contains(from) ? Utf8(line.Replace(from, to)) : null;

    private static Func<string, byte[]?> Value(string field, string json) => line =>
    {
        int at = line.IndexOf($"\"{field}\":", StringComparison.Ordinal);
        if (at < 0) return null;
        int start = at + field.Length + 3, end = start;
        if (line[start] == '"') end = line.IndexOf('"', start + 1) + 1;
        else while (line[end] is not (',' or '}')) end++;
        return Utf8(line[..start] + json + line[end..]);
    };

    private static Func<string, byte[]?> Bytes(Func<string, byte[]?> edit, byte[] insert, string before) => line =>
    {
        var edited = edit(line);
        if (edited is null) return null;
        int at = Encoding.UTF8.GetString(edited).IndexOf(before, StringComparison.Ordinal);
        return at < 0 ? null : [.. edited[..at], .. insert, .. edited[at..]];
    };

    // Edits to dumped lines: the forms collectors may write, and damage.
    private static readonly Func<string, byte[]?>[] Edits =
    [
        line => Utf8(line),
        // The object's keys in another order: event_data first, message first.
        line => line.IndexOf(",\"event_data\":", StringComparison.Ordinal) is var d and > 0 && line.IndexOf(",\"message\":", StringComparison.Ordinal) is var m and > 0
            ? Utf8("{" + line[(d + 1)..m] + "," + line[1..d] + line[m..]) : null,
        line => line.IndexOf(",\"message\":", StringComparison.Ordinal) is var m and > 0 ? Utf8("{" + line[(m + 1)..^1] + "," + line[1..m] + "}") : null,
        // Repeated and escaped keys.
        Replace("\"event_data\":{\"", "\"event_data\":{\"Extra\":1,\"Extra\":2,\""),
        Replace("\"event_data\":{\"", "\"event_data\":{\"Location\":1,\""),
        Replace("\"event_data\":{\"Enter", "\"event_data\":{\"\\u0045nter"),
        Replace("\"system\":{", "\"system\":{\"event_id\":1,"),
        Replace("\"system\":{", "\"system\":{\"provider\":\"x\",\"prov\\u0069der\":\"y\","),
        line => Utf8(line[..^1] + ",\"system\":{}}"),
        line => Utf8(line[..^1] + ",\"event_data\":{}}"),
        Replace("\"event_data\":{", "\"event_data\":{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,\"h\":1,\"i\":1,\"j\":1,\"k\":1,\"l\":1,\"m\":1,\"n\":1,\"o\":1,\"p\":1,\"q\":1,"),
        // Events the catalog does not know, or knows by name only.
        Value("event_id", "60000"),
        Value("event_id", "70000"),
        Value("event_id", "\"0x3E8\""),
        Value("event_id", "-1"),
        Value("event_id", "1.0"),
        Value("event_id", "true"),
        Value("event_id", "null"),
        Value("version", "7"),
        Value("guid", "\"{00000000-0000-0000-0000-000000000001}\""),
        Value("guid", "\"E53C6823-7BB8-44BB-90DC-3F86090D48A6\""),
        Value("guid", "17"),
        Value("provider", "\"caf\u00e9\""),
        // Times in other forms, and none.
        Value("time_created", "\"2026-06-02T04:00:00.123\""),
        Value("time_created", "\"2026-06-02T04:00:00.1234567+05:30\""),
        Value("time_created", "\"2026-06-02T04:00:00.12345678Z\""),
        Value("time_created", "\"2026-06-02 04:00:00Z\""),
        Value("time_created", "\" 2026-06-02T04:00:00Z \""),
        Value("time_created", "\"2026-02-30T04:00:00Z\""),
        Value("time_created", "\"2026-06-02T24:00:00Z\""),
        Value("time_created", "\"1600-06-02T04:00:00Z\""),
        Value("time_created", "\"0001-01-01T00:00:00+01:00\""),
        Value("time_created", "\"2026-06-02T04:00:00+15:00\""),
        Value("time_created", "12"),
        Value("time_created", "\"\\u0032026-06-02T04:00:00Z\""),
        Value("keywords", "\"0x10000000000000000\""),
        Value("keywords", "\"0x\""),
        Value("keywords", "\"1,234\""),
        Value("level", "\"9\""),
        Value("level", "{\"a\":[1]}"),
        Value("opcode", "1e3"),
        Value("execution", "7"),
        Value("process_id", "\"0x10\""),
        Value("thread_id", "-5"),
        // Field values: other types, odd numbers and text, addresses in every form.
        Value("Endpoint", "12345"),
        Value("Endpoint", "\"0xZZ\""),
        Value("Endpoint", "\"FFFF9A0C12345000\""),
        Value("Endpoint", "\"0x000000000000000001\""),
        Value("Endpoint", "\" 0x12 \""),
        Value("Endpoint", "null"),
        Value("Endpoint", "[1,2]"),
        Value("Endpoint", "{\"x\":1}"),
        Value("Endpoint", "\"0x\\u0031\""),
        Value("Endpoint", "1e400"),
        Value("Endpoint", "-3"),
        Value("Endpoint", "2.5"),
        Value("Status", "\"STATUS_SUCCESS\""),
        Value("Status", "\"0x\u00e9\""),
        Value("Location", "false"),
        Value("AddressFamily", "\"AF_INET6\""),
        Value("Address", "\"[2001:db8::1]:443\""),
        Value("Address", "\"[2001:db8::1%5]:443 flowinfo 0x12\""),
        Value("Address", "\"01.2.3.4:80\""),
        Value("Address", "\"1.2.3.4\""),
        Value("Address", "\"1.2.3.4:080\""),
        Value("Address", "\"1.2.3.4:70000\""),
        Value("Address", "\"256.2.3.4:80\""),
        Value("Address", "\"0A000001\""),
        Value("Address", "\"0a 00 00 01\""),
        Value("Address", "\"abc\""),
        Value("Address", "[2,0,0,80]"),
        Value("Address", "[2,0,300]"),
        Value("Address", "7"),
        Value("NodeName", "\"h\u00f4te\""),
        Value("NodeName", "\"a\\\"b\""),
        Value("NodeName", "5"),
        Value("Result", "\"\\ud800\""),
        // Damage: not JSON, not an object, deep, trailing, invalid UTF-8.
        line => Utf8(line[..(line.Length / 2)]),
        line => Utf8(line + "x"),
        line => Utf8(line + " {}"),
        line => Utf8("[" + line + "]"),
        line => Utf8("  " + line + " \r"),
        Replace("\"message\":", "\"message\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]],\"m\":"),
        Replace("\"event_data\":{", "\"event_data\":{/*c*/"),
        Replace("\"}}", "\"},}"),
        Bytes(Value("NodeName", "\"xx\""), [0xC3, 0x28], "xx\""),
        Bytes(Value("Status", "\"0x00\""), [0xFF], "0x00\""),
        Bytes(Replace("\"event_data\":{\"", "\"event_data\":{\"Q\":0,\""), [0xFE], "Q\""),
        Bytes(Value("provider", "\"pp\""), [0xC0, 0x80], "pp\""),
        Bytes(Value("time_created", "\"2026-06-02T04:00:00Z\""), [0xE9], "2026"),
        Replace("\"event_data\":{", "\"event_data\":{\"x\":\"\\u00e9\","),
        line => Utf8(line.Replace("\"system\":{", "\"system\":{\"v\":\"\u00e9\",")),
    ];

    private static byte[] Dump(TempDir dir, string scenario)
    {
        string etl = dir.File(scenario + ".etl"), jsonl = dir.File(scenario + ".jsonl");
        ScenarioSynthesizer.Write(etl, new ScenarioOptions { Scenario = scenario, PointerSize = 8, Build = scenario == "legacy" ? 7601 : 26100 });
        Assert.Equal(0, CliRunner.Run("dump", etl, "-o", jsonl).ExitCode);
        return File.ReadAllBytes(jsonl);
    }

    private sealed record Reading(List<(long Offset, long Stamp, byte[] Bytes)> Records, List<EtlProblem> Problems,
        long Events, long Unknown, long BadLines, long NotUnderstood, long StartStamp, long DocumentLines);

    private static Reading Read(TempDir dir, byte[] input, bool documentsOnly)
    {
        string path = dir.File($"input-{documentsOnly}.jsonl");
        File.WriteAllBytes(path, input);
        using var source = JsonEventSource.Open(path, InputFormat.Jsonl, maxProblemsKept: 100_000);
        source.DocumentsOnly = documentsOnly;
        var records = new List<(long, long, byte[])>();
        while (source.TryRead(out EtlRecord r)) records.Add((r.BufferOffset, r.Timestamp, r.Raw.ToArray()));
        return new Reading(records, [.. source.Diagnostics.Problems], source.Events, source.UnknownEvents, source.BadLines,
            source.ValuesNotUnderstood, source.StartStamp, source.DocumentLines);
    }

    private static void AssertSame(Reading expected, Reading actual)
    {
        Assert.Equal(expected.Records.Count, actual.Records.Count);
        for (int i = 0; i < expected.Records.Count; i++)
        {
            Assert.Equal(expected.Records[i].Offset, actual.Records[i].Offset);
            Assert.Equal(expected.Records[i].Stamp, actual.Records[i].Stamp);
            Assert.Equal(Convert.ToHexString(expected.Records[i].Bytes), Convert.ToHexString(actual.Records[i].Bytes));
        }
        Assert.Equal(expected.Problems.Select(p => $"{p.Offset}: {p.Message}"), actual.Problems.Select(p => $"{p.Offset}: {p.Message}"));
        Assert.Equal((expected.Events, expected.Unknown, expected.BadLines, expected.NotUnderstood, expected.StartStamp),
            (actual.Events, actual.Unknown, actual.BadLines, actual.NotUnderstood, actual.StartStamp));
    }
}
