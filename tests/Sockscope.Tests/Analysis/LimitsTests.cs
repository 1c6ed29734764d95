using System.Net;
using System.Text;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Schema;
using Sockscope.Sources;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Analysis;

/// <summary>The limits that hostile counts and sizes cannot get past, one test each (the ETL reader's are in DamagedInputTests).</summary>
public class LimitsTests
{
    private static readonly Guid Afd = Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6");
    private const string Line = "{\"system\":{\"guid\":\"{BDE46AEA-2357-51FE-7367-D5296F530BD1}\",\"event_id\":2,\"time_created\":\"2026-06-02T04:00:00.000Z\",\"execution\":{\"process_id\":42}},\"event_data\":{\"Socket\":\"0x6DC\"}}\n";

    [Fact]
    public void Problems_beyond_those_kept_are_counted()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.jsonl");
        File.WriteAllText(path, Line + string.Concat(Enumerable.Repeat("{not json\n", 20)) + Line);
        using var source = JsonEventSource.Open(path, InputFormat.Jsonl, maxProblemsKept: 5);
        int events = 0;
        while (source.TryRead(out _)) events++;
        Assert.Equal(2, events);
        Assert.Equal(5, source.Diagnostics.Problems.Count);
        Assert.Equal(20, source.Diagnostics.ProblemCount);
    }

    [Fact]
    public void A_json_line_longer_than_the_limit_is_skipped_with_its_offset()
    {
        using var dir = new TempDir();
        string path = dir.File("long.jsonl");
        using (var f = File.Create(path))
        {
            f.Write(Encoding.UTF8.GetBytes(Line));
            var filler = new byte[1 << 20];
            Array.Fill(filler, (byte)'x');
            for (int i = 0; i <= JsonEventSource.MaxLineBytes / filler.Length; i++) f.Write(filler);
            f.WriteByte((byte)'\n');
            f.Write(Encoding.UTF8.GetBytes(Line));
        }
        using var source = JsonEventSource.Open(path, InputFormat.Jsonl);
        int events = 0;
        while (source.TryRead(out _)) events++;
        Assert.Equal(2, events);
        var problem = Assert.Single(source.Diagnostics.Problems);
        Assert.Equal(Encoding.UTF8.GetByteCount(Line), problem.Offset);
        Assert.Contains($"longer than {JsonEventSource.MaxLineBytes}", problem.Message);
    }

    [Fact]
    public void Json_nested_deeper_than_events_are_is_a_bad_line()
    {
        using var dir = new TempDir();
        string path = dir.File("deep.jsonl");
        // An event otherwise whole, with a value nested 20 deep: past the limit of 16, short of System.Text.Json's 64.
        string deep = Line.Replace("\"Socket\":\"0x6DC\"", "\"Socket\":\"0x6DC\",\"Extra\":" + new string('[', 20) + new string(']', 20));
        File.WriteAllText(path, Line + deep + Line);
        using var source = JsonEventSource.Open(path, InputFormat.Jsonl);
        int events = 0;
        while (source.TryRead(out _)) events++;
        Assert.Equal(2, events);
        Assert.Equal(1, source.BadLines);
    }

    [Fact]
    public void Totals_per_process_and_remote_endpoint_are_bounded()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed" });
        using var unbounded = EtlReader.Open(path);
        var all = TraceAnalysis.Run(unbounded, null);
        Assert.True(all.Processes.Count > 3 && all.Remotes.Count > 3);
        using var reader = EtlReader.Open(path);
        var bounded = TraceAnalysis.Run(reader, null, limits: new AnalysisLimits { MaxTotals = 3 });
        Assert.Equal(3, bounded.Processes.Count);
        Assert.Equal(3, bounded.Remotes.Count);
        Assert.True(bounded.Totals.ProcessesTruncated && bounded.Totals.RemotesTruncated);
        Assert.False(all.Totals.ProcessesTruncated || all.Totals.RemotesTruncated);
        // The trace's own totals count everything whatever the cap.
        Assert.Equal(all.BytesSent, bounded.BytesSent);
        Assert.Equal(all.FindingCount, bounded.FindingCount);
        Assert.Equal(all.Totals.FindingsByKind, bounded.Totals.FindingsByKind);
        Assert.Equal(all.Sockets, bounded.Sockets);
    }

    [Fact]
    public void A_datagram_socket_keeps_at_most_1024_peers()
    {
        using var dir = new TempDir();
        string path = dir.File("peers.etl");
        const ulong endpoint = 0xFFFF_9A0C_7777_0200, process = 0xFFFF_9A0C_1111_0080;
        using (var w = EtlWriter.Create(path))
        {
            long t = 1_000_000_100;
            void Afd(ushort id, Action<PayloadBuilder> set)
            {
                var schema = SchemaCatalog.Winsock.Find(LimitsTests.Afd, id, 0)!;
                var b = new PayloadBuilder(schema, 8);
                set(b);
                w.WriteEvent(0, new EventHeaderValues { ProviderId = LimitsTests.Afd, Id = id, ProcessId = 50, ThreadId = 1, Timestamp = t += 10 }, b.ToArray());
            }
            Afd(1000, b => b.Set("Process", process).Set("Endpoint", endpoint).Set("AddressFamily", 2).Set("SocketType", 2).Set("Protocol", 17).Set("ProcessId", 50));
            for (int i = 0; i < 1500; i++)
            {
                var sa = new byte[16];
                sa[0] = 2;
                sa[2] = 0; sa[3] = 53;
                new IPAddress(0x0A000000u + (uint)i).GetAddressBytes().CopyTo(sa, 4);
                Afd(1007, b => b.Set("EnterExit", 1).Set("Process", process).Set("Endpoint", endpoint).Set("BufferLength", 10).Set("Address", sa));
            }
        }
        using var reader = EtlReader.Open(path);
        var sockets = new List<SocketRecord>();
        TraceAnalysis.Run(reader, sockets.Add);
        var s = Assert.Single(sockets);
        Assert.Equal(1024, s.Peers.Count);
        Assert.Equal(1500, s.Sends);
    }
}
