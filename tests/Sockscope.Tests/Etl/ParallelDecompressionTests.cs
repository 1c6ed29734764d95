using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Etl;

/// <summary>
/// Decompressing XPRESS buffers on a second core changes nothing but the time: the same records, bytes, order,
/// offsets, problems and progress as on the reading thread alone, whatever the order, window size or damage; and a
/// reader disposed half-way stops its worker and gives its arrays back.
/// </summary>
public class ParallelDecompressionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A compressed trace of many small buffers; with <paramref name="skewed"/>, processor 0 writes most events.</summary>
    private string MakeTrace(string name, int events, int processors, bool skewed = false, int bufferSize = 4096, int seed = 21)
    {
        var model = TraceModel.Make(events, processors, TraceModel.AllTypes, seed);
        if (skewed)
        {
            var rng = new Random(seed);
            model = model.Select(e => e with { Processor = rng.Next(10) < 8 ? 0 : 1 + rng.Next(processors - 1) }).ToList();
        }
        return TraceModel.Write(_dir.File(name), model,
            new EtlWriterOptions { Compress = true, ProcessorCount = processors, BufferSize = bufferSize });
    }

    /// <summary>
    /// Reads the file with two readers in step, prefetch off and on, and fails at the first difference in a record,
    /// in the bytes processed so far or in the problems found so far. Returns how many buffers the worker
    /// decompressed, and how many of those it was given the reading thread decompressed itself.
    /// </summary>
    private static (long Prefetched, long Inline) AssertSameReading(string path, EtlReaderOptions options, Pace pace = Pace.Now_and_then)
    {
        using var serial = EtlReader.Open(path, options with { ParallelDecompression = false });
        using var parallel = EtlReader.Open(path, options with { ParallelDecompression = true });
        long n = 0;
        while (true)
        {
            if (pace == Pace.Worker_first) WaitForTheWorker(parallel);
            bool more = serial.TryRead(out var a);
            Assert.Equal(more, parallel.TryRead(out var b));
            if (!more) break;
            if (!a.Raw.SequenceEqual(b.Raw) || a.Timestamp != b.Timestamp || a.ProcessorIndex != b.ProcessorIndex ||
                a.BufferOffset != b.BufferOffset || a.OffsetInBuffer != b.OffsetInBuffer || a.InCompressedBuffer != b.InCompressedBuffer)
            {
                Assert.Fail($"record {n} differs: buffer {a.BufferOffset}+{a.OffsetInBuffer} at {a.Timestamp} on {a.ProcessorIndex}, " +
                            $"prefetched buffer {b.BufferOffset}+{b.OffsetInBuffer} at {b.Timestamp} on {b.ProcessorIndex}");
            }
            if (serial.BytesProcessed != parallel.BytesProcessed || serial.Diagnostics.ProblemCount != parallel.Diagnostics.ProblemCount)
            {
                Assert.Fail($"after record {n}: {serial.BytesProcessed} bytes and {serial.Diagnostics.ProblemCount} problems, " +
                            $"prefetched {parallel.BytesProcessed} bytes and {parallel.Diagnostics.ProblemCount} problems");
            }
            n++;
            // Let the worker get ahead now and then, so that results wait in every slot, not only the one in hand.
            if (pace == Pace.Now_and_then && n % 400 == 0) Thread.Sleep(1);
        }
        Assert.Equal(serial.RecordsRead, parallel.RecordsRead);
        Assert.Equal(serial.BytesProcessed, parallel.BytesProcessed);
        Assert.Equal(serial.Diagnostics.Problems, parallel.Diagnostics.Problems);
        Assert.Equal(serial.Diagnostics.DamagedBuffers, parallel.Diagnostics.DamagedBuffers);
        Assert.Equal(serial.Diagnostics.BytesSkipped, parallel.Diagnostics.BytesSkipped);
        Assert.Null(serial.Prefetcher);
        Assert.Null(parallel.Prefetcher?.Fault);
        return (parallel.Prefetcher?.Prefetched ?? 0, parallel.Prefetcher?.DecompressedInline ?? 0);
    }

    public enum Pace
    {
        /// <summary>As fast as the readers go.</summary>
        None,
        /// <summary>A millisecond's pause every 400 records, so that results wait in every slot now and then.</summary>
        Now_and_then,
        /// <summary>Before every record, until the worker sleeps: it has decompressed all it may, so nearly every buffer is its.</summary>
        Worker_first,
    }

    private static void WaitForTheWorker(EtlReader reader)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (reader.Prefetcher is { Idle: false } && DateTime.UtcNow < deadline) Thread.Yield();
    }

    public static IEnumerable<object[]> Readings()
    {
        foreach (var order in new[] { RecordOrder.Time, RecordOrder.File })
        foreach (int window in new[] { 16, 37, 1 << 20 })
        foreach (bool skewed in new[] { false, true })
        foreach (var pace in new[] { Pace.None, Pace.Now_and_then, Pace.Worker_first })
            yield return [order, window, skewed, pace];
    }

    [Theory]
    [MemberData(nameof(Readings))]
    public void Records_are_the_same_with_and_without_prefetch(RecordOrder order, int window, bool skewed, Pace pace)
    {
        string path = MakeTrace("t.etl", 12000, 4, skewed);
        var (prefetched, inline) = AssertSameReading(path, new EtlReaderOptions { Order = order, MergeWindowBuffers = window }, pace);
        if (pace != Pace.None) Assert.True(prefetched > 0, "the worker should have decompressed some buffers");
        if (pace == Pace.Worker_first) Assert.True(prefetched > inline, $"the worker should have decompressed most buffers, not {prefetched} of {prefetched + inline}");
    }

    [Fact]
    public void A_window_read_in_file_order_for_want_of_memory_is_the_same_too()
    {
        string path = MakeTrace("t.etl", 6000, 4);
        using (var reader = EtlReader.Open(path, new EtlReaderOptions { MergeMemoryBudget = 1 }))
        {
            while (reader.TryRead(out _)) { }
            Assert.Contains(reader.Diagnostics.Problems, p => p.Kind == EtlProblemKind.OrderDegraded);
        }
        AssertSameReading(path, new EtlReaderOptions { MergeMemoryBudget = 1, MergeWindowBuffers = 50 });
    }

    [Fact]
    public void Many_processors_share_the_lookahead()
    {
        string path = MakeTrace("t.etl", 20000, 40, bufferSize: 2048);
        AssertSameReading(path, new EtlReaderOptions { MergeWindowBuffers = 300 });
    }

    [SharedSamplesFact]
    public void A_real_compressed_trace_reads_the_same()
    {
        // PerfView's net.4.5.2 trace: 359 XPRESS buffers from 8 processors, written by Windows.
        AssertSameReading(SharedSamples.PathOf("perfview_net.4.5.2.x64.etl"), new EtlReaderOptions());
        AssertSameReading(SharedSamples.PathOf("perfview_net.4.5.2.x64.etl"), new EtlReaderOptions { MergeWindowBuffers = 40 });
        AssertSameReading(SharedSamples.PathOf("perfview_net.4.5.2.x64.etl"), new EtlReaderOptions { Order = RecordOrder.File });
    }

    private static long[] CompressedBufferOffsets(string path)
    {
        var offsets = new SortedSet<long>();
        using var reader = EtlReader.Open(path, new EtlReaderOptions { Order = RecordOrder.File, ParallelDecompression = false });
        while (reader.TryRead(out var r))
            if (r.InCompressedBuffer) offsets.Add(r.BufferOffset);
        return offsets.ToArray();
    }

    private static void Patch(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
        f.Position = offset;
        f.Write(bytes);
    }

    private static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }

    private static uint ReadU32(string path, long offset)
    {
        using var f = File.OpenHandle(path);
        var b = new byte[4];
        RandomAccess.Read(f, b, offset);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    [Theory]
    [InlineData(RecordOrder.Time, 16)]
    [InlineData(RecordOrder.Time, 1 << 20)]
    [InlineData(RecordOrder.File, 16)]
    [InlineData(RecordOrder.File, 1 << 20)]
    public void Damaged_compressed_buffers_give_the_same_problems_in_the_same_order(RecordOrder order, int window)
    {
        string path = MakeTrace("t.etl", 8000, 4);
        var offsets = CompressedBufferOffsets(path);
        Assert.True(offsets.Length > 60, $"only {offsets.Length} compressed buffers");

        // A damaged stream: flags words of all ones, then matches reaching before the start of the output.
        long junk = offsets[5];
        Patch(path, junk + WmiBufferHeader.Size + (ReadU32(path, junk) - WmiBufferHeader.Size) / 2, Enumerable.Repeat((byte)0xFF, 64).ToArray());
        // A stated size smaller than the stream (it decompresses past it, or its last record runs past it), and one
        // larger (the stream ends before it).
        Patch(path, offsets[11] + 4, U32(WmiBufferHeader.Size + 200));
        Patch(path, offsets[17] + 4, U32(ReadU32(path, offsets[17] + 4) + 512));
        // Zeros in the middle of a stream: literals that frame as bad records.
        long zeros = offsets[23];
        Patch(path, zeros + WmiBufferHeader.Size + 40, new byte[300]);
        // A compression format no Windows writes: the scanner's problem, between the decompression problems.
        Patch(path, offsets[29] + 0x2C, [4, 0]);
        // The file ends inside a compressed buffer: its stream is cut short.
        long last = offsets[^2];
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(last + WmiBufferHeader.Size + (ReadU32(path, last) - WmiBufferHeader.Size) / 3);

        AssertSameReading(path, new EtlReaderOptions { Order = order, MergeWindowBuffers = window }, Pace.Now_and_then);
        var (prefetched, inline) = AssertSameReading(path, new EtlReaderOptions { Order = order, MergeWindowBuffers = window }, Pace.Worker_first);
        Assert.True(prefetched > inline, $"the worker should have decompressed most buffers (damaged ones among them), not {prefetched} of {prefetched + inline}");

        using var reader = EtlReader.Open(path, new EtlReaderOptions { Order = order, MergeWindowBuffers = window });
        while (reader.TryRead(out _)) { }
        var kinds = reader.Diagnostics.Problems.Select(p => p.Kind).ToHashSet();
        Assert.Contains(EtlProblemKind.BadCompression, kinds);
        Assert.Contains(EtlProblemKind.BadBuffer, kinds);
        Assert.Contains(EtlProblemKind.Truncated, kinds);
        Assert.Contains(reader.Diagnostics.Problems, p => p.Offset == junk && p.Kind == EtlProblemKind.BadCompression);
        Assert.Contains(reader.Diagnostics.Problems, p => p.Offset == offsets[11]);
        Assert.Contains(reader.Diagnostics.Problems, p => p.Offset == zeros);
        Assert.Contains(reader.Diagnostics.Problems, p => p.Offset == offsets[17] && p.Fault?.Kind == EtlFaultKind.XpressShort
            && p.Fault.Value.B == ReadU32(path, offsets[17] + 4) - WmiBufferHeader.Size);
        Assert.Contains(reader.Diagnostics.Problems, p => p.Offset == last && p.Kind == EtlProblemKind.BadCompression);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(3000)]
    [InlineData(11990)]
    public void Disposing_half_way_stops_the_worker_and_returns_its_arrays(int records)
    {
        string path = MakeTrace("t.etl", 12000, 4);
        for (int round = 0; round < 5; round++)
        {
            var reader = EtlReader.Open(path, new EtlReaderOptions { MergeWindowBuffers = round % 2 == 0 ? 1 << 20 : 24 });
            for (int i = 0; i < records && reader.TryRead(out _); i++)
                if (round >= 3 && i % 500 == 0) Thread.Sleep(1);
            // Now and then give the worker time to fill every slot, and to be in the middle of a buffer.
            if (round == 4) Thread.Sleep(5);
            var prefetcher = reader.Prefetcher;
            reader.Dispose();
            Assert.True(records == 0 || prefetcher is not null, "reading should have started the worker");
            if (prefetcher is not null) Assert.True(prefetcher.Released, "the worker should be stopped with its arrays returned");
            reader.Dispose();
        }
    }

    [Fact]
    public void Off_small_or_uncompressed_reads_start_no_worker()
    {
        string compressed = MakeTrace("c.etl", 6000, 2);
        string small = MakeTrace("s.etl", 20, 2);
        string plain = TraceModel.Write(_dir.File("u.etl"), TraceModel.Make(6000, 2, TraceModel.AllTypes, 3),
            new EtlWriterOptions { ProcessorCount = 2, BufferSize = 4096 });
        Assert.Null(ReadAll(compressed, prefetch: false));
        Assert.Null(ReadAll(small, prefetch: true));
        Assert.Null(ReadAll(plain, prefetch: true));
        Assert.NotNull(ReadAll(compressed, prefetch: true));

        static object? ReadAll(string path, bool prefetch)
        {
            using var reader = EtlReader.Open(path, new EtlReaderOptions { ParallelDecompression = prefetch });
            while (reader.TryRead(out _)) { }
            return reader.Prefetcher;
        }
    }

    [Fact]
    public void A_read_that_fails_on_the_worker_fails_on_the_reading_thread()
    {
        string path = MakeTrace("t.etl", 6000, 2);
        var window = new List<BufferEntry>();
        using (var reader = EtlReader.Open(path, new EtlReaderOptions { ParallelDecompression = false }))
        {
            var scanner = new BufferScanner(reader.Bytes, path, reader.Header.BufferSize, true, 2,
                EtlReaderOptions.Default, reader.Diagnostics);
            while (scanner.TryNext(out var e)) if (e.Processor == 0 && (e.Flags & WmiBufferFlags.Compressed) != 0) window.Add(e);
        }
        Assert.True(window.Count >= BufferPrefetcher.MinimumBuffers);
        var closed = new FileTraceBytes(File.OpenHandle(path), new FileInfo(path).Length);
        closed.Dispose();
        using var prefetcher = new BufferPrefetcher(closed);
        prefetcher.BeginWindow(window, [Enumerable.Range(0, window.Count).ToList()]);
        // Take the worker's results: the read's exception comes out here. Whether the worker or (had it not got there)
        // this thread made the read, it fails the same way, so the wait only makes the worker's path the likely one.
        byte[] data = [];
        bool thrown = false;
        for (int i = 0; i < window.Count && !thrown; i++)
        {
            int index = i;
            SpinWait.SpinUntil(() => prefetcher.HasResultFor(index), TimeSpan.FromSeconds(30));
            try
            {
                prefetcher.TryTake(i, ref data, out _);
            }
            catch (ObjectDisposedException)
            {
                thrown = true;
            }
        }
        Assert.True(thrown, "the worker's read of a closed file should fail on the reading thread");
    }

    [Fact]
    public void The_load_order_wants_a_quiet_processors_next_buffer_when_its_last_one_ends()
    {
        // Processor 0 flushes a buffer every 10 ticks, processor 1 at 15 and 95: in file order, processor 1's second
        // buffer comes after processor 0's at 90, but the merge wants it once it passes 15.
        var window = new List<BufferEntry>();
        foreach (long t in new long[] { 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100 })
            window.Add(new BufferEntry { Offset = window.Count * 100, Size = 100, MemorySize = 200, TimeStamp = t,
                Processor = (ushort)(t is 15 or 95 ? 1 : 0), Flags = WmiBufferFlags.Compressed });
        var streams = new List<List<int>>
        {
            Enumerable.Range(0, window.Count).Where(i => window[i].Processor == 0).ToList(),
            Enumerable.Range(0, window.Count).Where(i => window[i].Processor == 1).ToList(),
        };
        var order = new int[window.Count];
        var positionOf = new int[window.Count];
        int count = LoadOrder.Build(window, streams, order, positionOf);
        Assert.Equal(window.Count, count);
        Assert.Equal(new long[] { 10, 15, 20, 95, 30, 40, 50, 60, 70, 80, 90, 100 }, order.Select(i => window[i].TimeStamp));
        for (int p = 0; p < count; p++) Assert.Equal(p, positionOf[order[p]]);
    }

    [Fact]
    public void The_load_order_keeps_each_processors_own_order_whatever_the_stamps_say()
    {
        var window = new List<BufferEntry>();
        foreach (long t in new long[] { 50, 10, 40, 20, 30, 0 })
            window.Add(new BufferEntry { Offset = window.Count * 100, Size = 100, MemorySize = 200, TimeStamp = t,
                Processor = (ushort)(window.Count % 2), Flags = window.Count == 4 ? WmiBufferFlags.None : WmiBufferFlags.Compressed });
        var streams = new List<List<int>> { new() { 0, 2, 4 }, new() { 1, 3, 5 } };
        var order = new int[window.Count];
        var positionOf = new int[window.Count];
        int count = LoadOrder.Build(window, streams, order, positionOf);
        Assert.Equal(5, count);
        Assert.Equal(-1, positionOf[4]);
        var got = order[..count];
        Assert.True(Array.IndexOf(got, 0) < Array.IndexOf(got, 2));
        Assert.True(Array.IndexOf(got, 1) < Array.IndexOf(got, 3) && Array.IndexOf(got, 3) < Array.IndexOf(got, 5));
    }
}
