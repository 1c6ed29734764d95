using System.Text;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Sources;
using Sockscope.Synthesis;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Analysis;

/// <summary>
/// Left to choose, the analysis reads on a second thread only for traces large enough to gain by it, and the sockets
/// and findings are the same either way. The threshold is the README's, written out by hand: "for traces of 64 MiB
/// or more"; an input read once (length unknown) counts as large.
/// </summary>
public class AnalysisThreadsTests : IClassFixture<AnalysisThreadsTests.DumpedScenario>
{
    private const long SixtyFourMiB = 67_108_864;

    private readonly DumpedScenario _dumped;

    public AnalysisThreadsTests(DumpedScenario dumped) => _dumped = dumped;

    /// <summary>The failures scenario (sockets and findings of every kind it makes) and its dump as JSON lines.</summary>
    public sealed class DumpedScenario : IDisposable
    {
        private readonly TempDir _dir = new();

        public DumpedScenario()
        {
            Etl = _dir.File("failures.etl");
            Jsonl = _dir.File("failures.jsonl");
            Truth = ScenarioSynthesizer.Write(Etl, new ScenarioOptions { Scenario = "failures", PointerSize = 8 });
            var dump = CliRunner.Run("dump", Etl, "-o", Jsonl);
            if (dump.ExitCode != 0) throw new InvalidOperationException("dump failed: " + dump.Error);
        }

        public string Etl { get; }
        public string Jsonl { get; }
        internal ScenarioTruth Truth { get; }
        public void Dispose() => _dir.Dispose();
    }

    [Theory]
    [InlineData(4_096L, false)]
    [InlineData(SixtyFourMiB - 1, false)]
    [InlineData(SixtyFourMiB, true)]
    [InlineData(null, true)] // a stream read once
    public void The_source_is_read_on_a_second_thread_from_64_MiB_up_and_the_results_do_not_change(long? length, bool large)
    {
        var (oneThread, oneThreadReaders) = Analyse(length, parallel: false);
        var (chosen, chosenReaders) = Analyse(length, parallel: null);

        // Forced to one thread, every read is this thread's.
        Assert.Equal([Environment.CurrentManagedThreadId], oneThreadReaders);
        // Left to choose, a large input is read by another thread only (when there is a second processor to run it).
        bool second = large && Environment.ProcessorCount > 1;
        Assert.Equal(second, !chosenReaders.Contains(Environment.CurrentManagedThreadId));
        Assert.Single(chosenReaders);

        // What a session lost is in the ETL file's headers only, so JSON lines have every finding but that one.
        Assert.Equal(_dumped.Truth.Sockets.Count, oneThread.Sockets.Count);
        Assert.Equal(_dumped.Truth.Findings.Count(f => f.Kind != FindingKind.EventsLost), oneThread.Findings.Count);
        AssertSame(oneThread, chosen);
    }

    [Fact]
    public void A_trace_above_the_threshold_gives_the_sockets_and_findings_of_one_thread()
    {
        // The same trace, its file padded to 64 MiB with a zero tail the reader passes over (and reports as one problem:
        // space allocated and never written): large by its length.
        string padded = _dumped.Etl + ".padded.etl";
        File.Copy(_dumped.Etl, padded, overwrite: true);
        using (var f = new FileStream(padded, FileMode.Open, FileAccess.Write)) f.SetLength(SixtyFourMiB);

        var small = Analyse(_dumped.Etl, parallel: false, problems: 0);
        Assert.Equal(_dumped.Truth.Sockets.Count, small.Sockets.Count);
        Assert.Equal(_dumped.Truth.Findings.Count, small.Findings.Count);
        Assert.NotEmpty(small.Findings);
        foreach (bool? parallel in new bool?[] { null, true })
            AssertSame(small, Analyse(_dumped.Etl, parallel, problems: 0));
        foreach (bool? parallel in new bool?[] { null, true, false })
            AssertSame(small, Analyse(padded, parallel, problems: 1));
    }

    [Fact]
    public void A_file_has_its_length_and_a_stream_read_once_has_none()
    {
        using var dir = new TempDir();
        string path = dir.File("one.jsonl");
        const string line = "{\"system\": {\"provider\": \"Microsoft-Windows-Winsock-AFD\", \"event_id\": 1, \"time_created\": \"2024-01-01T00:00:00Z\"}, \"event_data\": {}}\n";
        File.WriteAllText(path, line);
        using (var file = EventSources.Open(path)) Assert.Equal(line.Length, EventSources.Length(file));
        using (var stream = EventSources.Open(new MemoryStream(Encoding.UTF8.GetBytes(line)), "-")) Assert.Null(EventSources.Length(stream));
    }

    private sealed record Outcome(List<string> Sockets, List<string> Findings);

    private static void AssertSame(Outcome expected, Outcome actual)
    {
        Assert.Equal(expected.Sockets, actual.Sockets);
        Assert.Equal(expected.Findings, actual.Findings);
    }

    private static Outcome Analyse(IEventSource source, bool? parallel)
    {
        var sockets = new List<string>();
        var summary = TraceAnalysis.Run(source, s => sockets.Add(AnalysisText.Of(s)), parallel: parallel);
        return new Outcome(sockets, summary.Findings.Select(AnalysisText.Of).ToList());
    }

    private static Outcome Analyse(string etl, bool? parallel, int problems)
    {
        using var reader = EtlReader.Open(etl);
        var outcome = Analyse(reader, parallel);
        Assert.Equal(problems, reader.Diagnostics.ProblemCount);
        return outcome;
    }

    /// <summary>Analyses the dumped JSON lines as a source of the given length, and says which threads read it.</summary>
    private (Outcome Outcome, HashSet<int> Readers) Analyse(long? length, bool? parallel)
    {
        var stream = new ReadWatchingStream(File.OpenRead(_dumped.Jsonl));
        using var source = JsonEventSource.Create(stream, _dumped.Jsonl, length, InputFormat.Jsonl, startStamp: 0, catalog: null, maxProblemsKept: 1000);
        Assert.Equal(length, EventSources.Length(source));
        var outcome = Analyse(source, parallel);
        return (outcome, stream.Readers);
    }

    /// <summary>A stream that notes the threads that read it.</summary>
    private sealed class ReadWatchingStream(Stream inner) : Stream
    {
        public HashSet<int> Readers { get; } = new();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            lock (Readers) Readers.Add(Environment.CurrentManagedThreadId);
            return inner.Read(buffer);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
