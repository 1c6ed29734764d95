using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sockscope.Decoding;
using Sockscope.Decoding.TraceLogging;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Sinks;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Decoding;

/// <summary>
/// TraceLogging self-describing events: the real traces' events decode to the values PerfView and the bytes show,
/// hand-built metadata covers arrays, structs, counted and 8-bit strings and every fixed type, and hostile
/// metadata is refused (never thrown on) while decoding stays bounded and allocation-free after warm-up.
/// </summary>
public class TraceLoggingTests
{
    private static readonly Guid Provider = new("6e3f5b3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");

    // ---- real traces -------------------------------------------------------------------------------------------

    /// <summary>One decoded TraceLogging event of a real trace, rendered as the JSON writer renders it.</summary>
    private sealed record Decoded(string Provider, string Name, ushort Id, DecodeStatus Status, JsonElement Data, string Message);

    private static List<Decoded> DecodeTraceLogging(string path)
    {
        var list = new List<Decoded>();
        using var reader = EtlReader.Open(path);
        var names = new ProviderNames();
        var decoder = new TraceLoggingDecoder(names);
        var output = new ArrayBufferWriter<byte>();
        using var writer = new EventJsonWriter(output, reader.Clock, names);
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            if (!decoder.TryDecode(r, out var d)) continue;
            output.ResetWrittenCount();
            writer.Write(r, d);
            using var doc = JsonDocument.Parse(output.WrittenMemory);
            list.Add(new Decoded(d.Schema.Provider.Name, d.Schema.Symbol, r.Id, d.Status,
                doc.RootElement.GetProperty("event_data").Clone(), doc.RootElement.GetProperty("message").GetString()!));
        }
        Assert.Equal(0, decoder.RejectedKinds);
        return list;
    }

    /// <summary>
    /// Every value PerfView's baseline shows for the five PrimitiveTypesTest events, field by field. Where PerfView
    /// and the bytes part, the test says which is which: the metadata declares <c>int64_type</c> UInt64 (in-type 10;
    /// PerfView shows the bits as signed), <c>char_type</c> is a UInt8 with out-type String (PerfView shows the
    /// number, we the character), and PerfView shows every SYSTEMTIME's fraction as ".03" where the bytes hold the
    /// milliseconds of the FILETIME beside it.
    /// </summary>
    [SharedSamplesFact]
    public void Primitive_types_decode_to_the_perfview_baseline()
    {
        var baseline = File.ReadLines(SharedSamples.PathOf("perfview_primitive-types.baseline.txt"))
            .Where(l => l.Contains(": solar_system/PrimitiveTypesTest ", StringComparison.Ordinal))
            .Select(BaselineValues).ToList();
        Assert.Equal(5, baseline.Count);

        using var reader = EtlReader.Open(SharedSamples.PathOf("perfview_primitive-types.etl"));
        var names = new ProviderNames();
        var decoder = new TraceLoggingDecoder(names);
        var formatter = new FieldFormatter();
        int n = 0;
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            if (!decoder.TryDecode(r, out var d)) continue;
            var expected = baseline[n++];
            Assert.Equal(DecodeStatus.Complete, d.Status);
            Assert.Equal("solar_system", d.Schema.Provider.Name);
            Assert.Equal("PrimitiveTypesTest", d.Schema.Symbol);
            Assert.Equal(expected.Select(kv => kv.Key), d.Schema.Fields.Select(f => f.Name));
            foreach (var (key, value) in expected)
            {
                int i = d.IndexOf(key);
                string ours = Encoding.UTF8.GetString(formatter.FormatValue(d, i));
                string prefix = value.EndsWith("...", StringComparison.Ordinal) ? value[..^3] : value;
                switch (key)
                {
                    case "boolean_type":
                        Assert.Equal(value.ToLowerInvariant(), ours);
                        break;
                    case "char_type":
                        Assert.Equal(value, d.Number(i).ToString(CultureInfo.InvariantCulture));
                        Assert.Equal(((char)d.Number(i)).ToString(), ours);
                        break;
                    case "int64_type":
                        Assert.Equal(InType.UInt64, d.Field(i).InType);
                        Assert.Equal(long.Parse(value, CultureInfo.InvariantCulture), (long)d.Number(i));
                        Assert.Equal(unchecked((ulong)long.Parse(value, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture), ours);
                        break;
                    case "guid_type":
                        Assert.StartsWith(prefix, d.Guid(i).ToString("D"));
                        break;
                    case "file_time_type":
                        Assert.StartsWith(prefix, DateTime.FromFileTimeUtc((long)d.Number(i)).ToString("yy/MM/dd HH:mm:ss.ff", CultureInfo.InvariantCulture));
                        break;
                    case "system_time_type":
                        var st = d.Bytes(i);
                        var time = new DateTime(U16(st, 0), U16(st, 2), U16(st, 6), U16(st, 8), U16(st, 10), U16(st, 12), U16(st, 14));
                        Assert.Equal(prefix[..17], time.ToString("yy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture));
                        Assert.Equal(DateTime.FromFileTimeUtc((long)d.Number(d.IndexOf("file_time_type"))).Millisecond, time.Millisecond);
                        Assert.Equal(time.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture), ours);
                        break;
                    default:
                        Assert.Equal(value, ours);
                        break;
                }
            }
        }
        Assert.Equal(5, n);

        var first = DecodeTraceLogging(SharedSamples.PathOf("perfview_primitive-types.etl"))[0];
        Assert.Equal("PrimitiveTypesTest", first.Message);
        Assert.Equal("""{"string_type":"Mercury","boolean_type":false,"char_type":"M","int16_type":-51,"int32_type":-102,"uint16_type":51,"uint32_type":102,"int64_type":18446744073709551412,"uint64_type":204,"guid_type":"{0AD614C4-0EF4-4225-8013-F44F37CB0397}","file_time_type":"2021-09-09T14:59:35.7990000Z","system_time_type":"2021-09-09T14:59:35.799"}""",
            first.Data.GetRawText());

        static int U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);
    }

    /// <summary>"EVENT t: name PID=…; DataLen=n; a=1; b=2; " gives the fields after DataLen, in order.</summary>
    private static List<KeyValuePair<string, string>> BaselineValues(string line)
    {
        int data = line.IndexOf("DataLen=", StringComparison.Ordinal);
        int start = line.IndexOf("; ", data, StringComparison.Ordinal) + 2;
        return line[start..].Split("; ", StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.TrimEnd(';', ' '))
            .Where(p => p.Length > 0)
            .Select(p => new KeyValuePair<string, string>(p[..p.IndexOf('=')], p[(p.IndexOf('=') + 1)..]))
            .ToList();
    }

    /// <summary>PerfView's SelfDescribingSingleEvent: a struct of two UTF-16 strings, as a nested JSON object.</summary>
    [SharedSamplesFact]
    public void The_self_describing_single_event_is_a_struct()
    {
        var events = DecodeTraceLogging(SharedSamples.PathOf("perfview_SelfDescribingSingleEvent.etl"));
        var e = Assert.Single(events);
        Assert.Equal(DecodeStatus.Complete, e.Status);
        Assert.Equal("MySource", e.Provider);
        Assert.Equal("TestEvent", e.Name);
        Assert.Equal(3, e.Id);
        Assert.Equal("""{"a":{"b":"Hello","c":"World!"}}""", e.Data.GetRawText());
    }

    /// <summary>
    /// The 19 AMSI events: Engine and Script are UTF-16 strings, "Raw Script" a variable-count array of UInt16
    /// characters (out-type String) that reads as the same text.
    /// </summary>
    [SharedSamplesFact]
    public void Amsi_events_decode_completely()
    {
        var events = DecodeTraceLogging(SharedSamples.PathOf("airbus_AMSITrace.etl"));
        Assert.Equal(19, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal(DecodeStatus.Complete, e.Status);
            Assert.Equal("AmsiTrace", e.Provider);
            Assert.Equal("AmsiScript", e.Name);
            Assert.Equal("AmsiScript", e.Message);
            Assert.Equal(["Engine", "Script", "Raw Script"], e.Data.EnumerateObject().Select(p => p.Name));
            Assert.Equal(e.Data.GetProperty("Script").GetString(), e.Data.GetProperty("Raw Script").GetString());
        });
        Assert.Equal("VBScript", events[0].Data.GetProperty("Engine").GetString());
        Assert.Equal("IWshShell3.Run(\"powershell.exe -nop -w 1 -enc RwBlAHQALQBBAGwAaQBhAHMA\", \"0\", \"true\");\r\n",
            events[0].Data.GetProperty("Script").GetString());
        Assert.Equal(@"PowerShell_C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe_10.0.18362.1",
            events[1].Data.GetProperty("Engine").GetString());
        Assert.Equal("Get-Alias", events[1].Data.GetProperty("Raw Script").GetString());
        Assert.Equal("msgbox \"Is VBScript Dead?\"\r\n", events.Single(e => e.Data.GetProperty("Script").GetString()!.StartsWith("msgbox")).Data.GetProperty("Script").GetString());
        Assert.Equal(4, events.Count(e => e.Data.GetProperty("Engine").GetString() == "VBScript"));
        Assert.Contains(events, e => e.Data.GetProperty("Script").GetString()!.Contains("Copyright=\"© Microsoft Corporation. All rights reserved.\""));
    }

    /// <summary>The two LxCore BreakPoint events: a GUID, signed 32-bit ids, an empty counted string, 8-bit strings.</summary>
    [SharedSamplesFact]
    public void Lxcore_events_decode_completely()
    {
        var events = DecodeTraceLogging(SharedSamples.PathOf("airbus_lxcore_kernel.etl"));
        Assert.Equal(2, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal(DecodeStatus.Complete, e.Status);
            Assert.Equal("Microsoft.Windows.Subsystem.LxCore", e.Provider);
            Assert.Equal("BreakPoint", e.Name);
        });
        Assert.Equal("""{"ErrorLevel":2,"instanceId":"{00000000-0000-0000-0000-000000000000}","LxPid":-1,"LxTid":-1,"LxNs":0,"ExecutablePath":"","Function":"LxpDrvFsTypeMount","Line":10528,"Message":"Failed to open volume C:\\WINDOWS\\system32\\lxss\\tools, result -2\n"}""",
            events[0].Data.GetRawText());
        Assert.Equal("LxpInstanceStart", events[1].Data.GetProperty("Function").GetString());
        Assert.Equal(2659, events[1].Data.GetProperty("Line").GetInt32());
        Assert.Equal("[0xc0000034] LxpInstanceInitialize\n", events[1].Data.GetProperty("Message").GetString());
    }

    // ---- hand-built events -------------------------------------------------------------------------------------

    /// <summary>TraceLogging event metadata, built as TraceLoggingProvider.h lays it out.</summary>
    private sealed class Meta
    {
        private readonly List<byte> _bytes = [0, 0];

        public Meta(string eventName, params byte[] tags)
        {
            _bytes.AddRange(tags.Length == 0 ? [0] : tags);
            _bytes.AddRange(Encoding.UTF8.GetBytes(eventName));
            _bytes.Add(0);
        }

        /// <summary>A field: name, in-type byte (flags included), optional out-type byte, tag bytes and count.</summary>
        public Meta Field(string name, byte inType, byte? outType = null, byte[]? tags = null, ushort? count = null)
        {
            _bytes.AddRange(Encoding.UTF8.GetBytes(name));
            _bytes.Add(0);
            _bytes.Add(outType is null ? inType : (byte)(inType | 0x80));
            if (outType is { } o) _bytes.Add(tags is null ? o : (byte)(o | 0x80));
            if (tags is not null) _bytes.AddRange(tags);
            if (count is { } c) { _bytes.Add((byte)c); _bytes.Add((byte)(c >> 8)); }
            return this;
        }

        public Meta Raw(params byte[] bytes)
        {
            _bytes.AddRange(bytes);
            return this;
        }

        public byte[] ToArray()
        {
            var result = _bytes.ToArray();
            BinaryPrimitives.WriteUInt16LittleEndian(result, (ushort)result.Length);
            return result;
        }
    }

    /// <summary>A payload built field by field.</summary>
    private sealed class Payload
    {
        private readonly MemoryStream _stream = new();

        public Payload U8(byte v) { _stream.WriteByte(v); return this; }
        public Payload U16(ushort v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); _stream.Write(b); return this; }
        public Payload U32(uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); _stream.Write(b); return this; }
        public Payload U64(ulong v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); _stream.Write(b); return this; }
        public Payload I32(int v) => U32((uint)v);
        public Payload Bytes(params byte[] v) { _stream.Write(v); return this; }
        public Payload Wide(string s) => Bytes([.. Encoding.Unicode.GetBytes(s), 0, 0]);
        public Payload CountedWide(string s) { var b = Encoding.Unicode.GetBytes(s); return U16((ushort)b.Length).Bytes(b); }
        public Payload Counted(byte[] b) => U16((ushort)b.Length).Bytes(b);
        public byte[] ToArray() => _stream.ToArray();
    }

    private static void WriteTrace(string path, IEnumerable<(byte[] Meta, byte[] Payload)> events, bool is32Bit = false, int bufferSize = 64 * 1024)
    {
        using var w = EtlWriter.Create(path, new EtlWriterOptions { ProcessorCount = 1, BufferSize = bufferSize, PointerSize = is32Bit ? 4 : 8 });
        long t = 1_000_000_100;
        foreach (var (meta, payload) in events)
        {
            w.WriteEvent(0, new EventHeaderValues { ProviderId = Provider, Channel = 11, Level = 5, Timestamp = t++, ProcessId = 40, ThreadId = 41, Is32Bit = is32Bit },
                payload, [new ExtendedDataItemValue(ExtendedDataType.EventSchemaTraceLogging, meta),
                          new ExtendedDataItemValue(ExtendedDataType.ProviderTraits, ProviderTraitsBlob.Of("Contoso.Probe"))]);
        }
    }

    /// <summary>Writes the events, reads them back and decodes them: (event_data JSON, status) per event.</summary>
    private static List<(string Json, DecodeStatus Status)> RoundTrip(params (byte[] Meta, byte[] Payload)[] events) => RoundTrip(false, events);

    private static List<(string Json, DecodeStatus Status)> RoundTrip(bool is32Bit, params (byte[] Meta, byte[] Payload)[] events)
    {
        using var dir = new TempDir();
        string path = dir.File("tl.etl");
        WriteTrace(path, events, is32Bit);
        var result = new List<(string, DecodeStatus)>();
        using var reader = EtlReader.Open(path);
        var names = new ProviderNames();
        var decoder = new TraceLoggingDecoder(names);
        var output = new ArrayBufferWriter<byte>();
        using var writer = new EventJsonWriter(output, reader.Clock, names);
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            if (r.Family != TraceHeaderFamily.EventHeader) continue;
            Assert.True(decoder.TryDecode(r, out var d), decoder.LastError);
            Assert.Equal("Contoso.Probe", d.Schema.Provider.Name);
            output.ResetWrittenCount();
            writer.Write(r, d);
            using var doc = JsonDocument.Parse(output.WrittenMemory);
            result.Add((doc.RootElement.GetProperty("event_data").GetRawText(), d.Status));
        }
        return result;
    }

    [Fact]
    public void Arrays_of_fixed_size_and_variable_size_elements()
    {
        var meta = new Meta("Arrays")
            .Field("u32s", 0x40 | 8)                          // variable count of UInt32
            .Field("pair", 0x20 | 6, count: 2)                // two UInt16
            .Field("names", 0x40 | 1)                         // variable count of UTF-16 strings
            .Field("blobs", 0x40 | 25)                        // variable count of counted binaries
            .Field("ids", 0x20 | 15, count: 2)                // two GUIDs
            .Field("empty", 0x40 | 7)                         // no Int32 at all
            .Field("hexes", 0x40 | 4, outType: 4)             // UInt8 shown in hex
            .Field("chars", 0x40 | 3, outType: 2)             // 8-bit characters (Windows-1252)
            .Field("after", 7)
            .ToArray();
        var g1 = new Guid("00112233-4455-6677-8899-aabbccddeeff");
        var payload = new Payload()
            .U16(3).U32(1).U32(2).U32(0xFFFFFFFF)
            .U16(7).U16(8)
            .U16(2).Wide("a").Wide("bc")
            .U16(2).Counted([0xAB, 0xCD]).Counted([])
            .Bytes(g1.ToByteArray()).Bytes(Guid.Empty.ToByteArray())
            .U16(0)
            .U16(2).U8(0x0A).U8(0xFF)
            .U16(3).Bytes((byte)'h', 0xE9, 0x80)
            .I32(42)
            .ToArray();
        var (json, status) = Assert.Single(RoundTrip((meta, payload)));
        Assert.Equal(DecodeStatus.Complete, status);
        Assert.Equal("""{"u32s":[1,2,4294967295],"pair":[7,8],"names":["a","bc"],"blobs":["ABCD",""],"ids":["{00112233-4455-6677-8899-AABBCCDDEEFF}","{00000000-0000-0000-0000-000000000000}"],"empty":[],"hexes":["0A","FF"],"chars":"hé€","after":42}""", json);
    }

    [Fact]
    public void Nested_structs_and_arrays_of_structs()
    {
        var meta = new Meta("Structs")
            .Field("head", 4)
            .Field("s", 24, outType: 2)                       // struct of 2 members
            .Field("x", 7)
            .Field("inner", 24, outType: 2)                   // nested struct of 2 members
            .Field("flag", 4, outType: 3)                     // 8-bit Boolean
            .Field("ptr", 21)
            .Field("list", 0x40 | 24, outType: 2)             // variable count of structs
            .Field("k", 22)                                   // counted UTF-16 string
            .Field("v", 0x20 | 6, count: 2)                   // constant array inside the struct
            .Field("tail", 1)
            .ToArray();
        var payload = new Payload()
            .U8(1)
            .I32(-5).U8(1).U64(0x1234)
            .U16(2).CountedWide("one").U16(1).U16(11).CountedWide("two").U16(2).U16(22)
            .Wide("end")
            .ToArray();
        var (json, status) = Assert.Single(RoundTrip((meta, payload)));
        Assert.Equal(DecodeStatus.Complete, status);
        Assert.Equal("""{"head":1,"s":{"x":-5,"inner":{"flag":true,"ptr":"0x1234"}},"list":[{"k":"one","v":[1,11]},{"k":"two","v":[2,22]}],"tail":"end"}""", json);

        // The members have no top-level value of their own; the struct's value spans them.
        using var dir = new TempDir();
        string path = dir.File("s.etl");
        WriteTrace(path, [(meta, payload)]);
        using var reader = EtlReader.Open(path);
        var decoder = new TraceLoggingDecoder();
        while (reader.TryRead(out var r))
        {
            if (!decoder.TryDecode(r, out var d)) continue;
            Assert.Equal(10, d.Count);
            var present = new bool[d.Count];
            for (int i = 0; i < d.Count; i++) present[i] = d.Has(i);
            Assert.Equal([true, true, false, false, false, false, true, false, false, true], present);
            Assert.Equal(1, d.ElementCount(1));
            Assert.Equal(4 + 1 + 8, d.Bytes(1).Length);
            Assert.Equal(2, d.ElementCount(6));
            Assert.Equal(2 * (2 + 6 + 4), d.Bytes(6).Length);
            Assert.Equal("end", d.String(9));
            var text = new FieldFormatter();
            Assert.Equal("""[{"k":"one","v":[1,11]},{"k":"two","v":[2,22]}]""", Encoding.UTF8.GetString(text.FormatValue(d, 6)));
            Assert.Equal("""{"x":-5,"inner":{"flag":true,"ptr":"0x1234"}}""", Encoding.UTF8.GetString(text.FormatText(d, 1)));
        }
    }

    [Fact]
    public void Strings_tags_and_every_fixed_type()
    {
        var when = new DateTime(2026, 6, 2, 4, 5, 6, 789, DateTimeKind.Utc);
        var meta = new Meta("Types", 0x81, 0x82, 0x03)       // a three-byte event tag
            .Field("utf8", 23, outType: 35)                   // counted 8-bit string, UTF-8
            .Field("ansi", 2)                                 // NUL-terminated, Windows-1252 by default
            .Field("ansi8", 2, outType: 35)                   // NUL-terminated UTF-8
            .Field("wide", 22)
            .Field("tagged", 8, outType: 4, tags: [0x81, 0x80, 0x80, 0x01])
            .Field("bin", 14)                                 // TraceLogging Binary: UINT16 size, then bytes
            .Field("addr", 25, outType: 9)                    // counted binary shown as IPv6
            .Field("sid", 19)
            .Field("ft", 17)
            .Field("st", 18)
            .Field("ok", 13)                                  // 32-bit Boolean
            .Field("p", 16)                                   // pointer-sized
            .Field("err", 8, outType: 13)                     // Win32 error
            .Field("nt", 20, outType: 14)                     // HexInt32 shown as NTSTATUS
            .Field("port", 6, outType: 7)
            .Field("ip", 8, outType: 8)
            .Field("f", 11)
            .Field("d", 12)
            .Field("i8", 3)
            .Field("h64", 10, outType: 4)
            .ToArray();
        var payload = new Payload()
            .Counted(Encoding.UTF8.GetBytes("héllo ✓"))
            .Bytes((byte)'c', (byte)'a', (byte)'f', 0xE9, 0)
            .Bytes([.. Encoding.UTF8.GetBytes("naïve"), 0])
            .CountedWide("Wide")
            .U32(0xDEAD)
            .Counted([1, 2, 3])
            .Counted([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
            .Bytes(1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0)
            .U64((ulong)when.ToFileTimeUtc())
            .U16(2026).U16(6).U16(2).U16(2).U16(4).U16(5).U16(6).U16(789)
            .U32(1)
            .U64(0x7FF6_1234_5678)
            .U32(5)
            .U32(0xC0000034)
            .Bytes(0x1F, 0x90)
            .Bytes(192, 168, 1, 2)
            .U32(BitConverter.SingleToUInt32Bits(1.5f))
            .U64(BitConverter.DoubleToUInt64Bits(-2.25))
            .U8(0xFE)
            .U64(0xABC)
            .ToArray();
        var (json, status) = Assert.Single(RoundTrip((meta, payload)));
        Assert.Equal(DecodeStatus.Complete, status);
        using var doc = JsonDocument.Parse(json);
        var e = doc.RootElement;
        Assert.Equal("héllo ✓", e.GetProperty("utf8").GetString());
        Assert.Equal("café", e.GetProperty("ansi").GetString());
        Assert.Equal("naïve", e.GetProperty("ansi8").GetString());
        Assert.Equal("Wide", e.GetProperty("wide").GetString());
        Assert.Equal("0000DEAD", e.GetProperty("tagged").GetString());
        Assert.Equal("010203", e.GetProperty("bin").GetString());
        Assert.Equal("::1", e.GetProperty("addr").GetString());
        Assert.Equal("S-1-5-18", e.GetProperty("sid").GetString());
        Assert.Equal("2026-06-02T04:05:06.7890000Z", e.GetProperty("ft").GetString());
        Assert.Equal("2026-06-02T04:05:06.789", e.GetProperty("st").GetString());
        Assert.True(e.GetProperty("ok").GetBoolean());
        Assert.Equal("0x7FF612345678", e.GetProperty("p").GetString());
        Assert.Equal("0x00000005", e.GetProperty("err").GetString());
        Assert.Equal("ERROR_ACCESS_DENIED", e.GetProperty("errName").GetString());
        Assert.Equal("0xC0000034", e.GetProperty("nt").GetString());
        Assert.Equal("STATUS_OBJECT_NAME_NOT_FOUND", e.GetProperty("ntName").GetString());
        Assert.Equal(8080, e.GetProperty("port").GetInt32());
        Assert.Equal("192.168.1.2", e.GetProperty("ip").GetString());
        Assert.Equal(1.5, e.GetProperty("f").GetDouble());
        Assert.Equal(-2.25, e.GetProperty("d").GetDouble());
        Assert.Equal(-2, e.GetProperty("i8").GetInt32());
        Assert.Equal("0xABC", e.GetProperty("h64").GetString());
    }

    [Fact]
    public void Pointers_take_the_records_pointer_size()
    {
        var meta = new Meta("Ptr").Field("p", 16).Field("after", 8).ToArray();
        var payload = new Payload().U32(0x1000).U32(7).ToArray();
        var (json, status) = Assert.Single(RoundTrip(is32Bit: true, (meta, payload)));
        Assert.Equal(DecodeStatus.Complete, status);
        Assert.Equal("""{"p":"0x1000","after":7}""", json);
    }

    [Fact]
    public void A_short_payload_is_truncated_and_a_long_one_has_extra_bytes()
    {
        var meta = new Meta("Short").Field("a", 8).Field("list", 0x40 | 15).Field("z", 8).ToArray();
        var results = RoundTrip(
            (meta, new Payload().U32(1).U16(3).Bytes(new byte[20]).ToArray()),             // 3 GUIDs announced, 1¼ there
            (meta, new Payload().U32(1).U16(0xFFFF).ToArray()),                           // an absurd count
            (meta, new Payload().U32(1).U16(0).U32(2).U8(9).ToArray()));                  // one byte too many
        Assert.Equal("""{"a":1}""", results[0].Json);
        Assert.Equal(DecodeStatus.Truncated, results[0].Status);
        Assert.Equal("""{"a":1}""", results[1].Json);
        Assert.Equal(DecodeStatus.Truncated, results[1].Status);
        Assert.Equal("""{"a":1,"list":[],"z":2}""", results[2].Json);
        Assert.Equal(DecodeStatus.ExtraBytes, results[2].Status);
    }

    // ---- hostile metadata ----------------------------------------------------------------------------------------

    private static readonly ProviderSchema TestProvider = new() { Name = "Contoso.Probe", Guid = Provider };

    private static string? Refusal(byte[] metadata)
    {
        bool ok = TraceLoggingMetadata.TryParse(metadata, TestProvider, 0, 0, out var schema, out var error);
        Assert.Equal(ok, schema is not null);
        return error;
    }

    [Fact]
    public void Malformed_metadata_is_refused_with_a_reason()
    {
        Assert.Contains("shorter than its size", Refusal([5]));
        Assert.Contains("says it is 200 bytes", Refusal([200, 0, 0, (byte)'e', 0]));
        Assert.Contains("event name", Refusal([5, 0, 0, (byte)'e', (byte)'v']));
        Assert.Contains("event tags", Refusal(new Meta("x", 0x81, 0x81, 0x81, 0x81, 0x01).ToArray()));
        Assert.Contains("has no in-type", Refusal(new Meta("x").Raw((byte)'f', 0).ToArray()));
        Assert.Contains("announces an out-type", Refusal(new Meta("x").Raw((byte)'f', 0, 0x87).ToArray()));
        Assert.Contains("tags of field f", Refusal(new Meta("x").Raw((byte)'f', 0, 0x87, 0x82).ToArray()));
        Assert.Contains("announces a count", Refusal(new Meta("x").Raw((byte)'f', 0, 0x27, 1).ToArray()));
        Assert.Contains("custom schema", Refusal(new Meta("x").Raw((byte)'f', 0, 0x61, 50, 0, 1, 2).ToArray()));
        Assert.Contains("in-type 0", Refusal(new Meta("x").Field("f", 0).ToArray()));
        Assert.Contains("in-type 26", Refusal(new Meta("x").Field("f", 26).ToArray()));
        Assert.Contains("in-type 31", Refusal(new Meta("x").Field("f", 31).ToArray()));
        Assert.Contains("struct s has no members", Refusal(new Meta("x").Field("s", 24).ToArray()));
        Assert.Contains("struct s declares more members", Refusal(new Meta("x").Field("s", 24, outType: 3).Field("a", 8).Field("b", 8).ToArray()));
        Assert.Null(Refusal(new Meta("x").Field("s", 24, outType: 2).Field("a", 8).Field("b", 8).ToArray()));

        var many = new Meta("x");
        for (int i = 0; i <= TraceLoggingMetadata.MaxFields; i++) many.Field("f", 4);
        Assert.Contains($"more than {TraceLoggingMetadata.MaxFields} fields", Refusal(many.ToArray()));

        // A custom-serialised field (both count bits): its schema is skipped and its value is a counted blob.
        Assert.True(TraceLoggingMetadata.TryParse(new Meta("x").Raw((byte)'c', 0, 0x60 | 7, 3, 0, 9, 9, 9).Field("after", 8).ToArray(),
            TestProvider, 0, 0, out var custom, out _));
        Assert.Equal([InType.CountedBinary, InType.UInt32], custom.Fields.Select(f => f.InType));
    }

    [Fact]
    public void Infinite_and_nan_floats_dump_as_named_strings()
    {
        // Found by the fuzzer: a float field holding infinity (a flipped bit in a real PerfView trace) made the JSON
        // writer throw, and `dump` ended there.
        var meta = new Meta("Floats").Field("f", 11).Field("d", 12).Field("n", 12).Field("ok", 12).ToArray();
        var payload = new Payload().U32(0x7F800000).U64(0xFFF0000000000000).U64(0x7FF8000000000000)
            .U64(BitConverter.DoubleToUInt64Bits(2.5)).ToArray();
        var (json, status) = Assert.Single(RoundTrip((meta, payload)));
        Assert.Equal(DecodeStatus.Complete, status);
        Assert.Equal("""{"f":"Infinity","d":"-Infinity","n":"NaN","ok":2.5}""", json);
    }

    [Fact]
    public void Structs_nested_past_the_limit_are_refused()
    {
        static byte[] Nested(int depth)
        {
            var meta = new Meta("deep");
            for (int i = 0; i < depth; i++) meta.Field("s" + i, 24, outType: 1);
            return meta.Field("leaf", 8).ToArray();
        }
        Assert.Null(Refusal(Nested(PayloadDecoder.MaxDepth)));
        Assert.Contains("nest deeper", Refusal(Nested(PayloadDecoder.MaxDepth + 1)));
        Assert.Contains("nest deeper", Refusal(Nested(500)));

        var (json, status) = Assert.Single(RoundTrip((Nested(3), new Payload().U32(9).ToArray())));
        Assert.Equal(DecodeStatus.Complete, status);
        Assert.Equal("""{"s0":{"s1":{"s2":{"leaf":9}}}}""", json);
    }

    [Fact]
    public void Elements_that_take_no_bytes_cannot_blow_up_the_output()
    {
        // 65535 structs of 65535 structs of an empty array: no payload at all, 4 billion nominal elements.
        var meta = new Meta("Bomb")
            .Field("outer", 0x20 | 24, outType: 1, count: 0xFFFF)
            .Field("inner", 0x20 | 24, outType: 1, count: 0xFFFF)
            .Field("none", 0x20 | 7, count: 0)
            .Field("after", 8)
            .ToArray();
        // The bound is on the work, not the time: every value written counts against MaxValuesPerField (below), so
        // the 4 billion nominal elements cost at most that many.
        var (json, status) = Assert.Single(RoundTrip((meta, new Payload().U32(5).ToArray())));
        Assert.Equal(DecodeStatus.Complete, status);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(5, doc.RootElement.GetProperty("after").GetInt32());
        int values = 0;
        foreach (var outer in doc.RootElement.GetProperty("outer").EnumerateArray())
            values += 1 + outer.GetProperty("inner").GetArrayLength() * 2;
        Assert.True(values <= FieldFormatter.MaxValuesPerField, values.ToString());
    }

    /// <summary>Random damage to valid metadata and payloads: refused or decoded, never thrown on.</summary>
    [Fact]
    public void Damaged_metadata_and_payloads_never_throw()
    {
        var meta = new Meta("Fuzz", 0x81, 0x01)
            .Field("a", 8).Field("s", 0x40 | 24, outType: 3).Field("k", 22).Field("v", 0x20 | 6, count: 2)
            .Field("in", 24, outType: 1).Field("w", 0x40 | 1).Field("t", 2, outType: 35).Field("g", 15).Field("b", 14)
            .ToArray();
        var payload = new Payload().U32(1).U16(1).CountedWide("k").U16(1).U16(2).U16(1).Wide("w").Bytes((byte)'t', 0)
            .Bytes(new byte[16]).Counted([1, 2]).ToArray();
        var random = new Random(1234);
        var provider = TestProvider;
        var decoder = new TraceLoggingDecoder();
        var formatter = new FieldFormatter();
        var output = new ArrayBufferWriter<byte>();
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        int parsed = 0;
        for (int round = 0; round < 20_000; round++)
        {
            var m = (byte[])meta.Clone();
            for (int k = random.Next(1, 4); k > 0; k--) m[random.Next(2, m.Length)] = (byte)random.Next(256);
            var p = (byte[])payload.Clone();
            for (int k = random.Next(0, 3); k > 0; k--) p[random.Next(p.Length)] = (byte)random.Next(256);
            p = p[..random.Next(p.Length + 1)];
            if (!TraceLoggingMetadata.TryParse(m, provider, 0, 0, out var schema, out _)) continue;
            parsed++;
            var d = decoder.Decode(schema, p, 8);
            output.ResetWrittenCount();
            json.Reset();
            json.WriteStartObject();
            for (int i = 0; i < d.Count; i++)
            {
                if (!d.Has(i)) continue;
                json.WritePropertyName(d.Field(i).Name);
                formatter.WriteJson(json, d, i);
                formatter.FormatText(d, i);
            }
            json.WriteEndObject();
            json.Flush();
        }
        Assert.True(parsed > 1000, parsed.ToString());
    }

    [Fact]
    public void Refused_metadata_leaves_the_event_undecoded()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.etl");
        WriteTrace(path, [(new Meta("bad").Field("f", 29).ToArray(), [1, 2, 3, 4]), (new Meta("bad").Field("f", 29).ToArray(), [5])]);
        using var reader = EtlReader.Open(path);
        var decoder = new TraceLoggingDecoder();
        int events = 0;
        while (reader.TryRead(out var r))
        {
            if (r.Family != TraceHeaderFamily.EventHeader) continue;
            events++;
            Assert.True(TraceLoggingDecoder.TryGetMetadata(r, out _));
            Assert.False(decoder.TryDecode(r, out _));
        }
        Assert.Equal(2, events);
        Assert.Equal(1, decoder.RejectedKinds);
        Assert.Contains("in-type 29", decoder.LastError);
    }

    // ---- caching and allocation -----------------------------------------------------------------------------------

    [Fact]
    public void Decoding_allocates_nothing_after_the_first_event_of_each_kind()
    {
        var kinds = new (byte[] Meta, byte[] Payload)[]
        {
            (new Meta("A").Field("n", 8).Field("s", 1).ToArray(), new Payload().U32(7).Wide("seven").ToArray()),
            (new Meta("B").Field("list", 0x40 | 24, outType: 2).Field("k", 22).Field("v", 6).Field("g", 15).ToArray(),
                new Payload().U16(2).CountedWide("x").U16(1).CountedWide("yy").U16(2).Bytes(Guid.NewGuid().ToByteArray()).ToArray()),
            (new Meta("C").Field("chars", 0x40 | 6, outType: 2).Field("t", 2).Field("e", 8, outType: 13).ToArray(),
                new Payload().U16(3).U16('a').U16('b').U16('c').Bytes((byte)'z', 0).U32(5).ToArray()),
        };
        using var dir = new TempDir();
        string path = dir.File("many.etl");
        WriteTrace(path, Enumerable.Range(0, 3000).Select(i => kinds[i % 3]), bufferSize: 1 << 20);

        var names = new ProviderNames();
        var decoder = new TraceLoggingDecoder(names);
        var output = new ArrayBufferWriter<byte>(1 << 16);
        EventJsonWriter? writer = null;
        // The runtime's tiered compilation can allocate a little on whichever thread trips it, once; a per-event
        // allocation would show in every pass. So the least of three passes must be zero.
        long leastDecode = long.MaxValue, leastWrite = long.MaxValue;
        for (int pass = 0; pass < 3; pass++)
        {
            using var reader = EtlReader.Open(path);
            writer ??= new EventJsonWriter(output, reader.Clock, names);
            int seen = 0;
            long decodeBytes = 0, writeBytes = 0;
            while (reader.TryRead(out var r))
            {
                names.Learn(r);
                if (r.Family != TraceHeaderFamily.EventHeader) continue;
                bool warm = ++seen > 3 || pass > 0;
                long before = GC.GetAllocatedBytesForCurrentThread();
                Assert.True(decoder.TryDecode(r, out var d));
                long middle = GC.GetAllocatedBytesForCurrentThread();
                output.ResetWrittenCount();
                writer.Write(r, d);
                long after = GC.GetAllocatedBytesForCurrentThread();
                if (!warm) continue;
                decodeBytes += middle - before;
                writeBytes += after - middle;
            }
            Assert.Equal(3000, seen);
            leastDecode = Math.Min(leastDecode, decodeBytes);
            leastWrite = Math.Min(leastWrite, writeBytes);
        }
        writer!.Dispose();
        Assert.Equal(3, decoder.CachedKinds);
        Assert.Equal(0, leastDecode);
        Assert.Equal(0, leastWrite);
    }

    [Fact]
    public void The_schema_cache_is_bounded()
    {
        int kinds = TraceLoggingDecoder.MaxCachedSchemas + 500;
        using var dir = new TempDir();
        string path = dir.File("kinds.etl");
        WriteTrace(path, Enumerable.Range(0, kinds).Select(i => (new Meta("E" + i).Field("n", 8).ToArray(), new Payload().U32((uint)i).ToArray())),
            bufferSize: 1 << 20);
        using var reader = EtlReader.Open(path);
        var decoder = new TraceLoggingDecoder();
        int n = 0;
        while (reader.TryRead(out var r))
        {
            if (r.Family != TraceHeaderFamily.EventHeader) continue;
            Assert.True(decoder.TryDecode(r, out var d));
            Assert.Equal("E" + n, d.Schema.Symbol);
            Assert.Equal((ulong)n, d.Number(0));
            Assert.True(decoder.CachedKinds <= TraceLoggingDecoder.MaxCachedSchemas);
            n++;
        }
        Assert.Equal(kinds, n);
    }

    [Fact]
    public void In_and_out_types_translate_from_tracelogging_numbering()
    {
        Assert.Equal(InType.CountedString, TraceLoggingMetadata.MapInType(22));
        Assert.Equal(InType.CountedAnsiString, TraceLoggingMetadata.MapInType(23));
        Assert.Equal(InType.Struct, TraceLoggingMetadata.MapInType(24));
        Assert.Equal(InType.CountedBinary, TraceLoggingMetadata.MapInType(25));
        Assert.Equal(InType.CountedBinary, TraceLoggingMetadata.MapInType(14));
        Assert.Equal(InType.HexInt64, TraceLoggingMetadata.MapInType(21));
        Assert.Null(TraceLoggingMetadata.MapInType(0));
        Assert.Null(TraceLoggingMetadata.MapInType(26));
        Assert.Equal(OutType.HexInt16, TraceLoggingMetadata.MapOutType(4, InType.UInt16));
        Assert.Equal(OutType.Boolean, TraceLoggingMetadata.MapOutType(3, InType.UInt8));
        Assert.Equal(OutType.NTStatus, TraceLoggingMetadata.MapOutType(14, InType.UInt32));
        Assert.Equal(OutType.Utf8, TraceLoggingMetadata.MapOutType(35, InType.CountedAnsiString));
        Assert.Equal(OutType.Null, TraceLoggingMetadata.MapOutType(1, InType.UInt32)); // NoPrint: shown anyway
    }
}
