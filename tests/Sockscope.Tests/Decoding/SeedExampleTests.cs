using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sockscope.Etl.Writing;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Decoding;

/// <summary>
/// A trace holding the two example events of the Winsock-Sockets catalog page (seed 000), with the same header
/// values, prints the published JSON exactly (key order aside).
/// </summary>
public class SeedExampleTests
{
    // Transcribed from seed 000 ("Example Event" of event 3 and event 4).
    private const string Event3 = """
        {"system":{"provider":"Microsoft-Windows-Winsock-Sockets","guid":"{BDE46AEA-2357-51FE-7367-D5296F530BD1}","event_source_name":"","event_id":3,"version":0,"level":5,"task":1001,"opcode":1,"keywords":"0x0000000000001001","time_created":"2026-06-02T04:01:52.944+00:00","event_record_id":0,"correlation":{"ActivityID":"{EB64A0B3-7FFC-0000-D588-CD01FC2D780D}"},"execution":{"process_id":11772,"thread_id":13132},"channel":"ETW Trace","computer":"JD-DC01-2022","security":{"user_id":""}},"event_data":{},"message":"SockClose"}
        """;
    private const string Event4 = """
        {"system":{"provider":"Microsoft-Windows-Winsock-Sockets","guid":"{BDE46AEA-2357-51FE-7367-D5296F530BD1}","event_source_name":"","event_id":4,"version":0,"level":4,"task":1001,"opcode":2,"keywords":"0x0000000000001001","time_created":"2026-06-02T04:01:52.944+00:00","event_record_id":0,"correlation":{"ActivityID":"{EB64A0B3-7FFC-0000-D588-CD01FC2D780D}"},"execution":{"process_id":11772,"thread_id":13132},"channel":"ETW Trace","computer":"JD-DC01-2022","security":{"user_id":""}},"event_data":{"ErrorCode":"00000000","FailurePoint":"00000000","IsProviderSocket":true,"Socket":"0x6DC"},"message":"SockClose"}
        """;

    private static string WriteSeedTrace(TempDir dir)
    {
        var sockets = Guid.Parse("BDE46AEA-2357-51FE-7367-D5296F530BD1");
        var activity = Guid.Parse("EB64A0B3-7FFC-0000-D588-CD01FC2D780D");
        var start = new DateTime(2026, 6, 2, 4, 1, 52, 944, DateTimeKind.Utc);
        string path = dir.File("seed.etl");
        using var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = start, StartTimestamp = 5_000_000, Build = 20348 });
        var h = new EventHeaderValues
        {
            ProviderId = sockets, Id = 3, Version = 0, Level = 5, Task = 1001, Opcode = 1, Keywords = 0x1001,
            ProcessId = 11772, ThreadId = 13132, Timestamp = 5_000_100, ActivityId = activity,
        };
        w.WriteEvent(0, h, []);
        // ErrorCode HexInt32, Socket Pointer, IsProviderSocket Boolean, FailurePoint HexInt32.
        byte[] close = [0, 0, 0, 0, 0xDC, 0x06, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        w.WriteEvent(0, h with { Id = 4, Level = 4, Opcode = 2, Timestamp = 5_000_200 }, close);
        return path;
    }

    [Fact]
    public void The_two_published_example_events_are_reproduced_exactly()
    {
        using var dir = new TempDir();
        string path = WriteSeedTrace(dir);
        var result = CliRunner.Run("dump", path, "--computer", "JD-DC01-2022");
        Assert.Equal(0, result.ExitCode);
        var lines = result.OutputLines;
        Assert.Equal(2, lines.Length);
        AssertSameJson(Event3, lines[0]);
        AssertSameJson(Event4, lines[1]);
    }

    [Fact]
    public void Csv_has_a_column_per_field_and_the_table_shows_the_message()
    {
        using var dir = new TempDir();
        string path = WriteSeedTrace(dir);
        var csv = CliRunner.Run("dump", path, "--format", "csv").OutputLines.Select(l => l.TrimEnd('\r').Split(',')).ToArray();
        Assert.Equal(3, csv.Length);
        var header = csv[0].ToList();
        string Cell(int row, string column) => csv[row][header.IndexOf(column)];
        Assert.Equal("SockClose", Cell(1, "message"));
        Assert.Equal("", Cell(1, "Socket"));
        Assert.Equal("00000000", Cell(2, "ErrorCode"));
        Assert.Equal("0x6DC", Cell(2, "Socket"));
        Assert.Equal("true", Cell(2, "IsProviderSocket"));
        Assert.Equal("00000000", Cell(2, "FailurePoint"));
        Assert.Equal("", Cell(2, "payload_hex"));
        Assert.Equal("", Cell(2, "Address"));

        var table = CliRunner.Run("dump", path, "--format", "table").OutputLines;
        Assert.Equal(3, table.Length);
        Assert.EndsWith(" SockClose", table[1]);
        Assert.Contains(" Sockets ", table[2]);
    }

    [SharedSamplesFact]
    public void The_examples_match_the_seed_page_itself()
    {
        string seed = File.ReadAllText(Path.Combine(SharedSamples.Directory!, "..", "seeds", "000_f7064e56c63d583a.txt"));
        var examples = Regex.Matches(seed, @"Example Event #\s*(\{.*?\n\})", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(2, examples.Length);
        using var dir = new TempDir();
        var lines = CliRunner.Run("dump", WriteSeedTrace(dir), "--computer", "JD-DC01-2022").OutputLines;
        AssertSameJson(examples[0], lines[0]);
        AssertSameJson(examples[1], lines[1]);
    }

    /// <summary>
    /// The same JSON but for <c>system.time_created_precise</c>, the one key Sockscope adds to the catalog's shape
    /// (README): it must agree with <c>time_created</c> to the millisecond.
    /// </summary>
    private static void AssertSameJson(string expected, string actual)
    {
        var e = Sorted(JsonNode.Parse(expected));
        var parsed = JsonNode.Parse(actual)!;
        var system = parsed["system"]!.AsObject();
        string precise = system["time_created_precise"]!.GetValue<string>();
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$", precise);
        Assert.Equal(system["time_created"]!.GetValue<string>()[..23], precise[..23]);
        system.Remove("time_created_precise");
        var a = Sorted(parsed);
        Assert.Equal(e!.ToJsonString(), a!.ToJsonString());
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sorted(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}
