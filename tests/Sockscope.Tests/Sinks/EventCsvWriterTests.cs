using System.Buffers;
using System.Text;
using Sockscope.Etl;
using Sockscope.Events;
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

    [SharedSamplesFact]
    public void The_stream_and_memory_forms_write_the_same_bytes()
    {
        string file = SharedSamples.PathOf("trailofbits_ms-rpc-capture-arrays.etl");
        byte[] viaMemory, viaStream;
        int records = 0;
        using (var reader = EtlReader.Open(file))
        {
            var names = new ProviderNames();
            var output = new ArrayBufferWriter<byte>();
            var writer = new EventCsvWriter(output, reader.Clock, names);
            while (reader.TryRead(out var r))
            {
                names.Learn(r);
                writer.Write(r);
                records++;
            }
            writer.Flush();
            viaMemory = output.WrittenSpan.ToArray();
        }
        using (var reader = EtlReader.Open(file))
        {
            var names = new ProviderNames();
            using var stream = new MemoryStream();
            // A small buffer, so the rows go to the stream in many pieces.
            var writer = new EventCsvWriter(stream, reader.Clock, names, bufferSize: 4096);
            while (reader.TryRead(out var r))
            {
                names.Learn(r);
                writer.Write(r);
            }
            writer.Flush();
            viaStream = stream.ToArray();
        }
        Assert.Equal(129, records);
        Assert.Equal(viaMemory, viaStream);
        var lines = Encoding.UTF8.GetString(viaStream).Split("\r\n");
        Assert.Equal(records + 2, lines.Length);
        Assert.Equal(string.Join(',', [.. EventCsvWriter.HeaderColumns, "payload_hex"]), lines[0]);
        Assert.Equal("", lines[^1]);
    }
}
