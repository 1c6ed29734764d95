using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Schema;

namespace Sockscope.Tests.Sinks;

/// <summary>
/// The JSON lines writer formats most values straight into its output and leaves the rest to
/// <see cref="Utf8JsonWriter"/>: for every in-type and out-type, and payloads random, short, empty and full of
/// characters JSON must escape, a value formatted directly is byte for byte what the JSON writer writes.
/// </summary>
public class JsonDirectFormattingTests
{
    private static readonly InType[] Scalars =
    [
        InType.UnicodeString, InType.AnsiString, InType.Int8, InType.UInt8, InType.Int16, InType.UInt16, InType.Int32,
        InType.UInt32, InType.Int64, InType.UInt64, InType.Float, InType.Double, InType.Boolean, InType.Binary, InType.Guid,
        InType.Pointer, InType.FileTime, InType.SystemTime, InType.Sid, InType.HexInt32, InType.HexInt64,
        InType.CountedString, InType.CountedAnsiString, InType.CountedBinary,
    ];

    [Fact]
    public void A_value_formatted_directly_is_what_the_json_writer_writes()
    {
        var provider = SchemaCatalog.Winsock.Providers[0];
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        var fields = new FieldFormatter();
        var fresh = new FieldFormatter();
        var rng = new Random(1234);
        var written = new ArrayBufferWriter<byte>();
        using var json = new Utf8JsonWriter(written, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        int direct = 0, compared = 0;
        foreach (var inType in Scalars)
        foreach (var outType in Enum.GetValues<OutType>())
        foreach (var known in new[] { KnownValues.None, KnownValues.AddressFamily })
        {
            var field = new FieldSchema
            {
                Name = "F", InType = inType, OutType = outType, Known = known,
                FixedLength = inType == InType.Binary ? 16 : -1,
            };
            var schema = new EventSchema { Provider = provider, Id = 1, Version = 0, Symbol = "E", Fields = [field] };
            for (int trial = 0; trial < 12; trial++)
            {
                var payload = new byte[trial switch { 0 => 0, 1 => 1, 2 => 3, _ => rng.Next(4, 48) }];
                rng.NextBytes(payload);
                if (trial % 3 == 0) for (int i = 0; i < payload.Length; i++) payload[i] = (byte)"\"\\\n\u0001a<é"[i % 7];
                if (trial == 4) Array.Clear(payload);
                foreach (int pointerSize in new[] { 4, 8 })
                {
                    var decoded = decoder.Decode(schema, payload, pointerSize);
                    if (!decoded.Has(0)) continue;
                    written.ResetWrittenCount();
                    json.Reset();
                    fields.WriteJson(json, decoded, 0);
                    json.Flush();
                    var expected = written.WrittenSpan.ToArray();
                    var room = new byte[FieldFormatter.MaxJsonDirectLength(decoded, 0)];
                    fields.RememberTexts();
                    int n = fields.TryFormatJsonDirect(decoded, 0, room);
                    // A message insert taken from what the JSON value kept is the text a person reads.
                    var insert = fields.FormatText(decoded, 0).ToArray();
                    fields.ForgetTexts();
                    var text = fresh.FormatText(decoded, 0).ToArray();
                    Assert.True(text.AsSpan().SequenceEqual(insert),
                        $"{inType}/{outType}/{known}, payload {Convert.ToHexString(payload)}: text {System.Text.Encoding.UTF8.GetString(text)}, " +
                        $"kept {System.Text.Encoding.UTF8.GetString(insert)}");
                    compared++;
                    if (n < 0) continue;
                    direct++;
                    Assert.True(expected.AsSpan().SequenceEqual(room.AsSpan(0, n)),
                        $"{inType}/{outType}/{known}, payload {Convert.ToHexString(payload)}, {pointerSize}-byte pointers: " +
                        $"writer {System.Text.Encoding.UTF8.GetString(expected)}, direct {System.Text.Encoding.UTF8.GetString(room, 0, n)}");
                }
            }
        }
        // Most combinations go the direct way, so the comparison covers it; the rest still reached the writer.
        Assert.True(direct > compared / 3, $"{direct} of {compared} formatted directly");
        Assert.True(direct < compared, "some values need the JSON writer");
    }

    [Theory]
    [InlineData(InType.Float, "0000807F", "\"Infinity\"")]
    [InlineData(InType.Float, "000080FF", "\"-Infinity\"")]
    [InlineData(InType.Float, "0000C07F", "\"NaN\"")]
    [InlineData(InType.Double, "000000000000F07F", "\"Infinity\"")]
    [InlineData(InType.Double, "000000000000F8FF", "\"NaN\"")]
    [InlineData(InType.Double, "000000000000F03F", "1")]
    public void Infinities_and_nan_are_named_strings_not_a_crash(InType inType, string hex, string expected)
    {
        // Found by the fuzzer: a TraceLogging float field holding infinity made the JSON writer throw, ending `dump`.
        var provider = SchemaCatalog.Winsock.Providers[0];
        var field = new FieldSchema { Name = "F", InType = inType };
        var schema = new EventSchema { Provider = provider, Id = 1, Version = 0, Symbol = "E", Fields = [field] };
        var decoded = new EventDecoder(SchemaCatalog.Winsock).Decode(schema, Convert.FromHexString(hex), 8);
        var written = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(written, new JsonWriterOptions { SkipValidation = true }))
            new FieldFormatter().WriteJson(json, decoded, 0);
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(written.WrittenSpan));
    }
}
