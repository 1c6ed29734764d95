using System.Text.Json;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Sinks;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Decoding;

/// <summary>
/// For every event and version of the three providers: a payload written from the catalog with the project's ETL
/// writer decodes back to the same value in every field, with both pointer sizes.
/// </summary>
public class DecoderRoundTripTests
{
    public static IEnumerable<object[]> PointerSizes() => [[4], [8]];

    [Theory]
    [MemberData(nameof(PointerSizes))]
    public void Every_catalog_event_round_trips(int pointerSize)
    {
        var catalog = SchemaCatalog.Winsock;
        var rng = new Random(pointerSize);
        var expected = new List<(EventSchema schema, object?[] values)>();
        using var dir = new TempDir();
        string path = dir.File("all.etl");
        long t = 1_000_000_000;
        using (var writer = EtlWriter.Create(path, new EtlWriterOptions { PointerSize = 8 }))
        {
            foreach (var provider in catalog.Providers)
            foreach (var schema in provider.Events.Where(e => ReferenceEquals(provider.Find(e.Id, e.Version), e)))
            {
                var builder = new PayloadBuilder(schema, pointerSize);
                var values = new object?[schema.Fields.Count];
                for (int i = 0; i < schema.Fields.Count; i++)
                {
                    var f = schema.Fields[i];
                    if (IsLengthOfLater(schema, i)) continue;
                    values[i] = RandomValue(f, pointerSize, rng);
                    switch (values[i])
                    {
                        case ulong n: builder.Set(f.Name, n); break;
                        case byte[] b: builder.Set(f.Name, b); break;
                        case string s: builder.Set(f.Name, s); break;
                    }
                }
                var header = new EventHeaderValues
                {
                    ProviderId = provider.Guid, Id = schema.Id, Version = schema.Version, Level = (byte)schema.Level.Value,
                    Opcode = (byte)schema.Opcode.Value, Task = (ushort)schema.Task.Value, Keywords = schema.Keywords,
                    Timestamp = t += 10, ProcessId = 100, ThreadId = 200, Is32Bit = pointerSize == 4,
                };
                writer.WriteEvent(0, header, builder.ToArray());
                expected.Add((schema, values));
            }
        }
        Assert.Equal(128, expected.Count);

        var decoder = new EventDecoder(catalog);
        var json = new System.Buffers.ArrayBufferWriter<byte>();
        using var reader = EtlReader.Open(path);
        using var jsonWriter = new EventJsonWriter(json, reader.Clock, new ProviderNames());
        Assert.True(reader.TryRead(out _));
        int k = 0;
        while (reader.TryRead(out var r))
        {
            var (schema, values) = expected[k++];
            Assert.True(decoder.TryDecode(r, out var d), $"{schema.Symbol} not found");
            Assert.Same(schema, d.Schema);
            Assert.Equal(DecodeStatus.Complete, d.Status);
            Assert.Equal(pointerSize, d.PointerSize);
            for (int i = 0; i < schema.Fields.Count; i++)
            {
                string where = $"{schema.Provider.Name} {schema.Id} {schema.Fields[i].Name}";
                Assert.True(d.Has(i), where);
                switch (values[i])
                {
                    case ulong n: Assert.True(n == d.Number(i), $"{where}: {d.Number(i)} != {n}"); break;
                    case byte[] b: Assert.True(b.AsSpan().SequenceEqual(d.Bytes(i)), $"{where}: bytes differ"); break;
                    case string s: Assert.Equal(s, d.String(i)); break;
                }
            }
            json.ResetWrittenCount();
            jsonWriter.Write(r, d);
            jsonWriter.Flush();
            using var doc = JsonDocument.Parse(json.WrittenMemory);
            var data = doc.RootElement.GetProperty("event_data");
            foreach (var f in schema.Fields) Assert.True(data.TryGetProperty(f.Name, out _), $"{schema.Symbol}: JSON lacks {f.Name}");
        }
        Assert.Equal(expected.Count, k);
    }

    [Fact]
    public void Short_and_long_payloads_decode_what_is_there_and_are_marked()
    {
        var schema = SchemaCatalog.Winsock.Find(Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6"), 1030, 0)!;
        var payload = new PayloadBuilder(schema, 8).Set("EnterExit", 1).Set("Location", 7022).Set("Process", 0xFFFF_9A00_1234_5678)
            .Set("Endpoint", 0xFFFF_9A00_0000_1000).Set("Status", 0).Set("Address", new byte[] { 2, 0, 1, 187, 93, 184, 216, 34, 0, 0, 0, 0, 0, 0, 0, 0 }).ToArray();
        var decoder = new EventDecoder(SchemaCatalog.Winsock);

        var cut = decoder.Decode(schema, payload.AsSpan(0, 20), 8);
        Assert.Equal(DecodeStatus.Truncated, cut.Status);
        Assert.Equal(7022UL, cut.Number(1));
        Assert.True(cut.Has(2));
        Assert.False(cut.Has(3));
        Assert.False(cut.Has(6));

        var cutInAddress = decoder.Decode(schema, payload.AsSpan(0, payload.Length - 3), 8);
        Assert.Equal(DecodeStatus.Truncated, cutInAddress.Status);
        Assert.True(cutInAddress.Has(5));
        Assert.False(cutInAddress.Has(6));

        var longer = decoder.Decode(schema, [.. payload, 1, 2, 3], 8);
        Assert.Equal(DecodeStatus.ExtraBytes, longer.Status);
        Assert.Equal(16, longer.Bytes(6).Length);

        var empty = decoder.Decode(schema, [], 8);
        Assert.Equal(DecodeStatus.Truncated, empty.Status);
        Assert.False(empty.Has(0));

        // A hostile length field cannot make the decoder read past the payload.
        var hostile = payload.ToArray();
        BitConverter.GetBytes(0x7FFF_FFFFu).CopyTo(hostile, 4 + 4 + 8 + 8 + 4);
        var h = decoder.Decode(schema, hostile, 8);
        Assert.Equal(DecodeStatus.Truncated, h.Status);
        Assert.Equal(0x7FFF_FFFFUL, h.Number(5));
        Assert.False(h.Has(6));
    }

    [Fact]
    public void Compiled_flat_templates_decode_exactly_like_the_general_path()
    {
        var rng = new Random(17);
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        int compared = 0;
        foreach (var provider in SchemaCatalog.Winsock.Providers)
        foreach (var schema in provider.Events)
        {
            for (int trial = 0; trial < 40; trial++)
            {
                // Random bytes of random length: whole, cut and overlong payloads, hostile length fields included.
                var payload = new byte[rng.Next(0, 120)];
                rng.NextBytes(payload);
                int pointerSize = trial % 2 == 0 ? 8 : 4;
                var general = new FieldValue[schema.Fields.Count];
                var generalStatus = PayloadDecoder.Decode(schema.Fields, payload, pointerSize, general);
                var flat = decoder.Decode(schema, payload, pointerSize);
                Assert.Equal(generalStatus, flat.Status);
                for (int i = 0; i < general.Length; i++)
                {
                    Assert.True(general[i].IsPresent == flat.Values[i].IsPresent, $"{schema.Symbol} field {i} {schema.Fields[i].Name} len {payload.Length} ptr {pointerSize}: general {general[i].IsPresent} flat {flat.Values[i].IsPresent}");
                    if (!general[i].IsPresent) continue;
                    Assert.Equal(general[i].Offset, flat.Values[i].Offset);
                    Assert.Equal(general[i].Length, flat.Values[i].Length);
                    Assert.Equal(general[i].Number, flat.Values[i].Number);
                }
                compared++;
            }
        }
        Assert.Equal(131 * 40, compared);
    }

    private static bool IsLengthOfLater(EventSchema schema, int index) => schema.Fields.Any(f => f.LengthField == index);

    private static object RandomValue(FieldSchema f, int pointerSize, Random rng)
    {
        switch (f.InType)
        {
            case InType.UInt8: case InType.Int8: return (ulong)rng.Next(256) is var b && f.InType == InType.Int8 ? (ulong)(long)(sbyte)b : b;
            case InType.UInt16: return (ulong)rng.Next(65536);
            case InType.Int32: return (ulong)(long)rng.Next(int.MinValue, int.MaxValue);
            case InType.UInt32: case InType.HexInt32: return (ulong)(uint)rng.Next(int.MinValue, int.MaxValue);
            case InType.Boolean: return (ulong)rng.Next(2);
            case InType.UInt64: case InType.Int64: case InType.HexInt64: return (ulong)rng.NextInt64();
            case InType.Pointer: return pointerSize == 4 ? (ulong)(uint)rng.Next(int.MinValue, int.MaxValue) : (ulong)rng.NextInt64() | 0xFFFF_8000_0000_0000;
            case InType.Guid: return Guid.NewGuid().ToByteArray();
            case InType.Binary:
                var bytes = new byte[f.FixedLength >= 0 ? f.FixedLength : f.OutType == OutType.SocketAddress ? (rng.Next(2) == 0 ? 16 : 28) : rng.Next(1, 40)];
                rng.NextBytes(bytes);
                return bytes;
            case InType.UnicodeString: return "host-" + rng.Next(100000) + ".example.com";
            default: throw new InvalidOperationException($"no random value for {f.InType}");
        }
    }
}
