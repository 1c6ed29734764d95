using System.Net;
using System.Security.Cryptography;
using System.Text;
using Sockscope.Analysis;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Synthesis;

public class ScenarioSynthesizerTests
{
    private static readonly Guid Afd = WellKnownProviders.WinsockAfd;
    private static readonly Guid Sockets = WellKnownProviders.WinsockSockets;
    private static readonly Guid Names = WellKnownProviders.WinsockNameResolution;

    private static readonly string[] Detailed = ["browser", "dns-client", "server", "wow64", "failures", "preexisting", "legacy", "mixed"];

    public static IEnumerable<object[]> Layouts()
    {
        foreach (var scenario in Detailed)
        foreach (int pointer in new[] { 8, 4 })
        foreach (bool compress in new[] { false, true })
            yield return [scenario, pointer, compress];
    }

    private static (ScenarioTruth Truth, TraceReplay Replay) WriteAndReplay(TempDir dir, ScenarioOptions options)
    {
        string path = dir.File($"{options.Scenario}-{options.PointerSize}-{options.Compress}-{options.Build}.etl");
        var truth = ScenarioSynthesizer.Write(path, options);
        return (truth, TraceReplay.Read(path));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_scenario_reads_without_problems_decodes_completely_and_matches_its_truth(string scenario, int pointerSize, bool compress)
    {
        using var dir = new TempDir();
        var (truth, replay) = WriteAndReplay(dir, new ScenarioOptions { Scenario = scenario, PointerSize = pointerSize, Compress = compress, Seed = 7 });

        Assert.Empty(replay.Errors);
        Assert.Equal(0, replay.Problems);
        Assert.Equal(0, replay.Incomplete);
        Assert.Equal(pointerSize, replay.PointerSize);
        Assert.Equal(truth.Events, replay.Records);
        Assert.Equal(truth.Events, truth.EventCounts.Values.Sum());
        Assert.Equal(truth.EventCounts.OrderBy(k => k.Key.ToString()), replay.Counts.OrderBy(k => k.Key.ToString()));
        Assert.Equal(truth.End, replay.Last);
        AssertSame(truth, replay);
    }

    private static void AssertSame(ScenarioTruth truth, TraceReplay replay)
    {
        Assert.Equal(truth.Sockets.Count, replay.Sockets.Count);
        Assert.Equal(truth.SocketCount, truth.Sockets.Count);
        for (int i = 0; i < truth.Sockets.Count; i++)
        {
            var t = truth.Sockets[i];
            var r = replay.Sockets[i];
            string where = $"socket {i} (0x{t.Endpoint:X}, {t.ProcessName})";
            Assert.True(t.Endpoint == r.Endpoint, $"{where}: endpoint 0x{r.Endpoint:X}");
            Assert.True(t.ProcessId == r.ProcessId, $"{where}: process {r.ProcessId}");
            Assert.True(t.ProcessObject == r.ProcessObject, where);
            Assert.True(t.ProcessName == r.ProcessName, $"{where}: name {r.ProcessName}");
            Assert.True(t.SocketHandle == r.SocketHandle, $"{where}: handle 0x{t.SocketHandle:X} / 0x{r.SocketHandle:X}");
            Assert.True((t.Protocol, t.Family, t.SocketType) == (r.Protocol, r.Family, r.SocketType), $"{where}: protocol, family, type");
            Assert.True(Equals(t.Local, r.Local), $"{where}: local {t.Local} / {r.Local}");
            Assert.True(Equals(t.Remote, r.Remote), $"{where}: remote {t.Remote} / {r.Remote}");
            Assert.True(t.Peers.SequenceEqual(r.Peers), $"{where}: peers {string.Join(",", t.Peers)} / {string.Join(",", r.Peers)}");
            Assert.True(t.RemoteName == r.RemoteName, $"{where}: remote name {t.RemoteName} / {r.RemoteName}");
            Assert.True(t.PeerTraffic.Select(p => p.Name).SequenceEqual(r.PeerTraffic.Select(p => p.Name)), $"{where}: peer names");
            // Every byte of a datagram socket is some peer's.
            if (t.Peers.Count > 0)
                Assert.True((t.PeerTraffic.Sum(p => p.BytesSent), t.PeerTraffic.Sum(p => p.BytesReceived)) == (t.BytesSent, t.BytesReceived), $"{where}: peer bytes");
            Assert.True(t.Opened == r.Opened, $"{where}: opened {t.Opened:O} / {r.Opened:O}");
            Assert.True(t.Closed == r.Closed, $"{where}: closed {t.Closed:O} / {r.Closed:O}");
            Assert.True(t.BytesSent == r.BytesSent && t.Sends == r.Sends, $"{where}: sent {t.Sends}/{t.BytesSent} vs {r.Sends}/{r.BytesSent}");
            Assert.True(t.BytesReceived == r.BytesReceived && t.Receives == r.Receives, $"{where}: received {t.Receives}/{t.BytesReceived} vs {r.Receives}/{r.BytesReceived}");
            Assert.True(t.Listening == r.Listening && t.Backlog == r.Backlog, $"{where}: listening {t.Backlog} / {r.Backlog}");
            Assert.True(t.AcceptedFrom == r.AcceptedFrom, $"{where}: accepted from 0x{r.AcceptedFrom:X}");
            Assert.True(t.Options.OrderBy(o => o.Key).SequenceEqual(r.Options.OrderBy(o => o.Key)), $"{where}: options");
            Assert.True(t.Aborted == r.Aborted && t.AbortReason == r.AbortReason, $"{where}: abort {r.AbortReason}");
            Assert.True(t.DatagramsDropped == r.DatagramsDropped, $"{where}: dropped");
            Assert.True(t.Error == r.Error, $"{where}: error {t.Error} / {r.Error}");
        }
        Assert.Equal(truth.Sockets.Sum(s => s.BytesSent), truth.BytesSent);
        Assert.Equal(truth.Sockets.Sum(s => s.BytesReceived), truth.BytesReceived);
        Assert.Equal(truth.Sockets.Count(s => s.Closed is null), truth.OpenAtEnd);
        var expected = truth.Findings.Select(f => (f.Kind, f.Time, f.ProcessId, f.Endpoint, f.Remote?.ToString())).ToList();
        var actual = replay.Findings.Select(f => (f.Kind, f.Time, f.ProcessId, f.Endpoint, f.Remote?.ToString())).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(truth.Findings.Count, truth.FindingCounts.Values.Sum());
        foreach (var p in truth.Processes)
        {
            Assert.True(replay.Processes.TryGetValue(p.ProcessObject, out var seen), $"no kernel Process event for {p.ImageName}");
            Assert.Equal((p.ProcessId, p.ImageName, p.CommandLine), (seen.Pid, seen.Name, seen.CommandLine));
            Assert.Equal(truth.Build <= 7601 ? 3 : 4, seen.Version);
        }
    }

    [Fact]
    public void Legacy_writes_Windows_7_events_1_to_41_only()
    {
        using var dir = new TempDir();
        var (truth, replay) = WriteAndReplay(dir, new ScenarioOptions { Scenario = "legacy" });
        Assert.Equal(7601, truth.Build);
        Assert.Equal(7601u, replay.Build);
        var afd = replay.Counts.Where(k => k.Key.Provider == Afd).Select(k => k.Key.Id).ToList();
        Assert.NotEmpty(afd);
        Assert.All(afd, id => Assert.InRange(id, 1, 41));
        foreach (ushort id in new ushort[] { 1, 2, 3, 4, 5, 6, 7, 8, 13, 15, 18, 19, 20, 21, 22, 23, 24, 26, 27, 28, 29, 33, 34, 35, 40 })
            Assert.True(truth.Count(Afd, id) > 0, $"legacy should write event {id}");
        Assert.Equal(0, replay.Counts.Where(k => k.Key.Provider == Sockets || k.Key.Provider == Names).Sum(k => k.Value));
        Assert.Equal(new[] { "abort", "abort", "bind_failed", "datagram_dropped", "datagram_dropped", "option_changed" },
            truth.Findings.Select(f => f.Kind.ToText()).Order().ToArray());
        var accepted = truth.Sockets.Single(s => s.AcceptedFrom != 0);
        var listener = truth.SocketsAt(accepted.AcceptedFrom).Single();
        Assert.True(listener.Listening);
        Assert.Null(listener.Backlog);
        Assert.Null(listener.Closed);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 8080), accepted.Local);
    }

    [Fact]
    public void Windows_7_build_writes_every_scenario_with_the_legacy_events()
    {
        using var dir = new TempDir();
        var (truth, replay) = WriteAndReplay(dir, new ScenarioOptions { Scenario = "mixed", Build = 7601 });
        Assert.Empty(replay.Errors);
        Assert.Equal(0, replay.Incomplete);
        Assert.All(replay.Counts.Keys.Where(k => k.Provider == Afd), k => Assert.InRange(k.Id, 1, 41));
        Assert.Equal(0, replay.Counts.Where(k => k.Key.Provider != Afd && k.Key.Provider != KernelEventGroups.Process).Sum(k => k.Value));
        AssertSame(truth, replay);
        foreach (var kind in new[] { FindingKind.ConnectFailed, FindingKind.BindFailed, FindingKind.AcceptFailed, FindingKind.Abort, FindingKind.SendFailed, FindingKind.ReceiveFailed, FindingKind.DatagramDropped, FindingKind.BufferReuse, FindingKind.OptionChanged, FindingKind.EventsLost })
            Assert.Contains(truth.Findings, f => f.Kind == kind);
    }

    [Theory]
    [InlineData(26100)]
    [InlineData(19045)]
    [InlineData(9600)]
    [InlineData(7601)]
    public void Failures_has_one_finding_of_each_kind(int build)
    {
        using var dir = new TempDir();
        var (truth, replay) = WriteAndReplay(dir, new ScenarioOptions { Scenario = "failures", Build = build });
        AssertSame(truth, replay);
        FindingKind[] kinds = [FindingKind.ConnectFailed, FindingKind.BindFailed, FindingKind.AcceptFailed, FindingKind.Abort, FindingKind.SendFailed, FindingKind.ReceiveFailed, FindingKind.DatagramDropped, FindingKind.BufferReuse, FindingKind.OptionChanged, FindingKind.EventsLost,
            .. build >= 10240 ? [FindingKind.NameResolutionFailed] : Array.Empty<FindingKind>()]; // NameResolution from Windows 10
        Assert.Equal(kinds.Order(), truth.Findings.Select(f => f.Kind).Order());
        Assert.Equal(5u, truth.EventsLost);
        Assert.Equal(1, truth.BuffersFlaggedEventsLost);
        var severities = truth.Findings.ToDictionary(f => f.Kind, f => f.Severity);
        Assert.Equal(FindingSeverity.Warning, severities[FindingKind.ConnectFailed]);
        Assert.Equal(FindingSeverity.Error, severities[FindingKind.BindFailed]);
        Assert.Equal(FindingSeverity.Error, severities[FindingKind.Abort]);
        Assert.Equal(FindingSeverity.Info, severities[FindingKind.OptionChanged]);

        var refused = truth.FindingsOf(FindingKind.ConnectFailed).Single();
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::dead:beef"), 443), refused.Remote);
        var socket = truth.SocketsAt(refused.Endpoint).Single();
        Assert.Equal("STATUS_CONNECTION_REFUSED", socket.Error);
        Assert.Equal(23, socket.Family);
        Assert.Equal("STATUS_ADDRESS_ALREADY_EXISTS", truth.SocketsAt(truth.FindingsOf(FindingKind.BindFailed).Single().Endpoint).Single().Error);
        var aborted = truth.SocketsAt(truth.FindingsOf(FindingKind.Abort).Single().Endpoint).Single();
        Assert.True(aborted.Aborted);
        Assert.Equal("Transport indicated abortive disconnect", aborted.AbortReason);
        Assert.Equal(1, truth.SocketsAt(truth.FindingsOf(FindingKind.DatagramDropped).Single().Endpoint).Single().DatagramsDropped);
        var events = truth.FindingsOf(FindingKind.EventsLost).Single();
        Assert.Equal((0u, 0UL, truth.Start), (events.ProcessId, events.Endpoint, events.Time));
        var tester = truth.Processes.Single(p => p.ImageName == "tester.exe");
        Assert.False(tester.Preexisting);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void The_refused_IPv6_connect_entry_carries_the_remote_address(int pointerSize)
    {
        using var dir = new TempDir();
        string path = dir.File("failures.etl");
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "failures", PointerSize = pointerSize });
        ulong endpoint = truth.FindingsOf(FindingKind.ConnectFailed).Single().Endpoint;
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        using var reader = EtlReader.Open(path);
        string? entryAddress = null;
        uint? exitStatus = null;
        var buffer = new byte[AddressFormatter.MaxLength];
        while (reader.TryRead(out var r))
        {
            if (r.ProviderId != Afd || !decoder.TryDecode(r, out var d)) continue;
            if (d.Number(d.IndexOf("Endpoint")) != endpoint) continue;
            ulong enterExit = d.Number(d.IndexOf("EnterExit"));
            if (r.Id == 1018 && enterExit == 0)
            {
                Assert.Equal(5023UL, d.Number(d.IndexOf("Location")));
                Assert.Equal(10, r.Opcode);
                int n = AddressFormatter.FormatSocketAddress(d.Bytes(d.IndexOf("Address")), buffer);
                entryAddress = Encoding.UTF8.GetString(buffer, 0, n);
            }
            if (r.Id == 1017 && enterExit == 1)
            {
                exitStatus = (uint)d.Number(d.IndexOf("Status"));
                Assert.Equal(2, r.Level);
                Assert.Equal(12, r.Opcode);
            }
        }
        Assert.Equal("[2001:db8::dead:beef]:443", entryAddress);
        Assert.Equal(0xC0000236u, exitStatus);
        Assert.True(NtStatusNames.TryGetName(exitStatus!.Value, out var name));
        Assert.Equal("STATUS_CONNECTION_REFUSED", name);
    }

    [Fact]
    public void Afd_events_follow_the_notes_conventions()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed" });
        var owners = truth.Processes.ToDictionary(p => p.ProcessObject, p => p.ProcessId);
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        using var reader = EtlReader.Open(path);
        int nestedInner = 0, systemCompletions = 0, receiveEntries = 0;
        var seenLocations = new HashSet<(ushort, ulong, ulong)>();
        while (reader.TryRead(out var r))
        {
            if (r.ProviderId != Afd || r.Id < 1000 || !decoder.TryDecode(r, out var d)) continue;
            var schema = d.Schema;
            Assert.Equal((ushort)schema.Task.Value, r.Task);
            ulong enterExit = d.Number(d.IndexOf("EnterExit"));
            ulong location = d.Number(d.IndexOf("Location"));
            seenLocations.Add((r.Id, enterExit, location));
            Assert.Equal(enterExit == 0 && schema.Opcode.Value == 12 ? 10 : schema.Opcode.Value, r.Opcode);
            Assert.Equal(schema.Keywords | 0x8000_0000_0000_0000UL, r.Keywords & ~0x23UL);
            ulong process = d.Number(d.IndexOf("Process"));
            Assert.True(owners.ContainsKey(process));
            Assert.True(r.ProcessId == owners[process] || r.ProcessId == 4);
            if (r.ProcessId == 4) systemCompletions++;
            if (r.Id == 1003 && location is 3006 or 3024) nestedInner++;
            if (r.Id == 1003 && location == 3024) Assert.Equal(4u, r.ProcessId);
            if (r.Id == 1004 && enterExit == 0)
            {
                receiveEntries++;
                Assert.True(d.Number(d.IndexOf("BufferLength")) is 17408 or 65536);
            }
            if (r.Id == 1030 && enterExit == 1 && location == 7022) Assert.True(d.Number(d.IndexOf("AddressLen")) is 16 or 28);
        }
        Assert.True(nestedInner >= 10);
        Assert.True(systemCompletions >= 20);
        Assert.True(receiveEntries >= 30);
        foreach (var expected in new (ushort, ulong, ulong)[] { (1000, 0, 1002), (1000, 1, 1012), (1030, 0, 7010), (1030, 1, 7022), (1018, 0, 5023), (1021, 0, 5031),
                     (1003, 0, 3003), (1003, 1, 3014), (1004, 0, 4106), (1004, 1, 4109), (1013, 0, 3100), (1013, 1, 3200), (1009, 1, 4201), (1001, 0, 2000), (1001, 1, 2001), (1032, 2, 8016), (1027, 1, 6101) })
            Assert.Contains(expected, seenLocations);
    }

    [Fact]
    public void A_wow64_process_logs_32_bit_user_mode_events_in_a_64_bit_trace()
    {
        using var dir = new TempDir();
        string path = dir.File("wow64.etl");
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "wow64" });
        var putty = truth.Processes.Single(p => p.ImageName == "putty.exe");
        Assert.True(putty.Is32Bit);
        var decoder = new EventDecoder(SchemaCatalog.Winsock);
        using var reader = EtlReader.Open(path);
        Assert.Equal(8, reader.PointerSize);
        int header32 = 0, afd64 = 0;
        ulong handle = 0;
        while (reader.TryRead(out var r))
        {
            if (r.Family != TraceHeaderFamily.EventHeader) continue;
            Assert.True(decoder.TryDecode(r, out var d));
            Assert.Equal(DecodeStatus.Complete, d.Status);
            if (r.ProviderId == Afd)
            {
                Assert.Equal(TraceHeaderType.EventHeader64, r.HeaderType);
                afd64++;
                continue;
            }
            Assert.Equal(putty.ProcessId, r.ProcessId);
            Assert.Equal(TraceHeaderType.EventHeader32, r.HeaderType);
            Assert.Equal(4, r.PointerSize);
            header32++;
            if (r.ProviderId == Sockets && r.Id == 2)
            {
                Assert.Equal(4, d.Values[d.IndexOf("Socket")].Length);
                handle = d.Number(d.IndexOf("Socket"));
            }
        }
        Assert.Equal(8, header32); // NameResolution 1000/1001, SockCreate, SockConnect, SockClose start and stop
        Assert.True(afd64 > 10);
        Assert.NotEqual(0UL, handle);
        Assert.Equal(handle, truth.Sockets.Single().SocketHandle);
    }

    [Fact]
    public void Scenarios_hold_what_they_promise()
    {
        using var dir = new TempDir();
        ScenarioTruth Write(string scenario) => ScenarioSynthesizer.Write(dir.File(scenario + ".etl"), new ScenarioOptions { Scenario = scenario });

        var browser = Write("browser");
        Assert.Equal(2, browser.Lookups.Count);
        Assert.Contains(browser.Sockets, s => s.Remote?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && s.Remote.Port == 443);
        Assert.Contains(browser.Sockets, s => s.Remote?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && s.Remote.Port == 443);
        Assert.Equal(2, browser.Sockets.Count(s => s.Endpoint == browser.Sockets[0].Endpoint)); // an endpoint reused
        Assert.Single(browser.Sockets, s => s.Closed is null);
        Assert.All(browser.Sockets, s => Assert.Equal("chrome.exe", s.ProcessName));
        Assert.True(browser.Count(Afd, 1003) > 2 * browser.Sockets.Sum(s => s.Sends)); // nested sends: more events than operations

        var dns = Write("dns-client");
        Assert.All(dns.Sockets, s => Assert.Equal(17, s.Protocol));
        Assert.Equal(new[] { new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53), new IPEndPoint(IPAddress.Parse("198.51.100.53"), 53) }, dns.Sockets[0].Peers);
        Assert.Null(dns.Sockets[0].Remote);

        var server = Write("server");
        var listener = server.Sockets.Single(s => s.Listening);
        Assert.Equal(128, listener.Backlog);
        Assert.Null(listener.Closed);
        Assert.Equal(4, server.Sockets.Count(s => s.AcceptedFrom == listener.Endpoint));
        Assert.All(server.Sockets.Where(s => s.AcceptedFrom != 0), s => Assert.True(s.BytesSent > 0 && s.BytesReceived > 0 && s.Remote is not null));
        Assert.True(server.Count(Sockets, 6) == 1, "accept() logs SockAcceptStop");

        var pre = Write("preexisting");
        Assert.All(pre.Sockets, s => Assert.Null(s.Opened));
        Assert.All(pre.Sockets, s => Assert.Equal(-1, s.Family));
        Assert.Equal(0, pre.Count(Afd, 1000) + pre.Count(Afd, 1030) + pre.Count(Afd, 1018) + pre.Count(Afd, 1021));
        Assert.Equal(1, pre.OpenAtEnd);
        Assert.Equal(2, pre.Sockets.Count(s => s.SocketHandle != 0)); // named by SockClose
    }

    [Fact]
    public void The_same_options_write_the_same_file()
    {
        using var dir = new TempDir();
        var options = new ScenarioOptions { Scenario = "mixed", Seed = 42 };
        ScenarioSynthesizer.Write(dir.File("a.etl"), options);
        ScenarioSynthesizer.Write(dir.File("b.etl"), options);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(dir.File("a.etl"))), SHA256.HashData(File.ReadAllBytes(dir.File("b.etl"))));
    }

    [Fact]
    public void Payloads_are_laid_out_as_the_payload_builder_lays_them_out()
    {
        using var dir = new TempDir();
        foreach (int pointer in new[] { 8, 4 })
        {
            string path = dir.File($"m{pointer}.etl");
            ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed", PointerSize = pointer });
            var decoder = new EventDecoder(SchemaCatalog.Winsock);
            using var reader = EtlReader.Open(path);
            int compared = 0;
            while (reader.TryRead(out var r))
            {
                if (!decoder.TryDecode(r, out var d)) continue;
                var builder = new PayloadBuilder(d.Schema, r.PointerSize);
                for (int i = 0; i < d.Count; i++)
                {
                    var f = d.Field(i);
                    if (f.InType is InType.UnicodeString or InType.AnsiString) builder.Set(f.Name, d.String(i)!);
                    else if (f.InType is InType.Binary or InType.Guid || f.EffectiveOutType is OutType.Port or OutType.IPv4) builder.Set(f.Name, d.Bytes(i));
                    else builder.Set(f.Name, d.Number(i));
                }
                Assert.Equal(builder.ToArray(), r.UserData.ToArray());
                compared++;
            }
            Assert.True(compared > 500);
        }
    }

    [Theory]
    [InlineData(8, false, 26100)]
    [InlineData(4, true, 19045)]
    [InlineData(8, true, 7601)]
    public void Busy_host_replays_to_its_totals(int pointerSize, bool compress, int build)
    {
        using var dir = new TempDir();
        var (truth, replay) = WriteAndReplay(dir, new ScenarioOptions { Scenario = "busy-host", Events = 60_000, PointerSize = pointerSize, Compress = compress, Build = build, Seed = 3 });
        Assert.Empty(replay.Errors);
        Assert.Equal(0, replay.Problems);
        Assert.Equal(0, replay.Incomplete);
        Assert.Equal(60_000, replay.Records);
        Assert.Equal(truth.EventCounts.OrderBy(k => k.Key.ToString()), replay.Counts.OrderBy(k => k.Key.ToString()));
        Assert.Equal(truth.SocketCount, replay.Sockets.Count);
        Assert.Equal(truth.BytesSent, replay.Sockets.Sum(s => s.BytesSent));
        Assert.Equal(truth.BytesReceived, replay.Sockets.Sum(s => s.BytesReceived));
        Assert.Equal(truth.Sends, replay.Sockets.Sum(s => s.Sends));
        Assert.Equal(truth.Receives, replay.Sockets.Sum(s => s.Receives));
        Assert.Equal(truth.OpenAtEnd, replay.Sockets.Count(s => s.Closed is null));
        var kinds = replay.Findings.GroupBy(f => f.Kind).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(truth.FindingCounts.OrderBy(k => k.Key), kinds.OrderBy(k => k.Key));
        foreach (var p in truth.Processes.Where(p => p.Sockets > 0))
            Assert.Equal(p.BytesReceived, replay.Sockets.Where(s => s.ProcessId == p.ProcessId).Sum(s => s.BytesReceived));
    }

    [Fact]
    public void Names_and_bad_options()
    {
        Assert.Equal(new[] { "browser", "dns-client", "server", "wow64", "failures", "preexisting", "legacy", "mixed", "busy-host" }, ScenarioSynthesizer.Names);
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => ScenarioSynthesizer.Write(dir.File("x.etl"), new ScenarioOptions { Scenario = "nope" }));
        Assert.Throws<ArgumentException>(() => ScenarioSynthesizer.Write(dir.File("x.etl"), new ScenarioOptions { Scenario = "browser", PointerSize = 2 }));
        Assert.Throws<ArgumentException>(() => ScenarioSynthesizer.Write(dir.File("x.etl"), new ScenarioOptions { Scenario = "browser", Build = 8000 }));
        Assert.Throws<ArgumentException>(() => ScenarioSynthesizer.Write(dir.File("x.etl"), new ScenarioOptions { Scenario = "busy-host", Events = 10 }));
    }
}

/// <summary>Runs alone (after the parallel tests), so that the heap it measures is its own.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

[Collection(nameof(MemoryMeasurement))]
public class BusyHostMemoryTests
{
    [Fact]
    public void Busy_host_writes_exactly_the_events_asked_for_with_flat_memory()
    {
        using var dir = new TempDir();
        string path = dir.File("busy.etl");
        ScenarioSynthesizer.Write(dir.File("warm.etl"), new ScenarioOptions { Scenario = "busy-host", Events = 20_000 });
        long before = GC.GetTotalMemory(true);
        var samples = new List<long>();
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "busy-host", Events = 2_000_000 },
            written => { if (written % (4 << 16) < (1 << 16)) samples.Add(GC.GetTotalMemory(true)); });
        long after = GC.GetTotalMemory(true);
        Assert.True(samples.Count >= 6, $"{samples.Count} samples");
        // While writing: the open sockets, the per-processor buffers and the writer; none of it grows with the events.
        long settled = samples[1];
        Assert.True(samples.Max() - settled < 1 << 20, $"the heap grew from {settled / 1024} KB to {samples.Max() / 1024} KB while writing");
        Assert.True(after - before < 1 << 20, $"{(after - before) / 1024} KB kept after writing");
        Assert.True(samples.Max() - before < 16 << 20, $"{(samples.Max() - before) / 1024} KB while writing");

        Assert.True(truth.Aggregate);
        Assert.Empty(truth.Sockets);
        Assert.Equal(2_000_000, truth.Events);
        Assert.Equal(2_000_000, truth.EventCounts.Values.Sum());
        Assert.True(truth.SocketCount > 5_000);
        Assert.True(truth.Processes.Count >= 40);
        Assert.True(truth.Count(WellKnownProviders.WinsockAfd, 1003) + truth.Count(WellKnownProviders.WinsockAfd, 1004) > truth.Events / 2, "sends and receives dominate");
        Assert.True(truth.Count(WellKnownProviders.WinsockSockets, 2) > 0 && truth.Count(WellKnownProviders.WinsockNameResolution, 1001) > 0);
        Assert.Equal(truth.Processes.Sum(p => p.BytesSent), truth.BytesSent);
        Assert.Equal(truth.Processes.Sum(p => p.Sockets), truth.SocketCount);

        using var reader = EtlReader.Open(path);
        long records = -1;
        while (reader.TryRead(out _)) records++;
        Assert.Equal(2_000_000, records);
        Assert.Equal(0, reader.Diagnostics.ProblemCount);
    }
}
