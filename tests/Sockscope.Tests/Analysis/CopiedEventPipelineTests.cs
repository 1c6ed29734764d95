using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Analysis;

/// <summary>The report's three-thread collection: a failure in any stage reaches the caller and stops the others, without a hang.</summary>
public class CopiedEventPipelineTests
{
    /// <summary>A trace source that fails on its <c>failAt</c>th read, counting reads.</summary>
    private sealed class FailingSource(IEventSource inner, long failAt) : IEventSource
    {
        public long Reads;
        public string Path => inner.Path;
        public EtlClock Clock => inner.Clock;
        public EtlDiagnostics Diagnostics => inner.Diagnostics;
        public long StartStamp => inner.StartStamp;
        public EventLoss Loss => inner.Loss;
        public bool TryRead(out EtlRecord record)
        {
            if (++Reads == failAt) throw new IOException("disk gone at offset 1234");
            return inner.TryRead(out record);
        }
        public void Dispose() => inner.Dispose();
    }

    private static string Trace(TempDir dir, int events)
    {
        string path = dir.File("busy.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "busy-host", Events = events });
        return path;
    }

    [Fact]
    public void A_read_failure_reaches_the_caller_after_the_events_read_before_it_were_observed()
    {
        using var dir = new TempDir();
        string path = Trace(dir, 60_000);
        // On one thread and on three the batches are the same: both observe the batches filled before the failing
        // read, not the one it cut short, and then throw the read's exception.
        long Observed(bool parallel)
        {
            long seen = 0;
            using var reader = new FailingSource(EtlReader.Open(path), 40_000);
            var e = Assert.Throws<IOException>(() => TraceAnalysis.Run(reader, null, null, parallel,
                (in EventCopy _, ReadOnlySpan<byte> _, SocketRecord? _, long _, long _) => seen++, 64, null));
            Assert.Equal("disk gone at offset 1234", e.Message);
            return seen;
        }
        long one = Observed(parallel: false);
        Assert.InRange(one, 8 * 4096, 40_000);
        Assert.Equal(one, Observed(parallel: true));
    }

    [Fact]
    public void An_observer_failure_stops_the_reading_and_the_analysis()
    {
        using var dir = new TempDir();
        string path = Trace(dir, 60_000);
        long seen = 0;
        using var reader = new FailingSource(EtlReader.Open(path), long.MaxValue);
        var thrown = Assert.Throws<InvalidOperationException>(() => TraceAnalysis.Run(reader, null, null, parallel: true,
            (in EventCopy _, ReadOnlySpan<byte> _, SocketRecord? _, long _, long _) =>
            {
                if (++seen == 1_000) throw new InvalidOperationException("output closed");
            }, 64, null));
        Assert.Equal("output closed", thrown.Message);
        // Run returns only once both threads have ended: four batches of 4,096 go round, so the reading stopped
        // within five batches of the failure, long before the trace's end.
        Assert.InRange(reader.Reads, 1_000, 1_000 + 5 * 4096 + 100);
    }
}
