using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Sockscope.Decoding;
using Sockscope.Decoding.TraceLogging;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Events;
using Sockscope.Sinks;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sinks;

/// <summary>
/// Formatting on several threads: records copied into batches read back as the records themselves, the output is
/// the one-thread output byte for byte (names the trace teaches midway included), whatever the workers and batch
/// sizes, and a worker's failure reaches the caller after the batches before it.
/// </summary>
public class ParallelRecordWriterTests
{
    private static readonly Guid MetaData = WellKnownProviders.KernelTraceControlMetaData;

    [Fact]
    public void A_copied_record_reads_back_as_the_record()
    {
        using var dir = new TempDir();
        var events = TraceModel.Make(1500, 3, TraceModel.AllTypes, seed: 41);
        string path = TraceModel.Write(dir.File("t.etl"), events, new EtlWriterOptions { ProcessorCount = 3, BufferSize = 4096, Compress = true });
        var batch = new EtlRecordBatch(records: 64, bytes: 4096);
        var expected = new List<(long BufferOffset, int OffsetInBuffer, bool Compressed)>();
        int n = 0, checkedRecords = 0;
        using var reader = EtlReader.Open(path);
        reader.TryRead(out _); // the logfile header
        while (reader.TryRead(out var r))
        {
            batch.Add(r);
            expected.Add((r.BufferOffset, r.OffsetInBuffer, r.InCompressedBuffer));
            if (batch.IsFull) Check();
        }
        Check();
        Assert.Equal(events.Count, checkedRecords);

        void Check()
        {
            for (int i = 0; i < batch.Count; i++)
            {
                var copy = batch[i];
                events[n].AssertMatches(copy, $"record {n}");
                Assert.Equal(expected[i], (copy.BufferOffset, copy.OffsetInBuffer, copy.InCompressedBuffer));
                n++;
                checkedRecords++;
            }
            batch.Clear();
            expected.Clear();
        }
    }

    [Fact]
    public void A_batch_is_full_by_count_or_bytes_and_refuses_more()
    {
        using var dir = new TempDir();
        var events = TraceModel.Make(50, 1, [TraceHeaderType.EventHeader64], seed: 5);
        string path = TraceModel.Write(dir.File("t.etl"), events, new EtlWriterOptions { ProcessorCount = 1 });
        using var reader = EtlReader.Open(path);
        reader.TryRead(out _);
        var byCount = new EtlRecordBatch(records: 3, bytes: 1 << 20);
        var byBytes = new EtlRecordBatch(records: 1000, bytes: 1);
        Assert.True(reader.TryRead(out var r));
        byBytes.Add(r);
        Assert.True(byBytes.IsFull); // one record reaches a 1-byte mark
        for (int i = 0; i < 3; i++)
        {
            Assert.False(byCount.IsFull);
            byCount.Add(r);
        }
        Assert.True(byCount.IsFull);
        try
        {
            byCount.Add(r);
            Assert.Fail("a full batch took a record");
        }
        catch (InvalidOperationException) { }
        Assert.Throws<ArgumentOutOfRangeException>(() => byCount[3].Size);
        byCount.Clear();
        Assert.Equal(0, byCount.Count);
        Assert.False(byCount.IsFull);
    }

    /// <summary>A trace whose provider names change as it goes: traits, relogged EventInfo renames, unknown providers.</summary>
    private static string NamingTrace(TempDir dir, int events)
    {
        string path = dir.File("names.etl");
        var rng = new Random(17);
        var providers = Enumerable.Range(0, 5).Select(i => new Guid($"a1b2c3d4-0000-4000-8000-00000000000{i}")).ToArray();
        using var w = EtlWriter.Create(path, new EtlWriterOptions { ProcessorCount = 2, BufferSize = 4096 });
        long t = 1_000_000_100;
        for (int i = 0; i < events; i++)
        {
            var p = providers[rng.Next(providers.Length)];
            int cpu = rng.Next(2);
            switch (rng.Next(40))
            {
                case 0:
                    w.WriteClassicEvent(cpu, TraceHeaderType.FullHeader64, MetaData, 32, 0, 0, 4, 8, t++, EventInfo(p, $"Renamed-{i}"));
                    break;
                case 1:
                    w.WriteEvent(cpu, new EventHeaderValues { ProviderId = p, Id = 7, Timestamp = t++ }, [1, 2],
                        [new ExtendedDataItemValue(ExtendedDataType.ProviderTraits, ProviderTraitsBlob.Of($"Traits.{i}"))]);
                    break;
                default:
                    var payload = new byte[rng.Next(0, 40)];
                    rng.NextBytes(payload);
                    w.WriteEvent(cpu, new EventHeaderValues { ProviderId = p, Id = (ushort)rng.Next(1, 9), Timestamp = t++ }, payload);
                    break;
            }
        }
        return path;
    }

    private static byte[] Sequential(string path)
    {
        var output = new ArrayBufferWriter<byte>();
        var names = new ProviderNames();
        using var reader = EtlReader.Open(path);
        var writer = new EventJsonWriter(output, reader.Clock, names);
        var decoder = new EventDecoder(Schema.SchemaCatalog.Winsock);
        var selfDescribed = new TraceLoggingDecoder(names);
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            if (decoder.TryDecode(r, out var d) || selfDescribed.TryDecode(r, out d)) writer.Write(r, d);
            else writer.Write(r);
        }
        return output.WrittenSpan.ToArray();
    }

    private static byte[] InParallel(string path, int workers, int batchRecords, out int batchesWritten)
    {
        var output = new MemoryStream();
        var names = new ProviderNames();
        int written = 0;
        using var reader = EtlReader.Open(path);
        using (var parallel = new ParallelRecordWriter(workers, names, (writer, own) =>
        {
            var sink = new EventJsonWriter(writer, reader.Clock, own);
            var decoder = new EventDecoder(Schema.SchemaCatalog.Winsock);
            var selfDescribed = new TraceLoggingDecoder(own);
            return batch =>
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    var r = batch[i];
                    if (decoder.TryDecode(r, out var d) || selfDescribed.TryDecode(r, out d)) sink.Write(r, d);
                    else sink.Write(r);
                }
            };
        }, bytes => { output.Write(bytes); written++; }, batchRecords: batchRecords))
        {
            while (reader.TryRead(out var r))
            {
                names.Learn(r);
                parallel.Add(r);
            }
            parallel.Complete();
        }
        batchesWritten = written;
        return output.ToArray();
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(3, 64)]
    [InlineData(4, 2048)]
    public void The_output_is_the_one_thread_output_byte_for_byte(int workers, int batchRecords)
    {
        using var dir = new TempDir();
        string path = NamingTrace(dir, 6000);
        var expected = Sequential(path);
        var text = Encoding.UTF8.GetString(expected);
        // The trace does rename providers midway, so a batch formatted with the wrong names would show.
        Assert.Contains("\"provider\":\"Renamed-", text);
        Assert.Contains("\"provider\":\"Traits.", text);
        var got = InParallel(path, workers, batchRecords, out int batches);
        Assert.True(expected.AsSpan().SequenceEqual(got), $"{workers} workers, batches of {batchRecords}: output differs");
        Assert.True(batches >= 6001 / batchRecords, $"{batches} batches written");
    }

    [Fact]
    public void Winsock_events_of_every_scenario_dump_the_same_on_one_thread_and_several()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        var synth = CliRunner.Run("synth", "--scenario", "mixed", "-o", path);
        Assert.True(synth.ExitCode == 0, synth.Error);
        foreach (var format in new[] { "jsonl", "csv" })
        {
            var one = CliRunner.Run("dump", path, "--all", "--format", format, "--threads", "1");
            var three = CliRunner.Run("dump", path, "--all", "--format", format, "--threads", "3");
            Assert.True(one.ExitCode == 0, one.Error);
            Assert.True(three.ExitCode == 0, three.Error);
            Assert.True(one.OutputBytes.Length > 100_000, $"{format}: {one.OutputBytes.Length} bytes");
            Assert.True(one.OutputBytes.AsSpan().SequenceEqual(three.OutputBytes), $"{format}: the outputs differ");
            // CSV: the header row once.
            if (format == "csv") Assert.Equal(1, three.OutputLines.Count(l => l.StartsWith("time_created,", StringComparison.Ordinal)));
        }
        var limited = CliRunner.Run("dump", path, "--limit", "7", "--threads", "2");
        Assert.Equal(7, limited.OutputLines.Length);
    }

    [SharedSamplesTheory]
    [MemberData(nameof(SharedSamples.TraceNames), MemberType = typeof(SharedSamples))]
    public void Real_traces_dump_the_same_on_one_thread_and_several(string name)
    {
        string path = SharedSamples.PathOf(name + ".etl");
        var one = CliRunner.Run("dump", path, "--all", "--threads", "1");
        var two = CliRunner.Run("dump", path, "--all", "--threads", "2");
        Assert.Equal(one.ExitCode, two.ExitCode);
        Assert.Equal(one.Error, two.Error);
        Assert.True(one.OutputBytes.AsSpan().SequenceEqual(two.OutputBytes), $"{name}: the outputs differ");
    }

    [Fact]
    public void An_output_that_fails_stops_the_writer_and_its_workers()
    {
        using var dir = new TempDir();
        string path = NamingTrace(dir, 3000);
        var names = new ProviderNames();
        using var reader = EtlReader.Open(path);
        int writes = 0, added = 0;
        long formatted = 0;
        var parallel = new ParallelRecordWriter(2, names, (writer, _) => batch =>
        {
            Interlocked.Add(ref formatted, batch.Count);
            writer.Write("x\n"u8);
        }, _ =>
        {
            if (++writes == 3) throw new IOException("pipe closed");
        }, batchRecords: 10);
        var e = Assert.Throws<IOException>(() =>
        {
            using (parallel)
            {
                while (reader.TryRead(out var r))
                {
                    names.Learn(r);
                    parallel.Add(r);
                    added++;
                }
                parallel.Complete();
            }
        });
        Assert.Equal("pipe closed", e.Message);
        Assert.Equal(3, writes);
        // The caller stopped reading at the failure: the ring (2 batches a worker and one more) bounds what was
        // copied in, and Dispose returned only once the workers had ended, so nothing is formatted after it.
        Assert.InRange(added, 30, 10 * (2 * 2 + 1) + 30);
        long after = Interlocked.Read(ref formatted);
        Assert.InRange(after, 30, added);
        Assert.Throws<ObjectDisposedException>(() => parallel.Add(default));
    }

    [Fact]
    public void A_worker_failure_reaches_the_caller_after_the_batches_before_it()
    {
        using var dir = new TempDir();
        string path = NamingTrace(dir, 3000);
        var output = new MemoryStream();
        var names = new ProviderNames();
        using var reader = EtlReader.Open(path);
        int added = 0;
        var parallel = new ParallelRecordWriter(2, names, (writer, _) => batch =>
        {
            for (int i = 0; i < batch.Count; i++)
            {
                var r = batch[i];
                if (r.Timestamp == 1_000_000_100 + 1234) throw new FormatException("record 1234");
                var line = Encoding.ASCII.GetBytes($"{r.Timestamp}\n");
                writer.Write(line);
            }
        }, bytes => output.Write(bytes), batchRecords: 100);
        var e = Assert.Throws<FormatException>(() =>
        {
            using (parallel)
            {
                while (reader.TryRead(out var r))
                {
                    names.Learn(r);
                    parallel.Add(r);
                    added++;
                }
                parallel.Complete();
            }
        });
        Assert.Equal("record 1234", e.Message);
        var lines = Encoding.ASCII.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
        // The records of the batches before the failing one, in order, and nothing of it or after.
        var stamps = new List<long>();
        using (var again = EtlReader.Open(path))
            while (again.TryRead(out var r)) stamps.Add(r.Timestamp);
        Assert.True(lines.Count >= 1000, $"{lines.Count} lines written before the failure");
        Assert.Equal(stamps.Take(lines.Count), lines);
        Assert.True(lines.Last() < 1_000_000_100 + 1234);
        Assert.True(added < stamps.Count, "reading stopped at the failure");
    }

    private static byte[] EventInfo(Guid provider, string name)
    {
        var nameBytes = Encoding.Unicode.GetBytes(name + "\0");
        var bytes = new byte[112 + nameBytes.Length];
        provider.TryWriteBytes(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(52), 112);
        nameBytes.CopyTo(bytes, 112);
        return bytes;
    }
}
