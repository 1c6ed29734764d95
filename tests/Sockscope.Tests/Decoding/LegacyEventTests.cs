using System.Buffers.Binary;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sockscope.Etl.Writing;
using Sockscope.Schema;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Decoding;

/// <summary>The legacy AFD events 1–41 (Windows 7) carry the parameters seed 001 names, with addresses and ports right.</summary>
public class LegacyEventTests
{
    private static readonly Guid Afd = Guid.Parse("E53C6823-7BB8-44BB-90DC-3F86090D48A6");

    [SharedSamplesFact]
    public void Every_legacy_event_has_the_parameters_seed_001_names()
    {
        string seed = File.ReadAllText(Path.Combine(SharedSamples.Directory!, "..", "seeds", "001_9fa6e8e5ab10f89a.txt"));
        var sections = Regex.Split(seed, @"\n(?=Event ID = )");
        int checkedEvents = 0;
        foreach (var section in sections.Skip(1))
        {
            var ids = Regex.Matches(section.Split('\n')[0], @"Event ID = (\d+)").Select(m => ushort.Parse(m.Groups[1].Value)).ToArray();
            int table = section.IndexOf("Parameter Description", StringComparison.Ordinal);
            if (table < 0) continue;
            var names = new List<string>();
            foreach (var line in section[(table + 21)..].Split('\n').Select(l => l.Trim()))
            {
                if (line.Length == 0 && names.Count > 0) break;
                if (Regex.IsMatch(line, "^[A-Za-z]+$")) names.Add(line);
            }
            foreach (var id in ids)
            {
                var schema = SchemaCatalog.Winsock.Find(Afd, id, 0)!;
                Assert.NotNull(schema);
                var fields = schema.Fields.Select(f => f.Name).ToHashSet();
                foreach (var name in names)
                {
                    // The manifest calls the listening socket of events 35/36 "ListenEndpoint".
                    bool present = fields.Contains(name) || (name == "Endpoint" && fields.Contains("ListenEndpoint"));
                    // Seed 001 documents BufferCount, Address and Port for SendMsg completed (25) and SendTo completed
                    // (28), but no manifest of any build (Windows 7 to 11 26H1) has them in those templates: the
                    // manifest is what afd.sys writes, so the decoder follows it and these three stay documented only.
                    if (id is 25 or 28 && name is "BufferCount" or "Address" or "Port") { Assert.False(present); continue; }
                    Assert.True(present, $"event {id}: seed 001 names {name}; the catalog has {string.Join(", ", fields)}");
                }
                checkedEvents++;
            }
        }
        Assert.Equal(41, checkedEvents);
    }

    [Fact]
    public void Ipv4_and_ipv6_addresses_and_ports_decode_right()
    {
        using var dir = new TempDir();
        string path = dir.File("win7.etl");
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { MajorVersion = 6, MinorVersion = 1, Build = 7601 }))
        {
            long t = 1_000_000_100;
            // Event 2: bind, IPv4 93.184.216.34 port 443 (address and port in network byte order).
            w.WriteEvent(0, Header(2, t++), Build(2, b => b.Set("Process", 0xFFFFFA8001234560).Set("Endpoint", 0xFFFFFA8005550000)
                .Set("Address", new byte[] { 93, 184, 216, 34 }).Set("Port", new byte[] { 0x01, 0xBB }).Set("Status", 0)));
            // Event 5: connect, IPv6 2001:db8::1 port 8443.
            var v6 = new byte[16];
            v6[0] = 0x20; v6[1] = 0x01; v6[2] = 0x0d; v6[3] = 0xb8; v6[15] = 1;
            w.WriteEvent(0, Header(5, t++), Build(5, b => b.Set("Process", 0xFFFFFA8001234560).Set("Endpoint", 0xFFFFFA8005550000)
                .Set("Address", v6).Set("Port", new byte[] { 0x20, 0xFB })));
            // Event 40: failed bind with STATUS_ADDRESS_ALREADY_EXISTS.
            w.WriteEvent(0, Header(40, t++), Build(40, b => b.Set("Process", 1).Set("Endpoint", 2).Set("Error", 0xC000020A)));
            // Event 34: IPv6 datagram dropped, 1200 bytes.
            w.WriteEvent(0, Header(34, t++), Build(34, b => b.Set("Process", 1).Set("Endpoint", 2).Set("PacketSize", 1200)
                .Set("Address", v6).Set("Port", new byte[] { 0, 53 }).Set("Reason", 2)));
        }
        var lines = CliRunner.Run("dump", path).OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(4, lines.Length);
        var bind = lines[0].GetProperty("event_data");
        Assert.Equal("93.184.216.34", bind.GetProperty("Address").GetString());
        Assert.Equal(443, bind.GetProperty("Port").GetInt32());
        Assert.Equal("0xFFFFFA8005550000", bind.GetProperty("Endpoint").GetString());
        Assert.Equal("0x00000000", bind.GetProperty("Status").GetString());
        Assert.Equal("Socket bind: 0xFFFFFA8001234560 0xFFFFFA8005550000 93.184.216.34 443 STATUS_SUCCESS", lines[0].GetProperty("message").GetString());
        var connect = lines[1].GetProperty("event_data");
        Assert.Equal("2001:db8::1", connect.GetProperty("Address").GetString());
        Assert.Equal(8443, connect.GetProperty("Port").GetInt32());
        var failed = lines[2].GetProperty("event_data");
        Assert.Equal("0xC000020A", failed.GetProperty("Error").GetString());
        Assert.Equal("STATUS_ADDRESS_ALREADY_EXISTS", failed.GetProperty("ErrorName").GetString());
        var dropped = lines[3].GetProperty("event_data");
        Assert.Equal(1200, dropped.GetProperty("PacketSize").GetInt32());
        Assert.Equal(53, dropped.GetProperty("Port").GetInt32());
    }

    private static EventHeaderValues Header(ushort id, long t) => new()
    {
        ProviderId = Afd, Id = id, Level = 4, ProcessId = 1234, ThreadId = 5678, Timestamp = t,
    };

    private static byte[] Build(ushort id, Action<PayloadBuilder> set)
    {
        var b = new PayloadBuilder(SchemaCatalog.Winsock.Find(Afd, id, 0)!, 8);
        set(b);
        return b.ToArray();
    }
}
