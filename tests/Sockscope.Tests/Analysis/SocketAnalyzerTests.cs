using System.Net;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Schema;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Analysis;

/// <summary>Sockets rebuilt from hand-written AFD and Winsock-Sockets events, field by field.</summary>
public class SocketAnalyzerTests
{
    private static readonly Guid Afd = Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6");
    private static readonly Guid SocketsProvider = Guid.Parse("BDE46AEA-2357-51FE-7367-D5296F530BD1");
    private const ulong Browser = 0xFFFF_9A0C_1111_0080, Server = 0xFFFF_9A0C_2222_0080;
    private static readonly DateTime Start = new(2026, 6, 2, 4, 0, 0, DateTimeKind.Utc);

    /// <summary>Writes events with a running clock: one tick of 10 MHz QPC is 100 ns.</summary>
    private sealed class TraceBuilder(EtlWriter writer, int pointerSize)
    {
        public long T = 1_000_000_000 + 10_000; // 1 ms after the start
        public DateTime Now => Start.AddTicks(T - 1_000_000_000);

        public void Afd(ushort id, uint headerPid, Action<PayloadBuilder> set, long advance = 1000)
        {
            T += advance;
            var schema = SchemaCatalog.Winsock.Find(SocketAnalyzerTests.Afd, id, 0)!;
            var b = new PayloadBuilder(schema, pointerSize);
            set(b);
            writer.WriteEvent(0, new EventHeaderValues
            {
                ProviderId = SocketAnalyzerTests.Afd, Id = id, Level = (byte)schema.Level.Value, Opcode = (byte)schema.Opcode.Value,
                Task = (ushort)schema.Task.Value, Keywords = schema.Keywords, ProcessId = headerPid, ThreadId = 100, Timestamp = T,
                Is32Bit = pointerSize == 4,
            }, b.ToArray());
        }

        public void Sockets(ushort id, uint pid, Action<PayloadBuilder> set)
        {
            T += 1000;
            var schema = SchemaCatalog.Winsock.Find(SocketsProvider, id, 0)!;
            var b = new PayloadBuilder(schema, pointerSize);
            set(b);
            writer.WriteEvent(1, new EventHeaderValues { ProviderId = SocketsProvider, Id = id, Level = 4, ProcessId = pid, ThreadId = 200, Timestamp = T }, b.ToArray());
        }
    }

    private static byte[] V4(string address, int port)
    {
        var sa = new byte[16];
        sa[0] = 2;
        sa[2] = (byte)(port >> 8);
        sa[3] = (byte)port;
        IPAddress.Parse(address).GetAddressBytes().CopyTo(sa, 4);
        return sa;
    }

    private static byte[] V6(string address, int port)
    {
        var sa = new byte[28];
        sa[0] = 23;
        sa[2] = (byte)(port >> 8);
        sa[3] = (byte)port;
        IPAddress.Parse(address).GetAddressBytes().CopyTo(sa, 8);
        return sa;
    }

    private static (List<SocketRecord> sockets, AnalysisSummary summary) Analyse(string path)
    {
        var sockets = new List<SocketRecord>();
        using var reader = EtlReader.Open(path);
        var summary = TraceAnalysis.Run(reader, sockets.Add);
        return (sockets, summary);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void A_tcp_connection_is_rebuilt_field_by_field(int pointerSize)
    {
        using var dir = new TempDir();
        string path = dir.File("tcp.etl");
        DateTime opened, closed;
        const ulong ep = 0xFFFF_9A0C_5555_0200;
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start, ProcessorCount = 2 }))
        {
            var t = new TraceBuilder(w, pointerSize);
            t.Afd(1000, 4321, b => b.Set("EnterExit", 0).Set("Location", 1002).Set("Process", Browser).Set("Endpoint", ep)
                .Set("AddressFamily", 2).Set("SocketType", 1).Set("Protocol", 6).Set("ProcessId", 4321));
            opened = t.Now;
            t.Afd(1030, 4321, b => b.Set("EnterExit", 1).Set("Location", 7022).Set("Process", Browser).Set("Endpoint", ep).Set("Address", V4("10.0.0.5", 50123)));
            t.Afd(1018, 4321, b => b.Set("EnterExit", 0).Set("Location", 5023).Set("Process", Browser).Set("Endpoint", ep).Set("Address", V4("93.184.216.34", 443)));
            t.Afd(1018, 4, b => b.Set("EnterExit", 1).Set("Location", 5024).Set("Process", Browser).Set("Endpoint", ep).Set("Address", V4("93.184.216.34", 443)));
            // A nested send (enter, enter, exit, exit) of 1,000 bytes, completed by the kernel under the System process.
            t.Afd(1003, 4321, b => b.Set("EnterExit", 0).Set("Location", 3003).Set("Process", Browser).Set("Endpoint", ep).Set("Buffer", 0x1000).Set("BufferLength", 1000));
            t.Afd(1003, 4321, b => b.Set("EnterExit", 0).Set("Location", 3047).Set("Process", Browser).Set("Endpoint", ep).Set("Buffer", 0x1000).Set("BufferLength", 1000));
            t.Afd(1003, 4, b => b.Set("EnterExit", 1).Set("Location", 3014).Set("Process", Browser).Set("Endpoint", ep).Set("Buffer", 0x1000).Set("BufferLength", 1000));
            t.Afd(1003, 4, b => b.Set("EnterExit", 1).Set("Location", 3014).Set("Process", Browser).Set("Endpoint", ep).Set("Buffer", 0x1000).Set("BufferLength", 1000));
            // A receive: the entry offers 17,408 bytes, the exit got 5,000.
            t.Afd(1004, 4321, b => b.Set("EnterExit", 0).Set("Location", 4106).Set("Process", Browser).Set("Endpoint", ep).Set("Buffer", 0x2000).Set("BufferLength", 17408));
            t.Afd(1004, 4, b => b.Set("EnterExit", 1).Set("Location", 4109).Set("Process", Browser).Set("Endpoint", ep).Set("Buffer", 0x2000).Set("BufferLength", 5000));
            t.Afd(1001, 4321, b => b.Set("EnterExit", 0).Set("Location", 2000).Set("Process", Browser).Set("Endpoint", ep));
            t.Afd(1001, 4321, b => b.Set("EnterExit", 1).Set("Location", 2001).Set("Process", Browser).Set("Endpoint", ep));
            closed = t.Now;
        }
        var (sockets, summary) = Analyse(path);
        var s = Assert.Single(sockets);
        Assert.Equal(ep & (pointerSize == 4 ? 0xFFFF_FFFFUL : ulong.MaxValue), s.Endpoint);
        Assert.Equal(4321u, s.ProcessId);
        Assert.Equal(6, s.Protocol);
        Assert.Equal(2, s.Family);
        Assert.Equal(IPEndPoint.Parse("10.0.0.5:50123"), s.Local);
        Assert.Equal(IPEndPoint.Parse("93.184.216.34:443"), s.Remote);
        Assert.Equal(opened, s.Opened);
        Assert.Equal(closed, s.Closed);
        Assert.Equal(1000, s.BytesSent);
        Assert.Equal(1, s.Sends);
        Assert.Equal(5000, s.BytesReceived);
        Assert.Equal(1, s.Receives);
        Assert.Null(s.Error);
        Assert.False(s.Aborted);
        Assert.Equal(0, summary.FindingCount);
        Assert.Equal(1000, summary.BytesSent);
    }

    [Fact]
    public void Failures_become_findings_once_even_when_both_providers_report_them()
    {
        using var dir = new TempDir();
        string path = dir.File("fail.etl");
        const ulong a = 0xFFFF_9A0C_6666_0200, b6 = 0xFFFF_9A0C_6666_0400, c = 0xFFFF_9A0C_6666_0600, d = 0xFFFF_9A0C_6666_0800;
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start }))
        {
            var t = new TraceBuilder(w, 8);
            // A refused IPv6 connect, reported by AFD (NTSTATUS) and by ws2_32 (Winsock error).
            t.Afd(1000, 77, x => x.Set("Process", Browser).Set("Endpoint", b6).Set("AddressFamily", 23).Set("SocketType", 1).Set("Protocol", 6).Set("ProcessId", 77));
            t.Afd(1021, 77, x => x.Set("EnterExit", 0).Set("Location", 5031).Set("Process", Browser).Set("Endpoint", b6).Set("Address", V6("2001:db8::1", 443)));
            t.Afd(1021, 4, x => x.Set("EnterExit", 1).Set("Process", Browser).Set("Endpoint", b6).Set("Status", 0xC0000236).Set("Address", V6("2001:db8::1", 443)));
            t.Sockets(10, 77, x => x.Set("ErrorCode", 10061).Set("Socket", 0x6DC).Set("Address", V6("2001:db8::1", 443)));
            // A failed bind.
            t.Afd(1000, 88, x => x.Set("Process", Server).Set("Endpoint", a).Set("AddressFamily", 2).Set("SocketType", 1).Set("Protocol", 6).Set("ProcessId", 88));
            t.Afd(1030, 88, x => x.Set("EnterExit", 1).Set("Location", 7022).Set("Process", Server).Set("Endpoint", a).Set("Status", 0xC000020A).Set("Address", V4("0.0.0.0", 80)));
            // A dropped datagram and an abort.
            t.Afd(1033, 88, x => x.Set("EnterExit", 3).Set("Process", Server).Set("Endpoint", c).Set("BufferLength", 1400).Set("Address", V4("192.0.2.9", 53)).Set("Reason", 2));
            t.Afd(1032, 4, x => x.Set("EnterExit", 2).Set("Location", 8000).Set("Process", Server).Set("Endpoint", d).Set("Reason", 4));
            // A buffer posted again while in flight, and an option change.
            t.Afd(1004, 88, x => x.Set("EnterExit", 0).Set("Process", Server).Set("Endpoint", d).Set("Buffer", 0xABC000).Set("BufferLength", 100));
            t.Afd(1004, 88, x => x.Set("EnterExit", 0).Set("Process", Server).Set("Endpoint", d).Set("Buffer", 0xABC000).Set("BufferLength", 100));
            t.Afd(1035, 88, x => x.Set("EnterExit", 4).Set("Process", Server).Set("Endpoint", d).Set("Option", 7).Set("Value", 65536));
            w.MarkEventsLost(0);
        }
        var (sockets, summary) = Analyse(path);
        var kinds = summary.Findings.Select(f => f.Kind.ToText()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["abort", "bind_failed", "buffer_reuse", "connect_failed", "datagram_dropped", "events_lost", "option_changed"], kinds);
        var connect = summary.Findings.Single(f => f.Kind == FindingKind.ConnectFailed);
        Assert.Equal(IPEndPoint.Parse("[2001:db8::1]:443"), connect.Remote);
        Assert.Contains("STATUS_CONNECTION_REFUSED", connect.Detail);
        Assert.Equal(77u, connect.ProcessId);
        var refused = sockets.Single(s => s.Endpoint == b6);
        Assert.Equal("STATUS_CONNECTION_REFUSED", refused.Error);
        Assert.Equal(23, refused.Family);
        Assert.Equal("STATUS_ADDRESS_ALREADY_EXISTS", sockets.Single(s => s.Endpoint == a).Error);
        var dropped = sockets.Single(s => s.Endpoint == c);
        Assert.Equal(1, dropped.DatagramsDropped);
        Assert.Null(dropped.Opened); // existed before the trace
        Assert.Contains("Insufficient local buffer space", summary.Findings.Single(f => f.Kind == FindingKind.DatagramDropped).Detail);
        var aborted = sockets.Single(s => s.Endpoint == d);
        Assert.True(aborted.Aborted);
        Assert.Equal("Transport indicated abortive disconnect", aborted.AbortReason);
        Assert.Equal(65536UL, aborted.Options["SO_SNDBUF"]);
        Assert.Equal(88u, aborted.ProcessId); // from the EPROCESS pointer, though the abort was logged under System
        Assert.Contains(summary.Processes, p => p.ProcessId == 77 && p.Findings["connect_failed"] == 1);
    }

    [Fact]
    public void Random_payloads_of_every_winsock_event_never_break_the_analysis()
    {
        using var dir = new TempDir();
        string path = dir.File("random.etl");
        var rng = new Random(99);
        var schemas = SchemaCatalog.Winsock.Providers.SelectMany(p => p.Events).ToArray();
        long t = 1_000_000_100;
        int socketEvents = 0;
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start }))
        {
            for (int i = 0; i < 20_000; i++)
            {
                var schema = schemas[rng.Next(schemas.Length)];
                if (schema.Provider.Guid == Afd || schema.Provider.Guid == SocketsProvider) socketEvents++;
                // Mostly well-formed payloads with random values (few endpoints, so sockets build up), some cut or random.
                var b = new PayloadBuilder(schema, 8);
                var lengthFields = schema.Fields.Where(f => f.LengthField >= 0).Select(f => f.LengthField).ToHashSet();
                for (int k = 0; k < schema.Fields.Count; k++)
                {
                    var f = schema.Fields[k];
                    if (lengthFields.Contains(k)) continue; // set from the bytes they measure
                    if (f.InType is InType.Pointer) b.Set(f.Name, (ulong)rng.Next(8) * 0x200 + 0xFFFF_9A0C_0000_0000);
                    else if (f.InType is InType.UInt32 or InType.Int32 or InType.HexInt32 or InType.UInt16 or InType.Boolean or InType.UInt8)
                        b.Set(f.Name, (ulong)rng.Next(0, 3) switch { 0 => 0UL, 1 => 1UL, _ => (ulong)rng.Next() });
                    else if (f.InType == InType.Binary && f.FixedLength < 0) { var x = new byte[rng.Next(0, 40)]; rng.NextBytes(x); b.Set(f.Name, x); }
                }
                byte[] payload = b.ToArray();
                if (rng.Next(10) == 0) payload = payload[..rng.Next(payload.Length + 1)];
                if (rng.Next(20) == 0) rng.NextBytes(payload);
                w.WriteEvent(rng.Next(2), new EventHeaderValues { ProviderId = schema.Provider.Guid, Id = schema.Id, Version = schema.Version,
                    ProcessId = (uint)rng.Next(1, 6) * 4, ThreadId = 8, Timestamp = t += rng.Next(1, 20_000) }, payload);
            }
        }
        var (sockets, summary) = Analyse(path);
        // NameResolution events name hosts, not sockets: the analysis takes AFD's and ws2_32's.
        Assert.Equal(socketEvents, summary.WinsockEvents);
        Assert.True(sockets.Count > 0);
        Assert.Equal(summary.Sockets, sockets.Count);
        // Every socket counted is handed on exactly once, and no count goes negative.
        Assert.Equal(sockets.Count, sockets.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.All(sockets, s => Assert.True(s.BytesSent >= 0 && s.BytesReceived >= 0 && s.Sends >= 0 && s.Receives >= 0));
    }

    [Fact]
    public void Sockets_and_summary_commands_write_the_documented_keys()
    {
        using var dir = new TempDir();
        string path = dir.File("cli.etl");
        const ulong ep = 0xFFFF_9A0C_8888_0200;
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start }))
        {
            var t = new TraceBuilder(w, 8);
            t.Afd(1000, 55, x => x.Set("Process", Browser).Set("Endpoint", ep).Set("AddressFamily", 23).Set("SocketType", 1).Set("Protocol", 6).Set("ProcessId", 55));
            t.Afd(1018, 55, x => x.Set("EnterExit", 0).Set("Process", Browser).Set("Endpoint", ep).Set("Address", V6("2001:db8::1", 443)));
            t.Afd(1018, 55, x => x.Set("EnterExit", 1).Set("Process", Browser).Set("Endpoint", ep).Set("Status", 0xC0000236));
            t.Afd(1001, 55, x => x.Set("EnterExit", 1).Set("Process", Browser).Set("Endpoint", ep));
        }
        var sockets = Sockscope.Tests.Cli.CliRunner.Run("sockets", path);
        Assert.Equal(0, sockets.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(Assert.Single(sockets.OutputLines));
        var s = doc.RootElement;
        foreach (var key in new[] { "endpoint", "process_id", "process", "protocol", "family", "local", "remote", "peers", "opened", "closed",
                     "bytes_sent", "bytes_received", "sends", "receives", "listening", "accepted_from", "aborted", "datagrams_dropped", "error" })
            Assert.True(s.TryGetProperty(key, out _), key);
        Assert.Equal("0xFFFF9A0C88880200", s.GetProperty("endpoint").GetString());
        Assert.Equal(55, s.GetProperty("process_id").GetInt32());
        Assert.Equal("TCP", s.GetProperty("protocol").GetString());
        Assert.Equal("IPv6", s.GetProperty("family").GetString());
        Assert.Equal("[2001:db8::1]:443", s.GetProperty("remote").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, s.GetProperty("local").ValueKind);
        Assert.Equal("STATUS_CONNECTION_REFUSED", s.GetProperty("error").GetString());
        Assert.Equal("2026-06-02T04:00:00.0011000Z", s.GetProperty("opened").GetString());

        var csv = Sockscope.Tests.Cli.CliRunner.Run("sockets", path, "--format", "csv").OutputLines;
        Assert.Equal(2, csv.Length);
        Assert.StartsWith("endpoint,process_id,process,protocol,family,local,remote,", csv[0]);
        Assert.Contains(",STATUS_CONNECTION_REFUSED,", csv[1]);
        Assert.Empty(Sockscope.Tests.Cli.CliRunner.Run("sockets", path, "--pid", "56").OutputBytes);

        var summary = Sockscope.Tests.Cli.CliRunner.Run("summary", path, "--json");
        Assert.Equal(0, summary.ExitCode);
        using var sum = System.Text.Json.JsonDocument.Parse(summary.Output);
        var finding = Assert.Single(sum.RootElement.GetProperty("findings").EnumerateArray().ToArray());
        Assert.Equal("connect_failed", finding.GetProperty("kind").GetString());
        Assert.Equal("[2001:db8::1]:443", finding.GetProperty("remote").GetString());
        Assert.Equal(1, sum.RootElement.GetProperty("sockets").GetInt32());
        var view = Sockscope.Tests.Cli.CliRunner.Run("summary", path);
        Assert.Contains("connect_failed", view.Output);
        Assert.Contains("[2001:db8::1]:443", view.Output);
    }

    [Fact]
    public void An_accepted_socket_names_its_listener_and_takes_its_local_address()
    {
        using var dir = new TempDir();
        string path = dir.File("accept.etl");
        const ulong listen = 0xFFFF_9A0C_7777_0200, accepted = 0xFFFF_9A0C_7777_0400;
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start }))
        {
            var t = new TraceBuilder(w, 8);
            t.Afd(1000, 99, x => x.Set("Process", Server).Set("Endpoint", listen).Set("AddressFamily", 2).Set("SocketType", 1).Set("Protocol", 6).Set("ProcessId", 99));
            t.Afd(1030, 99, x => x.Set("EnterExit", 1).Set("Process", Server).Set("Endpoint", listen).Set("Address", V4("0.0.0.0", 8080)));
            t.Afd(1037, 99, x => x.Set("EnterExit", 0).Set("Process", Server).Set("Endpoint", listen).Set("Backlog", 200));
            t.Afd(1037, 99, x => x.Set("EnterExit", 1).Set("Process", Server).Set("Endpoint", listen).Set("Backlog", 0));
            t.Afd(1027, 1234, x => x.Set("EnterExit", 1).Set("Location", 6101).Set("Process", Server).Set("Endpoint", listen)
                .Set("AcceptEndpoint", accepted).Set("Address", V4("198.51.100.7", 61000)).Set("CurrentBacklog", 1));
            t.Afd(1004, 4, x => x.Set("EnterExit", 1).Set("Process", Server).Set("Endpoint", accepted).Set("BufferLength", 321));
            t.Afd(1001, 99, x => x.Set("EnterExit", 1).Set("Process", Server).Set("Endpoint", accepted));
        }
        var (sockets, _) = Analyse(path);
        var child = sockets.Single(s => s.Endpoint == accepted);
        Assert.Equal(listen, child.AcceptedFrom);
        Assert.Equal(IPEndPoint.Parse("0.0.0.0:8080"), child.Local);
        Assert.Equal(IPEndPoint.Parse("198.51.100.7:61000"), child.Remote);
        Assert.Equal(99u, child.ProcessId); // the header said 1234, which is not the owner on an accept exit
        Assert.Equal(321, child.BytesReceived);
        Assert.NotNull(child.Closed);
        var listener = sockets.Single(s => s.Endpoint == listen);
        Assert.True(listener.Listening);
        Assert.Equal(200, listener.Backlog);
        Assert.Null(listener.Closed); // outlived the trace
    }
}
