using System.Text.Json;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;
using static Sockscope.Tests.Support.TraceSurgery;

namespace Sockscope.Tests.Etl;

/// <summary>
/// A damaged buffer header costs at most its own buffer: every other buffer is found again, whatever the damaged
/// field and value, in time order and in file order; a damaged first buffer or logfile header still leaves the
/// file readable; zeros and garbage between or after buffers are passed over. Each damaged file is compared with
/// the same file without the damaged buffer.
/// </summary>
public sealed class ResynchronisationTests : IDisposable
{
    private const int SessionBufferSize = 2048;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string MakeTrace(bool compress, string name = "t.etl")
    {
        var model = TraceModel.Make(700, 3,
            [TraceHeaderType.EventHeader64, TraceHeaderType.System64, TraceHeaderType.PerfInfo64, TraceHeaderType.FullHeader64], seed: 23);
        string path = TraceModel.Write(_dir.File(name), model,
            new EtlWriterOptions { Compress = compress, ProcessorCount = 3, BufferSize = SessionBufferSize });
        Assert.True(Buffers(path).Count >= 20, "the trace should span many buffers");
        return path;
    }

    /// <summary>The damaged file's reading against the file without <paramref name="victims"/>.</summary>
    private void AssertOnlyVictimsLost(string clean, string damaged, PlacedBuffer[] victims, RecordOrder order, bool exact, string what)
    {
        string without = clean;
        foreach (var v in victims.OrderByDescending(v => v.Offset))
            without = Without(without, v, _dir.File($"without-{v.Offset}-{Path.GetFileName(without)}"));
        var expected = Read(without, order);
        Assert.Equal(0, expected.Diagnostics.ProblemCount);
        var before = Read(clean, order);
        var victimKeys = victims.SelectMany(v => before.ByBuffer.GetValueOrDefault(v.Offset) ?? []).ToList();
        Assert.NotEmpty(victimKeys);
        var got = Read(damaged, order);
        AssertOthersIntact(got, expected, victimKeys, exact, what);
        // Only the damaged buffers are reported: no intact buffer was taken for damage.
        foreach (var p in got.Diagnostics.Problems)
            Assert.True(victims.Any(v => p.Offset >= v.Offset && p.Offset <= v.Offset + v.Size),
                $"{what}: a problem outside the damaged buffers: {p}");
        Assert.Contains(got.Diagnostics.Problems, p => p.Offset == victims[0].Offset);
    }

    private static uint DamagedSize(string kind, PlacedBuffer victim, PlacedBuffer next) => kind switch
    {
        "0x48" => 0x48,
        "0" => 0,
        "1" => 1,
        "0x47" => 0x47,
        "0x49" => 0x49,
        "size+8" => victim.Size + 8,
        "size-8" => victim.Size - 8,
        "0xFFFFFFFF" => 0xFFFFFFFF,
        "into the next buffer" => (uint)(next.Offset + next.Size / 2 - victim.Offset),
        _ => throw new ArgumentException(kind),
    };

    public static TheoryData<bool, string, RecordOrder> SizeCases()
    {
        var data = new TheoryData<bool, string, RecordOrder>();
        foreach (bool compress in new[] { true, false })
        foreach (string kind in new[] { "0x48", "0", "1", "0x47", "0x49", "size+8", "size-8", "0xFFFFFFFF", "into the next buffer" })
        foreach (var order in new[] { RecordOrder.Time, RecordOrder.File })
            data.Add(compress, kind, order);
        return data;
    }

    [Theory]
    [MemberData(nameof(SizeCases))]
    public void A_damaged_buffer_size_loses_only_its_buffer(bool compress, string kind, RecordOrder order)
    {
        string clean = MakeTrace(compress);
        var buffers = Buffers(clean);
        var victim = buffers[5];
        string damaged = _dir.File("damaged.etl");
        File.Copy(clean, damaged);
        Patch(damaged, victim.Offset, U32(DamagedSize(kind, victim, buffers[6])));
        // A compressed buffer 8 bytes short is still believed (no header starts inside it): the records its cut
        // stream still gives are delivered, and only they may be more than the file without it has.
        bool exact = !(compress && kind == "size-8");
        AssertOnlyVictimsLost(clean, damaged, [victim], order, exact, $"size {kind}");
    }

    public static TheoryData<bool, string, int, byte[]> FieldCases() => new()
    {
        // Compressed buffers.
        { true, "SavedOffset 0", 0x04, U32(0) },
        { true, "SavedOffset 0xFFFFFFFF", 0x04, U32(0xFFFFFFFF) },
        { true, "SavedOffset 0x50", 0x04, U32(0x50) },
        { true, "FilledBytes 0", 0x30, U32(0) },
        { true, "FilledBytes 0xFFFFFFFF", 0x30, U32(0xFFFFFFFF) },
        { true, "processor 0xFFFF", 0x28, U16(0xFFFF) },
        { true, "flags 0xFFFF", 0x34, U16(0xFFFF) },
        { true, "flags 0x00E0", 0x34, U16(0x00E0) },
        { true, "buffer type 0xFFFF", 0x36, U16(0xFFFF) },
        { true, "compression format 4", 0x2C, U16(4) },
        { true, "compression format 0xFFFF", 0x2C, U16(0xFFFF) },
        // Uncompressed buffers.
        { false, "FilledBytes 0", 0x30, U32(0) },
        { false, "FilledBytes 0xFFFFFFFF", 0x30, U32(0xFFFFFFFF) },
        { false, "processor 0xFFFF", 0x28, U16(0xFFFF) },
        { false, "flags 0xFFFF", 0x34, U16(0xFFFF) },
        { false, "flags compressed", 0x34, U16(0x0060) },
        { false, "buffer type 0xFFFF", 0x36, U16(0xFFFF) },
    };

    [Theory]
    [MemberData(nameof(FieldCases))]
    public void A_damaged_header_field_loses_at_most_its_buffer(bool compress, string what, int field, byte[] value)
    {
        string clean = MakeTrace(compress);
        var buffers = Buffers(clean);
        var victim = buffers[7];
        string damaged = _dir.File("damaged.etl");
        File.Copy(clean, damaged);
        Patch(damaged, victim.Offset + field, value);
        // A field that leaves the records readable (processor, type, unknown flag bits, FilledBytes of a
        // compressed buffer) is reported and the buffer still read when its size is confirmed.
        AssertOnlyVictimsLost(clean, damaged, [victim], RecordOrder.Time, exact: false, what);
        AssertOnlyVictimsLost(clean, damaged, [victim], RecordOrder.File, exact: false, what);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_field_the_reader_does_not_need_changes_nothing(bool compress)
    {
        string clean = MakeTrace(compress);
        var victim = Buffers(clean)[7];
        string damaged = _dir.File("damaged.etl");
        File.Copy(clean, damaged);
        Patch(damaged, victim.Offset + 0x08, U32(0xFFFFFFFF)); // CurrentOffset
        Patch(damaged, victim.Offset + 0x18, U32(0xDEADBEEF)); // SequenceNumber
        var got = Read(damaged);
        Assert.Equal(Read(clean).Keys, got.Keys);
        Assert.Equal(0, got.Diagnostics.ProblemCount);
    }

    [Theory]
    [InlineData(true, 0x2C, "compression format")]
    [InlineData(true, 0x04, "decompressed size")]
    [InlineData(false, 0x30, "records' end")]
    public void A_damaged_header_whose_size_is_wrong_too_is_not_skipped_by_its_size(bool compress, int field, string what)
    {
        // The content check fails and the size points into the middle of the next buffer: skipping by the size
        // would lose that buffer too.
        string clean = MakeTrace(compress);
        var buffers = Buffers(clean);
        var victim = buffers[5];
        string damaged = _dir.File("damaged.etl");
        File.Copy(clean, damaged);
        Patch(damaged, victim.Offset + field, field == 0x2C ? U16(4) : U32(0xFFFFFFF0));
        Patch(damaged, victim.Offset, U32(DamagedSize("into the next buffer", victim, buffers[6])));
        AssertOnlyVictimsLost(clean, damaged, [victim], RecordOrder.Time, exact: true, what);
        AssertOnlyVictimsLost(clean, damaged, [victim], RecordOrder.File, exact: true, what);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_intact_buffer_between_two_damaged_ones_is_read(bool compress)
    {
        string clean = MakeTrace(compress);
        var buffers = Buffers(clean);
        string damaged = _dir.File("damaged.etl");
        File.Copy(clean, damaged);
        Patch(damaged, buffers[4].Offset, U32(0x48));
        Patch(damaged, buffers[6].Offset, U32(0x49));
        AssertOnlyVictimsLost(clean, damaged, [buffers[4], buffers[6]], RecordOrder.Time, exact: true, "buffers 4 and 6");
    }

    [Fact]
    public void An_unreadable_buffer_the_file_ends_inside_is_skipped_to_the_end()
    {
        string clean = MakeTrace(compress: true);
        var last = Buffers(clean)[^1];
        string damaged = _dir.File("damaged.etl");
        File.Copy(clean, damaged);
        Patch(damaged, last.Offset + 0x2C, U16(4)); // a compression format no Windows writes
        long kept = last.Size / 2;
        using (var f = new FileStream(damaged, FileMode.Open)) f.SetLength(last.Offset + kept);

        var before = Read(clean);
        var got = Read(damaged);
        Assert.Equal(Subtract(before.Keys, before.ByBuffer[last.Offset]).Order(), got.Keys.Order());
        var problem = Assert.Single(got.Diagnostics.Problems);
        Assert.Equal((last.Offset, EtlProblemKind.BadBuffer), (problem.Offset, problem.Kind));
        Assert.Equal(new EtlFault(EtlFaultKind.UnknownCompressionFormat, 4), problem.Fault);
        Assert.Equal($"buffer is compressed with format 4, which no known Windows writes (only 3, XPRESS, is read); the buffer ({kept} bytes) is skipped",
            problem.Message);
        Assert.Equal(kept, got.Diagnostics.BytesSkipped);
    }

    public static TheoryData<bool, string> FirstBufferCases()
    {
        var data = new TheoryData<bool, string>();
        foreach (bool compress in new[] { true, false })
        foreach (string damage in new[] { "size 0xFFFFFFFF", "size 0", "size 0x48", "flags compressed" })
            data.Add(compress, damage);
        return data;
    }

    [Theory]
    [MemberData(nameof(FirstBufferCases))]
    public void A_damaged_first_buffer_header_leaves_every_other_buffer_readable(bool compress, string damage)
    {
        string clean = MakeTrace(compress);
        var first = Buffers(clean)[0];
        string damaged = _dir.File("damaged.etl");
        File.Copy(clean, damaged);
        if (damage == "flags compressed") Patch(damaged, 0x34, U16(0x41));
        else Patch(damaged, 0, U32(damage switch { "size 0xFFFFFFFF" => 0xFFFFFFFF, "size 0" => 0, _ => 0x48 }));

        // The logfile header record at 0x48 is still read: clock and session as in the clean file.
        using (var reader = EtlReader.Open(damaged))
        using (var cleanReader = EtlReader.Open(clean))
        {
            Assert.Equal(cleanReader.Header, reader.Header);
            Assert.Equal(cleanReader.HeaderTimestamp, reader.HeaderTimestamp);
        }
        var before = Read(clean);
        var expected = Subtract(before.Keys, before.ByBuffer[first.Offset]);
        var got = Read(damaged);
        Assert.Equal(expected.Order(), got.Keys.Order());
        Assert.Equal(EtlProblemKind.BadBuffer, got.Diagnostics.Problems[0].Kind);
        Assert.Equal(0, got.Diagnostics.Problems[0].Offset);

        // Through the command line: read, damaged (exit 1), not "not an ETL file" (exit 2).
        var result = CliRunner.Run("info", damaged, "--json");
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Error}");
        Assert.Equal(expected.Count, JsonDocument.Parse(result.Output).RootElement.GetProperty("records").GetInt64());
        Assert.Contains($"{damaged}: offset 0 (0x0): ", result.Error);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void A_damaged_logfile_header_record_leaves_the_buffers_readable(bool compress, bool firstHeaderToo)
    {
        string clean = MakeTrace(compress);
        var first = Buffers(clean)[0];
        string damaged = _dir.File("damaged.etl");
        File.Copy(clean, damaged);
        Patch(damaged, WmiBufferHeader.Size + 4, U16(0)); // the logfile header record's size
        if (firstHeaderToo) Patch(damaged, 0, U32(0xFFFFFFFF));

        var before = Read(clean);
        var expected = Subtract(before.Keys, before.ByBuffer[first.Offset]);
        var got = Read(damaged);
        Assert.Equal(expected.Order(), got.Keys.Order());
        // The header reader says so, and, where the first buffer is read, so does the reader of its records.
        var atRecord = got.Diagnostics.Problems.Where(p => p.Offset == WmiBufferHeader.Size).ToList();
        Assert.Equal(firstHeaderToo ? 1 : 2, atRecord.Count);
        Assert.All(atRecord, p => Assert.Equal((EtlProblemKind.BadRecord, new EtlFault(EtlFaultKind.RecordSizeZero)), (p.Kind, p.Fault)));
        Assert.Equal("no logfile header record (record size is zero): the session's clock, buffer size, processors and pointer size " +
            "are unknown; times are read as system time (right only for sessions that used it) and 64-bit pointers are assumed",
            atRecord[0].Message);
        using var reader = EtlReader.Open(damaged);
        Assert.Equal(ClockType.SystemTime, reader.Header.Clock);
        Assert.Equal(0u, reader.Header.BufferSize);
        Assert.Equal(1, CliRunner.Run("info", damaged).ExitCode);
    }

    [Fact]
    public void A_file_without_any_buffer_is_not_an_etl_file()
    {
        // A logfile header record that cannot be framed, and nothing after it that looks like a buffer.
        string path = _dir.File("no-buffer.etl");
        var bytes = new byte[3 * SessionBufferSize];
        new Random(3).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<EtlFormatException>(() => EtlReader.Open(path));
        Assert.Contains("not an ETL file", e.Message);
        Assert.StartsWith($"{path}: offset 72 (0x48): ", e.Message);
        Assert.Equal(2, CliRunner.Run("info", path).ExitCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Zeros_after_the_trace_are_passed_over_and_reported_once(bool compress)
    {
        const long Zeros = 1L << 30;
        string clean = MakeTrace(compress);
        long length = new FileInfo(clean).Length;
        string padded = _dir.File("padded.etl");
        File.Copy(clean, padded);
        // Sparse where the file system allows: the test file costs no disk.
        using (var f = new FileStream(padded, FileMode.Open, FileAccess.Write)) f.SetLength(length + Zeros);

        foreach (var order in new[] { RecordOrder.Time, RecordOrder.File })
        {
            var got = Read(padded, order);
            Assert.Equal(Read(clean, order).Keys, got.Keys);
            var problem = Assert.Single(got.Diagnostics.Problems);
            Assert.Equal(EtlProblemKind.BadBuffer, problem.Kind);
            Assert.Equal(length, problem.Offset);
            Assert.Equal($"the last {Zeros} bytes of the file are zeros, with no buffer (space allocated for the trace and never written)",
                problem.Message);
            Assert.Equal(Zeros, got.Diagnostics.BytesSkipped);
            Assert.Equal(Read(clean, order).BuffersFound, got.BuffersFound);
        }
    }

    public static TheoryData<bool, bool, int> InsertedCases()
    {
        var data = new TheoryData<bool, bool, int>();
        // The search reads 1 MiB at a time from the byte after the damage: headers right at, just before and just
        // after a chunk's end, and one straddling it.
        foreach (int length in new[] { 333, (1 << 20) - 8, (1 << 20) - 40, 1 << 20, (1 << 20) + 1, (1 << 20) + 2, 3 * (1 << 20) + 5 })
        foreach (bool compress in new[] { true, false })
        foreach (bool zeros in new[] { true, false })
            data.Add(compress, zeros, length);
        return data;
    }

    [Theory]
    [MemberData(nameof(InsertedCases))]
    public void Zeros_or_garbage_between_buffers_are_skipped_to_the_next_buffer(bool compress, bool zeros, int length)
    {
        string clean = MakeTrace(compress);
        var buffers = Buffers(clean);
        long at = buffers[6].Offset;
        var junk = new byte[length];
        if (!zeros) new Random(length).NextBytes(junk);
        var bytes = File.ReadAllBytes(clean);
        string damaged = _dir.File("inserted.etl");
        File.WriteAllBytes(damaged, [.. bytes.AsSpan(0, (int)at), .. junk, .. bytes.AsSpan((int)at)]);

        var got = Read(damaged);
        Assert.Equal(Read(clean).Keys, got.Keys);
        Assert.Equal(2, got.Diagnostics.ProblemCount);
        Assert.Equal((at, EtlProblemKind.BadBuffer), (got.Diagnostics.Problems[0].Offset, got.Diagnostics.Problems[0].Kind));
        Assert.Equal((at + length, EtlProblemKind.Resynchronised), (got.Diagnostics.Problems[1].Offset, got.Diagnostics.Problems[1].Kind));
        Assert.Equal(length, got.Diagnostics.BytesSkipped);
    }
}
