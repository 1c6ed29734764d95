using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Sinks;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sinks;

/// <summary>
/// The JSON lines writer decides once per schema which values it formats straight into the line, and writes the
/// message into the line too, copying inserts from the values it just wrote: every line's <c>event_data</c> and
/// <c>message</c> are what the general path writes (each value through <see cref="Utf8JsonWriter"/>, the message
/// formatted on its own and escaped), for fields of every route in any order, status names, messages that need
/// escaping, truncated payloads and every event of the shipped sample.
/// </summary>
public class EventJsonLineTests
{
    private static readonly JavaScriptEncoder Relaxed = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>What follows <c>system</c> on the line, written the general way.</summary>
    private static string Expected(in DecodedEvent e)
    {
        var fields = new FieldFormatter();
        var messages = new MessageFormatter(fields);
        var written = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(written, new JsonWriterOptions { Encoder = Relaxed, SkipValidation = true }))
        {
            json.WriteStartObject();
            for (int i = 0; i < e.Count; i++)
            {
                if (!e.Has(i)) continue;
                json.WritePropertyName(e.Field(i).Name);
                fields.WriteJson(json, e, i);
                if (FieldFormatter.StatusName(e, i) is { } symbol) json.WriteString(e.Field(i).Name + "Name", symbol);
            }
            json.WriteEndObject();
        }
        string data = Encoding.UTF8.GetString(written.WrittenSpan);
        written.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(written, new JsonWriterOptions { Encoder = Relaxed, SkipValidation = true }))
            json.WriteStringValue(messages.Format(e));
        string decoding = e.Status == DecodeStatus.Complete ? ""
            : (e.Status & DecodeStatus.Truncated) != 0 ? ",\"decoding\":\"truncated\"" : ",\"decoding\":\"extra_bytes\"";
        return $",\"event_data\":{data},\"message\":{Encoding.UTF8.GetString(written.WrittenSpan)}{decoding}}}\n";
    }

    private static string Line(EventJsonWriter writer, ArrayBufferWriter<byte> output, in EtlRecord record, in DecodedEvent e)
    {
        output.ResetWrittenCount();
        writer.Write(record, e);
        writer.Flush();
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static string Tail(string line) => line[line.IndexOf(",\"event_data\":", StringComparison.Ordinal)..];

    [Fact]
    public void Every_event_of_the_sample_is_written_as_the_general_path_writes_it()
    {
        using var reader = EtlReader.Open(ShippedSample.Path);
        var names = new ProviderNames();
        var output = new ArrayBufferWriter<byte>();
        using var writer = new EventJsonWriter(output, reader.Clock, names);
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        int compared = 0;
        while (reader.TryRead(out var record))
        {
            names.Learn(record);
            if (!decoder.TryDecode(record, out var decoded)) continue;
            string expected = Expected(decoded);
            Assert.Equal(expected, Tail(Line(writer, output, record, decoded)));
            compared++;
        }
        Assert.True(compared > 500, $"{compared} events compared");
    }

    [Fact]
    public void Fields_of_every_route_status_names_and_messages_that_need_escaping_are_written_as_the_general_path_writes_them()
    {
        var provider = SchemaCatalog.Winsock.Providers[0];
        var map = new ValueMap("Kind", false, [new(1ul, "One \"quoted\""), new(2ul, "Two")]);
        FieldSchema status = new() { Name = "Status", InType = InType.UInt32, OutType = OutType.NTStatus };
        FieldSchema kind = new() { Name = "Kind", InType = InType.UInt32, Map = map };
        FieldSchema address = new() { Name = "Address", InType = InType.Binary, OutType = OutType.IPv4, FixedLength = 4 };
        FieldSchema family = new() { Name = "Family", InType = InType.UInt16, Known = KnownValues.AddressFamily };
        FieldSchema name = new() { Name = "Name", InType = InType.UnicodeString };
        FieldSchema pointer = new() { Name = "Pointer", InType = InType.Pointer };
        FieldSchema count = new() { Name = "Count", InType = InType.Int32, OutType = OutType.UnsignedInt };
        // Every route mixed (a value written by the JSON writer comes before the message's inserts), and values
        // formatted directly only (the message is copied from them).
        FieldSchema[][] templates = [[status, kind, address, family, name, pointer, count], [status, address, family, pointer, count]];
        string[] messages =
        [
            "Status %1, then %2, %3, %4, %5, %6 and %7",
            "Inserts %3 then %4 and %1 (%5)",
            "A \"quoted\" literal: %2",
            "Only %5",
        ];
        using var reader = EtlReader.Open(ShippedSample.Path);
        Assert.True(reader.TryRead(out var record));
        var output = new ArrayBufferWriter<byte>();
        using var writer = new EventJsonWriter(output, reader.Clock, new ProviderNames());
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        string[] strings = ["plain", "needs \"escaping\"\n", "", "é ü"];
        uint[] statuses = [0, 0xC0000022, 0xC0000236, 0x12345678];
        int compared = 0;
        foreach (var fields in templates)
        for (int m = 0; m < messages.Length; m++)
        {
            var schema = new EventSchema { Provider = provider, Id = 1, Version = 0, Symbol = "E", Message = messages[m], Fields = fields };
            for (int v = 0; v < 16; v++)
            {
                var payload = new List<byte>();
                foreach (var f in fields)
                    payload.AddRange(f.Name switch
                    {
                        "Status" => BitConverter.GetBytes(statuses[v % 4]),
                        "Kind" => BitConverter.GetBytes((uint)(v % 3)),
                        "Address" => [10, 0, 0, (byte)v],
                        "Family" => BitConverter.GetBytes((ushort)(v % 2 == 0 ? 2 : 23)),
                        "Name" => Encoding.Unicode.GetBytes(strings[v / 4 % 4] + "\0"),
                        "Pointer" => BitConverter.GetBytes(0xFFFF9A0C12345000 + (ulong)v),
                        _ => BitConverter.GetBytes(-v),
                    });
                // Whole, cut inside the last fields, and with bytes left over.
                foreach (int cut in new[] { 0, 6, 13, -2 })
                {
                    byte[] bytes = cut >= 0 ? [.. payload.Take(payload.Count - cut)] : [.. payload, 1, 2];
                    var decoded = decoder.Decode(schema, bytes, 8);
                    Assert.Equal(Expected(decoded), Tail(Line(writer, output, record, decoded)));
                    compared++;
                }
            }
        }
        Assert.Equal(templates.Length * messages.Length * 16 * 4, compared);
    }
}
