using System.Text.Json;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
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

    /// <summary>
    /// A trace written with a known number of records per event class: each kernel record counts under the class its
    /// group names (and image loads logged in the process group, type 10, under Image, as KernelEventGroups documents),
    /// a group with no class under the empty GUID with no name, and EVENT_HEADER records under their provider.
    /// </summary>
    [Fact]
    public void Kernel_records_count_under_their_event_class()
    {
        using var dir = new TempDir();
        string path = dir.File("kernel.etl");
        var probe = new Guid("11111111-2222-3333-4444-555555555555");
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { ProcessorCount = 1 }))
        {
            long t = w.Options.StartTimestamp;
            void Kernel(int count, TraceHeaderType type, byte group, byte opcode)
            {
                for (int i = 0; i < count; i++) w.WriteKernelEvent(0, type, group, opcode, 2, 8, 4, ++t, [1, 2, 3, 4]);
            }
            Kernel(7, TraceHeaderType.System64, 0x03, 1);     // Process start
            Kernel(2, TraceHeaderType.System64, 0x03, 2);     // Process end
            Kernel(3, TraceHeaderType.System64, 0x03, 10);    // image load in the process group: Image
            Kernel(5, TraceHeaderType.System64, 0x14, 10);    // Image load
            Kernel(11, TraceHeaderType.PerfInfo64, 0x0F, 46); // SampledProfile
            Kernel(6, TraceHeaderType.Compact64, 0x05, 36);   // Thread CSwitch
            Kernel(1, TraceHeaderType.System64, 0x0C, 1);     // the spare group: no class
            for (int i = 0; i < 4; i++)
                w.WriteEvent(0, new EventHeaderValues { ProviderId = probe, Id = 1, ProcessId = 4, ThreadId = 8, Timestamp = ++t }, [7]);
        }
        using var reader = EtlReader.Open(path, new EtlReaderOptions { Order = RecordOrder.File });
        var names = new ProviderNames();
        var summary = new TraceSummary(names);
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            summary.Add(r);
        }

        // The logfile header the writer puts first is one more EventTrace record (group 0, SYSTEM header).
        Assert.Equal(1 + 7 + 2 + 3 + 5 + 11 + 6 + 1 + 4, summary.Events);
        Assert.Equal(1 + 7 + 2 + 3 + 5 + 1, summary.CountOf(TraceHeaderFamily.System));
        Assert.Equal(11, summary.CountOf(TraceHeaderFamily.PerfInfo));
        Assert.Equal(6, summary.CountOf(TraceHeaderFamily.Compact));
        Assert.Equal(4, summary.CountOf(TraceHeaderFamily.EventHeader));
        Assert.Equal(
            [
                new TraceSummary.ProviderEvents(new Guid("ce1dbfb4-137e-4da6-87b0-3f59aa102cbc"), "PerfInfo", 11),
                new TraceSummary.ProviderEvents(new Guid("3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c"), "Process", 9),
                new TraceSummary.ProviderEvents(new Guid("2cb15d1d-5fc1-11d2-abe1-00a0c911f518"), "Image", 8),
                new TraceSummary.ProviderEvents(new Guid("3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c"), "Thread", 6),
                new TraceSummary.ProviderEvents(probe, null, 4),
                new TraceSummary.ProviderEvents(Guid.Empty, null, 1),
                new TraceSummary.ProviderEvents(new Guid("68fdd900-4a3e-11d1-84f4-0000f80464e3"), "EventTrace", 1),
            ],
            summary.Providers);
    }

    /// <summary>
    /// The kernel logger's real trace, counted by hand from the peer's records (reference/*.records.jsonl.gz, 17,078
    /// records in four groups): group 0 EventTrace 3 SYSTEM + 6 PERFINFO; group 0x14 Image 5,180 + 8,503, and 72
    /// process-group type-10 loads; group 3 Process 60 + 60 (types 2 and 11) + 94 + 37 + 5 (PERFINFO types 3, 4, 39);
    /// group 5 Thread 3,058.
    /// </summary>
    [SharedSamplesFact]
    public void Kernel_records_of_a_real_trace_count_under_their_event_class()
    {
        using var reader = EtlReader.Open(SharedSamples.PathOf("airbus_ShutdownPerfDiagLogger.etl"), new EtlReaderOptions { Order = RecordOrder.File });
        var names = new ProviderNames();
        var summary = new TraceSummary(names);
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            summary.Add(r);
        }
        Assert.Equal(17_078, summary.Events);
        Assert.Equal(8645, summary.CountOf(TraceHeaderFamily.PerfInfo));
        Assert.Equal(
            [
                new TraceSummary.ProviderEvents(new Guid("2cb15d1d-5fc1-11d2-abe1-00a0c911f518"), "Image", 5_180 + 8_503 + 72),
                new TraceSummary.ProviderEvents(new Guid("3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c"), "Thread", 3_058),
                new TraceSummary.ProviderEvents(new Guid("3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c"), "Process", 60 + 60 + 94 + 37 + 5),
                new TraceSummary.ProviderEvents(new Guid("68fdd900-4a3e-11d1-84f4-0000f80464e3"), "EventTrace", 3 + 6),
            ],
            summary.Providers);
    }
}
