using Sockscope.Decoding.Values;
using System.Buffers;
using System.Text;
using System.Text.Json;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Events;
using Sockscope.Sinks;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sinks;

public class EventJsonWriterTests
{
    private static byte[] Sid(byte revision, ulong authority, params uint[] subs)
    {
        var bytes = new byte[8 + 4 * subs.Length];
        bytes[0] = revision;
        bytes[1] = (byte)subs.Length;
        for (int i = 0; i < 6; i++) bytes[2 + i] = (byte)(authority >> (8 * (5 - i)));
        for (int i = 0; i < subs.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(8 + 4 * i), subs[i]);
        return bytes;
    }

    [Fact]
    public void Sids_format_as_windows_writes_them()
    {
        Assert.Equal("S-1-5-18", SidText.Format(Sid(1, 5, 18)));
        Assert.Equal("S-1-5-21-3623811015-3361044348-30300820-1013",
            SidText.Format(Sid(1, 5, 21, 3623811015, 3361044348, 30300820, 1013)));
        Assert.Equal("S-1-1-0", SidText.Format(Sid(1, 1, 0)));
        Assert.Equal("S-1-0x123456789ABC-7", SidText.Format(Sid(1, 0x123456789ABC, 7)));
        Assert.Equal("S-1-16", SidText.Format(Sid(1, 16)));
        // Trailing bytes past the sub-authorities are ignored, as Windows does.
        Assert.Equal("S-1-5-32-544", SidText.Format([.. Sid(1, 5, 32, 544), 0, 0, 0, 0]));
    }

    [Fact]
    public void Bytes_that_are_no_sid_give_nothing()
    {
        Assert.Equal("", SidText.Format([]));
        Assert.Equal("", SidText.Format([1, 1, 0, 0, 0, 0, 0]));
        Assert.Equal("", SidText.Format(Sid(1, 5, 18)[..11]));
        var tooMany = Sid(1, 5, new uint[16]);
        Assert.Equal("", SidText.Format(tooMany));
        Span<byte> small = stackalloc byte[6];
        Assert.False(SidText.TryFormat(Sid(1, 5, 18), small, out _));
        Span<byte> exact = stackalloc byte[8];
        Assert.True(SidText.TryFormat(Sid(1, 5, 18), exact, out int n));
        Assert.Equal("S-1-5-18", Encoding.ASCII.GetString(exact[..n]));
    }

    [Fact]
    public void Guids_keywords_and_times_use_the_documented_text()
    {
        Span<byte> text = stackalloc byte[64];
        int n = EventJsonWriter.FormatGuid(new Guid("bde46aea-2357-51fe-7367-d5296f530bd1"), text);
        Assert.Equal("{BDE46AEA-2357-51FE-7367-D5296F530BD1}", Encoding.ASCII.GetString(text[..n]));
        n = EventJsonWriter.FormatKeywords(0x1001, text);
        Assert.Equal("0x0000000000001001", Encoding.ASCII.GetString(text[..n]));
        n = EventJsonWriter.FormatKeywords(ulong.MaxValue, text);
        Assert.Equal("0xFFFFFFFFFFFFFFFF", Encoding.ASCII.GetString(text[..n]));
        var time = new DateTime(2026, 6, 2, 4, 1, 52, DateTimeKind.Utc).AddTicks(9_449_999);
        n = EventJsonWriter.FormatTime(time, text, 3, "+00:00"u8);
        Assert.Equal("2026-06-02T04:01:52.944+00:00", Encoding.ASCII.GetString(text[..n]));
        n = EventJsonWriter.FormatTime(time, text, 7, "Z"u8);
        Assert.Equal("2026-06-02T04:01:52.9449999Z", Encoding.ASCII.GetString(text[..n]));
        n = EventJsonWriter.FormatTime(new DateTime(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc), text, 3, ""u8);
        Assert.Equal("1601-01-01T00:00:00.000", Encoding.ASCII.GetString(text[..n]));
    }

    [Fact]
    public void Lines_parse_and_carry_the_record_fields()
    {
        using var reader = EtlReader.Open(ShippedSample.Path);
        var names = new ProviderNames();
        var output = new ArrayBufferWriter<byte>();
        using var writer = new EventJsonWriter(output, reader.Clock, names, "HOST");
        var expected = new List<(ushort id, string hex, string time)>();
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            writer.Write(r);
            expected.Add((r.Id, Convert.ToHexString(r.UserData), reader.Clock.ToUtc(r.Timestamp).ToString("yyyy-MM-dd'T'HH:mm:ss.fff") + "+00:00"));
        }
        var lines = Encoding.UTF8.GetString(output.WrittenSpan).Split('\n');
        Assert.Equal(ShippedSample.Records, expected.Count);
        Assert.Equal(expected.Count + 1, lines.Length);
        // The sample starts at the synthesiser's start time; its last event is 2.455357 s later (info's end_time).
        Assert.Equal("2026-06-02T04:00:00.000+00:00", expected[0].time);
        Assert.Equal("2026-06-02T04:00:02.455+00:00", expected[^1].time);
        Assert.Equal("", lines[^1]);
        for (int i = 0; i < expected.Count; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var system = doc.RootElement.GetProperty("system");
            Assert.Equal(expected[i].id, system.GetProperty("event_id").GetInt32());
            Assert.Equal(expected[i].time, system.GetProperty("time_created").GetString());
            Assert.Equal("HOST", system.GetProperty("computer").GetString());
            Assert.Equal(expected[i].hex, doc.RootElement.GetProperty("event_data").GetProperty("payload_hex").GetString());
        }
    }

    [SharedSamplesFact]
    public void Writing_allocates_next_to_nothing_per_record()
    {
        using var reader = EtlReader.Open(SharedSamples.PathOf("perfview_net.4.5.2.x64.etl"));
        var names = new ProviderNames();
        var output = new ArrayBufferWriter<byte>(4 << 20);
        using var writer = new EventJsonWriter(output, reader.Clock, names);
        // Warm up: the first records of each provider fill the caches.
        for (int i = 0; i < 20_000 && reader.TryRead(out var r); i++)
        {
            names.Learn(r);
            writer.Write(r);
            if (output.WrittenCount > 2 << 20) output.ResetWrittenCount();
        }
        const int measured = 20_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        int count = 0;
        for (; count < measured && reader.TryRead(out var r); count++)
        {
            names.Learn(r);
            writer.Write(r);
            if (output.WrittenCount > 2 << 20) output.ResetWrittenCount();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(measured, count);
        Assert.True(allocated / count < 64, $"{allocated} bytes for {count} records ({allocated / (double)count:F1} per record)");
    }

    [SharedSamplesFact]
    public void A_name_learned_after_the_first_records_is_used_from_then_on()
    {
        // The TraceLogging provider of this trace announces its name in its own event.
        using var reader = EtlReader.Open(SharedSamples.PathOf("airbus_lxcore_kernel.etl"));
        var names = new ProviderNames();
        var output = new ArrayBufferWriter<byte>();
        using var writer = new EventJsonWriter(output, reader.Clock, names);
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            writer.Write(r);
        }
        var providers = Encoding.UTF8.GetString(output.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("system").GetProperty("provider").GetString()).ToList();
        Assert.Equal(4, providers.Count);
        Assert.Equal("EventTrace", providers[0]);
        Assert.All(providers.Skip(2), p => Assert.StartsWith("Microsoft.Windows.Subsystem", p));
    }

    [Fact]
    public void Each_event_kind_gets_its_own_ids_and_keywords_beyond_the_kinds_whose_line_start_is_kept()
    {
        // More kinds than the writer keeps ready-made line starts for (4,096), each written twice, interleaved with a
        // kind that differs from another only in its keywords: every line must carry its own record's values.
        using var dir = new TempDir();
        string path = dir.File("kinds.etl");
        var provider = new Guid("6a2f0c4e-1b3d-4e5f-8a9b-0c1d2e3f4a5b");
        const int kinds = 4_300;
        var expected = new List<(int Id, int Version, int Level, int Task, int Opcode, ulong Keywords)>();
        using (var w = EtlWriter.Create(path))
        {
            long t = 1_000_000;
            void Write(int id, int version, int level, int task, int opcode, ulong keywords)
            {
                w.WriteEvent(0, new EventHeaderValues
                {
                    ProviderId = provider, Id = (ushort)id, Version = (byte)version, Level = (byte)level, Task = (ushort)task,
                    Opcode = (byte)opcode, Keywords = keywords, ProcessId = 1, ThreadId = 2, Timestamp = t++,
                }, [1, 2, 3]);
                expected.Add((id, version, level, task, opcode, keywords));
            }
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < kinds; i++)
                {
                    Write(i, i % 3, i % 6, i % 13 * 1000, i % 7, (ulong)i * 0x1_0001);
                    Write(7, 1, 4, 7, 1, 0x8000_0000_0000_0000UL | (uint)(i & 1));
                }
        }
        using var reader = EtlReader.Open(path);
        var names = new ProviderNames();
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new EventJsonWriter(output, reader.Clock, names))
            while (reader.TryRead(out var r))
            {
                names.Learn(r);
                // The writer's own trace header record (EventTrace) comes first: only the events written above count.
                if (r.ProviderId == provider) writer.Write(r);
            }
        var lines = Encoding.UTF8.GetString(output.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Count, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var system = doc.RootElement.GetProperty("system");
            var e = expected[i];
            Assert.Equal("{6A2F0C4E-1B3D-4E5F-8A9B-0C1D2E3F4A5B}", system.GetProperty("guid").GetString());
            Assert.Equal(e.Id, system.GetProperty("event_id").GetInt32());
            Assert.Equal(e.Version, system.GetProperty("version").GetInt32());
            Assert.Equal(e.Level, system.GetProperty("level").GetInt32());
            Assert.Equal(e.Task, system.GetProperty("task").GetInt32());
            Assert.Equal(e.Opcode, system.GetProperty("opcode").GetInt32());
            Assert.Equal($"0x{e.Keywords:X16}", system.GetProperty("keywords").GetString());
            Assert.Equal("010203", doc.RootElement.GetProperty("event_data").GetProperty("payload_hex").GetString());
        }
    }
}
