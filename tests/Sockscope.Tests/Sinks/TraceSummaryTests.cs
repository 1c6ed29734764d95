using System.Text.Json;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Sinks;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sinks;

public class TraceSummaryTests
{
    public static IEnumerable<object[]> Names() => SharedSamples.TraceNames();

    [SharedSamplesTheory]
    [MemberData(nameof(Names))]
    public void One_pass_counts_match_the_peer_reference(string name)
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedSamples.Directory!, "reference", name + ".summary.json")));
        var perKind = reference.RootElement.GetProperty("by_kind_provider_event").EnumerateArray()
            .GroupBy(r => r.GetProperty("kind").GetString()!)
            .ToDictionary(g => g.Key, g => g.Sum(r => r.GetProperty("count").GetInt64()));
        using var reader = EtlReader.Open(SharedSamples.PathOf(name + ".etl"), new EtlReaderOptions { Order = RecordOrder.File });
        var names = new ProviderNames();
        var summary = new TraceSummary(names);
        Assert.Null(summary.FirstTimestamp);
        long min = long.MaxValue, max = long.MinValue;
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            summary.Add(r);
            min = Math.Min(min, r.Timestamp);
            max = Math.Max(max, r.Timestamp);
        }
        Assert.Equal(reference.RootElement.GetProperty("events").GetInt64(), summary.Events);
        Assert.Equal(min, summary.FirstTimestamp);
        Assert.Equal(max, summary.LastTimestamp);
        // The peer folds compact headers into SystemHeader and instance headers into EventTraceHeader.
        var ours = summary.HeaderTypes.ToDictionary(kv => kv.Key, kv => kv.Value);
        long Ours(string layout) => ours.GetValueOrDefault(layout);
        Assert.Equal(perKind.GetValueOrDefault("SystemHeader"), Ours("SystemHeader") + Ours("CompactHeader"));
        Assert.Equal(perKind.GetValueOrDefault("EventTraceHeader"), Ours("EventTraceHeader") + Ours("EventInstanceGuidHeader"));
        Assert.Equal(perKind.GetValueOrDefault("EventHeader"), Ours("EventHeader"));
        Assert.Equal(perKind.GetValueOrDefault("PerfinfoTraceHeader"), Ours("PerfinfoTraceHeader"));
        var providers = summary.Providers;
        Assert.Equal(summary.Events, providers.Sum(p => p.Events));
        Assert.Equal(providers.OrderByDescending(p => p.Events).Select(p => p.Events), providers.Select(p => p.Events));
        Assert.Equal(providers.Count, providers.Select(p => p.Provider).Distinct().Count());
    }

    [SharedSamplesFact]
    public void Kernel_records_count_under_their_event_class()
    {
        using var reader = EtlReader.Open(SharedSamples.PathOf("airbus_ShutdownPerfDiagLogger.etl"), new EtlReaderOptions { Order = RecordOrder.File });
        var names = new ProviderNames();
        var summary = new TraceSummary(names);
        var expected = new Dictionary<Guid, long>();
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            summary.Add(r);
            var g = names.GuidOf(r);
            expected[g] = expected.GetValueOrDefault(g) + 1;
        }
        Assert.Equal(17_078, summary.Events);
        Assert.Equal(8645, summary.CountOf(TraceHeaderFamily.PerfInfo));
        Assert.Equal(expected.Count, summary.Providers.Count);
        foreach (var p in summary.Providers) Assert.Equal(expected[p.Provider], p.Events);
        Assert.Contains(summary.Providers, p => p.Name == "EventTrace");
    }
}
