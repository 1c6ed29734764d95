using System.Reflection;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Sinks;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Decoding;

/// <summary>
/// Instrumentation manifests: a realistic hand-written one reads into the schema model (names, values, lengths and
/// counts from fields, maps, structs, messages from the string table), the public Winsock manifests give the
/// built-in catalog's layouts, bad and hostile XML is refused with file and line, and <c>dump --manifest</c>
/// decodes (and shows) the manifest's events.
/// </summary>
public class ManifestTests
{
    private static readonly Guid ProbeGuid = new("a7e1c9d2-5b4f-4e3a-9c8d-1f2e3d4c5b6a");

    /// <summary>A manifest as mc.exe takes it: channels, levels, tasks with opcodes, keywords, maps, templates, strings.</summary>
    private const string ProbeManifest = """
        <?xml version="1.0" encoding="UTF-8"?>
        <instrumentationManifest xmlns="http://schemas.microsoft.com/win/2004/08/events"
                                 xmlns:win="http://manifests.microsoft.com/win/2004/08/windows/events"
                                 xmlns:xs="http://www.w3.org/2001/XMLSchema">
          <instrumentation>
            <events>
              <provider name="Contoso-Network-Probe" guid="{A7E1C9D2-5B4F-4E3A-9C8D-1F2E3D4C5B6A}" symbol="CONTOSO_PROBE"
                        resourceFileName="%SystemRoot%\System32\probe.dll" messageFileName="%SystemRoot%\System32\probe.dll"
                        message="$(string.Provider.Name)">
                <channels>
                  <importChannel chid="SYS" name="System"/>
                  <channel chid="OPS" name="Contoso-Network-Probe/Operational" type="Operational" enabled="true"/>
                </channels>
                <levels>
                  <level name="Chatty" value="16" message="$(string.Level.Chatty)"/>
                </levels>
                <tasks>
                  <task name="Connect" value="10" message="$(string.Task.Connect)">
                    <opcodes>
                      <opcode name="Retry" value="11" message="$(string.Opcode.Retry)"/>
                    </opcodes>
                  </task>
                  <task name="Sample" value="20"/>
                </tasks>
                <opcodes>
                  <opcode name="Measure" value="12"/>
                </opcodes>
                <keywords>
                  <keyword name="Tcp" mask="0x1" message="$(string.Keyword.Tcp)"/>
                  <keyword name="Udp" mask="0x2"/>
                  <keyword name="Timing" mask="0x100"/>
                </keywords>
                <maps>
                  <valueMap name="ResultMap">
                    <map value="0" message="$(string.Map.Ok)"/>
                    <map value="0x5" message="$(string.Map.Refused)"/>
                  </valueMap>
                  <bitMap name="FlagMap">
                    <map value="0x1" message="$(string.Map.Fast)"/>
                    <map value="0x2" message="$(string.Map.Secure)"/>
                  </bitMap>
                </maps>
                <templates>
                  <template tid="ConnectArgs">
                    <data name="Host" inType="win:UnicodeString"/>
                    <data name="Port" inType="win:UInt16" outType="win:Port"/>
                    <data name="AddressLength" inType="win:UInt32"/>
                    <data name="Address" inType="win:Binary" outType="win:SocketAddress" length="AddressLength"/>
                    <data name="Result" inType="win:UInt32" map="ResultMap"/>
                    <data name="Flags" inType="win:UInt32" map="FlagMap"/>
                    <data name="Status" inType="win:UInt32" outType="win:NTSTATUS"/>
                  </template>
                  <template tid="SampleArgs">
                    <data name="Count" inType="win:UInt16"/>
                    <data name="Rtts" inType="win:UInt32" count="Count"/>
                    <data name="Tag" inType="win:AnsiString" length="4"/>
                    <struct name="Hops" count="Count">
                      <data name="Ttl" inType="win:UInt8"/>
                      <data name="Router" inType="win:UInt32" outType="win:IPv4"/>
                    </struct>
                    <data name="Corner" inType="win:GUID"/>
                    <data name="Quartet" inType="win:Int16" count="4"/>
                    <data name="Names" inType="win:UnicodeString" count="2"/>
                  </template>
                </templates>
                <events>
                  <event value="1" version="0" symbol="ConnectStart" task="Connect" opcode="win:Start" level="win:Informational"
                         keywords="Tcp win:ResponseTime" channel="OPS" template="ConnectArgs" message="$(string.Event.ConnectStart)"/>
                  <event value="1" version="1" symbol="ConnectStartV1" task="Connect" opcode="Retry" level="Chatty"
                         keywords="Tcp Udp" channel="Contoso-Network-Probe/Operational" template="ConnectArgs"/>
                  <event value="2" symbol="Sampled" task="Sample" opcode="Measure" level="win:Verbose" keywords="Timing"
                         channel="SYS" template="SampleArgs" message="$(string.Event.Sampled)"/>
                  <event value="3" symbol="Heartbeat" level="win:LogAlways"/>
                </events>
              </provider>
            </events>
          </instrumentation>
          <localization>
            <resources culture="fr-FR">
              <stringTable>
                <string id="Event.ConnectStart" value="Connexion à %1:%2"/>
              </stringTable>
            </resources>
            <resources culture="en-US">
              <stringTable>
                <string id="Provider.Name" value="Contoso Network Probe"/>
                <string id="Level.Chatty" value="Chatty"/>
                <string id="Task.Connect" value="Connect"/>
                <string id="Opcode.Retry" value="Retry"/>
                <string id="Keyword.Tcp" value="TCP traffic"/>
                <string id="Map.Ok" value="Success"/>
                <string id="Map.Refused" value="Connection refused"/>
                <string id="Map.Fast" value="Fast"/>
                <string id="Map.Secure" value="Secure"/>
                <string id="Event.ConnectStart" value="Connecting to %1 port %2: %5 (%7)"/>
                <string id="Event.Sampled" value="%1 samples, tag %3"/>
              </stringTable>
            </resources>
          </localization>
        </instrumentationManifest>
        """;

    private static IReadOnlyList<ProviderSchema> ReadText(string xml, string name = "probe.man") =>
        ManifestReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), name);

    [Fact]
    public void A_manifest_reads_into_the_schema_model()
    {
        var provider = Assert.Single(ReadText(ProbeManifest));
        Assert.Equal("Contoso-Network-Probe", provider.Name);
        Assert.Equal(ProbeGuid, provider.Guid);
        Assert.Equal("Contoso Network Probe", provider.Message);
        Assert.Equal(@"%SystemRoot%\System32\probe.dll", provider.Binary);
        Assert.Equal(["System", "Contoso-Network-Probe/Operational"], provider.Channels);
        Assert.Equal([new(0x1UL, "Tcp"), new(0x2UL, "Udp"), new KeyValuePair<ulong, string>(0x100UL, "Timing")], provider.Keywords);
        Assert.Equal(["FlagMap", "ResultMap"], provider.Maps.Keys.Order());
        Assert.True(provider.Maps["FlagMap"].IsBitMap);
        Assert.Equal("Connection refused", provider.Maps["ResultMap"].Lookup(5));
        Assert.Equal(4, provider.Events.Count());

        var start = provider.Find(1, 0)!;
        Assert.Equal("ConnectStart", start.Symbol);
        Assert.Equal(new NamedValue(10, "Connect"), start.Task);
        Assert.Equal(new NamedValue(1, "win:Start"), start.Opcode);
        Assert.Equal(new NamedValue(4, "win:Informational"), start.Level);
        Assert.Equal(0x1UL | 0x0001_0000_0000_0000UL, start.Keywords);
        Assert.Equal(["Tcp", "win:ResponseTime"], start.KeywordNames);
        Assert.Equal("Contoso-Network-Probe/Operational", start.Channel);
        Assert.Equal("Connecting to %1 port %2: %5 (%7)", start.Message);
        Assert.Equal(["Host", "Port", "AddressLength", "Address", "Result", "Flags", "Status"], start.Fields.Select(f => f.Name));
        Assert.Equal(2, start.Fields[3].LengthField);
        Assert.Equal(OutType.SocketAddress, start.Fields[3].OutType);
        Assert.Equal(OutType.Port, start.Fields[1].OutType);
        Assert.Equal(OutType.NTStatus, start.Fields[6].OutType);
        Assert.Same(provider.Maps["ResultMap"], start.Fields[4].Map);

        var retry = provider.Find(1, 1)!;
        Assert.Equal(new NamedValue(11, "Retry"), retry.Opcode);
        Assert.Equal(new NamedValue(16, "Chatty"), retry.Level);
        Assert.Equal(0x3UL, retry.Keywords);
        Assert.Equal("Contoso-Network-Probe/Operational", retry.Channel);
        Assert.Null(retry.Message);
        Assert.Same(start.Fields, retry.Fields);

        var sampled = provider.Find(2, 0)!;
        Assert.Equal(new NamedValue(12, "Measure"), sampled.Opcode);
        Assert.Equal("System", sampled.Channel);
        Assert.Equal(["Count", "Rtts", "Tag", "Hops", "Ttl", "Router", "Corner", "Quartet", "Names"], sampled.Fields.Select(f => f.Name));
        Assert.Equal(0, sampled.Fields[1].CountField);
        Assert.Equal(4, sampled.Fields[2].FixedLength);
        Assert.Equal(InType.Struct, sampled.Fields[3].InType);
        Assert.Equal(2, sampled.Fields[3].StructMembers);
        Assert.Equal(0, sampled.Fields[3].CountField);
        Assert.Equal(4, sampled.Fields[7].FixedCount);
        Assert.Equal(2, sampled.Fields[8].FixedCount);

        var heartbeat = provider.Find(3, 0)!;
        Assert.Equal("Heartbeat", heartbeat.Symbol);
        Assert.Empty(heartbeat.Fields);
        Assert.Equal(new NamedValue(0, "win:LogAlways"), heartbeat.Level);
    }

    /// <summary>Payloads laid out by the manifest decode, arrays and structs included, through the catalog's decoder.</summary>
    [Fact]
    public void Manifest_events_decode_with_arrays_and_structs()
    {
        var catalog = SchemaCatalog.Winsock.With(ReadText(ProbeManifest));
        var decoder = new EventDecoder(catalog);
        var sampled = catalog.Find(ProbeGuid, 2, 0)!;
        var payload = new List<byte>();
        payload.AddRange([2, 0]);                                     // Count
        payload.AddRange([10, 0, 0, 0, 20, 0, 0, 0]);                 // Rtts
        payload.AddRange("abcd"u8.ToArray());                         // Tag, 4 bytes
        payload.AddRange([64, 10, 0, 0, 1, 128, 192, 168, 0, 1]);     // Hops: (64, 10.0.0.1), (128, 192.168.0.1)
        payload.AddRange(new Guid("01020304-0506-0708-090a-0b0c0d0e0f10").ToByteArray());
        payload.AddRange([1, 0, 0xFF, 0xFF, 3, 0, 4, 0]);             // Quartet
        payload.AddRange(Encoding.Unicode.GetBytes("x\0yz\0"));       // Names
        var d = decoder.Decode(sampled, payload.ToArray(), 8);
        Assert.Equal(DecodeStatus.Complete, d.Status);
        Assert.Equal(2, d.ElementCount(1));
        Assert.Equal(2, d.ElementCount(3));
        Assert.False(d.Has(4));
        Assert.Equal("""{"Count":2,"Rtts":[10,20],"Tag":"abcd","Hops":[{"Ttl":64,"Router":"10.0.0.1"},{"Ttl":128,"Router":"192.168.0.1"}],"Corner":"{01020304-0506-0708-090A-0B0C0D0E0F10}","Quartet":[1,-1,3,4],"Names":["x","yz"]}""",
            Json(d));
    }

    private static string Json(in DecodedEvent d)
    {
        var output = new ArrayBufferWriter<byte>();
        var formatter = new Sockscope.Decoding.Values.FieldFormatter();
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            for (int i = 0; i < d.Count; i++)
            {
                if (!d.Has(i)) continue;
                json.WritePropertyName(d.Field(i).Name);
                formatter.WriteJson(json, d, i);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    // ---- errors ------------------------------------------------------------------------------------------------------

    private static ManifestException Refused(string xml) => Assert.Throws<ManifestException>(() => ReadText(xml));

    private static string Probe(string templates = "", string events = "", string maps = "") => $"""
        <instrumentationManifest xmlns="http://schemas.microsoft.com/win/2004/08/events">
          <instrumentation><events>
            <provider name="P" guid="{ProbeGuid:B}">
              <maps>{maps}</maps>
              <templates>{templates}</templates>
              <events>{events}</events>
            </provider>
          </events></instrumentation>
        </instrumentationManifest>
        """;

    [Fact]
    public void A_catalog_with_a_manifest_is_a_new_one_and_the_built_in_one_stays_as_it_was()
    {
        var builtIn = SchemaCatalog.Winsock;
        var before = builtIn.Providers.ToList();
        var added = ReadText(ProbeManifest);
        var catalog = builtIn.With(added);
        Assert.NotSame(builtIn, catalog);
        Assert.Equal(before, builtIn.Providers);
        Assert.Equal(before.Concat(added), catalog.Providers);
        Assert.All(added, p => Assert.Null(builtIn.Find(p.Guid)));
        // Nothing public changes a catalog once built: parallel decoders share one without locks.
        Assert.Empty(typeof(SchemaCatalog).GetConstructors());
        Assert.DoesNotContain(typeof(SchemaCatalog).GetMethods(BindingFlags.Public | BindingFlags.Instance), m => m.ReturnType == typeof(void));
    }

    [Fact]
    public void Bad_xml_is_refused_with_file_and_line()
    {
        var e = Refused("<instrumentationManifest>\n  <instrumentation>\n    <events>\n  </instrumentation>\n</instrumentationManifest>");
        Assert.Equal("probe.man", e.File);
        Assert.Equal(4, e.Line);
        Assert.True(e.Column > 0);
        Assert.StartsWith("probe.man: line 4, column ", e.Message);
        Assert.Contains("events", e.Reason);
        Assert.DoesNotContain("Line 4", e.Reason);
    }

    [Fact]
    public void Dtds_and_entities_are_not_processed()
    {
        var e = Refused("""
            <?xml version="1.0"?>
            <!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
            <instrumentationManifest>&lol2;</instrumentationManifest>
            """);
        Assert.Equal(2, e.Line);
        Assert.Contains("DTD", e.Reason);
    }

    [Fact]
    public void Inconsistent_manifests_are_refused_with_the_line()
    {
        var e = Refused(Probe(events: """<event value="1" template="Nope"/>"""));
        Assert.Equal(6, e.Line);
        Assert.Equal("event 1: template Nope is not defined", e.Reason);

        Assert.Equal("field A: map Missing is not defined",
            Refused(Probe(templates: """<template tid="T"><data name="A" inType="win:UInt32" map="Missing"/></template>""")).Reason);
        Assert.Equal("length \"Later\" names no earlier field outside a struct",
            Refused(Probe(templates: """<template tid="T"><data name="A" inType="win:Binary" length="Later"/><data name="Later" inType="win:UInt32"/></template>""")).Reason);
        Assert.Equal("count \"S\" names a field that is not an integer",
            Refused(Probe(templates: """<template tid="T"><data name="S" inType="win:UnicodeString"/><data name="A" inType="win:UInt8" count="S"/></template>""")).Reason);
        Assert.Equal("field A: in-type win:Quaternion is not known",
            Refused(Probe(templates: """<template tid="T"><data name="A" inType="win:Quaternion"/></template>""")).Reason);
        Assert.Equal("event 1 version 0 is defined twice",
            Refused(Probe(events: """<event value="1"/><event value="1" version="0"/>""")).Reason);
        Assert.Equal("event 1: opcode Nope is not defined", Refused(Probe(events: """<event value="1" opcode="Nope"/>""")).Reason);
        Assert.Equal("event 1: keyword Nope is not defined", Refused(Probe(events: """<event value="1" keywords="Nope"/>""")).Reason);
        Assert.Equal("value \"70000\" is not a number from 0 to 65535", Refused(Probe(events: """<event value="70000"/>""")).Reason);
        Assert.Contains("the string table has no string Gone", Refused(Probe(events: """<event value="1" message="$(string.Gone)"/>""")).Reason);
        Assert.Contains("not <instrumentationManifest>", Refused("<manifest/>").Reason);
        Assert.Contains("defines no provider", Refused("<instrumentationManifest/>").Reason);
        Assert.Contains("is not a GUID", Refused(Probe().Replace(ProbeGuid.ToString("B"), "{nope}")).Reason);
    }

    [Fact]
    public void Hostile_sizes_are_refused()
    {
        var deep = new StringBuilder("<instrumentationManifest>");
        for (int i = 0; i < 200; i++) deep.Append("<a>");
        for (int i = 0; i < 200; i++) deep.Append("</a>");
        deep.Append("</instrumentationManifest>");
        Assert.Contains($"deeper than {ManifestReader.MaxDepth}", Refused(deep.ToString()).Reason);

        var wide = new StringBuilder();
        for (int i = 0; i <= ManifestReader.MaxFieldsPerTemplate; i++) wide.Append($"""<data name="F{i}" inType="win:UInt8"/>""");
        Assert.Contains($"more than {ManifestReader.MaxFieldsPerTemplate} fields",
            Refused(Probe(templates: $"""<template tid="T">{wide}</template>""")).Reason);

        var huge = Assert.Throws<ManifestException>(() => ManifestReader.Read(new EndlessStream(), "huge.man"));
        Assert.Contains("are refused", huge.Reason);
        Assert.Equal(0, huge.Line);
    }

    /// <summary>A seekable stream that says it is larger than any manifest may be, and reads as spaces.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => ManifestReader.MaxFileSize + 1;
        public override long Position { get; set; }
        public override int Read(byte[] buffer, int offset, int count) { Array.Fill(buffer, (byte)' ', offset, count); return count; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => Position = offset;
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    // ---- the public Winsock manifests ------------------------------------------------------------------------------

    /// <summary>repnz's manifests (rebuilt from TDH on each build) and the catalog's build label for them.</summary>
    public static IEnumerable<object[]> PublicManifests() =>
    [
        ["Manifests-Win7-7600/Microsoft-Windows-Winsock-AFD.xml", "Win7-7600"],
        ["Manifests-Win10-10240/Microsoft-Windows-Winsock-AFD.xml", "W10_1507"],
        ["Manifests-Win10-10240/Microsoft-Windows-Winsock-NameResolution.xml", "W10_1507"],
        ["Manifests-Win10-17134/Microsoft-Windows-Winsock-AFD.xml", "1803"],
        ["Manifests-Win10-18990/Microsoft-Windows-Winsock-AFD.xml", "Insider-18990"],
        ["Manifests-Win10-18990/Microsoft-Windows-Winsock-NameResolution.xml", "Insider-18990"],
    ];

    /// <summary>
    /// Every event of each public manifest has the built-in catalog's layout for that build: field names, in-types,
    /// lengths from fields, and the manifest's maps. (These dumps carry no out-types and no numeric lengths, so
    /// those are not compared; the catalog took them from other sources.)
    /// </summary>
    [SharedSamplesTheory]
    [MemberData(nameof(PublicManifests))]
    public void Public_winsock_manifests_give_the_catalogs_layouts(string file, string build)
    {
        string path = Path.Combine(SharedSamples.Directory!, "..", "schema", "raw", "repnz", file);
        var provider = Assert.Single(ManifestReader.Read(path));
        var builtIn = SchemaCatalog.Winsock.Find(provider.Guid);
        Assert.NotNull(builtIn);
        Assert.Equal(builtIn.Name, provider.Name);
        int compared = 0;
        foreach (var e in provider.Events)
        {
            var c = builtIn.Find(e.Id, e.Version, build);
            Assert.NotNull(c);
            Assert.Contains(build, c.Builds);
            Assert.Equal(c.Fields.Select(f => (f.Name, f.InType, f.LengthField)), e.Fields.Select(f => (f.Name, f.InType, f.LengthField)));
            for (int i = 0; i < e.Fields.Count; i++)
                if (e.Fields[i].Map is { } map) Assert.Equal(map.Name, c.Fields[i].Map?.Name);
            Assert.Equal(c.Task.Value, e.Task.Value);
            Assert.Equal(c.Level.Value, e.Level.Value);
            compared++;
        }
        Assert.True(compared >= 16, compared.ToString());
        if (file.Contains("18990") && file.Contains("AFD"))
        {
            Assert.Equal(93, compared);
            var create = provider.Find(1000, 0)!;
            Assert.Equal(["EnterExit", "Location", "Process", "Endpoint", "AddressFamily", "SocketType", "Protocol", "ProcessId", "Status"],
                create.Fields.Select(f => f.Name));
            Assert.Equal("SOCK_STREAM", provider.Maps["WINSOCK_SocketType_ValueMap"].Lookup(1));
            Assert.Equal(0x4UL, create.Keywords);
        }
    }

    // ---- sockscope dump --manifest -------------------------------------------------------------------------------------

    private static string WriteProbeTrace(TempDir dir)
    {
        string path = dir.File("probe.etl");
        using var w = EtlWriter.Create(path, new EtlWriterOptions { ProcessorCount = 1 });
        var connect = new List<byte>();
        connect.AddRange(Encoding.Unicode.GetBytes("example.org\0"));
        connect.AddRange([0x01, 0xBB]);                                // 443
        connect.AddRange([16, 0, 0, 0]);
        connect.AddRange([2, 0, 0x01, 0xBB, 93, 184, 216, 34, 0, 0, 0, 0, 0, 0, 0, 0]);
        connect.AddRange([5, 0, 0, 0]);                                // Connection refused
        connect.AddRange([3, 0, 0, 0]);
        connect.AddRange(BitConverter.GetBytes(0xC0000236));           // STATUS_CONNECTION_REFUSED
        w.WriteEvent(0, new EventHeaderValues { ProviderId = ProbeGuid, Id = 1, Level = 4, Task = 10, Opcode = 1, Keywords = 1, Timestamp = 1_000_000_100, ProcessId = 7, ThreadId = 8 },
            connect.ToArray());
        w.WriteEvent(0, new EventHeaderValues { ProviderId = new Guid("11111111-2222-3333-4444-555555555555"), Id = 9, Timestamp = 1_000_000_200 }, [1, 2, 3]);
        w.WriteEvent(0, new EventHeaderValues { ProviderId = ProbeGuid, Id = 3, Timestamp = 1_000_000_300 }, []);
        return path;
    }

    [Fact]
    public void Dump_decodes_and_shows_the_events_of_a_manifest()
    {
        using var dir = new TempDir();
        string trace = WriteProbeTrace(dir);
        string manifest = dir.File("probe.man");
        File.WriteAllText(manifest, ProbeManifest);

        // Without --all: the Winsock providers and the manifest's.
        var result = CliRunner.Run("dump", trace, "--manifest", manifest);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(2, result.OutputLines.Length);
        using (var doc = JsonDocument.Parse(result.OutputLines[0]))
        {
            var root = doc.RootElement;
            Assert.Equal("""{"Host":"example.org","Port":443,"AddressLength":16,"Address":"93.184.216.34:443","Result":"Connection refused","Flags":3,"Status":"0xC0000236","StatusName":"STATUS_CONNECTION_REFUSED"}""",
                root.GetProperty("event_data").GetRawText());
            Assert.Equal("Connecting to example.org port 443: Connection refused (STATUS_CONNECTION_REFUSED)", root.GetProperty("message").GetString());
        }
        using (var doc = JsonDocument.Parse(result.OutputLines[1]))
        {
            Assert.Equal(3, doc.RootElement.GetProperty("system").GetProperty("event_id").GetInt32());
            Assert.Equal("{}", doc.RootElement.GetProperty("event_data").GetRawText());
            Assert.Equal("Heartbeat", doc.RootElement.GetProperty("message").GetString());
        }

        // Without the manifest nothing of the probe is in scope; with --all everything is, undecoded where unknown.
        Assert.Empty(CliRunner.Run("dump", trace).OutputLines);
        var all = CliRunner.Run("dump", trace, "--all", "--manifest", manifest);
        Assert.Equal(4, all.OutputLines.Length);
        Assert.Contains("\"payload_hex\":\"010203\"", all.OutputLines[2]);

        // --provider takes the manifest's provider name, and --manifest repeats.
        var named = CliRunner.Run("dump", trace, "--all", "--provider", "Contoso-Network-Probe", "--manifest", manifest, "--manifest", manifest);
        Assert.True(named.ExitCode == 0, named.Error);
        Assert.Equal(2, named.OutputLines.Length);
    }

    [Fact]
    public void Dump_reports_a_bad_manifest_with_its_line()
    {
        using var dir = new TempDir();
        string trace = WriteProbeTrace(dir);
        string manifest = dir.File("bad.man");
        File.WriteAllText(manifest, Probe(events: """<event value="1" level="win:Loud"/>"""));
        var result = CliRunner.Run("dump", trace, "--manifest", manifest);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"sockscope: error: {manifest}: line 6, column 16: event 1: level win:Loud is not defined", Assert.Single(result.ErrorLines));
        Assert.Empty(result.OutputLines);

        var missing = CliRunner.Run("dump", trace, "--manifest", dir.File("absent.man"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal($"sockscope: error: {dir.File("absent.man")}: no such file", Assert.Single(missing.ErrorLines));
    }
}
