using System.Text.Json;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// <c>sockscope catalog</c>: the built-in schema catalog as JSON, Markdown and the events_by_build TSV, checked against
/// the catalog's real contents and, where ../shared is present, against the reference TSV files it was built from.
/// </summary>
public class CatalogCommandTests
{
    private const string Afd = "Microsoft-Windows-Winsock-AFD";
    private const string Sockets = "Microsoft-Windows-Winsock-Sockets";
    private const string NameResolution = "Microsoft-Windows-Winsock-NameResolution";

    private const string TsvHeader =
        "build_label\tos\tos_build\tevent_id\tversion\tsymbol\ttask\ttask_value\topcode\topcode_value\tlevel\tlevel_value\t"
        + "keywords_mask\tkeyword_names\tchannel\tmessage\tfields\tsource_repo\tsource_path\tsource_commit";

    private static readonly int[] AfdIds =
    [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
        31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1009, 1011, 1012,
        1013, 1015, 1017, 1018, 1020, 1021, 1023, 1024, 1026, 1027, 1029, 1030, 1032, 1033, 1035, 1036, 1037, 3000,
        3001, 3003, 3004, 3006, 3007, 4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008, 4009, 4010, 4011, 4012,
        4013, 4014, 4015, 4016, 4017, 4018, 4019, 4020,
    ];

    private static readonly string[] SocketsSymbols =
    [
        "SockCreateStart", "SockCreateStop", "SockCloseStart", "SockCloseStop", "SockAcceptStart", "SockAcceptStop",
        "SockSetOptStart", "SockSetOptStop", "SockConnectStart", "SockConnectStop", "SockBindStart", "SockBindStop",
        "SockGetOptStart", "SockGetOptStop", "SockListenStart", "SockListenStop",
    ];

    private static CliRunner.Result Ok(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("", result.Error);
        return result;
    }

    private static JsonElement Json(params string[] args) => JsonDocument.Parse(Ok(args).Output).RootElement;

    private static string ReferenceTsv(string provider) =>
        Path.GetFullPath(Path.Combine(SharedSamples.Directory!, "..", "schema", provider + ".events_by_build.tsv"));

    [Fact]
    public void Json_lists_every_event_of_the_three_winsock_providers()
    {
        var providers = Json("catalog", "--format", "json").GetProperty("providers").EnumerateArray().ToArray();
        Assert.Equal([Afd, Sockets, NameResolution], providers.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(["{E53C6823-7BB8-44BB-90DC-3F86090D48A6}", "{BDE46AEA-2357-51FE-7367-D5296F530BD1}", "{55404E71-4DB9-4DEB-A5F5-8F86E46DDE56}"],
            providers.Select(p => p.GetProperty("guid").GetString()));
        Assert.Equal(["afd", "sockets", "nameresolution"], providers.Select(p => p.GetProperty("short_name").GetString()));

        int[] Ids(JsonElement p) => p.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()).ToArray();
        // AFD 33, 34 and 1033 are listed twice: their keywords changed after Windows 7 (one variant per descriptor).
        Assert.Equal(99, Ids(providers[0]).Length);
        Assert.Equal(AfdIds, Ids(providers[0]).Distinct());
        Assert.Equal([33, 34, 1033], Ids(providers[0]).GroupBy(i => i).Where(g => g.Count() == 2).Select(g => g.Key));
        Assert.Equal(Enumerable.Range(1, 16), Ids(providers[1]));
        Assert.Equal(Enumerable.Range(1000, 16), Ids(providers[2]));
        Assert.Equal(SocketsSymbols, providers[1].GetProperty("events").EnumerateArray().Select(e => e.GetProperty("symbol").GetString()));
        Assert.All(providers.SelectMany(p => p.GetProperty("events").EnumerateArray()), e => Assert.Equal(0, e.GetProperty("version").GetInt32()));

        Assert.Equal(20, providers[0].GetProperty("builds").GetArrayLength());
        Assert.Equal(6, providers[1].GetProperty("builds").GetArrayLength());
        Assert.Equal(19, providers[2].GetProperty("builds").GetArrayLength());
    }

    [Fact]
    public void Json_of_sockets_event_4_has_its_descriptor_fields_and_builds()
    {
        var providers = Json("catalog", "sockets", "--event", "4", "--format", "json").GetProperty("providers");
        Assert.Equal(1, providers.GetArrayLength());
        var events = providers[0].GetProperty("events");
        Assert.Equal(1, events.GetArrayLength());
        var e = events[0];
        Assert.Equal(4, e.GetProperty("id").GetInt32());
        Assert.Equal(0, e.GetProperty("version").GetInt32());
        Assert.Equal("SockCloseStop", e.GetProperty("symbol").GetString());
        Assert.Equal(1001, e.GetProperty("task").GetProperty("value").GetInt32());
        Assert.Equal("SockClose", e.GetProperty("task").GetProperty("name").GetString());
        Assert.Equal(2, e.GetProperty("opcode").GetProperty("value").GetInt32());
        Assert.Equal("Stop", e.GetProperty("opcode").GetProperty("name").GetString());
        Assert.Equal(4, e.GetProperty("level").GetProperty("value").GetInt32());
        Assert.Equal("win:Informational", e.GetProperty("level").GetProperty("name").GetString());
        Assert.Equal("0x1001", e.GetProperty("keywords").GetProperty("mask").GetString());
        Assert.Equal(["WINSOCK_API_BOUNDARY", "WINSOCK_SOCKET_LIFETIME"],
            e.GetProperty("keywords").GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal("Microsoft-Windows-Winsock-Sockets/Operational", e.GetProperty("channel").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("message").ValueKind);

        var fields = e.GetProperty("fields").EnumerateArray()
            .Select(f => (f.GetProperty("name").GetString(), f.GetProperty("in_type").GetString(), f.GetProperty("out_type").GetString()))
            .ToArray();
        Assert.Equal(
            [("ErrorCode", "HexInt32", "Win32Error"), ("Socket", "Pointer", "HexInt64"), ("IsProviderSocket", "Boolean", "boolean"),
             ("FailurePoint", "HexInt32", "HexInt32")],
            fields);
        Assert.All(e.GetProperty("fields").EnumerateArray(), f =>
        {
            Assert.Equal(JsonValueKind.Null, f.GetProperty("map").ValueKind);
            Assert.Equal(JsonValueKind.Null, f.GetProperty("known").ValueKind);
            Assert.False(f.TryGetProperty("length", out _));
            Assert.False(f.TryGetProperty("length_field", out _));
        });

        Assert.Equal(["W11_21H2", "W11_22H2", "W11_23H2", "W11_24H2", "W11_25H2", "W11_26H1"],
            e.GetProperty("builds").EnumerateArray().Select(b => b.GetString()));
        var provenance = e.GetProperty("provenance").EnumerateArray().ToArray();
        Assert.Equal(6, provenance.Length);
        Assert.All(provenance, p =>
        {
            Assert.Equal("jdu2600/Windows10EtwEvents", p.GetProperty("repo").GetString());
            Assert.Equal("manifest/Microsoft-Windows-Winsock-Sockets.tsv", p.GetProperty("path").GetString());
        });
        Assert.Equal("8a8a66f7a4becc0cabaa1640d4e874f7a75af3da", provenance[0].GetProperty("commit").GetString());
        Assert.Equal("84e7261126f26b538ee00bcf00938b7e3ff2647f", provenance[5].GetProperty("commit").GetString());
        Assert.Equal("nasbench 21H2 WEPExplorer (transcribed)", e.GetProperty("sources").GetProperty("task_value").GetString());
    }

    [Fact]
    public void Json_gives_lengths_value_maps_and_known_values()
    {
        // The newest variant of each event (the last listed).
        var afd = Json("catalog", "AFD", "--format", "json").GetProperty("providers")[0].GetProperty("events").EnumerateArray()
            .GroupBy(e => e.GetProperty("id").GetInt32()).ToDictionary(g => g.Key, g => g.Last());

        // AFD 1007 (sendto with address): the address's length is the AddressLen field before it.
        var address = afd[1007].GetProperty("fields").EnumerateArray().Last();
        Assert.Equal("Address", address.GetProperty("name").GetString());
        Assert.Equal("Binary", address.GetProperty("in_type").GetString());
        Assert.Equal("SocketAddress", address.GetProperty("out_type").GetString());
        Assert.Equal("AddressLen", address.GetProperty("length_field").GetString());
        Assert.False(address.TryGetProperty("length", out _));

        // Legacy AFD 3: a fixed 16-byte IPv6 address.
        var legacy = afd[3].GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "Address");
        Assert.Equal(16, legacy.GetProperty("length").GetInt32());
        Assert.Equal("IPv6", legacy.GetProperty("out_type").GetString());

        // AFD 1: SocketType has the manifest's map; AddressFamily and Protocol the documented names.
        var fields = afd[1].GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        var map = fields["SocketType"].GetProperty("map");
        Assert.Equal("WINSOCK_SocketType_ValueMap", map.GetProperty("name").GetString());
        Assert.Equal("valueMap", map.GetProperty("kind").GetString());
        Assert.Equal([(1ul, "SOCK_STREAM"), (2ul, "SOCK_DGRAM"), (3ul, "SOCK_RAW"), (4ul, "SOCK_RDM"), (5ul, "SOCK_SEQPACKET")],
            map.GetProperty("entries").EnumerateArray().Select(x => (x.GetProperty("value").GetUInt64(), x.GetProperty("message").GetString())));
        var family = fields["AddressFamily"].GetProperty("known");
        Assert.Equal("AddressFamily", family.GetProperty("name").GetString());
        var families = family.GetProperty("entries").EnumerateArray().ToDictionary(x => x.GetProperty("value").GetInt32(), x => x.GetProperty("name").GetString());
        Assert.Equal("AF_INET", families[2]);
        Assert.Equal("AF_INET6", families[23]);
        Assert.Equal("AF_HYPERV", families[34]);
        var protocols = fields["Protocol"].GetProperty("known").GetProperty("entries").EnumerateArray()
            .ToDictionary(x => x.GetProperty("value").GetInt32(), x => x.GetProperty("name").GetString());
        Assert.Equal("TCP", protocols[6]);
        Assert.Equal("UDP", protocols[17]);
        Assert.Equal("ICMPv6", protocols[58]);
        Assert.Equal(JsonValueKind.Null, fields["Process"].GetProperty("known").ValueKind);

        // AFD 1032 (abort): the reasons map.
        var reason = afd[1032].GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "Reason");
        Assert.Equal("AFD_ABORT_ValueMap", reason.GetProperty("map").GetProperty("name").GetString());
        Assert.Equal(19, reason.GetProperty("map").GetProperty("entries").GetArrayLength());

        // NameResolution gives no out-types: null, and the in-type's default as the effective one.
        var gai = Json("catalog", "nameresolution", "--event", "1000", "--format", "json").GetProperty("providers")[0].GetProperty("events")[0];
        var node = gai.GetProperty("fields")[0];
        Assert.Equal("NodeName", node.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, node.GetProperty("out_type").ValueKind);
        Assert.Equal("string", node.GetProperty("effective_out_type").GetString());
    }

    [Fact]
    public void Markdown_page_of_sockets_has_the_event_table_and_a_section_per_event()
    {
        string md = Ok("catalog", "sockets").Output;
        Assert.StartsWith("# Microsoft-Windows-Winsock-Sockets\n\n16 events across 1 channel\n\n| ID | Title | Level | Channel | Builds |\n", md);
        for (int id = 1; id <= 16; id++)
        {
            string level = id % 2 == 1 ? "Verbose" : "Informational";
            Assert.Contains($"\n| {id} | {SocketsSymbols[id - 1]} | {level} | Operational | all |\n", md);
            Assert.Contains($"\n## Event ID {id}: {SocketsSymbols[id - 1]}\n", md);
        }
        Assert.Equal(16, md.Split("\n## Event ID ").Length - 1);
        Assert.Contains("| Task | SockClose (1001) |\n", md);
        Assert.Contains("| Opcode | Stop (2) |\n", md);
        Assert.Contains("| Keywords | 0x1001: WINSOCK_API_BOUNDARY, WINSOCK_SOCKET_LIFETIME |\n", md);
        Assert.Contains("| 3 | IsProviderSocket | Boolean | boolean |  |  |\n", md);
        Assert.Contains("| 4 | Address | Binary | SocketAddress | bytes in AddressLength |  |\n", md);
        // The note every event shares is said once, before the events.
        Assert.Equal(2, md.Split("nasbench 21H2 WEPExplorer (transcribed)").Length);
        Assert.Contains("- task value: nasbench 21H2 WEPExplorer (transcribed) (every event)\n", md);
        Assert.Contains("\n## Provenance\n", md);
        Assert.Contains("ETW provider GUID `{BDE46AEA-2357-51FE-7367-D5296F530BD1}`", md);
        Assert.Contains("Defined in ws2_32.dll (user mode)", md);
        Assert.Contains("| W11_21H2 – W11_26H1 | 22000, 22621, 22621/22631, 26100, 26100/26200, 28000 | jdu2600/Windows10EtwEvents | ", md);
        Assert.Contains("[`8a8a66f`](https://github.com/jdu2600/Windows10EtwEvents/blob/8a8a66f7a4becc0cabaa1640d4e874f7a75af3da/manifest/Microsoft-Windows-Winsock-Sockets.tsv) (W11_21H2)", md);
        Assert.Contains("\n## Credits\n", md);
        Assert.EndsWith("\n\n", md);
    }

    [Fact]
    public void Markdown_of_one_event_lists_its_known_values_and_value_maps()
    {
        string md = Ok("catalog", "Microsoft-Windows-Winsock-Sockets", "--event", "2").Output;
        Assert.Contains("1 of 16 events across 1 channel\n", md);
        Assert.Contains("\n## Event ID 2: SockCreateStop\n", md);
        Assert.DoesNotContain("## Event ID 1:", md);
        Assert.Contains("| 3 | AddressFamily | UInt32 | unsignedInt |  | address families (AF_\\*) |\n", md);
        Assert.Contains("Known values of AddressFamily, address families (AF_\\*): 0 AF_UNSPEC · 1 AF_UNIX · 2 AF_INET · ", md);
        Assert.Contains(" · 23 AF_INET6 · ", md);
        Assert.Contains("Known values of SocketType, socket types (SOCK_\\*): 1 SOCK_STREAM · 2 SOCK_DGRAM · 3 SOCK_RAW · 4 SOCK_RDM · 5 SOCK_SEQPACKET\n", md);
        Assert.Contains(" · 6 TCP · ", md);
        Assert.Contains(" · 17 UDP · ", md);

        string afd = Ok("catalog", "afd", "--event", "1032").Output;
        Assert.Contains("\n## Event ID 1032: AfdAbortAborted\n", afd);
        Assert.Contains("Value map AFD_ABORT_ValueMap of Reason:\n\n| Value | Meaning |\n|---:|---|\n| 1 | Attempt to flush pending receive requests failed |\n", afd);
        Assert.Contains("| 19 | Plug and play event caused abort |\n", afd);
        // AFD's builds come from two repositories by turns: consecutive builds from one are one row.
        Assert.Contains("| Builds | all 20: Win7-7600 – W11_26H1 |\n", afd);
        Assert.Contains("| Sources | repnz/etw-providers-docs: Win7-7600 – W10_1507, 1803, Insider-18990; jdu2600/Windows10EtwEvents: 1511 – 1709, 1809 – 1909, 2004 – W11_26H1 |\n", afd);
        Assert.Contains("\n| 1511 – 1709 | 10586, 14393, 15063, 16299 | jdu2600/Windows10EtwEvents | ", afd);
        Assert.Contains("\n| 1803 | 17134 | repnz/etw-providers-docs | `Manifests-Win10-17134/Microsoft-Windows-Winsock-AFD.xml` @ ", afd);

        string gai = Ok("catalog", "nameresolution").Output;
        Assert.Contains("16 events, in no channel (only ETW sessions see them)\n", gai);
        Assert.Contains("| 1 | NodeName | UnicodeString | string (default) |  |  |\n", gai);
    }

    [Fact]
    public void Tsv_has_the_events_by_build_header_and_a_row_per_build_and_event()
    {
        var lines = Ok("catalog", "sockets", "--format", "tsv").OutputLines;
        Assert.Equal(TsvHeader, lines[0]);
        Assert.Equal(1 + 6 * 16, lines.Length);
        Assert.All(lines, l => Assert.Equal(20, l.Split('\t').Length));
        Assert.Equal(
            "W11_21H2\tWindows 11 21H2\t22000\t4\t0\tSockCloseStop\tSockClose\t1001\tStop\t2\twin:Informational\t4\t0x1001\t"
            + "WINSOCK_API_BOUNDARY WINSOCK_SOCKET_LIFETIME\tMicrosoft-Windows-Winsock-Sockets/Operational\t\t"
            + "ErrorCode:win:HexInt32/win:Win32Error; Socket:win:Pointer/win:HexInt64; IsProviderSocket:win:Boolean/xs:boolean; FailurePoint:win:HexInt32/win:HexInt32\t"
            + "jdu2600/Windows10EtwEvents\tmanifest/Microsoft-Windows-Winsock-Sockets.tsv\t8a8a66f7a4becc0cabaa1640d4e874f7a75af3da",
            lines[4]);

        // All providers: one header, then each provider's rows.
        var all = Ok("catalog", "-f", "tsv").OutputLines;
        Assert.Single(all, l => l == TsvHeader);
        Assert.Equal(1 + 1855 + 96 + 304, all.Length);
        Assert.Contains("Address:win:Binary/win:SocketAddress[len=AddressLen]", all.First(l => l.StartsWith("Win7-7600\tWindows 7 RTM\t7600\t1007\t")));
        Assert.Contains("Address:win:Binary/win:IPv6[len=16]", all.First(l => l.StartsWith("W11_26H1\tWindows 11 26H1\t28000\t3\t")));
    }

    [SharedSamplesFact]
    public void Tsv_header_is_the_reference_files_header()
    {
        foreach (var provider in new[] { Afd, Sockets, NameResolution })
            Assert.Equal(TsvHeader, File.ReadLines(ReferenceTsv(provider)).First());
    }

    [SharedSamplesFact]
    public void Sockets_tsv_equals_the_reference_but_for_the_channel()
    {
        var ours = Ok("catalog", "sockets", "--format", "tsv").OutputLines.Select(l => l.Split('\t')).ToArray();
        var reference = File.ReadAllLines(ReferenceTsv(Sockets)).Select(l => l.Split('\t')).ToArray();
        Assert.Equal(reference.Length, ours.Length);
        int channel = Array.IndexOf(reference[0], "channel");
        for (int i = 0; i < ours.Length; i++)
        {
            for (int c = 0; c < reference[0].Length; c++)
            {
                if (c == channel && i > 0)
                {
                    // The dumps the reference comes from (jdu2600's TDH dumps, nasbench's 21H2 WEPExplorer dump) name no
                    // channel for Sockets; the catalog takes "Operational" from the Winsock documentation (seed 000), so
                    // every row of ours has the channel the reference leaves empty.
                    Assert.Equal("", reference[i][c]);
                    Assert.Equal("Microsoft-Windows-Winsock-Sockets/Operational", ours[i][c]);
                }
                else Assert.True(reference[i][c] == ours[i][c], $"row {i} ({reference[i][0]} event {reference[i][3]}), {reference[0][c]}: '{ours[i][c]}' is not '{reference[i][c]}'");
            }
        }
    }

    [SharedSamplesFact]
    public void NameResolution_tsv_equals_the_reference_byte_for_byte()
    {
        Assert.Equal(File.ReadAllText(ReferenceTsv(NameResolution)), Ok("catalog", "nameresolution", "--format", "tsv").Output);
    }

    [SharedSamplesFact]
    public void Afd_tsv_differs_from_the_reference_only_where_the_catalog_merged_builds()
    {
        var ours = Ok("catalog", "afd", "--format", "tsv").OutputLines.Select(l => l.Split('\t')).ToArray();
        var reference = File.ReadAllLines(ReferenceTsv(Afd)).Select(l => l.Split('\t')).ToArray();
        Assert.Equal(1856, reference.Length);
        Assert.Equal(reference.Length, ours.Length);
        var header = reference[0];
        Assert.Equal(header, ours[0]);
        var differences = new List<string>();
        for (int i = 1; i < ours.Length; i++)
        {
            Assert.Equal(reference[i][..5], ours[i][..5]);
            for (int c = 0; c < header.Length; c++)
            {
                if (reference[i][c] == ours[i][c]) continue;
                if (header[c] == "channel")
                {
                    // The reference annotates where the channel came from; the catalog keeps the channel path alone.
                    Assert.Equal("Microsoft-Windows-Winsock-AFD/Operational (id 16) [per W10_1507 WEPExplorer dump]", reference[i][c]);
                    Assert.Equal("Microsoft-Windows-Winsock-AFD/Operational", ours[i][c]);
                }
                else differences.Add($"{ours[i][0]} {ours[i][3]} {header[c]}");
            }
        }
        // The catalog keeps a variant per descriptor (so the keywords of 33, 34 and 1033 follow the reference build
        // by build), but merges value maps across the builds of one layout, since whether a dump kept a map tells only
        // which tool made it: the maps of 29 (AFD_OPTION) and 1032 (AFD_ABORT), kept only by the Win7 dump, apply to
        // every build; the map of 1035 (AFD_OPTION), lost by the Win7 dump, applies to Win7 too.
        var newer = new[]
        {
            "W10_1507", "1511", "1607", "1703", "1709", "1803", "1809", "1903", "1909", "Insider-18990", "2004", "2009",
            "21H1", "W11_21H2", "W11_22H2", "W11_23H2", "W11_24H2", "W11_25H2", "W11_26H1",
        };
        var expected = newer.SelectMany(b => new[]
            {
                $"{b} 29 fields", $"{b} 1032 fields",
            })
            .Append("Win7-7600 1035 fields");
        Assert.Equal(expected.Order(StringComparer.Ordinal), differences.Order(StringComparer.Ordinal));
        var row1033 = reference.First(r => r[0] == "W11_26H1" && r[3] == "1033");
        Assert.Equal("0x10000000004", row1033[Array.IndexOf(header, "keywords_mask")]);
        Assert.Equal("0x10000000004", ours.First(r => r[0] == "W11_26H1" && r[3] == "1033")[Array.IndexOf(header, "keywords_mask")]);
        Assert.Equal("0x4", ours.First(r => r[0] == "Win7-7600" && r[3] == "1033")[Array.IndexOf(header, "keywords_mask")]);
    }

    [Fact]
    public void Provider_can_be_named_by_short_form_full_name_or_guid()
    {
        string expected = Ok("catalog", "sockets", "-f", "tsv").Output;
        Assert.Equal(expected, Ok("catalog", "SOCKETS", "-f", "tsv").Output);
        Assert.Equal(expected, Ok("catalog", "microsoft-windows-winsock-sockets", "-f", "tsv").Output);
        Assert.Equal(expected, Ok("catalog", "Winsock-Sockets", "-f", "tsv").Output);
        Assert.Equal(expected, Ok("catalog", "{BDE46AEA-2357-51FE-7367-D5296F530BD1}", "-f", "tsv").Output);
        Assert.Equal(expected, Ok("catalog", "bde46aea-2357-51fe-7367-d5296f530bd1", "-f", "tsv").Output);
    }

    [Fact]
    public void Event_without_provider_takes_every_provider_that_has_it()
    {
        var providers = Json("catalog", "--event", "1000", "-f", "json").GetProperty("providers").EnumerateArray().ToArray();
        Assert.Equal([Afd, NameResolution], providers.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("AfdCreateOpen", providers[0].GetProperty("events")[0].GetProperty("symbol").GetString());
        Assert.Equal("WinsockGai", providers[1].GetProperty("events")[0].GetProperty("symbol").GetString());
    }

    [Fact]
    public void Unknown_provider_is_one_error_line_and_exit_2()
    {
        var result = CliRunner.Run("catalog", "tcpip");
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Equal(
            ["sockscope: error: unknown provider 'tcpip'; the catalog has afd (Microsoft-Windows-Winsock-AFD), sockets "
             + "(Microsoft-Windows-Winsock-Sockets), nameresolution (Microsoft-Windows-Winsock-NameResolution); a full name or GUID works too"],
            result.ErrorLines);
    }

    [Fact]
    public void Unknown_event_is_one_error_line_and_exit_2()
    {
        var result = CliRunner.Run("catalog", "sockets", "--event", "17", "--format", "json");
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.OutputBytes);
        Assert.Equal(["sockscope: error: Microsoft-Windows-Winsock-Sockets has no event 17; its events are 1–16"], result.ErrorLines);

        result = CliRunner.Run("catalog", "--event", "999");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["sockscope: error: no provider in the catalog has event 999"], result.ErrorLines);
    }

    [Fact]
    public void Output_option_writes_the_file()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sockscope-catalog-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "sockets.json");
            var result = Ok("catalog", "sockets", "-f", "json", "-o", path);
            Assert.Empty(result.OutputBytes);
            var doc = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
            Assert.Equal(16, doc.GetProperty("providers")[0].GetProperty("events").GetArrayLength());
            Assert.EndsWith("}\n", File.ReadAllText(path));

            var bad = CliRunner.Run("catalog", "-o", Path.Combine(dir, "missing", "x.md"));
            Assert.Equal(2, bad.ExitCode);
            Assert.Single(bad.ErrorLines);
            Assert.StartsWith("sockscope: error: ", bad.ErrorLines[0]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
