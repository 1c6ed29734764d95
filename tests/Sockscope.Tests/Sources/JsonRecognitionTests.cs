using System.Text;
using Sockscope.Etl;
using Sockscope.Sources;
using Sockscope.Synthesis;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sources;

/// <summary>
/// JSON lines are recognised from their first good lines, so one bad line at the top does not refuse the file; an
/// event whose field values repeat a key is a bad line, reported with its offset.
/// </summary>
public sealed class JsonRecognitionTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _etl;

    public JsonRecognitionTests()
    {
        _etl = _dir.File("mixed.etl");
        ScenarioSynthesizer.Write(_etl, new ScenarioOptions { Scenario = "mixed", PointerSize = 8 });
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>The trace's events as <paramref name="kind"/> writes them, one a line.</summary>
    private List<string> Lines(string kind)
    {
        string path = _dir.File("events." + kind);
        switch (kind)
        {
            case "jsonl": Assert.Equal(0, CliRunner.Run("dump", _etl, "-o", path).ExitCode); break;
            case "silketw": CollectorShapes.WriteSilkEtw(_etl, path); break;
            default: CollectorShapes.WriteSealighter(_etl, path); break;
        }
        return File.ReadAllLines(path).ToList();
    }

    private string Write(string name, IEnumerable<string> lines)
    {
        string path = _dir.File(name);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private static long OffsetOf(List<string> lines, int index) => lines.Take(index).Sum(l => Encoding.UTF8.GetByteCount(l) + 1);

    /// <summary>The object of an event's field values in each collector's shape, as its line spells its start.</summary>
    private static string PayloadStart(string kind) => kind switch
    {
        "jsonl" => "\"event_data\":{",
        "silketw" => "\"XmlEventData\":{",
        _ => "\"properties\":{",
    };

    public static IEnumerable<object[]> BadFirstLines() => new[]
    {
        "{\"system\": {\"provider\": \"Microsoft-Windows-Winsock-AFD\", \"event_id\": 10",   // cut short
        "this file was written by a collector that starts with a banner",
        "{\"hello\": 1}",
        "{\"system\": {}, \"event_data\": {}}",                                                  // no event_id, no time
    }.Select(l => new object[] { l });

    [Theory]
    [MemberData(nameof(BadFirstLines))]
    public void A_bad_first_line_does_not_hide_the_good_lines_after_it(string bad)
    {
        var lines = Lines("jsonl");
        string clean = Write("clean.jsonl", lines);
        string path = Write("bad-first.jsonl", lines.Prepend(bad));
        Assert.Equal(InputFormat.Jsonl, EventSources.Detect(path));

        var result = CliRunner.Run("sockets", path);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(CliRunner.Run("sockets", clean).Output, result.Output);
        Assert.StartsWith($"sockscope: warning: {path}: offset 0 (0x0): line skipped: ", result.ErrorLines[0]);
        Assert.Equal(2, result.ErrorLines.Length);
    }

    [Theory]
    [InlineData("silketw")]
    [InlineData("sealighter")]
    public void Other_collectors_are_recognised_past_a_bad_first_line(string kind)
    {
        var lines = Lines(kind);
        string path = Write("bad-first." + kind, lines.Prepend("{ \"not\": \"closed\""));
        Assert.Equal(kind == "silketw" ? InputFormat.SilkEtw : InputFormat.Sealighter, EventSources.Detect(path));
        using var source = (JsonEventSource)EventSources.Open(path);
        while (source.TryRead(out _)) { }
        Assert.Equal(1, source.BadLines);
        Assert.Equal(0, Assert.Single(source.Diagnostics.Problems).Offset);
        Assert.Equal(lines.Count, source.Events + source.UnknownEvents);
    }

    [Fact]
    public void The_kind_is_recognised_from_the_first_eight_lines()
    {
        var lines = Lines("jsonl");
        string seven = Write("seven.jsonl", Enumerable.Repeat("{ bad", 7).Concat(lines));
        var read = CliRunner.Run("summary", seven, "--json");
        Assert.Equal(1, read.ExitCode);
        Assert.Equal(7 + 1, read.ErrorLines.Length);

        string eight = Write("eight.jsonl", Enumerable.Repeat("{ bad", 8).Concat(lines));
        var refused = CliRunner.Run("summary", eight, "--json");
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"sockscope: error: {eight}: not an ETL file, and no JSON event of a known kind (the catalog's JSON lines, SilkETW or Sealighter) " +
            "is among its first 8 line(s): name one with --input-format", Assert.Single(refused.ErrorLines));
        // Named, the kind needs no recognising: the bad lines are reported and the rest is read.
        Assert.Equal(1, CliRunner.Run("summary", eight, "--json", "--input-format", "jsonl").ExitCode);
    }

    [Theory]
    [InlineData("jsonl", "\"Repeated\":1,\"Repeated\":2,", "Repeated")]
    [InlineData("jsonl", "\"Port\":1,\"P\\u006Frt\":2,", "Port")]
    [InlineData("silketw", "\"Repeated\":\"1\",\"Repeated\":\"2\",", "Repeated")]
    [InlineData("sealighter", "\"Repeated\":1,\"Repeated\":2,", "Repeated")]
    public void An_event_whose_field_values_repeat_a_key_is_a_bad_line(string kind, string repeat, string key)
    {
        var lines = Lines(kind);
        int at = lines.FindIndex(5, l => l.Contains(PayloadStart(kind)));
        string start = PayloadStart(kind);
        lines[at] = lines[at].Replace(start, start + repeat);
        string path = Write("repeated." + kind, lines);

        using var source = (JsonEventSource)EventSources.Open(path);
        while (source.TryRead(out _)) { }
        Assert.Equal(1, source.BadLines);
        var problem = Assert.Single(source.Diagnostics.Problems);
        Assert.Equal(OffsetOf(lines, at), problem.Offset);
        Assert.Contains($"the key \"{key}\" appears twice", problem.Message);
        Assert.Equal(lines.Count - 1, source.Events + source.UnknownEvents);

        var result = CliRunner.Run("sockets", path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"offset {OffsetOf(lines, at)} ", result.ErrorLines[0]);
    }

    [Fact]
    public void A_line_of_700000_repeated_keys_is_one_bad_line_and_one_of_700000_distinct_keys_an_event()
    {
        var lines = Lines("jsonl");
        int at = lines.FindIndex(l => l.Contains("\"Endpoint\":"));
        string start = PayloadStart("jsonl");
        string repeated = lines[at].Replace(start, start + string.Concat(Enumerable.Repeat("\"Endpoint\":\"0x1\",", 700_000)));
        string distinct = lines[at].Replace(start, start + string.Concat(Enumerable.Range(0, 700_000).Select(i => $"\"Extra{i}\":1,")));
        var withRepeated = lines.ToList();
        withRepeated.Insert(at, repeated);
        var withDistinct = lines.ToList();
        withDistinct.Insert(at, distinct);

        using (var source = (JsonEventSource)EventSources.Open(Write("repeated.jsonl", withRepeated)))
        {
            while (source.TryRead(out _)) { }
            var problem = Assert.Single(source.Diagnostics.Problems);
            Assert.Equal(OffsetOf(withRepeated, at), problem.Offset);
            Assert.Contains("the key \"Endpoint\" appears twice in the event's event_data", problem.Message);
            Assert.Equal(lines.Count, source.Events + source.UnknownEvents);
        }
        using (var source = (JsonEventSource)EventSources.Open(Write("distinct.jsonl", withDistinct)))
        {
            while (source.TryRead(out _)) { }
            Assert.Equal(0, source.Diagnostics.ProblemCount);
            Assert.Equal(lines.Count + 1, source.Events + source.UnknownEvents);
        }
    }

    [Fact]
    public void The_start_of_json_lines_read_once_comes_from_the_first_lines()
    {
        var lines = Lines("jsonl");
        var all = lines.Prepend("{ bad").ToList();
        string path = Write("events.jsonl", all);
        long fromFile;
        using (var file = EventSources.Open(path)) fromFile = file.StartStamp;
        Assert.Equal(new DateTime(2026, 6, 2, 4, 0, 0, DateTimeKind.Utc), EtlClock.FromFileTime(fromFile));
        var pipe = ForwardOnlyStream.Chunked(File.ReadAllBytes(path), chunk: 100);
        using var source = (JsonEventSource)EventSources.Open(pipe, "-");
        Assert.Equal(fromFile, source.StartStamp);
        // Recognising read the first lines, and no more than a few reads beyond them.
        Assert.InRange(pipe.BytesRead, OffsetOf(all, 2), OffsetOf(all, 2) + 99);
        long events = 0;
        while (source.TryRead(out var r)) if (r.Family == TraceHeaderFamily.EventHeader) events++;
        Assert.Equal(lines.Count, events);
        Assert.Equal(1, source.BadLines);
    }

    [Fact]
    public void An_etl_file_is_recognised_from_its_first_four_bytes()
    {
        byte[] head = File.ReadAllBytes(_etl)[..4];
        var recognizer = new InputRecognizer(InputFormat.Auto, "-");
        recognizer.Look(head.AsMemory(0, 3), ended: false, full: false);
        Assert.False(recognizer.Done);
        recognizer.Look(head, ended: false, full: false);
        Assert.True(recognizer.Done);
        Assert.Equal(InputFormat.Etl, recognizer.Format);
        Assert.Null(recognizer.Refusal);
    }
}
