using System.Net;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Schema;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Analysis;

/// <summary>
/// Host names from Winsock-NameResolution lookups joined to the sockets that then use the addresses: per process, in
/// the trace's time order, bounded; and a failed lookup as a finding.
/// </summary>
public class NameJoinTests
{
    private static readonly Guid Afd = Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6");
    private static readonly Guid Names = Guid.Parse("55404E71-4DB9-4DEB-A5F5-8F86E46DDE56");
    private static readonly DateTime Start = new(2026, 6, 2, 4, 0, 0, DateTimeKind.Utc);
    private const uint Asker = 55, Other = 66;
    private const ulong AskerObject = 0xFFFF_9A0C_1111_0080, OtherObject = 0xFFFF_9A0C_2222_0080;

    /// <summary>Writes AFD and NameResolution events with a running clock (10 MHz).</summary>
    private sealed class Trace(EtlWriter writer)
    {
        private long _t = 1_000_000_000 + 10_000;
        private ulong _endpoint = 0xFFFF_9A0C_8888_0200;

        private void Write(Guid provider, ushort id, uint pid, Action<PayloadBuilder> set)
        {
            _t += 1000;
            var schema = SchemaCatalog.Winsock.Find(provider, id, 0)!;
            var b = new PayloadBuilder(schema, 8);
            set(b);
            writer.WriteEvent(0, new EventHeaderValues
            {
                ProviderId = provider, Id = id, Level = (byte)schema.Level.Value, Opcode = (byte)schema.Opcode.Value,
                Task = (ushort)schema.Task.Value, Keywords = schema.Keywords, ProcessId = pid, ThreadId = 100, Timestamp = _t,
            }, b.ToArray());
        }

        public void Lookup(uint pid, string name, string result, uint status = 0)
        {
            Write(Names, 1000, pid, x => x.Set("NodeName", name).Set("ServiceName", "").Set("SocketType", 1).Set("Protocol", 6));
            Write(Names, 1001, pid, x => x.Set("NodeName", name).Set("Status", status).Set("Result", result));
        }

        /// <summary>A TCP socket of the process that connects to <paramref name="remote"/> and closes.</summary>
        public void Connect(uint pid, ulong process, IPEndPoint remote)
        {
            ulong ep = _endpoint += 0x200;
            Write(Afd, 1000, pid, x => x.Set("Process", process).Set("Endpoint", ep).Set("AddressFamily", 2).Set("SocketType", 1).Set("Protocol", 6).Set("ProcessId", pid));
            Write(Afd, 1018, pid, x => x.Set("EnterExit", 0).Set("Process", process).Set("Endpoint", ep).Set("Address", SocketAddresses(remote)));
            Write(Afd, 1018, pid, x => x.Set("EnterExit", 1).Set("Process", process).Set("Endpoint", ep).Set("Status", 0));
            Write(Afd, 1001, pid, x => x.Set("EnterExit", 1).Set("Process", process).Set("Endpoint", ep));
        }

        private static byte[] SocketAddresses(IPEndPoint remote)
        {
            var sa = new byte[16];
            sa[0] = 2;
            sa[2] = (byte)(remote.Port >> 8);
            sa[3] = (byte)remote.Port;
            remote.Address.GetAddressBytes().CopyTo(sa, 4);
            return sa;
        }
    }

    private static (List<SocketRecord> Sockets, AnalysisSummary Summary) Analyse(string path, AnalysisLimits? limits = null)
    {
        var sockets = new List<SocketRecord>();
        using var reader = EtlReader.Open(path);
        var summary = TraceAnalysis.Run(reader, sockets.Add, limits: limits);
        return (sockets, summary);
    }

    private static readonly IPEndPoint Web = new(IPAddress.Parse("203.0.113.10"), 443);

    [Fact]
    public void A_name_joins_only_the_later_sockets_of_the_process_that_resolved_it()
    {
        using var dir = new TempDir();
        string path = dir.File("names.etl");
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start }))
        {
            var t = new Trace(w);
            t.Connect(Asker, AskerObject, Web);                           // before the lookup: no name yet
            t.Lookup(Asker, "www.example.com", "203.0.113.10;2001:db8:1::10;");
            t.Connect(Asker, AskerObject, Web);                           // after it: named
            t.Connect(Other, OtherObject, Web);                           // another process, which never asked: not named
        }
        var (sockets, summary) = Analyse(path);
        Assert.Equal(3, sockets.Count);
        Assert.All(sockets, s => Assert.Equal(Web, s.Remote));
        Assert.Equal([null, "www.example.com", null], sockets.OrderBy(s => s.Id).Select(s => s.RemoteName));
        Assert.Equal([Asker, Asker, Other], sockets.OrderBy(s => s.Id).Select(s => s.ProcessId));
        var remote = Assert.Single(summary.Remotes);
        Assert.Equal("www.example.com", remote.Name);
        Assert.Equal(3, remote.Sockets);
        Assert.Equal(1, summary.Totals.NameLookups);
    }

    [Fact]
    public void An_ipv4_mapped_result_names_the_ipv4_address_and_a_result_of_another_form_is_read()
    {
        using var dir = new TempDir();
        string path = dir.File("mapped.etl");
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start }))
        {
            var t = new Trace(w);
            t.Lookup(Asker, "www.example.com", "::ffff:203.0.113.10");
            t.Lookup(Other, "other.example.org", "not-an-address, 203.0.113.10 ;");
            t.Connect(Asker, AskerObject, Web);
            t.Connect(Other, OtherObject, Web);
        }
        var (sockets, summary) = Analyse(path);
        Assert.Equal(["www.example.com", "other.example.org"], sockets.OrderBy(s => s.Id).Select(s => s.RemoteName));
        Assert.Equal(2, summary.Totals.NameLookups);
    }

    [Fact]
    public void A_failed_lookup_is_a_finding_with_the_name_and_the_status()
    {
        using var dir = new TempDir();
        string path = dir.File("failed.etl");
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { StartTime = Start }))
        {
            var t = new Trace(w);
            t.Lookup(Asker, "missing.example.com", "", status: 11001);
            t.Lookup(Other, "gone.example.net", "", status: 9003);
        }
        var (_, summary) = Analyse(path);
        Assert.Equal(2, summary.Findings.Count);
        var first = summary.Findings[0];
        Assert.Equal((FindingKind.NameResolutionFailed, Asker, FindingSeverity.Warning, "missing.example.com"), (first.Kind, first.ProcessId, first.Severity, first.RemoteName));
        Assert.Equal("lookup of missing.example.com failed: WSAHOST_NOT_FOUND", first.Detail);
        Assert.Null(first.Remote);
        Assert.Equal("lookup of gone.example.net failed: DNS_ERROR_RCODE_NAME_ERROR", summary.Findings[1].Detail);
        Assert.Equal(2, summary.Totals.Failures);
        Assert.Equal(0, summary.Totals.NameLookups);
    }

    [Fact]
    public void The_synthesised_sample_names_its_sockets_as_its_truth_does()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed", Compress = true });
        var (sockets, summary) = Analyse(path);

        // chrome resolved www.example.com, then connected to both its addresses.
        var web = sockets.Where(s => s.Remote?.Address.Equals(IPAddress.Parse("203.0.113.10")) == true).ToList();
        Assert.Equal(2, web.Count);
        Assert.Equal("www.example.com", web.Single(s => s.ProcessName == "chrome.exe").RemoteName);
        // iexplore connected to the same address without looking it up itself: no name (names are per process).
        Assert.Null(web.Single(s => s.ProcessName == "iexplore.exe").RemoteName);
        // nslookup resolved its server's name; tester.exe sent to the same server without doing so.
        var dns = sockets.Where(s => s.Peers.Contains(new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53))).ToList();
        Assert.Equal(3, dns.Count);
        Assert.Equal("dns1.example.net", dns.Single(s => s.ProcessName == "nslookup.exe").RemoteName);
        Assert.All(dns.Where(s => s.ProcessName != "nslookup.exe"), s => Assert.Null(s.RemoteName));

        var failed = Assert.Single(summary.Findings, f => f.Kind == FindingKind.NameResolutionFailed);
        Assert.Equal(("missing.example.com", 4400u, FindingSeverity.Warning), (failed.RemoteName, failed.ProcessId, failed.Severity));
        Assert.Contains("WSAHOST_NOT_FOUND", failed.Detail);
    }

    [Fact]
    public void The_name_table_cap_counts_the_addresses_it_drops()
    {
        using var dir = new TempDir();
        string path = dir.File("mixed.etl");
        var truth = ScenarioSynthesizer.Write(path, new ScenarioOptions { Scenario = "mixed" });
        int resolved = truth.Lookups.Where(l => l.Status == 0).Sum(l => l.Addresses.Count);
        Assert.Equal(6, resolved); // www.example.com and cdn.example.net 2 each, dns1.example.net and ssh.example.org 1

        var (sockets, summary) = Analyse(path, new AnalysisLimits { MaxNames = 1 });
        Assert.Equal(resolved - 1, summary.Totals.NamesDropped);
        // Only the first address looked up (203.0.113.10, www.example.com) names anything.
        Assert.Equal(["www.example.com"], sockets.Select(s => s.RemoteName).OfType<string>().Distinct());

        var (_, unbounded) = Analyse(path);
        Assert.Equal(0, unbounded.Totals.NamesDropped);
        Assert.Equal(truth.Lookups.Count(l => l.Status == 0), unbounded.Totals.NameLookups);
    }
}
