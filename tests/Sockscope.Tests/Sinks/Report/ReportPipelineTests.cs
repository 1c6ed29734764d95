using System.Text;
using Sockscope.Analysis;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Schema;
using Sockscope.Sinks.Report;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sinks.Report;

/// <summary>
/// The report's collection on the two-thread pipeline (events copied from their records on the reading thread) gives
/// the page the decoded-event observer gives, event for event.
/// </summary>
public class ReportPipelineTests
{
    [Theory]
    [InlineData("mixed", 0, 8)]
    [InlineData("dns-client", 0, 8)]
    [InlineData("legacy", 7601, 4)]
    [InlineData("busy-host", 0, 8)]
    public void The_page_is_the_same_on_two_threads_on_one_and_from_decoded_events(string scenario, int build, int pointerSize)
    {
        using var dir = new TempDir();
        string path = dir.File(scenario + ".etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions
        {
            Scenario = scenario, PointerSize = pointerSize, Build = build == 0 ? new ScenarioOptions().Build : build, Events = 30_000,
        });
        // Caps low enough that sockets and events are let go as better ones come, so the order of events matters.
        var options = new ReportOptions { MaxSockets = 40, MaxEventsPerSocket = 12, MaxEvents = 300 };

        string Page(ReportData data)
        {
            using var page = new MemoryStream();
            HtmlReport.Write(page, data);
            return Encoding.UTF8.GetString(page.ToArray());
        }
        string decoded;
        using (var reader = EtlReader.Open(path))
        {
            var collector = new ReportCollector(reader, options);
            var summary = TraceAnalysis.Run(collector.Source, collector.OnSocket, limits: options.Analysis, onEvent: collector.OnEvent, onFinding: collector.OnFinding);
            var data = collector.Build(path, summary);
            Assert.True(data.Overview.EventsShown > 0, "the report shows events");
            decoded = Page(data);
        }
        using (var reader = EtlReader.Open(path)) Assert.Equal(decoded, Page(HtmlReport.Collect(reader, path, options, parallel: true)));
        using (var reader = EtlReader.Open(path)) Assert.Equal(decoded, Page(HtmlReport.Collect(reader, path, options, parallel: false)));
    }

    [Fact]
    public void The_feed_copies_every_decoded_event_in_order_and_hands_a_batch_on_before_its_bytes_run_out()
    {
        using var dir = new TempDir();
        string path = dir.File("dns.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "dns-client" });
        const int maxCopied = 40;

        var expected = new List<string>();
        using (var reader = EtlReader.Open(path))
        {
            TraceAnalysis.Run(reader, null, onEvent: (in EtlRecord record, in DecodedEvent e, SocketRecord? _) =>
            {
                var payload = record.UserData;
                expected.Add(Describe(e.Schema, record.Timestamp, record.HasProcessInfo ? record.ProcessId : uint.MaxValue,
                    record.HasProcessInfo ? record.ThreadId : uint.MaxValue, payload.Length, payload[..Math.Min(payload.Length, maxCopied)]));
            });
        }

        var copied = new List<string>();
        var batches = new List<(int Count, int Used)>();
        using (var reader = EtlReader.Open(path))
        {
            var feed = new SocketEventFeed(reader, SchemaCatalog.Winsock);
            // Room for a few payloads only: the batch must be handed on long before its 4,096 events are filled.
            var batch = new CopiedEventBatch(4096, 3 * maxCopied);
            while (feed.Fill(batch, maxCopied) > 0)
            {
                batches.Add((batch.Count, batch.PayloadUsed));
                for (int i = 0; i < batch.Count; i++)
                {
                    var c = batch.Copies[i];
                    if (c.Schema is not null) copied.Add(Describe(c.Schema, c.Stamp, c.ProcessId, c.ThreadId, c.PayloadLength, batch.PayloadOf(i)));
                }
                batch.Reset();
            }
        }
        Assert.True(expected.Count > 20, $"the trace has {expected.Count} events to copy");
        Assert.Equal(expected, copied);
        Assert.True(batches.Count > 5, $"{batches.Count} batches");
        Assert.All(batches, b => Assert.InRange(b.Used, 0, 3 * maxCopied));
    }

    private static string Describe(EventSchema schema, long stamp, uint pid, uint tid, int length, ReadOnlySpan<byte> payload) =>
        $"{schema.Provider.Name}/{schema.Id}/{schema.Version} {stamp} {pid} {tid} {length} {Convert.ToHexString(payload)}";
}
