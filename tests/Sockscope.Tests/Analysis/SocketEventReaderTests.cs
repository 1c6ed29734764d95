using Sockscope.Analysis;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Schema;
using Sockscope.Sinks;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Analysis;

/// <summary>
/// Reading the analysis' fields straight from payloads gives what decoding them gives, and the two-thread analysis
/// gives what the one-thread analysis gives.
/// </summary>
public class SocketEventReaderTests
{
    private static readonly Guid Afd = Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6");
    private static readonly Guid SocketsProvider = Guid.Parse("BDE46AEA-2357-51FE-7367-D5296F530BD1");

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void Fields_read_at_fixed_offsets_equal_the_decoded_fields(int pointerSize)
    {
        using var dir = new TempDir();
        string path = dir.File("lift.etl");
        var rng = new Random(pointerSize);
        var schemas = SchemaCatalog.Winsock.Providers.Where(p => p.Guid == Afd || p.Guid == SocketsProvider).SelectMany(p => p.Events).ToArray();
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = new DateTime(2026, 6, 2, 0, 0, 0, DateTimeKind.Utc) }))
        {
            long t = 1_000_000_100;
            for (int i = 0; i < 20_000; i++)
            {
                var schema = schemas[rng.Next(schemas.Length)];
                var b = new PayloadBuilder(schema, pointerSize);
                var lengthFields = schema.Fields.Where(f => f.LengthField >= 0).Select(f => f.LengthField).ToHashSet();
                for (int k = 0; k < schema.Fields.Count; k++)
                {
                    var f = schema.Fields[k];
                    if (lengthFields.Contains(k)) continue;
                    if (f.InType is InType.Pointer) b.Set(f.Name, (ulong)rng.NextInt64());
                    else if (f.InType is InType.UInt32 or InType.Int32 or InType.HexInt32 or InType.UInt16 or InType.Int16 or InType.Boolean or InType.UInt8 or InType.UInt64)
                        b.Set(f.Name, (ulong)rng.NextInt64());
                    else if (f.InType == InType.Binary && f.FixedLength < 0) { var x = new byte[rng.Next(0, 40)]; rng.NextBytes(x); b.Set(f.Name, x); }
                }
                byte[] payload = b.ToArray();
                // Cut payloads (inside the fixed fields, inside the address) and scrambled ones take the decoder's path.
                if (rng.Next(5) == 0) payload = payload[..rng.Next(payload.Length + 1)];
                if (rng.Next(10) == 0) rng.NextBytes(payload);
                w.WriteEvent(0, new EventHeaderValues { ProviderId = schema.Provider.Guid, Id = schema.Id, Version = schema.Version,
                    ProcessId = 44, ThreadId = 8, Timestamp = t += 100, Is32Bit = pointerSize == 4 }, payload);
            }
        }
        var fast = new SocketEventReader();
        var slow = new SocketEventReader();
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        var slowDecoder = new EventDecoder(SchemaCatalog.Winsock);
        var roles = new EventRoles();
        int compared = 0, fixedLayouts = 0;
        using var reader = EtlReader.Open(path);
        while (reader.TryRead(out var record))
        {
            if (record.Family != TraceHeaderFamily.EventHeader) continue;
            var a = new SocketEvent();
            var expected = new SocketEvent();
            Assert.True(fast.TryRead(record, decoder, ref a));
            Assert.True(slowDecoder.TryDecode(record, out var decoded));
            Assert.True(slow.TryRead(record, decoded, ref expected));
            Assert.Equal(Describe(expected), Describe(a));
            compared++;
            if (RoleLayout.TryCreate(decoded.Schema, roles.Of(decoded.Schema), pointerSize) is { } layout && record.UserData.Length >= layout.Needed) fixedLayouts++;
        }
        Assert.Equal(20_000, compared);
        // Most events took the fixed-offset path: the comparison tested it, not only the decoder against itself.
        Assert.True(fixedLayouts > 12_000, $"{fixedLayouts} events read at fixed offsets");
    }

    [Fact]
    public void Every_afd_and_sockets_event_of_current_windows_is_read_at_fixed_offsets()
    {
        var roles = new EventRoles();
        var slow = SchemaCatalog.Winsock.Providers.Where(p => p.Guid == Afd || p.Guid == SocketsProvider).SelectMany(p => p.Events)
            .Where(e => e.Id >= 1000 || e.Provider.Guid == SocketsProvider)
            .Where(e => RoleLayout.TryCreate(e, roles.Of(e), 8) is null || RoleLayout.TryCreate(e, roles.Of(e), 4) is null)
            .Select(e => $"{e.Provider.Name} {e.Id} v{e.Version}").ToList();
        Assert.Empty(slow);
    }

    [Fact]
    public void The_two_thread_analysis_equals_the_one_thread_analysis()
    {
        using var dir = new TempDir();
        string path = dir.File("busy.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "busy-host", Events = 300_000, PointerSize = 8 });
        (string Sockets, AnalysisSummary Summary) Run(bool parallel)
        {
            var output = new System.Buffers.ArrayBufferWriter<byte>();
            using var reader = EtlReader.Open(path);
            AnalysisSummary summary;
            using (var writer = new SocketWriter(output, SocketFormat.Jsonl))
                summary = TraceAnalysis.Run(reader, writer.Write, parallel: parallel);
            return (System.Text.Encoding.UTF8.GetString(output.WrittenSpan), summary);
        }
        var one = Run(false);
        var two = Run(true);
        Assert.True(one.Summary.Sockets > 1000);
        Assert.Equal(one.Sockets, two.Sockets);
        Assert.Equal(one.Summary.Records, two.Summary.Records);
        Assert.Equal(one.Summary.WinsockEvents, two.Summary.WinsockEvents);
        Assert.Equal(one.Summary.FindingCount, two.Summary.FindingCount);
        Assert.Equal(one.Summary.Findings.Select(f => f.ToString()), two.Summary.Findings.Select(f => f.ToString()));
    }

    private static readonly Guid NameResolution = Guid.Parse("55404E71-4DB9-4DEB-A5F5-8F86E46DDE56");

    [Fact]
    public void Lookup_results_read_from_their_payload_equal_the_decoded_lookups()
    {
        using var dir = new TempDir();
        string path = dir.File("lookups.etl");
        var rng = new Random(1001);
        string[] names = ["host.example.com", "", "x", "lone\uD800surrogate", new string('n', 300), "\uDC00", "tab\there"];
        string[] results = ["203.0.113.10;", "", "2001:db8::10;203.0.113.10;", "::ffff:192.0.2.1", "junk;;,  ;", new string('9', 17_000)];
        int whole = 0;
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = new DateTime(2026, 6, 2, 0, 0, 0, DateTimeKind.Utc) }))
        {
            long t = 1_000_000_100;
            for (int i = 0; i < 4_000; i++)
            {
                ushort id = rng.Next(2) == 0 ? (ushort)1001 : (ushort)1004;
                var schema = SchemaCatalog.Winsock.Find(NameResolution, id, 0)!;
                byte[] payload = new PayloadBuilder(schema, 8).Set("NodeName", names[rng.Next(names.Length)])
                    .Set("Status", rng.Next(3) == 0 ? (ulong)rng.Next(12_000) : 0).Set("Result", results[rng.Next(results.Length)]).ToArray();
                // Cut anywhere (inside the name, the status, the result, an odd length) or scrambled: the decoder's path.
                int damage = rng.Next(4);
                if (damage == 0) payload = payload[..rng.Next(payload.Length + 1)];
                else if (damage == 1) rng.NextBytes(payload);
                else whole++;
                w.WriteEvent(rng.Next(2), new EventHeaderValues { ProviderId = NameResolution, Id = id, Level = 4, Task = (ushort)schema.Task.Value,
                    ProcessId = 44, ThreadId = 8, Timestamp = t += 100 }, payload);
            }
        }
        var fast = new SocketEventReader();
        var slow = new SocketEventReader();
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        var slowDecoder = new EventDecoder(SchemaCatalog.Winsock);
        int compared = 0, read = 0;
        using var reader = EtlReader.Open(path);
        while (reader.TryRead(out var record))
        {
            if (record.Family != TraceHeaderFamily.EventHeader) continue;
            var a = new SocketEvent();
            var expected = new SocketEvent();
            Assert.True(slowDecoder.TryDecode(record, out var decoded));
            bool known = slow.TryRead(record, decoded, ref expected);
            Assert.Equal(known, fast.TryRead(record, decoder, ref a));
            Assert.Equal(Describe(expected), Describe(a));
            compared++;
            if (known) read++;
        }
        Assert.Equal(4_000, compared);
        // Half the events are whole: the payload path was compared, not only the decoder against itself.
        Assert.True(whole > 1_800 && read >= whole, $"{whole} whole, {read} read");
    }

    private static string Describe(SocketEvent e) =>
        $"{e.Source} {e.Id} exit={e.Exit} present={e.Present} hdr={e.HeaderProcessId} stamp={e.Stamp} ep={e.Endpoint:X} proc={e.Process:X} " +
        $"pid={e.ProcessId} status={e.Status:X} error={e.Error} loc={e.Location} fam={e.Family} type={e.SocketType} proto={e.Protocol} " +
        $"buf={e.Buffer:X} len={e.Length} other={e.Other:X} backlog={e.Backlog} value={e.Value} text={e.Text} result={e.Result} " +
        $"addr={Convert.ToHexString(e.AddressSpan)} port={(e.Has(SocketEventFields.Port) ? e.Port : -1)}";

    [Fact]
    public void Each_event_is_handed_on_with_its_socket_before_the_socket_itself()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed", PointerSize = 8 });
        var plain = new List<SocketRecord>();
        using (var reader = EtlReader.Open(path)) TraceAnalysis.Run(reader, plain.Add);

        var done = new HashSet<long>();
        var eventsOf = new Dictionary<long, int>();
        var sockets = new List<SocketRecord>();
        int afdEvents = 0, late = 0, wrongEndpoint = 0;
        using (var reader = EtlReader.Open(path))
        {
            TraceAnalysis.Run(reader, s => { done.Add(s.Id); sockets.Add(s); }, onEvent: (in EtlRecord record, in DecodedEvent decoded, SocketRecord? socket) =>
            {
                if (socket is null) return;
                if (done.Contains(socket.Id)) late++;
                eventsOf[socket.Id] = eventsOf.GetValueOrDefault(socket.Id) + 1;
                if (decoded.Schema.Provider.Guid != Afd || record.Id < 1000) return;
                afdEvents++;
                int endpoint = decoded.IndexOf("Endpoint");
                int accepted = decoded.IndexOf("AcceptEndpoint");
                ulong mask = record.PointerSize == 4 ? uint.MaxValue : ulong.MaxValue;
                if (socket.Endpoint != (decoded.Number(endpoint) & mask) && (accepted < 0 || socket.Endpoint != decoded.Number(accepted))) wrongEndpoint++;
            });
        }
        Assert.Equal(plain.Select(s => (s.Id, s.Endpoint, s.BytesSent, s.BytesReceived, s.Closed)), sockets.Select(s => (s.Id, s.Endpoint, s.BytesSent, s.BytesReceived, s.Closed)));
        Assert.Equal(Enumerable.Range(1, sockets.Count).Select(i => (long)i), sockets.Select(s => s.Id).Order());
        Assert.True(afdEvents > 100);
        Assert.Equal(0, wrongEndpoint);
        Assert.Equal(0, late);
        // Every socket the trace opened had events; the ws2_32-only ones too.
        Assert.All(sockets, s => Assert.True(eventsOf.GetValueOrDefault(s.Id) > 0, $"socket {s.Id} had no events"));
    }
}
