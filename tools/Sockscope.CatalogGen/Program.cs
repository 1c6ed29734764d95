using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

// Builds the project's own schema catalog (src/Sockscope/Schema/winsock-catalog.json) from the merged Winsock
// provider schemas in ../shared/schema (Windows 7 7600 … Windows 11 26H1, with provenance).
//
//   dotnet run --project tools/Sockscope.CatalogGen -- ../shared/schema src/Sockscope/Schema/winsock-catalog.json
//
// What it does beyond copying facts:
// - variants of one event id and version that differ only in value maps (an artefact of which dump a build came
//   from: TDH dumps of some builds keep maps, others drop them) are merged, with the union of maps and builds;
// - in-types and out-types lose their "win:"/"xs:" prefixes and become the manifest names;
// - a length is either a number of bytes or the name of the field that holds it;
// - fields whose values Winsock documents without a manifest map get a "known" table (address family, IP protocol,
//   socket type), which a person's view renders by name; seed 000 lists the protocol values;
// - the Sockets provider gets the channel and messages seed 000 gives (channel Operational, no message templates).
string schemaDir = args.Length > 0 ? args[0] : "../shared/schema";
string output = args.Length > 1 ? args[1] : "src/Sockscope/Schema/winsock-catalog.json";

var providers = new JsonArray();
foreach (var name in new[] { "Microsoft-Windows-Winsock-AFD", "Microsoft-Windows-Winsock-Sockets", "Microsoft-Windows-Winsock-NameResolution" })
{
    var src = JsonNode.Parse(File.ReadAllText(Path.Combine(schemaDir, name + ".schema.json")))!.AsObject();
    providers.Add(Provider(name, src));
}
var catalog = new JsonObject
{
    ["format"] = "sockscope-catalog/1",
    ["generated_from"] = "shared/schema (build_schema.py output: repnz/etw-providers-docs, jdu2600/Windows10EtwEvents, nasbench/EVTX-ETW-Resources) and seed 000",
    ["providers"] = providers,
};
var options = new JsonSerializerOptions { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
File.WriteAllText(output, catalog.ToJsonString(options) + "\n");
Console.WriteLine($"wrote {output}: {providers.Sum(p => p!["events"]!.AsArray().Count)} events, {new FileInfo(output).Length:N0} bytes");
return 0;

static JsonObject Provider(string name, JsonObject src)
{
    var p = src["provider"]!.AsObject();
    bool sockets = name.EndsWith("Sockets");
    var builds = new JsonArray();
    foreach (var b in src["builds"]!.AsArray())
        builds.Add(new JsonObject { ["label"] = S(b!["label"]), ["os"] = S(b["os"]), ["os_build"] = S(b["os_build"]) });

    var channels = new JsonArray();
    foreach (var c in src["channels"]!.AsArray())
        channels.Add(new JsonObject { ["id"] = c!["id"]!.GetValue<int>(), ["path"] = S(c["path"]), ["message"] = S(c["message"]) });
    if (sockets && channels.Count == 0)
        channels.Add(new JsonObject { ["id"] = 16, ["path"] = "Microsoft-Windows-Winsock-Sockets/Operational", ["message"] = "Operational (seed 000)" });

    var maps = new JsonObject();
    foreach (var (mapName, m) in src["maps"]!.AsObject())
    {
        var entries = new JsonArray();
        foreach (var e in m!["entries"]!.AsArray())
            entries.Add(new JsonObject { ["value"] = e!["value"]!.GetValue<long>(), ["message"] = S(e["message"]) });
        maps[mapName] = new JsonObject { ["kind"] = S(m["kind"]), ["entries"] = entries };
    }

    var events = new JsonArray();
    foreach (var e in src["events"]!.AsArray())
    {
        int id = e!["id"]!.GetValue<int>();
        // Group variants by version, field layout and descriptor (keywords really changed between builds for a few
        // events); value maps are merged across every variant with the same layout, since their presence only tells
        // which dump a build came from.
        var mapsByLayout = new Dictionary<string, Dictionary<int, string>>();
        var groups = new List<(string key, JsonObject first, HashSet<string> builds, List<JsonNode> provenance, Dictionary<int, string> maps)>();
        foreach (var v in e["variants"]!.AsArray())
        {
            var fields = v!["fields"]!.AsArray();
            string layout = v["version"] + "|" + string.Join(";", fields.Select(f => $"{f!["name"]}:{f["inType"]}:{f["length"]}"));
            string key = layout + "|" + string.Join("|", S(v["keywords"]!["mask"]), v["level"]!["value"], v["opcode"]!["value"], v["task"]!["value"], S(v["message"]));
            if (!mapsByLayout.TryGetValue(layout, out var layoutMaps)) mapsByLayout[layout] = layoutMaps = new Dictionary<int, string>();
            var g = groups.FirstOrDefault(x => x.key == key);
            if (g.key is null)
            {
                g = (key, v.AsObject(), new HashSet<string>(), new List<JsonNode>(), layoutMaps);
                groups.Add(g);
            }
            foreach (var b in v["builds"]!.AsArray()) g.builds.Add(S(b)!);
            foreach (var pr in v["provenance"]!.AsArray()) g.provenance.Add(pr!.DeepClone());
            foreach (var f in fields)
                if (S(f!["map"]) is { } map) layoutMaps[f["index"]!.GetValue<int>()] = map;
        }
        foreach (var (_, v, buildSet, provenance, fieldMaps) in groups)
        {
            var fields = new JsonArray();
            foreach (var f in v["fields"]!.AsArray())
            {
                int index = f!["index"]!.GetValue<int>();
                string fieldName = S(f["name"])!;
                var field = new JsonObject
                {
                    ["name"] = fieldName,
                    ["in"] = Strip(S(f["inType"])),
                    ["out"] = Strip(S(f["outType"])),
                };
                if (f["length"] is JsonNode len)
                {
                    // The merged schema gives a fixed length as a number or as digits; anything else names a field.
                    if (len.GetValueKind() == JsonValueKind.Number) field["length"] = len.GetValue<int>();
                    else if (int.TryParse(S(len), out int fixedLength)) field["length"] = fixedLength;
                    else field["length_field"] = S(len);
                }
                if (fieldMaps.TryGetValue(index, out var map)) field["map"] = map;
                else if (Known(name, fieldName, S(f["inType"])) is { } known) field["known"] = known;
                if (S(f["outType_source"]) is { } os && os.Contains("inferred", StringComparison.OrdinalIgnoreCase)) field["out_source"] = os;
                fields.Add(field);
            }
            string? channel = S(v["channel"]);
            if (channel is not null && channel.Contains(" (id")) channel = channel[..channel.IndexOf(" (id", StringComparison.Ordinal)];
            if (sockets && channel is null) channel = "Microsoft-Windows-Winsock-Sockets/Operational";
            var task = v["task"]!.AsObject();
            var ev = new JsonObject
            {
                ["id"] = id,
                ["version"] = v["version"]!.GetValue<int>(),
                ["symbol"] = S(v["symbol"]),
                ["task"] = new JsonObject { ["value"] = task["value"]!.GetValue<int>(), ["name"] = S(task["name"]) },
                ["opcode"] = new JsonObject { ["value"] = v["opcode"]!["value"]!.GetValue<int>(), ["name"] = S(v["opcode"]!["name"]) },
                ["level"] = new JsonObject { ["value"] = v["level"]!["value"]!.GetValue<int>(), ["name"] = S(v["level"]!["name"]) },
                ["keywords"] = new JsonObject { ["mask"] = S(v["keywords"]!["mask"]), ["names"] = new JsonArray(v["keywords"]!["names"]!.AsArray().Select(n => (JsonNode?)JsonValue.Create(S(n))).ToArray()) },
                ["channel"] = channel,
                ["message"] = S(v["message"]),
                ["fields"] = fields,
                ["builds"] = new JsonArray(src["builds"]!.AsArray().Select(b => S(b!["label"])!).Where(buildSet.Contains).Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
                ["provenance"] = new JsonArray(provenance.ToArray()),
            };
            var sources = new JsonObject();
            if (S(task["value_source"]) is { } ts && ts != "manifest dump") sources["task_value"] = ts;
            if (S(v["message_source"]) is { } ms) sources["message"] = ms;
            if (sources.Count > 0) ev["sources"] = sources;
            events.Add(ev);
        }
    }

    return new JsonObject
    {
        ["name"] = name,
        ["guid"] = S(p["guid"]),
        ["binary"] = S(p["binary"]),
        ["message"] = S(p["publisher_message"]),
        ["levels"] = Copy(src["levels"]),
        ["keywords"] = Copy(src["keywords"]),
        ["opcodes"] = Copy(src["opcodes"]),
        ["tasks"] = Copy(src["tasks"]),
        ["channels"] = channels,
        ["maps"] = maps,
        ["builds"] = builds,
        ["events"] = events,
    };
}

static string? Known(string provider, string field, string? inType)
{
    if (inType is not ("win:UInt32" or "win:Int32")) return null;
    return field switch
    {
        "AddressFamily" or "Family" => "AddressFamily",
        "Protocol" => "IpProtocol",
        "SocketType" => "SocketType",
        _ => null,
    };
}

static JsonNode? Copy(JsonNode? node) => node?.DeepClone();
static string? S(JsonNode? node) => node is null || node.GetValueKind() == JsonValueKind.Null ? null : node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
static string? Strip(string? type) => type is null ? null : type[(type.IndexOf(':') + 1)..];
