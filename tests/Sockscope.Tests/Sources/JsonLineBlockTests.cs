using System.Text;
using Sockscope.Etl;
using Sockscope.Sources;
using Sockscope.Synthesis;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sources;

/// <summary>
/// JSON lines are cut into blocks at newlines and the blocks parsed on several threads: whatever the block size and
/// the number of threads, from a file or a stream read once in odd-sized reads, the records, problems (offset and
/// message), counts and process names come out as one thread reading line by line gives them, in input order.
/// </summary>
public class JsonLineBlockTests
{
    // Lines that are no event, each reported with its offset; blank lines, skipped unreported.
    private static readonly string[] BadLines = ["{ bad", "{\"system\":{}}", "[1,2]", "{\"system\":{\"guid\":\"x\"},\"event_data\":{}}"];

    [Theory]
    [InlineData(2, 97)] // blocks shorter than a line: each grows to hold one
    [InlineData(4, 4096)]
    [InlineData(3, 100_000)]
    public void Catalog_lines_parsed_in_blocks_on_several_threads_read_as_one_thread_reads_them(int threads, int blockBytes)
    {
        using var dir = new TempDir();
        var (input, badOffsets) = WithBadLines(Dump(dir, "mixed"));
        var expected = Read(dir.File("one.jsonl"), input, threads: 1, JsonLineBlockReader.BlockBytes, InputFormat.Jsonl);
        // Every bad line reported at its own offset, in order; the events all read.
        Assert.Equal(badOffsets, expected.Problems.Select(p => p.Offset));
        // Each reported as the reader passes it: before the events after it, not before those ahead of it.
        Assert.All(expected.Records, r => Assert.Equal((long)badOffsets.Count(o => o < r.Offset), r.ProblemsBefore));
        Assert.True(expected.Records.Count > 300, $"{expected.Records.Count} records");
        Assert.Equal(expected.Records.Count, expected.Events);

        var blocks = Read(dir.File("blocks.jsonl"), input, threads, blockBytes, InputFormat.Jsonl);
        AssertSame(expected, blocks);
        var piped = Read(null, input, threads, blockBytes, InputFormat.Jsonl);
        AssertSame(expected, piped);
    }

    [Fact]
    public void SilkEtw_process_names_come_before_their_first_events_whatever_block_parsed_them()
    {
        using var dir = new TempDir();
        string etl = dir.File("mixed.etl"), json = dir.File("mixed.silketw.json");
        ScenarioSynthesizer.Write(etl, new ScenarioOptions { Scenario = "mixed", PointerSize = 8 });
        CollectorShapes.WriteSilkEtw(etl, json);
        byte[] input = File.ReadAllBytes(json);
        var expected = Read(dir.File("one.json"), input, threads: 1, JsonLineBlockReader.BlockBytes, InputFormat.SilkEtw);
        var blocks = Read(dir.File("blocks.json"), input, threads: 4, blockBytes: 1500, InputFormat.SilkEtw);
        // Process records (kernel ones) name the processes, once each, in the order the events show them.
        int processes = expected.Records.Count(r => r.Kernel);
        Assert.InRange(processes, 2, 100);
        Assert.Equal(expected.Records.Count, expected.Events + processes);
        AssertSame(expected, blocks);
    }

    private static (byte[] Input, List<long> BadOffsets) WithBadLines(byte[] dump)
    {
        var lines = Encoding.UTF8.GetString(dump).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var output = new MemoryStream();
        var badOffsets = new List<long>();
        // A byte order mark opens the input; the last line has no newline.
        output.Write("\uFEFF"u8);
        for (int i = 0; i < lines.Length; i++)
        {
            if (i % 37 == 5)
            {
                badOffsets.Add(output.Position);
                output.Write(Encoding.UTF8.GetBytes(BadLines[i / 37 % BadLines.Length] + "\n"));
                output.Write(" \t\r\n\n"u8);
            }
            output.Write(Encoding.UTF8.GetBytes(lines[i]));
            if (i < lines.Length - 1) output.WriteByte((byte)'\n');
        }
        return (output.ToArray(), badOffsets);
    }

    private static byte[] Dump(TempDir dir, string scenario)
    {
        string etl = dir.File(scenario + ".etl"), jsonl = dir.File(scenario + ".jsonl");
        ScenarioSynthesizer.Write(etl, new ScenarioOptions { Scenario = scenario, PointerSize = 8 });
        Assert.Equal(0, CliRunner.Run("dump", etl, "-o", jsonl).ExitCode);
        return File.ReadAllBytes(jsonl);
    }

    private sealed record Reading(List<(long Offset, long Stamp, bool Kernel, string Bytes, long ProblemsBefore)> Records, List<EtlProblem> Problems,
        long Events, long Unknown, long BadLines, long NotUnderstood, long StartStamp);

    /// <summary>Reads <paramref name="input"/> from a file at <paramref name="path"/>, or (null) from a stream read once in reads of up to 1,000 bytes.</summary>
    private static Reading Read(string? path, byte[] input, int threads, int blockBytes, InputFormat format)
    {
        if (path is not null) File.WriteAllBytes(path, input);
        using var opened = path is not null ? EventSources.Open(path, format) : EventSources.Open(new ForwardOnlyStream(new MemoryStream(input), maxRead: 1000), "-", format);
        var source = (JsonEventSource)opened;
        source.ParseThreads = threads;
        source.BlockBytes = blockBytes;
        var records = new List<(long, long, bool, string, long)>();
        while (source.TryRead(out EtlRecord r))
            records.Add((r.BufferOffset, r.Timestamp, r.Family != TraceHeaderFamily.EventHeader, Convert.ToHexString(r.Raw), source.Diagnostics.ProblemCount));
        return new Reading(records, [.. source.Diagnostics.Problems], source.Events, source.UnknownEvents, source.BadLines,
            source.ValuesNotUnderstood, source.StartStamp);
    }

    private static void AssertSame(Reading expected, Reading actual)
    {
        Assert.Equal(expected.Records.Count, actual.Records.Count);
        for (int i = 0; i < expected.Records.Count; i++) Assert.Equal(expected.Records[i], actual.Records[i]);
        Assert.Equal(expected.Problems.Select(p => $"{p.Offset}: {p.Message}"), actual.Problems.Select(p => $"{p.Offset}: {p.Message}"));
        Assert.Equal((expected.Events, expected.Unknown, expected.BadLines, expected.NotUnderstood, expected.StartStamp),
            (actual.Events, actual.Unknown, actual.BadLines, actual.NotUnderstood, actual.StartStamp));
    }
}
