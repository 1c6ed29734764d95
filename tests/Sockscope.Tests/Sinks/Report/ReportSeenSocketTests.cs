using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Sinks.Report;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sinks.Report;

/// <summary>
/// On three threads the report's collector runs behind the analysis, which can still change a completed socket's
/// record (a later event on a reused handle): it must rank a socket by its values as they were when it completed,
/// as one thread does, and show the record as the analysis left it.
/// </summary>
public class ReportSeenSocketTests
{
    [Fact]
    public void A_socket_is_ranked_by_its_values_when_it_completed_and_shown_as_the_analysis_left_it()
    {
        using var dir = new TempDir();
        string trace = dir.File("mixed.etl");
        ScenarioSynthesizer.Write(trace, new ScenarioOptions { Scenario = "mixed" });
        using var reader = EtlReader.Open(trace);
        var collector = new ReportCollector(reader, new ReportOptions());
        var changed = new List<SocketRecord>();
        var summary = TraceAnalysis.Run(collector.Source, s =>
        {
            var seen = s.Seen();
            // What a collector behind the analysis could find: the record changed after it completed.
            if (s.Error is null && !s.Aborted && s.BytesSent > 0)
            {
                s.Error = "changed after it completed";
                changed.Add(s);
            }
            collector.OnSocket(s, seen);
        }, onEvent: collector.OnEvent, onFinding: collector.OnFinding);
        var data = collector.Build(trace, summary);

        Assert.NotEmpty(changed);
        var shown = data.Sockets.Where(x => changed.Contains(x.Record)).ToList();
        Assert.Equal(changed.Count, shown.Count);
        // Ranked and judged as completed (clean, or still open at the end), not as changed later (error).
        Assert.All(shown, x => Assert.Contains(x.Outcome, new[] { SocketOutcome.Clean, SocketOutcome.Open, SocketOutcome.Dropped }));
        Assert.All(shown, x => Assert.Equal("changed after it completed", x.Record.Error));
    }
}
