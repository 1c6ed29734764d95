using System.Buffers;
using System.Text;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Sinks;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sinks;

public class EventCsvWriterTests
{
    [Theory]
    [InlineData("Microsoft-Windows-Kernel", "Microsoft-Windows-Kernel")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("", "")]
    public void Fields_are_quoted_as_rfc_4180_asks(string field, string expected) =>
        Assert.Equal(expected, EventCsvWriter.Quote(field));

    private static readonly Guid Probe = new("11111111-2222-3333-4444-555555555555");
    private static readonly Guid Activity = new("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    private static readonly Guid NameResolution = new("55404e71-4db9-4deb-a5f5-8f86e46dde56");
    private const string ProbeName = "Say \"hi\", world";
    private const string NodeName = "a,b \"c\"\r\nd";
    private const int Rounds = 40;

    /// <summary>
    /// Three events a round, a second apart: a TraceLogging-style event whose provider's name needs quoting, a kernel
    /// PERFINFO record (no process or thread), and a NameResolution event whose host name holds a comma, quotes and a
    /// line break. Enough rounds that the stream form drains its 4 KiB buffer many times.
    /// </summary>
    private static void WriteEvents(string path)
    {
        using var w = EtlWriter.Create(path, new EtlWriterOptions { ProcessorCount = 1 });
        var traits = new ExtendedDataItemValue[] { new(ExtendedDataType.ProviderTraits, ProviderTraitsBlob.Of(ProbeName)) };
        var nodeName = Encoding.Unicode.GetBytes(NodeName + "\0");
        var payload = new byte[nodeName.Length + 8];
        nodeName.CopyTo(payload, 0);
        payload[nodeName.Length] = 42; // CancelHandle, UInt64 little-endian
        long second = w.Options.PerfFreq;
        for (int i = 0; i < Rounds; i++)
        {
            long t = w.Options.StartTimestamp + (i + 1) * second;
            var probe = new EventHeaderValues
            {
                ProviderId = Probe, Id = 7, Version = 1, Level = 4, Task = 3, Opcode = 2, Keywords = 0x8000_0000_0000_0010,
                ProcessId = 1234, ThreadId = 5678, Timestamp = t + 1_234_567, ActivityId = Activity,
            };
            w.WriteEvent(0, probe, [0xDE, 0xAD, 0xBE, 0xEF], traits);
            w.WriteKernelEvent(0, TraceHeaderType.PerfInfo64, 0x0F, 46, 2, 0, 0, t + 2_000_000, [9, 10]);
            var gai = new EventHeaderValues
            {
                ProviderId = NameResolution, Id = 1003, Level = 4, Task = 1000, ProcessId = 99, ThreadId = 100, Timestamp = t + 3_000_001,
            };
            w.WriteEvent(0, gai, payload);
        }
    }

    /// <summary>The rows of one round, written out by hand from the documented columns and formats.</summary>
    private static IEnumerable<string> ExpectedRows(int i, IReadOnlyList<string> fieldColumns)
    {
        string Fields(Func<string, string> cell) => string.Concat(fieldColumns.Select(c => "," + cell(c)));
        string empty = Fields(_ => "");
        string s = (i + 1).ToString("00");
        // Start 2026-06-02T04:00:00Z, 10 MHz clock: round i is i + 1 seconds in.
        yield return $"2026-06-02T04:00:{s}.1234567Z,\"Say \"\"hi\"\", world\",{{11111111-2222-3333-4444-555555555555}},7,1,4,3,2,0x8000000000000010," +
                     $"1234,5678,0,EventHeader,8,{{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}},116,{empty},DEADBEEF";
        // Hook id 0x0F2E = 3886; PERFINFO headers carry no process or thread (-1); 0x10 header + 2 bytes.
        yield return $"2026-06-02T04:00:{s}.2000000Z,PerfInfo,{{CE1DBFB4-137E-4DA6-87B0-3F59AA102CBC}},3886,2,0,0,46,0x0000000000000000," +
                     $"-1,-1,0,PerfinfoTraceHeader,8,{{00000000-0000-0000-0000-000000000000}},18,{empty},090A";
        // Decoded: the message is the task's name (the event has none); 0x50 header + 22 bytes of name + 8.
        string cells = Fields(c => c switch { "NodeName" => "\"a,b \"\"c\"\"\r\nd\"", "CancelHandle" => "42", _ => "" });
        yield return $"2026-06-02T04:00:{s}.3000001Z,Microsoft-Windows-Winsock-NameResolution,{{55404E71-4DB9-4DEB-A5F5-8F86E46DDE56}},1003,0,4,1000,0,0x0000000000000000," +
                     $"99,100,0,EventHeader,8,{{00000000-0000-0000-0000-000000000000}},110,WinsockGai{cells},";
    }

    [Fact]
    public void The_stream_and_memory_forms_write_the_rows_known_by_hand()
    {
        using var dir = new TempDir();
        string path = dir.File("csv.etl");
        WriteEvents(path);
        var fieldColumns = EventCsvWriter.FieldColumns(SchemaCatalog.Winsock);
        Assert.Contains("NodeName", fieldColumns);
        Assert.Contains("CancelHandle", fieldColumns);
        var expected = new StringBuilder();
        expected.Append(string.Join(',', [.. EventCsvWriter.HeaderColumns, .. fieldColumns, "payload_hex"])).Append("\r\n");
        for (int i = 0; i < Rounds; i++)
            foreach (var row in ExpectedRows(i, fieldColumns)) expected.Append(row).Append("\r\n");

        var viaMemory = new ArrayBufferWriter<byte>();
        Write(path, (clock, names) => new EventCsvWriter(viaMemory, clock, names, SchemaCatalog.Winsock));
        Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(viaMemory.WrittenSpan));

        using var stream = new MemoryStream();
        Write(path, (clock, names) => new EventCsvWriter(stream, clock, names, bufferSize: 4096, catalog: SchemaCatalog.Winsock));
        Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(stream.ToArray()));
        Assert.True(stream.Length > 4 * 4096);
    }

    /// <summary>Writes every record but the logfile header: decoded where the catalog knows it, else raw.</summary>
    private static void Write(string path, Func<EtlClock, ProviderNames, EventCsvWriter> make)
    {
        using var reader = EtlReader.Open(path, new EtlReaderOptions { Order = RecordOrder.File });
        var names = new ProviderNames();
        var writer = make(reader.Clock, names);
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        Assert.True(reader.TryRead(out var header));
        Assert.Equal(TraceHeaderFamily.System, header.Family);
        int rows = 0;
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            if (r.ProviderId == NameResolution && decoder.TryDecode(r, out var decoded)) writer.Write(r, decoded);
            else writer.Write(r);
            rows++;
        }
        writer.Flush();
        Assert.Equal(3 * Rounds, rows);
    }
}
