using System.Buffers.Binary;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Etl;

/// <summary>
/// One test per kind of damage: the reader reports the file and byte offset, stops only the damaged buffer, and
/// still delivers every intact event. The class runs alone, after the parallel tests: one of its tests measures the
/// bytes the process allocates, which another test running at the same moment would add to.
/// </summary>
[Collection(nameof(Synthesis.MemoryMeasurement))]
public class DamagedInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Where a record of the clean file lies.</summary>
    private sealed record Placed(long BufferOffset, int OffsetInBuffer, long Timestamp, int Size);

    private (string path, List<Placed> layout) MakeTrace(bool compress, int events = 400)
    {
        var model = TraceModel.Make(events, 2, [TraceHeaderType.EventHeader64, TraceHeaderType.System64, TraceHeaderType.PerfInfo64], seed: 11);
        string path = TraceModel.Write(_dir.File(compress ? "c.etl" : "u.etl"), model,
            new EtlWriterOptions { Compress = compress, ProcessorCount = 2, BufferSize = 2048 });
        var layout = new List<Placed>();
        using var reader = EtlReader.Open(path, new EtlReaderOptions { Order = RecordOrder.File });
        while (reader.TryRead(out var r)) layout.Add(new Placed(r.BufferOffset, r.OffsetInBuffer, r.Timestamp, r.Size));
        Assert.True(layout.Select(p => p.BufferOffset).Distinct().Count() >= 8, "the trace should span many buffers");
        return (path, layout);
    }

    private static (HashSet<long> stamps, EtlDiagnostics diagnostics) ReadAll(string path)
    {
        var stamps = new HashSet<long>();
        using var reader = EtlReader.Open(path);
        while (reader.TryRead(out var r)) stamps.Add(r.Timestamp);
        return (stamps, reader.Diagnostics);
    }

    private static long[] BufferOffsets(List<Placed> layout) => layout.Select(p => p.BufferOffset).Distinct().Order().ToArray();

    private static void Patch(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
        f.Position = offset;
        f.Write(bytes);
    }

    private static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    private static byte[] U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); return b; }

    private static void AssertProblem(EtlDiagnostics d, string path, long offset, EtlProblemKind kind)
    {
        var p = d.Problems.FirstOrDefault(p => p.Offset == offset && p.Kind == kind);
        Assert.True(p is not null, $"expected a {kind} problem at offset {offset}; got: {string.Join(" | ", d.Problems)}");
        Assert.Equal(path, p!.File);
        Assert.Contains(path, p.ToString());
        Assert.Contains($"offset {offset}", p.ToString());
    }

    private static void AssertDelivered(HashSet<long> got, IEnumerable<Placed> expected, IEnumerable<Placed> all)
    {
        foreach (var e in expected) Assert.True(got.Contains(e.Timestamp), $"intact record at buffer {e.BufferOffset}+{e.OffsetInBuffer} was not delivered");
        var known = all.Select(a => a.Timestamp).ToHashSet();
        Assert.True(got.IsSubsetOf(known), "the reader made up records");
    }

    [Fact]
    public void Truncated_file_inside_a_buffer_keeps_the_whole_records_before_the_cut()
    {
        var (path, layout) = MakeTrace(compress: false);
        long victim = BufferOffsets(layout)[5];
        long cut = victim + 700;
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(cut);
        var (got, d) = ReadAll(path);
        AssertProblem(d, path, victim, EtlProblemKind.Truncated);
        var intact = layout.Where(p => p.BufferOffset < victim || (p.BufferOffset == victim && p.OffsetInBuffer + p.Size <= 700)).ToList();
        Assert.Contains(intact, p => p.BufferOffset == victim);
        AssertDelivered(got, intact, layout);
        Assert.Equal(intact.Count, got.Count);
    }

    [Fact]
    public void Truncated_buffer_header_at_the_end_is_reported()
    {
        var (path, layout) = MakeTrace(compress: false);
        long victim = BufferOffsets(layout)[^1];
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(victim + 20);
        var (got, d) = ReadAll(path);
        AssertProblem(d, path, victim, EtlProblemKind.Truncated);
        var intact = layout.Where(p => p.BufferOffset < victim).ToList();
        AssertDelivered(got, intact, layout);
        Assert.Equal(intact.Count, got.Count);
        Assert.Equal(20, d.BytesSkipped);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Absurd_buffer_size_is_skipped_and_the_next_buffer_found(bool compress)
    {
        var (path, layout) = MakeTrace(compress);
        var offsets = BufferOffsets(layout);
        long victim = offsets[4];
        Patch(path, victim, U32(0xFFFFFFF0));
        var (got, d) = ReadAll(path);
        AssertProblem(d, path, victim, EtlProblemKind.BadBuffer);
        AssertProblem(d, path, offsets[5], EtlProblemKind.Resynchronised);
        var intact = layout.Where(p => p.BufferOffset != victim).ToList();
        AssertDelivered(got, intact, layout);
        Assert.Equal(intact.Count, got.Count);
        Assert.Contains(d.Problems, p => p.Offset == victim
            && p.Fault == new EtlFault(EtlFaultKind.BufferSizeOverLimit, 0xFFFFFFF0, new EtlReaderOptions().MaxBufferSize));
    }

    [Fact]
    public void Buffer_smaller_than_its_header_is_skipped()
    {
        var (path, layout) = MakeTrace(compress: true);
        var offsets = BufferOffsets(layout);
        long victim = offsets[3];
        Patch(path, victim, U32(0x10));
        var (got, d) = ReadAll(path);
        AssertProblem(d, path, victim, EtlProblemKind.BadBuffer);
        var intact = layout.Where(p => p.BufferOffset != victim).ToList();
        AssertDelivered(got, intact, layout);
        Assert.Equal(intact.Count, got.Count);
    }

    [Fact]
    public void Overlong_filled_bytes_skip_just_that_buffer()
    {
        var (path, layout) = MakeTrace(compress: false);
        long victim = BufferOffsets(layout)[2];
        Patch(path, victim + 0x30, U32(4096));
        var (got, d) = ReadAll(path);
        AssertProblem(d, path, victim, EtlProblemKind.BadBuffer);
        Assert.DoesNotContain(d.Problems, p => p.Kind == EtlProblemKind.Resynchronised);
        var intact = layout.Where(p => p.BufferOffset != victim).ToList();
        AssertDelivered(got, intact, layout);
        Assert.Equal(intact.Count, got.Count);
    }

    [Fact]
    public void Absurd_decompressed_size_is_refused_without_allocating_it()
    {
        var (path, layout) = MakeTrace(compress: true);
        long victim = BufferOffsets(layout)[2];
        Patch(path, victim + 4, U32(0x7FFFFFFF));
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var (got, d) = ReadAll(path);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        AssertProblem(d, path, victim, EtlProblemKind.BadBuffer);
        var intact = layout.Where(p => p.BufferOffset != victim).ToList();
        AssertDelivered(got, intact, layout);
        Assert.Equal(intact.Count, got.Count);
        Assert.True(allocated < 16 * 1024 * 1024, $"reading a 20 KB file allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(0xFFF0, nameof(EtlFaultKind.RecordSizePastBuffer))]
    [InlineData(0, nameof(EtlFaultKind.RecordSizeZero))]
    [InlineData(0x20, nameof(EtlFaultKind.RecordSizeBelowHeader))]
    public void Bad_record_size_stops_its_buffer_only(ushort size, string fault)
    {
        var (path, layout) = MakeTrace(compress: false);
        long victimBuffer = BufferOffsets(layout)[3];
        var inBuffer = layout.Where(p => p.BufferOffset == victimBuffer).OrderBy(p => p.OffsetInBuffer).ToList();
        var victim = inBuffer.First(p => p.Size > 0x50 && inBuffer.IndexOf(p) >= 2);
        // An EVENT_HEADER keeps its size at +0; kernel headers at +4. Patch the right one for the record there.
        var raw = File.ReadAllBytes(path);
        bool kernel = raw[victim.BufferOffset + victim.OffsetInBuffer + 2] is 0x02 or 0x11;
        Patch(path, victimBuffer + victim.OffsetInBuffer + (kernel ? 4 : 0), U16(size));
        var (got, d) = ReadAll(path);
        AssertProblem(d, path, victimBuffer + victim.OffsetInBuffer, EtlProblemKind.BadRecord);
        var problem = Assert.Single(d.Problems, p => p.Offset == victimBuffer + victim.OffsetInBuffer);
        Assert.Equal(Enum.Parse<EtlFaultKind>(fault), problem.Fault?.Kind);
        if (size != 0) Assert.Equal(size, problem.Fault!.Value.A);
        // The whole sentence once: what is wrong, then what the reader did about it.
        if (size == 0) Assert.Equal($"record size is zero; the rest of the buffer ({d.BytesSkipped} bytes) is skipped", problem.Message);
        var intact = layout.Where(p => p.BufferOffset != victimBuffer || p.OffsetInBuffer < victim.OffsetInBuffer).ToList();
        AssertDelivered(got, intact, layout);
        Assert.Equal(intact.Count, got.Count);
        Assert.Equal(1, d.DamagedBuffers);
    }

    [Fact]
    public void Extended_data_item_running_past_its_record_is_bad()
    {
        string path = _dir.File("ext.etl");
        using (var w = EtlWriter.Create(path))
        {
            var h = new EventHeaderValues { ProviderId = Guid.NewGuid(), Id = 5, Timestamp = 1_000_000_001 };
            w.WriteEvent(0, h, [1, 2, 3, 4], [new ExtendedDataItemValue(ExtendedDataType.Sid, new byte[12])]);
            w.WriteEvent(0, h with { Timestamp = 1_000_000_002 }, [5]);
            w.WriteEvent(1, h with { Timestamp = 1_000_000_003 }, [6]);
        }
        long buffer = 0;
        int recordAt = WmiBufferHeader.Size;
        using (var reader = EtlReader.Open(path, new EtlReaderOptions { Order = RecordOrder.File }))
        {
            while (reader.TryRead(out var r))
                if (r.Timestamp == 1_000_000_001) { buffer = r.BufferOffset; recordAt = r.OffsetInBuffer; }
        }
        Patch(path, buffer + recordAt + 0x50 + 6, U16(0x4000));
        var (got, d) = ReadAll(path);
        AssertProblem(d, path, buffer + recordAt, EtlProblemKind.BadRecord);
        // The item's head lies right after the 0x50-byte EVENT_HEADER; its size was patched to 0x4000.
        Assert.Contains(d.Problems, p => p.Offset == buffer + recordAt
            && p.Fault == new EtlFault(EtlFaultKind.ExtendedItemPastRecord, 0x50, 0x4000));
        Assert.Contains(1_000_000_003L, got);
        Assert.DoesNotContain(1_000_000_001L, got);
    }

    [Fact]
    public void Damaged_compressed_stream_keeps_the_records_decoded_before_the_damage()
    {
        var (path, layout) = MakeTrace(compress: true);
        var offsets = BufferOffsets(layout);
        long victim = offsets[4];
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(path).AsSpan((int)victim));
        // Flags words of all ones followed by match tokens reaching before the start of the output.
        var junk = Enumerable.Repeat((byte)0xFF, 64).ToArray();
        Patch(path, victim + WmiBufferHeader.Size + (size - WmiBufferHeader.Size) / 2, junk);
        var (got, d) = ReadAll(path);
        AssertProblem(d, path, victim, EtlProblemKind.BadCompression);
        var intact = layout.Where(p => p.BufferOffset != victim).ToList();
        AssertDelivered(got, intact, layout);
        int fromVictim = got.Count - intact.Count;
        int victimRecords = layout.Count(p => p.BufferOffset == victim);
        Assert.InRange(fromVictim, 1, victimRecords - 1);
    }

    [Fact]
    public void Unknown_compression_format_is_reported_and_its_buffer_skipped()
    {
        var (path, layout) = MakeTrace(compress: true);
        long victim = BufferOffsets(layout)[3];
        Patch(path, victim + 0x2C, U16(4)); // COMPRESSION_FORMAT_XPRESS_HUFF
        var (got, d) = ReadAll(path);
        AssertProblem(d, path, victim, EtlProblemKind.BadBuffer);
        Assert.Contains(d.Problems, p => p.Offset == victim && p.Fault == new EtlFault(EtlFaultKind.UnknownCompressionFormat, 4));
        var intact = layout.Where(p => p.BufferOffset != victim).ToList();
        AssertDelivered(got, intact, layout);
        Assert.Equal(intact.Count, got.Count);
    }

    [Fact]
    public void Garbage_between_buffers_is_skipped_by_resynchronising()
    {
        var (path, layout) = MakeTrace(compress: true);
        var offsets = BufferOffsets(layout);
        var bytes = File.ReadAllBytes(path).ToList();
        int at = (int)offsets[6];
        var garbage = new byte[333];
        new Random(5).NextBytes(garbage);
        bytes.InsertRange(at, garbage);
        File.WriteAllBytes(path, bytes.ToArray());
        var (got, d) = ReadAll(path);
        AssertProblem(d, path, at, EtlProblemKind.BadBuffer);
        AssertProblem(d, path, at + 333, EtlProblemKind.Resynchronised);
        Assert.Equal(layout.Count, got.Count);
        Assert.Equal(333, d.BytesSkipped);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("text")]
    [InlineData("short")]
    [InlineData("zeros")]
    [InlineData("directory")]
    public void Not_an_etl_file_is_refused_with_file_and_offset(string what)
    {
        string path = _dir.File(what);
        switch (what)
        {
            case "empty": File.WriteAllBytes(path, []); break;
            case "text": File.WriteAllText(path, string.Concat(Enumerable.Repeat("this is not an ETL file\n", 100))); break;
            case "short": File.WriteAllBytes(path, new byte[100]); break;
            case "zeros": File.WriteAllBytes(path, new byte[70000]); break;
            case "directory": Directory.CreateDirectory(path); break;
        }
        var e = Assert.Throws<EtlFormatException>(() => EtlReader.Open(path));
        Assert.Equal(path, e.File);
        Assert.StartsWith(path + ": offset ", e.Message);
    }

    [Fact]
    public void Missing_file_is_an_io_error()
    {
        Assert.Throws<FileNotFoundException>(() => EtlReader.Open(_dir.File("nope.etl")));
    }
}
