using Sockscope.Schema;

namespace Sockscope.Tests.Decoding;

/// <summary>The built-in catalog holds the three Winsock providers with the events the issue names.</summary>
public class CatalogTests
{
    private static readonly SchemaCatalog Catalog = SchemaCatalog.Winsock;

    [Fact]
    public void Providers_have_their_guids_and_event_counts()
    {
        var afd = Catalog.Find("Microsoft-Windows-Winsock-AFD")!;
        var sockets = Catalog.Find("Microsoft-Windows-Winsock-Sockets")!;
        var names = Catalog.Find("Microsoft-Windows-Winsock-NameResolution")!;
        Assert.Equal(Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6"), afd.Guid);
        Assert.Equal(Guid.Parse("BDE46AEA-2357-51FE-7367-D5296F530BD1"), sockets.Guid);
        Assert.Equal(Guid.Parse("55404E71-4DB9-4DEB-A5F5-8F86E46DDE56"), names.Guid);
        Assert.Equal(96, afd.EventIdCount);
        Assert.Equal(16, sockets.EventIdCount);
        Assert.Equal(16, names.EventIdCount);
        // AFD 33, 34 and 1033 gained keyword 0x10000000000 after Windows 7: two variants each.
        Assert.Equal(99, afd.Events.Count());
        var drop = afd.Variants(1033, 0);
        Assert.Equal(2, drop.Count);
        Assert.Equal(0x4UL, drop[0].Keywords);
        Assert.Equal(["Win7-7600"], drop[0].Builds);
        Assert.Equal(0x10000000004UL, drop[1].Keywords);
        Assert.Same(drop[1], afd.Find(1033, 0));
        Assert.Same(drop[0], afd.Find(1033, 0, "Win7-7600"));
        Assert.Same(drop[1], afd.Find(1033, 0, "W11_24H2"));
        var afdIds = afd.Events.Select(e => (int)e.Id).ToHashSet();
        Assert.True(Enumerable.Range(1, 41).All(afdIds.Contains), "legacy events 1–41");
        // 1000–1037 and 3000–3007 have gaps in every manifest (1008, 1010, … 1034; 3002, 3005): 28 and 6 events.
        Assert.Equal([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1009, 1011, 1012, 1013, 1015, 1017, 1018, 1020, 1021, 1023, 1024, 1026, 1027, 1029, 1030, 1032, 1033, 1035, 1036, 1037],
            afdIds.Where(i => i is >= 1000 and < 2000).Order());
        Assert.Equal([3000, 3001, 3003, 3004, 3006, 3007], afdIds.Where(i => i is >= 3000 and < 4000).Order());
        Assert.True(Enumerable.Range(4000, 21).All(afdIds.Contains), "RIO events 4000–4020");
        Assert.True(Enumerable.Range(1, 16).All(id => sockets.Find((ushort)id, 0) is not null));
    }

    [Fact]
    public void Afd_bind_with_address_has_its_descriptor_and_template()
    {
        var e = Catalog.Find(Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6"), 1030, 0)!;
        Assert.Equal("AfdBindWithAddressConnected", e.Symbol);
        Assert.Equal(new NamedValue(1030, "AfdBindWithAddress"), e.Task);
        Assert.Equal(12, e.Opcode.Value);
        Assert.Equal(4, e.Level.Value);
        Assert.Equal(0x4UL, e.Keywords);
        Assert.Equal("Microsoft-Windows-Winsock-AFD/Operational", e.Channel);
        Assert.Equal("bind: %1: Process %3, Endpoint %4, Address %7, Seq %2, Status %5", e.Message);
        Assert.Equal(["EnterExit", "Location", "Process", "Endpoint", "Status", "AddressLen", "Address"], e.Fields.Select(f => f.Name));
        Assert.Equal(InType.Pointer, e.Fields[2].InType);
        Assert.Equal(OutType.NTStatus, e.Fields[4].OutType);
        Assert.Equal(5, e.Fields[6].LengthField);
        Assert.Equal(OutType.SocketAddress, e.Fields[6].OutType);
        Assert.Contains("Win7-7600", e.Builds);
        Assert.Contains("W11_26H1", e.Builds);
        Assert.Contains(e.Provenance, p => p.Build == "W11_24H2" && p.Repository == "jdu2600/Windows10EtwEvents");
    }

    [Fact]
    public void Value_maps_are_merged_across_builds()
    {
        var abort = Catalog.Find(Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6"), 1032, 0)!;
        var reason = abort.Fields[abort.IndexOf("Reason")];
        Assert.Equal("AFD_ABORT_ValueMap", reason.Map!.Name);
        Assert.Equal("Transport indicated abortive disconnect", reason.Map.Lookup(4));
        var drop = Catalog.Find(Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6"), 1033, 0)!;
        Assert.Equal("Insufficient local buffer space", drop.Fields[drop.IndexOf("Reason")].Map!.Lookup(2));
        var legacyIpv6Bind = Catalog.Find(Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6"), 3, 0)!;
        Assert.Equal(16, legacyIpv6Bind.Fields[legacyIpv6Bind.IndexOf("Address")].FixedLength);
        Assert.Equal(OutType.IPv6, legacyIpv6Bind.Fields[legacyIpv6Bind.IndexOf("Address")].OutType);
    }

    [Fact]
    public void Sockets_events_follow_seed_000()
    {
        var close = Catalog.Find(Guid.Parse("BDE46AEA-2357-51FE-7367-D5296F530BD1"), 4, 0)!;
        Assert.Equal("SockCloseStop", close.Symbol);
        Assert.Equal(new NamedValue(1001, "SockClose"), close.Task);
        Assert.Equal(2, close.Opcode.Value);
        Assert.Equal(0x1001UL, close.Keywords);
        Assert.Equal(["ErrorCode", "Socket", "IsProviderSocket", "FailurePoint"], close.Fields.Select(f => f.Name));
        Assert.Equal(InType.HexInt32, close.Fields[0].InType);
        Assert.Equal(OutType.Win32Error, close.Fields[0].OutType);
        Assert.Null(close.Message);
        Assert.Equal("SockClose", close.TaskName);
        var create = Catalog.Find(Guid.Parse("BDE46AEA-2357-51FE-7367-D5296F530BD1"), 2, 0)!;
        Assert.Equal(KnownValues.IpProtocol, create.Fields[create.IndexOf("Protocol")].Known);
        Assert.Equal(KnownValues.AddressFamily, create.Fields[create.IndexOf("AddressFamily")].Known);
    }
}
