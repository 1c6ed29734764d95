using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Etl;

/// <summary>Events written with the project's writer read back field for field, in time and in file order.</summary>
public class RoundTripTests
{
    public static IEnumerable<object[]> Layouts()
    {
        foreach (int pointer in new[] { 4, 8 })
        foreach (bool compress in new[] { false, true })
        foreach (int cpus in new[] { 1, 4 })
            yield return [pointer, compress, cpus];
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_header_kind_reads_back_in_time_order(int pointerSize, bool compress, int processors)
    {
        using var dir = new TempDir();
        var events = TraceModel.Make(3000, processors, TraceModel.AllTypes, seed: pointerSize * 10 + processors + (compress ? 1 : 0));
        var options = new EtlWriterOptions { PointerSize = pointerSize, Compress = compress, ProcessorCount = processors, BufferSize = 8192 };
        string path = TraceModel.Write(dir.File("t.etl"), events, options);

        using var reader = EtlReader.Open(path);
        Assert.Equal(pointerSize, reader.PointerSize);
        Assert.Equal((uint)processors, reader.Header.NumberOfProcessors);
        Assert.Equal(compress, reader.Header.IsCompressed);
        Assert.True(reader.TryRead(out var first));
        Assert.Equal(TraceHeaderFamily.System, first.Family);
        Assert.Equal(0, first.HookId);
        int i = 0;
        while (reader.TryRead(out var r))
        {
            Assert.True(i < events.Count, "more records than written");
            events[i].AssertMatches(r, $"record {i}");
            i++;
        }
        Assert.Equal(events.Count, i);
        Assert.Equal(0, reader.Diagnostics.ProblemCount);
        Assert.True(reader.BuffersFound > processors, "the events should span several buffers per processor");
        Assert.Equal(compress ? reader.BuffersFound - 1 : 0, reader.CompressedBuffers);
        Assert.Equal(reader.BuffersFound, reader.Header.BuffersWritten);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void File_order_delivers_each_processor_in_its_own_order(bool compress)
    {
        using var dir = new TempDir();
        var events = TraceModel.Make(2000, 3, TraceModel.AllTypes, seed: 7);
        string path = TraceModel.Write(dir.File("t.etl"), events, new EtlWriterOptions { Compress = compress, ProcessorCount = 3, BufferSize = 4096 });
        var perProcessor = events.GroupBy(e => e.Processor).ToDictionary(g => g.Key, g => new Queue<ModelEvent>(g));
        using var reader = EtlReader.Open(path, new EtlReaderOptions { Order = RecordOrder.File });
        Assert.True(reader.TryRead(out _));
        int n = 0;
        bool interleaved = false;
        long previous = 0;
        while (reader.TryRead(out var r))
        {
            perProcessor[r.ProcessorIndex].Dequeue().AssertMatches(r, $"record {n}");
            if (r.Timestamp < previous) interleaved = true;
            previous = r.Timestamp;
            n++;
        }
        Assert.Equal(events.Count, n);
        Assert.True(perProcessor.Values.All(q => q.Count == 0));
        Assert.True(interleaved, "file order should differ from time order when buffers of several processors interleave");
    }

    [Fact]
    public void Windowed_merge_keeps_every_event_and_says_so()
    {
        using var dir = new TempDir();
        var events = TraceModel.Make(4000, 4, [TraceHeaderType.EventHeader64, TraceHeaderType.System64], seed: 3);
        string path = TraceModel.Write(dir.File("t.etl"), events, new EtlWriterOptions { ProcessorCount = 4, BufferSize = 2048 });
        using var reader = EtlReader.Open(path, new EtlReaderOptions { MergeWindowBuffers = 16 });
        long count = 0;
        while (reader.TryRead(out _)) count++;
        Assert.Equal(events.Count + 1, count);
        Assert.Contains(reader.Diagnostics.Problems, p => p.Kind == EtlProblemKind.OrderDegraded);
    }

    [Fact]
    public void Lost_event_flags_and_header_counts_are_reported()
    {
        using var dir = new TempDir();
        string path = dir.File("t.etl");
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { ProcessorCount = 2, EventsLost = 17, BuffersLost = 2 }))
        {
            var h = new EventHeaderValues { ProviderId = Guid.NewGuid(), Id = 1, Timestamp = 1_000_000_100 };
            w.WriteEvent(0, h, [1, 2, 3]);
            w.MarkEventsLost(0);
            w.WriteEvent(1, h with { Timestamp = 1_000_000_200 }, [4]);
            w.MarkBufferLost(1);
            w.MarkEventsLost(1);
        }
        using var reader = EtlReader.Open(path);
        while (reader.TryRead(out _)) { }
        Assert.Equal(17u, reader.Header.EventsLost);
        Assert.Equal(2u, reader.Header.BuffersLost);
        Assert.Equal(2, reader.BuffersWithEventsLost);
        Assert.Equal(1, reader.BuffersFlaggedLost);
    }

    [Theory]
    [InlineData(ClockType.QueryPerformanceCounter, 3_117_777L, 0u)]
    [InlineData(ClockType.CpuCycleCounter, 0L, 3193u)]
    public void Time_stamps_convert_to_utc_exactly(ClockType clock, long perfFreq, uint mhz)
    {
        using var dir = new TempDir();
        var start = new DateTime(2026, 6, 2, 4, 1, 52, 944, DateTimeKind.Utc);
        long freq = clock == ClockType.CpuCycleCounter ? mhz * 1_000_000L : perfFreq;
        long t0 = 123_456_789_000;
        string path = dir.File("t.etl");
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { Clock = clock, PerfFreq = perfFreq == 0 ? 10_000_000 : perfFreq, CpuSpeedMHz = mhz == 0 ? 3000 : mhz, StartTime = start, StartTimestamp = t0 }))
        {
            // 1.5 s, and 25 hours later (which overflows a naive delta × 10^7 in 64 bits at GHz rates).
            w.WriteKernelEvent(0, TraceHeaderType.System64, 3, 1, 2, 1, 2, t0 + freq * 3 / 2, []);
            w.WriteKernelEvent(0, TraceHeaderType.System64, 3, 1, 2, 1, 2, t0 + freq * 25 * 3600 + freq / 10_000_000 * 7, []);
        }
        using var reader = EtlReader.Open(path);
        Assert.Equal(clock, reader.Clock.Type);
        Assert.True(reader.TryRead(out var header));
        Assert.Equal(start, reader.Clock.ToUtc(header.Timestamp));
        Assert.True(reader.TryRead(out var a));
        Assert.Equal(start.AddTicks(Exact(a.Timestamp - t0, freq)), reader.Clock.ToUtc(a.Timestamp));
        // 1.5 s: exact at an even rate; 4,676,665 ticks at 3,117,777 Hz are 14,999,998.4 × 100 ns, floored.
        Assert.Equal(freq % 2 == 0 ? start.AddMilliseconds(1500) : start.AddTicks(14_999_998), reader.Clock.ToUtc(a.Timestamp));
        Assert.True(reader.TryRead(out var b));
        Assert.Equal(start.AddTicks(Exact(b.Timestamp - t0, freq)), reader.Clock.ToUtc(b.Timestamp));
        Assert.True(reader.Clock.ToUtc(b.Timestamp) >= start.AddHours(25));
        long back = reader.Clock.ToStamp(reader.Clock.ToFileTime(a.Timestamp));
        Assert.True(back <= a.Timestamp);
        Assert.Equal(reader.Clock.ToFileTime(a.Timestamp), reader.Clock.ToFileTime(back));
        Assert.True(reader.Clock.ToFileTime(back - 1) < reader.Clock.ToFileTime(a.Timestamp));
    }

    /// <summary>floor(delta × 10^7 / freq) in arbitrary precision.</summary>
    private static long Exact(long delta, long freq) =>
        (long)System.Numerics.BigInteger.Divide(new System.Numerics.BigInteger(delta) * 10_000_000, freq);

    [Fact]
    public void A_wpp_message_without_a_time_stamp_takes_its_processors_previous_time()
    {
        using var dir = new TempDir();
        string path = dir.File("t.etl");
        var guid = Guid.NewGuid();
        using (var w = EtlWriter.Create(path))
        {
            w.WriteMessage(0, 10, 0x2B, guid, 1, 1_000_000_500, 11, 22, [1]);
            w.WriteMessage(0, 11, 0x23, guid, 2, 0, 11, 22, [2]);
        }
        using var reader = EtlReader.Open(path);
        Assert.True(reader.TryRead(out _));
        Assert.True(reader.TryRead(out var a));
        Assert.Equal(1_000_000_500, a.Timestamp);
        Assert.True(reader.TryRead(out var b));
        Assert.Equal(1_000_000_500, b.Timestamp);
        Assert.Equal(11, b.Id);
        Assert.Equal(22u, b.ProcessId);
        Assert.Equal(guid, b.ProviderId);
        Assert.Equal(2u, b.MessageSequence);
    }

    [Fact]
    public void System_time_clock_stamps_are_file_times()
    {
        using var dir = new TempDir();
        var start = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        long ft = start.ToFileTimeUtc();
        string path = dir.File("t.etl");
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { Clock = ClockType.SystemTime, StartTime = start, StartTimestamp = ft }))
            w.WriteKernelEvent(0, TraceHeaderType.PerfInfo64, 0x0F, 46, 2, 0, 0, ft + 12_345, [9, 9]);
        using var reader = EtlReader.Open(path);
        Assert.True(reader.TryRead(out _));
        Assert.True(reader.TryRead(out var r));
        Assert.Equal(start.AddTicks(12_345), reader.Clock.ToUtc(r.Timestamp));
        Assert.False(r.HasProcessInfo);
    }

    [Fact]
    public void A_wow64_record_in_a_64_bit_trace_keeps_its_own_pointer_size()
    {
        using var dir = new TempDir();
        string path = dir.File("t.etl");
        var guid = Guid.NewGuid();
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { PointerSize = 8 }))
        {
            w.WriteEvent(0, new EventHeaderValues { ProviderId = guid, Id = 1001, Timestamp = 1_000_000_010, Is32Bit = true }, [0xDC, 0x06, 0, 0]);
            w.WriteEvent(0, new EventHeaderValues { ProviderId = guid, Id = 1001, Timestamp = 1_000_000_020 }, [0xDC, 0x06, 0, 0, 0, 0, 0, 0]);
        }
        using var reader = EtlReader.Open(path);
        Assert.Equal(8, reader.PointerSize);
        Assert.True(reader.TryRead(out _));
        Assert.True(reader.TryRead(out var wow));
        Assert.Equal(TraceHeaderType.EventHeader32, wow.HeaderType);
        Assert.Equal(4, wow.PointerSize);
        Assert.Equal(0x20, wow.EventFlags & 0x60);
        Assert.True(reader.TryRead(out var native));
        Assert.Equal(8, native.PointerSize);
        Assert.Equal(0x40, native.EventFlags & 0x60);
    }
}
