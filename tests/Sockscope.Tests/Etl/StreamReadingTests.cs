using System.Buffers.Binary;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Etl;

/// <summary>
/// A trace read from a stream that cannot seek (a pipe, a FIFO) gives what the file gives: the same records in the
/// same order, the same counts and the same problems, whenever its buffers are less out of order than the merge may
/// hold; beyond that every record still comes, late, counted and reported. Memory stays bounded whatever the input.
/// </summary>
/// <remarks>
/// Not beside other tests: these allocate tens of megabytes of buffers, which tests that count the whole process's
/// allocation would take for their own.
/// </remarks>
[Collection(nameof(StreamReadingTests))]
public class StreamReadingTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// What the stream's window may hold for the scanner to look ahead: the largest buffer (a size check reads it
    /// whole, and one byte more), plus the scanner's 1 MiB resynchronisation chunk and a buffer header after it, in
    /// whole chunks, plus the chunk being read into.
    /// </summary>
    private static long LookaheadBound(EtlReaderOptions options)
    {
        long asked = options.MaxBufferSize + (1 << 20) + 2 * WmiBufferHeader.Size + 8 + 1;
        long chunk = StreamTraceBytes.ChunkSize;
        return (asked + chunk - 1) / chunk * chunk + chunk;
    }

    /// <summary>
    /// Reads <paramref name="path"/> as a file and from <paramref name="stream"/> in step and fails at the first record
    /// that differs, then compares every count and the problems (as a set: a stream reports them as it reads, a file
    /// reader indexes a window first). Returns the stream's reader's memory figures.
    /// </summary>
    private static (long WindowPeak, long MergePeak) AssertSameAsFile(string path, Stream stream, EtlReaderOptions options)
    {
        using var file = EtlReader.Open(path, options);
        using var piped = EtlReader.Open(stream, path, options);
        Assert.Null(piped.Prefetcher);
        Assert.Equal(file.Header, piped.Header);
        Assert.Equal(file.PointerSize, piped.PointerSize);
        Assert.Equal(file.HeaderTimestamp, piped.HeaderTimestamp);
        long n = 0;
        while (true)
        {
            bool more = file.TryRead(out var a);
            Assert.True(more == piped.TryRead(out var b), $"record {n}: the file {(more ? "has more" : "ends")}, the stream does not");
            if (!more) break;
            if (a.HeaderType != b.HeaderType || a.ProviderId != b.ProviderId || a.Id != b.Id || a.Timestamp != b.Timestamp ||
                a.ProcessorIndex != b.ProcessorIndex || a.BufferOffset != b.BufferOffset || a.OffsetInBuffer != b.OffsetInBuffer ||
                a.InCompressedBuffer != b.InCompressedBuffer || !a.Raw.SequenceEqual(b.Raw))
            {
                Assert.Fail($"record {n} differs: file {a.HeaderType} {a.ProviderId} {a.Id} at {a.Timestamp} in buffer {a.BufferOffset}+{a.OffsetInBuffer} " +
                            $"on {a.ProcessorIndex}; stream {b.HeaderType} {b.ProviderId} {b.Id} at {b.Timestamp} in buffer {b.BufferOffset}+{b.OffsetInBuffer} on {b.ProcessorIndex}");
            }
            n++;
        }
        Assert.Equal(file.RecordsRead, piped.RecordsRead);
        Assert.Equal(file.BuffersFound, piped.BuffersFound);
        Assert.Equal(file.CompressedBuffers, piped.CompressedBuffers);
        Assert.Equal(file.BuffersWithEventsLost, piped.BuffersWithEventsLost);
        Assert.Equal(file.BuffersFlaggedLost, piped.BuffersFlaggedLost);
        Assert.Equal(file.Loss, piped.Loss);
        Assert.Equal(file.BytesProcessed, piped.BytesProcessed);
        Assert.Equal(file.FileLength, piped.FileLength);
        Assert.Equal(file.Diagnostics.ProblemCount, piped.Diagnostics.ProblemCount);
        Assert.Equal(file.Diagnostics.DamagedBuffers, piped.Diagnostics.DamagedBuffers);
        Assert.Equal(file.Diagnostics.BytesSkipped, piped.Diagnostics.BytesSkipped);
        Assert.Equal(0, piped.Diagnostics.RecordsOutOfOrder);
        Assert.Equal(Sorted(file.Diagnostics.Problems), Sorted(piped.Diagnostics.Problems));
        var window = (StreamTraceBytes)piped.Bytes;
        Assert.True(window.PeakHeld <= LookaheadBound(options), $"the stream's window held {window.PeakHeld} bytes, more than {LookaheadBound(options)}");
        return (window.PeakHeld, piped.StreamMerge!.PeakHeld);
    }

    private static List<EtlProblem> Sorted(IEnumerable<EtlProblem> problems) =>
        problems.OrderBy(p => p.Offset).ThenBy(p => p.Kind).ThenBy(p => p.Message, StringComparer.Ordinal).ToList();

    private static (long WindowPeak, long MergePeak) AssertSameAsFile(string path, EtlReaderOptions options, int maxRead = 7001) =>
        AssertSameAsFile(path, ForwardOnlyStream.Over(path, maxRead), options);

    public static IEnumerable<object[]> Scenarios()
    {
        foreach (string scenario in ScenarioSynthesizer.Names)
        foreach (bool compress in new[] { false, true })
        foreach (int pointerSize in new[] { 8, 4 })
            yield return [scenario, compress, pointerSize];
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Every_scenario_reads_the_same_from_a_stream_as_from_its_file(string scenario, bool compress, int pointerSize)
    {
        string path = _dir.File("s.etl");
        // Small buffers, so that even the small scenarios have many to merge.
        ScenarioSynthesizer.Write(path, new ScenarioOptions
        {
            Scenario = scenario, Compress = compress, PointerSize = pointerSize, Events = 20_000, Processors = 4,
            BufferSize = 4096, Seed = 3,
        });
        foreach (var order in new[] { RecordOrder.Time, RecordOrder.File })
            AssertSameAsFile(path, new EtlReaderOptions { Order = order });
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(16, false)]
    [InlineData(16, true)]
    public void Processor_counts_read_the_same(int processors, bool compress)
    {
        string path = _dir.File("p.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions
        {
            Scenario = "busy-host", Compress = compress, Events = 20_000, Processors = processors, BufferSize = 4096,
        });
        AssertSameAsFile(path, new EtlReaderOptions());
        AssertSameAsFile(path, new EtlReaderOptions { Order = RecordOrder.File });
    }

    public static IEnumerable<object[]> Layouts()
    {
        foreach (int pointer in new[] { 4, 8 })
        foreach (bool compress in new[] { false, true })
        foreach (var order in new[] { RecordOrder.Time, RecordOrder.File })
            yield return [pointer, compress, order];
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_header_kind_reads_the_same(int pointerSize, bool compress, RecordOrder order)
    {
        // WPP messages without a time stamp take the previous record's: per processor in time order, across
        // processors in file order; the stream must keep that too.
        var events = TraceModel.Make(4000, 3, TraceModel.AllTypes, seed: pointerSize + (compress ? 1 : 0));
        string path = TraceModel.Write(_dir.File("k.etl"), events,
            new EtlWriterOptions { PointerSize = pointerSize, Compress = compress, ProcessorCount = 3, BufferSize = 2048 });
        AssertSameAsFile(path, new EtlReaderOptions { Order = order });
    }

    [Theory]
    [InlineData(RecordOrder.Time, false)]
    [InlineData(RecordOrder.Time, true)]
    [InlineData(RecordOrder.File, false)]
    [InlineData(RecordOrder.File, true)]
    public void Windowed_merges_are_the_same(RecordOrder order, bool compress)
    {
        var events = TraceModel.Make(6000, 4, [TraceHeaderType.EventHeader64, TraceHeaderType.System64, TraceHeaderType.Message], seed: 5);
        string path = TraceModel.Write(_dir.File("w.etl"), events, new EtlWriterOptions { ProcessorCount = 4, BufferSize = 2048, Compress = compress });
        AssertSameAsFile(path, new EtlReaderOptions { Order = order, MergeWindowBuffers = 16 });
        AssertSameAsFile(path, new EtlReaderOptions { Order = order, MergeWindowBuffers = 37 });
        using var reader = EtlReader.Open(ForwardOnlyStream.Over(path), path, new EtlReaderOptions { Order = order, MergeWindowBuffers = 16 });
        while (reader.TryRead(out _)) { }
        Assert.Equal(order == RecordOrder.Time, reader.Diagnostics.Problems.Any(p => p.Kind == EtlProblemKind.OrderDegraded));
    }

    public static IEnumerable<object[]> RealTraces() =>
        from name in SharedSamples.TraceNames()
        from order in new object[] { RecordOrder.Time, RecordOrder.File }
        select new[] { name[0], order };

    [SharedSamplesTheory]
    [MemberData(nameof(RealTraces))]
    public void Real_traces_read_the_same(string name, RecordOrder order)
    {
        string path = SharedSamples.PathOf(name + ".etl");
        AssertSameAsFile(path, new EtlReaderOptions { Order = order });
    }

    [Fact]
    public void A_real_pipe_written_by_a_thread_reads_the_same()
    {
        string path = _dir.File("b.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "busy-host", Compress = true, Events = 100_000 });
        Assert.True(new FileInfo(path).Length > 16 * 65536, "the trace should be many times a pipe's capacity");
        var server = new AnonymousPipeServerStream(PipeDirection.Out);
        var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var writer = WriteOnThread(path, () => server);
        AssertSameAsFile(path, client, new EtlReaderOptions());
        writer.Join();
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo(string path, uint mode);

    [Fact]
    public void A_fifo_written_by_a_thread_reads_the_same()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return; // no mkfifo
        string path = _dir.File("b.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "busy-host", Events = 30_000 });
        string fifo = _dir.File("fifo");
        Assert.True(MakeFifo(fifo, Convert.ToUInt32("600", 8)) == 0, $"mkfifo failed: errno {Marshal.GetLastPInvokeError()}");
        // Opening either end waits for the other: the writer opens on its thread.
        var writer = WriteOnThread(path, () => new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0));
        var stream = new FileStream(fifo, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        Assert.False(stream.CanSeek);
        AssertSameAsFile(path, stream, new EtlReaderOptions());
        writer.Join();
    }

    /// <summary>Writes the file's bytes into the stream that <paramref name="open"/> gives, in 64 KiB writes, on a thread of its own.</summary>
    private static Thread WriteOnThread(string path, Func<Stream> open)
    {
        var bytes = File.ReadAllBytes(path);
        var thread = new Thread(() =>
        {
            try
            {
                using var output = open();
                for (int at = 0; at < bytes.Length; at += 65536) output.Write(bytes, at, Math.Min(65536, bytes.Length - at));
            }
            catch (IOException)
            {
                // The reading side gave up (a failed assertion): its failure is the one to see.
            }
        }) { IsBackground = true, Name = "pipe writer" };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// Processor 0 logs <paramref name="early"/> events first, but its buffer is flushed only after processor 1 has
    /// filled about <paramref name="between"/> bytes of buffers; then both log a little more.
    /// </summary>
    private string WriteFarOutOfOrder(int early, int between, bool compress)
    {
        string path = _dir.File(compress ? "far-c.etl" : "far.etl");
        var provider = new Guid("0b9a3c1e-4a5f-4c35-9d5e-6f0e8c2a7b11");
        // Random payloads, so that compressed buffers take about as much room as plain ones.
        var rng = new Random(17);
        var payload = new byte[96];
        using var w = EtlWriter.Create(path, new EtlWriterOptions { ProcessorCount = 2, BufferSize = 4096, Compress = compress });
        long t = 1_000_000_000;
        for (int i = 0; i < early; i++)
        {
            rng.NextBytes(payload);
            w.WriteEvent(0, new EventHeaderValues { ProviderId = provider, Id = 1, Timestamp = t += 10, ProcessId = 4, ThreadId = 8 }, payload);
        }
        // 0x50 bytes of header and 96 of payload: 22 records to a 4 KiB buffer.
        int records = (between / 4096 + 1) * 22;
        for (int i = 0; i < records; i++)
        {
            rng.NextBytes(payload);
            w.WriteEvent(1, new EventHeaderValues { ProviderId = provider, Id = 2, Timestamp = t += 10, ProcessId = 5, ThreadId = 9 }, payload);
        }
        w.Flush(0);
        for (int i = 0; i < 300; i++)
            w.WriteEvent(i % 2, new EventHeaderValues { ProviderId = provider, Id = 3, Timestamp = t += 10, ProcessId = 6, ThreadId = 10 }, payload);
        return path;
    }

    private sealed record Seen(long BufferOffset, int OffsetInBuffer, long Timestamp, ushort Processor, string Bytes);

    private static List<Seen> ReadAll(EtlReader reader)
    {
        var seen = new List<Seen>();
        while (reader.TryRead(out var r))
            seen.Add(new Seen(r.BufferOffset, r.OffsetInBuffer, r.Timestamp, r.ProcessorIndex, Convert.ToHexString(r.Raw)));
        return seen;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Buffers_too_far_out_of_order_still_give_every_record_counted_and_reported(bool compress)
    {
        const int early = 20;
        string path = WriteFarOutOfOrder(early, between: 4 << 20, compress);
        List<Seen> expected;
        using (var file = EtlReader.Open(path)) expected = ReadAll(file);
        long lateBuffer = expected[1].BufferOffset;
        Assert.True(lateBuffer > 2 << 20, $"processor 0's first buffer should lie after megabytes of processor 1's, at {lateBuffer}");
        Assert.True(expected.Skip(1).Take(early).All(s => s.Processor == 0 && s.BufferOffset == lateBuffer));

        var options = new EtlReaderOptions { StreamMergeBytes = 1 << 20 };
        using var piped = EtlReader.Open(ForwardOnlyStream.Over(path, 5003), path, options);
        var got = ReadAll(piped);
        // Every record, each once; processor 0's early ones come when their buffer does, after later records.
        Assert.Equal(expected.OrderBy(s => s.BufferOffset).ThenBy(s => s.OffsetInBuffer), got.OrderBy(s => s.BufferOffset).ThenBy(s => s.OffsetInBuffer));
        Assert.NotEqual(expected, got);
        int firstLate = got.FindIndex(s => s.BufferOffset == lateBuffer);
        Assert.True(firstLate > early, $"the late buffer's records came at {firstLate}");
        Assert.Equal(expected.Skip(1).Take(early), got.Skip(firstLate).Take(early));
        Assert.Equal(early, piped.Diagnostics.RecordsOutOfOrder);

        var problem = Assert.Single(piped.Diagnostics.Problems);
        Assert.Equal(EtlProblemKind.OrderDegraded, problem.Kind);
        Assert.Equal(lateBuffer, problem.Offset);
        Assert.Equal(path, problem.File);
        Assert.Contains("1 MiB", problem.Message);
        Assert.Contains($"{early} records of 1 buffer,", problem.Message);
        // At most one buffer read past the budget (4 KiB in memory, compressed or not).
        Assert.True(piped.StreamMerge!.PeakHeld <= options.StreamMergeBytes + 4096,
            $"the merge held {piped.StreamMerge.PeakHeld} bytes with a budget of {options.StreamMergeBytes}");

        // With room enough, the same stream reads exactly as the file.
        AssertSameAsFile(path, new EtlReaderOptions());
        AssertSameAsFile(path, new EtlReaderOptions { StreamMergeBytes = 8 << 20 });
    }

    /// <summary>
    /// Whatever the budget, the stream delivers every record of the file once; where its order differs from the
    /// file's, the records delivered after a later one are exactly the ones counted (the synthesizer's processors log
    /// in time order, so nothing else delivers a record after a later one), and one problem says so.
    /// </summary>
    [Theory]
    [InlineData(8 * 1024, false)]
    [InlineData(64 * 1024, true)]
    [InlineData(256 * 1024, false)]
    [InlineData(4 << 20, true)]
    public void Any_budget_gives_every_record_and_counts_the_late_ones(long budget, bool compress)
    {
        string path = _dir.File("bh.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "busy-host", Events = 20_000, Compress = compress, BufferSize = 4096, Processors = 6 });
        List<Seen> expected;
        using (var file = EtlReader.Open(path)) expected = ReadAll(file);
        var options = new EtlReaderOptions { StreamMergeBytes = budget };
        using var piped = EtlReader.Open(ForwardOnlyStream.Over(path, 3001), path, options);
        var got = ReadAll(piped);
        Assert.Equal(expected.OrderBy(s => s.BufferOffset).ThenBy(s => s.OffsetInBuffer), got.OrderBy(s => s.BufferOffset).ThenBy(s => s.OffsetInBuffer));

        long afterLater = 0;
        (long Stamp, int Processor) latest = (long.MinValue, -1);
        foreach (var s in got)
        {
            if ((s.Timestamp, (int)s.Processor).CompareTo(latest) < 0) afterLater++;
            else latest = (s.Timestamp, s.Processor);
        }
        Assert.Equal(afterLater, piped.Diagnostics.RecordsOutOfOrder);
        var degraded = piped.Diagnostics.Problems.Where(p => p.Kind == EtlProblemKind.OrderDegraded).ToList();
        if (afterLater == 0)
        {
            Assert.Equal(expected, got);
            Assert.Empty(degraded);
        }
        else
        {
            Assert.Contains($"{afterLater:N0} records", Assert.Single(degraded).Message);
        }
        if (budget == 8 * 1024) Assert.True(afterLater > 0, "so small a budget should deliver some records late");
        Assert.True(piped.StreamMerge!.PeakHeld <= budget + 4096, $"the merge held {piped.StreamMerge.PeakHeld} bytes with a budget of {budget}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Memory_stays_bounded_by_the_budget_and_the_lookahead(bool compress)
    {
        // About 12 MiB of 8 KiB buffers from four processors; the disorder fits in far less than the budget.
        var events = TraceModel.Make(60_000, 4, [TraceHeaderType.EventHeader64, TraceHeaderType.System64], seed: 9);
        string path = TraceModel.Write(_dir.File("m.etl"), events, new EtlWriterOptions { ProcessorCount = 4, BufferSize = 8192, Compress = compress });
        Assert.True(new FileInfo(path).Length > (compress ? 3 : 10) << 20);
        var options = new EtlReaderOptions { StreamMergeBytes = 512 * 1024, MaxBufferSize = 64 * 1024 };
        var (window, merge) = AssertSameAsFile(path, options);
        Assert.True(merge <= options.StreamMergeBytes + 8192, $"the merge held {merge} bytes");
        Assert.True(window <= 2 * StreamTraceBytes.ChunkSize, $"the stream's window held {window} bytes to read undamaged buffers");
    }

    private (string Path, long[] Buffers) MakeDamageable(bool compress)
    {
        var events = TraceModel.Make(3000, 2, [TraceHeaderType.EventHeader64, TraceHeaderType.System64, TraceHeaderType.PerfInfo64], seed: 11);
        string path = TraceModel.Write(_dir.File(compress ? "dc.etl" : "du.etl"), events,
            new EtlWriterOptions { Compress = compress, ProcessorCount = 2, BufferSize = 2048 });
        var offsets = new SortedSet<long>();
        using (var reader = EtlReader.Open(path, new EtlReaderOptions { Order = RecordOrder.File }))
            while (reader.TryRead(out var r)) offsets.Add(r.BufferOffset);
        return (path, offsets.ToArray());
    }

    private static void Patch(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
        f.Position = offset;
        f.Write(bytes);
    }

    private static EtlDiagnostics StreamDiagnostics(string path, EtlReaderOptions? options = null)
    {
        using var reader = EtlReader.Open(ForwardOnlyStream.Over(path, 999), path, options);
        while (reader.TryRead(out _)) { }
        return reader.Diagnostics;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_stream_cut_inside_a_buffer_gives_the_records_before_the_cut(bool compress)
    {
        var (path, buffers) = MakeDamageable(compress);
        long victim = buffers[^4];
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(victim + 700);
        AssertSameAsFile(path, new EtlReaderOptions());
        AssertSameAsFile(path, new EtlReaderOptions { Order = RecordOrder.File });
        var d = StreamDiagnostics(path);
        Assert.Contains(d.Problems, p => p.Offset == victim && p.Kind == EtlProblemKind.Truncated && p.File == path);
    }

    [Fact]
    public void A_stream_cut_inside_a_buffer_header_is_reported()
    {
        var (path, buffers) = MakeDamageable(compress: false);
        long victim = buffers[^1];
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(victim + 20);
        AssertSameAsFile(path, new EtlReaderOptions());
        Assert.Contains(StreamDiagnostics(path).Problems, p => p.Offset == victim && p.Kind == EtlProblemKind.Truncated);
    }

    [Theory]
    [InlineData(false, 333)]
    [InlineData(true, 333)]
    [InlineData(false, 3 << 20)]
    [InlineData(true, 3 << 20)]
    public void Garbage_in_the_middle_is_skipped_in_bounded_memory(bool compress, int garbageBytes)
    {
        var (path, buffers) = MakeDamageable(compress);
        var bytes = File.ReadAllBytes(path).ToList();
        int at = (int)buffers[buffers.Length / 2];
        var garbage = new byte[garbageBytes];
        new Random(5).NextBytes(garbage);
        bytes.InsertRange(at, garbage);
        File.WriteAllBytes(path, bytes.ToArray());
        // A small largest buffer keeps the lookahead's bound far below the garbage: holding it all would fail.
        var options = new EtlReaderOptions { MaxBufferSize = 64 * 1024 };
        var (window, _) = AssertSameAsFile(path, options);
        Assert.True(window <= LookaheadBound(options), $"the window held {window} bytes");
        var d = StreamDiagnostics(path, options);
        Assert.Contains(d.Problems, p => p.Offset == at && p.Kind == EtlProblemKind.BadBuffer);
        Assert.Contains(d.Problems, p => p.Offset == at + garbageBytes && p.Kind == EtlProblemKind.Resynchronised);
        Assert.Equal(garbageBytes, d.BytesSkipped);
    }

    [Fact]
    public void Many_damaged_buffers_in_a_row_are_skipped_in_bounded_memory()
    {
        // 400 buffers of 8 KiB (3.2 MiB) whose headers claim more records than they hold.
        var events = TraceModel.Make(40_000, 2, [TraceHeaderType.EventHeader64, TraceHeaderType.System64], seed: 15);
        string path = TraceModel.Write(_dir.File("row.etl"), events, new EtlWriterOptions { ProcessorCount = 2, BufferSize = 8192 });
        long length = new FileInfo(path).Length;
        Assert.True(length > 500 * 8192L);
        for (long at = 40 * 8192L; at < 440 * 8192L; at += 8192) Patch(path, at + 0x30, BitConverter.GetBytes(9000u));
        var options = new EtlReaderOptions { MaxBufferSize = 64 * 1024 };
        var (window, _) = AssertSameAsFile(path, options);
        Assert.True(window <= LookaheadBound(options), $"the window held {window} bytes");
        var d = StreamDiagnostics(path, options);
        // How the damage is judged is the scanner's (ResynchronisationTests); here: the stream met it where the file does.
        Assert.Equal(40 * 8192L, d.Problems[0].Offset);
    }

    [Fact]
    public void A_session_buffer_size_beyond_the_limit_probes_nothing_far_ahead()
    {
        // The logfile header claims 1 GiB buffers, and a damaged buffer makes the scanner look for the next one: on a
        // stream, probing where a 1 GiB buffer would end would hold everything up to there.
        var events = TraceModel.Make(20_000, 2, [TraceHeaderType.EventHeader64, TraceHeaderType.System64], seed: 19);
        string path = TraceModel.Write(_dir.File("big.etl"), events, new EtlWriterOptions { ProcessorCount = 2, BufferSize = 8192 });
        Assert.True(new FileInfo(path).Length > 3 << 20);
        // TRACE_LOGFILE_HEADER.BufferSize: the payload's first field, after the 0x20-byte system header of the first record.
        long field = WmiBufferHeader.Size + 0x20;
        Assert.Equal(8192u, BitConverter.ToUInt32(File.ReadAllBytes(path), (int)field));
        Patch(path, field, BitConverter.GetBytes(1u << 30));
        Patch(path, 8 * 8192, BitConverter.GetBytes(0xFFFFFFF0u));
        var options = new EtlReaderOptions { MaxBufferSize = 64 * 1024 };
        var (window, _) = AssertSameAsFile(path, options);
        Assert.True(window <= LookaheadBound(options), $"the window held {window} bytes");
        Assert.Contains(StreamDiagnostics(path, options).Problems, p => p.Offset == 8 * 8192 && p.Kind == EtlProblemKind.BadBuffer);
    }

    [Fact]
    public void A_processor_going_back_in_time_is_read_as_the_file_reads_it_not_reported_late()
    {
        // Processor 0's second buffer starts before its first ends (a clock step): the file reader delivers it as it
        // comes, after the first. A stream with no room to read ahead runs dry between the two, with nothing else
        // delivered meanwhile: that is no buffer arriving late.
        string path = _dir.File("back.etl");
        var provider = Guid.NewGuid();
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { ProcessorCount = 2, BufferSize = 2048 }))
        {
            foreach (long start in new long[] { 1_000_010_000, 1_000_005_000, 1_000_020_000 })
            {
                for (int i = 0; i < 8; i++)
                    w.WriteEvent(0, new EventHeaderValues { ProviderId = provider, Id = (ushort)i, Timestamp = start + i }, [1, 2, 3]);
                w.Flush(0);
            }
            w.WriteEvent(1, new EventHeaderValues { ProviderId = provider, Id = 99, Timestamp = 1_000_030_000 }, [4]);
        }
        AssertSameAsFile(path, new EtlReaderOptions { StreamMergeBytes = 1 });
    }

    [Fact]
    public void Damaged_records_and_compressed_streams_are_the_files_problems()
    {
        var (path, buffers) = MakeDamageable(compress: true);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(path).AsSpan((int)buffers[4]));
        Patch(path, buffers[4] + WmiBufferHeader.Size + (size - WmiBufferHeader.Size) / 2, Enumerable.Repeat((byte)0xFF, 64).ToArray());
        Patch(path, buffers[9] + 0x2C, [4, 0]);
        Patch(path, buffers[14] + WmiBufferHeader.Size + 40, new byte[300]);
        Patch(path, buffers[20], [0xF0, 0xFF, 0xFF, 0xFF]);
        AssertSameAsFile(path, new EtlReaderOptions());
        AssertSameAsFile(path, new EtlReaderOptions { Order = RecordOrder.File, MergeWindowBuffers = 7 });
        var d = StreamDiagnostics(path);
        Assert.Contains(d.Problems, p => p.Offset == buffers[4] && p.Kind == EtlProblemKind.BadCompression);
        Assert.Contains(d.Problems, p => p.Offset == buffers[9] && p.Kind == EtlProblemKind.BadBuffer);
        Assert.Contains(d.Problems, p => p.Offset == buffers[14]);
        Assert.Contains(d.Problems, p => p.Offset == buffers[20] && p.Kind == EtlProblemKind.BadBuffer);
        Assert.Contains(d.Problems, p => p.Offset == buffers[21] && p.Kind == EtlProblemKind.Resynchronised);
    }

    /// <summary>
    /// Damage of every kind the fuzzer makes, at fixed seeds: a stream reads each damaged trace as its file reads,
    /// or refuses it with the same message.
    /// </summary>
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public void Mutated_traces_read_the_same_from_a_stream(bool compress, int seed)
    {
        var events = TraceModel.Make(600, 3, TraceModel.AllTypes, seed: 23);
        string clean = TraceModel.Write(_dir.File("clean.etl"), events, new EtlWriterOptions { Compress = compress, ProcessorCount = 3, BufferSize = 2048 });
        var original = File.ReadAllBytes(clean);
        var offsets = new List<int>();
        for (int at = 0; at + 4 <= original.Length && offsets.Count < 10_000;)
        {
            offsets.Add(at);
            int size = BitConverter.ToInt32(original, at);
            if (size <= 0) break;
            at += size;
        }
        var rng = new Random(seed);
        string path = _dir.File("mutant.etl");
        int refused = 0;
        for (int round = 0; round < 150; round++)
        {
            var bytes = original.ToList();
            for (int m = 1 + rng.Next(3); m > 0; m--)
            {
                int at = rng.Next(3) == 0 ? rng.Next(bytes.Count) : Math.Min(bytes.Count - 1, offsets[rng.Next(offsets.Count)] + rng.Next(0x60));
                switch (rng.Next(5))
                {
                    case 0: bytes[at] ^= (byte)(1 << rng.Next(8)); break;
                    case 1:
                        var edge = new[] { 0u, 1u, 0x48u, 0x7FFFFFFFu, 0xFFFFFFFFu, 0x10000u }[rng.Next(6)];
                        for (int k = 0; k < 4 && at + k < bytes.Count; k++) bytes[at + k] = (byte)(edge >> (8 * k));
                        break;
                    case 2: bytes.RemoveRange(at, bytes.Count - at); break;
                    case 3: bytes.InsertRange(at, Enumerable.Range(0, 1 + rng.Next(3000)).Select(_ => (byte)rng.Next(256))); break;
                    default: bytes.RemoveRange(at, Math.Min(bytes.Count - at, rng.Next(5000))); break;
                }
                if (bytes.Count == 0) bytes.Add(0);
            }
            File.WriteAllBytes(path, bytes.ToArray());
            EtlFormatException? fromFile = null;
            try
            {
                using var reader = EtlReader.Open(path);
            }
            catch (EtlFormatException e)
            {
                fromFile = e;
            }
            if (fromFile is not null)
            {
                refused++;
                var e = Assert.Throws<EtlFormatException>(() => EtlReader.Open(ForwardOnlyStream.Over(path, 4001), path));
                Assert.Equal(fromFile.Message, e.Message);
                continue;
            }
            foreach (var order in new[] { RecordOrder.Time, RecordOrder.File })
                AssertSameAsFile(path, new EtlReaderOptions { Order = order });
        }
        Assert.InRange(refused, 1, 100);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(600)]
    public void Not_an_etl_stream_is_refused_with_its_name_and_the_stream_closed(int length)
    {
        string path = _dir.File("junk");
        File.WriteAllBytes(path, Enumerable.Range(0, length).Select(i => (byte)('a' + i % 26)).ToArray());
        var stream = ForwardOnlyStream.Over(path);
        var e = Assert.Throws<EtlFormatException>(() => EtlReader.Open(stream, "-"));
        Assert.Equal("-", e.File);
        Assert.StartsWith("-: offset ", e.Message);
        Assert.True(stream.Disposed, "the reader owns the stream, and closes it when it refuses it");
    }

    [Fact]
    public void The_reader_closes_its_stream()
    {
        var (path, _) = MakeDamageable(compress: false);
        var stream = ForwardOnlyStream.Over(path);
        var reader = EtlReader.Open(stream, "-", new EtlReaderOptions { StreamMergeBytes = 16 * 1024 });
        Assert.True(reader.TryRead(out _));
        Assert.Null(((StreamTraceBytes)reader.Bytes).Length);
        reader.Dispose();
        Assert.True(stream.Disposed);
    }

    [Fact]
    public void Reading_before_what_was_released_is_a_bug()
    {
        var bytes = new byte[1 << 20];
        new Random(1).NextBytes(bytes);
        using var window = new StreamTraceBytes(new ForwardOnlyStream(new MemoryStream(bytes), maxRead: 1000));
        var got = new byte[300_000];
        Assert.Equal(got.Length, window.Read(got, 100_000));
        Assert.True(got.AsSpan().SequenceEqual(bytes.AsSpan(100_000, got.Length)));
        Assert.Null(window.Length);
        window.Release(400_000);
        Assert.Throws<InvalidOperationException>(() => window.Read(got.AsSpan(0, 10), 399_999));
        Assert.Throws<InvalidOperationException>(() => window.Available(5, 1));
        // Chunks wholly before the released point are dropped; the rest reads on.
        Assert.True(window.Held <= 2 * StreamTraceBytes.ChunkSize, $"{window.Held} bytes held");
        Assert.Equal(10, window.Read(got.AsSpan(0, 10), 400_000));
        Assert.True(got.AsSpan(0, 10).SequenceEqual(bytes.AsSpan(400_000, 10)));
        Assert.Equal(100, window.Available(bytes.Length - 100, 1000));
        Assert.Equal(bytes.Length, window.Length);
        Assert.Equal(0, window.Read(got, bytes.Length));
    }

    [Fact]
    public void The_merge_keeps_a_few_arrays_for_reuse_and_no_more()
    {
        using var memory = new MergeMemory();
        var taken = Enumerable.Range(0, 200).Select(_ => memory.Rent(60_000)).ToArray();
        Assert.All(taken, a => Assert.Equal(65536, a.Length));
        Assert.Equal(200 * 65536L, memory.Held);
        for (int i = 0; i < taken.Length; i++) memory.Return(ref taken[i]);
        Assert.All(taken, a => Assert.Empty(a));
        Assert.Equal(0, memory.Held);
        Assert.Equal(200 * 65536L, memory.PeakHeld);
        Assert.Equal(MergeMemory.FreeBytes, memory.Kept);
        // Taken again from what was kept: no new array while the kept ones last.
        var again = memory.Rent(65536);
        Assert.Equal(MergeMemory.FreeBytes - 65536, memory.Kept);
        memory.Return(ref again);
        // Arrays larger than the free list's share: two of them at most.
        var big = Enumerable.Range(0, 5).Select(_ => memory.Rent(8 << 20)).ToArray();
        for (int i = 0; i < big.Length; i++) memory.Return(ref big[i]);
        Assert.True(memory.Kept <= 2L * (8 << 20), $"{memory.Kept} bytes kept");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reading_a_stream_allocates_nothing_per_record_once_warm(bool compress)
    {
        var events = TraceModel.Make(40_000, 4, [TraceHeaderType.EventHeader64, TraceHeaderType.System64], seed: 13);
        string path = TraceModel.Write(_dir.File("a.etl"), events, new EtlWriterOptions { ProcessorCount = 4, BufferSize = 4096, Compress = compress });
        using var reader = EtlReader.Open(ForwardOnlyStream.Over(path), path, new EtlReaderOptions { StreamMergeBytes = 128 * 1024 });
        for (int i = 0; i < 2000; i++) Assert.True(reader.TryRead(out _));
        NoAllocation.Assert(() =>
        {
            // Some 300 buffers a round: each read from the stream, queued, loaded and given back to the pool.
            for (int i = 0; i < 5000; i++) Assert.True(reader.TryRead(out _));
        });
    }
}

/// <summary>Runs <see cref="StreamReadingTests"/> alone, after the tests that run in parallel.</summary>
[CollectionDefinition(nameof(StreamReadingTests), DisableParallelization = true)]
public sealed class StreamReadingCollection;
