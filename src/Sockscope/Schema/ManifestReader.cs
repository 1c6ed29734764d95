using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace Sockscope.Schema;

/// <summary>A manifest that cannot be read: where (file, line, column) and why.</summary>
public sealed class ManifestException : Exception
{
    /// <summary>The manifest's file (or the name it was read under).</summary>
    public string File { get; }
    /// <summary>The line of the problem (1-based), or 0 when it concerns the whole file.</summary>
    public int Line { get; }
    /// <summary>The column of the problem (1-based), or 0.</summary>
    public int Column { get; }
    /// <summary>What is wrong, without the place.</summary>
    public string Reason { get; }

    /// <summary>Creates the exception; the message is "FILE: line L, column C: REASON".</summary>
    public ManifestException(string file, int line, int column, string reason, Exception? inner = null)
        : base(Format(file, line, column, reason), inner)
    {
        File = file;
        Line = line;
        Column = column;
        Reason = reason;
    }

    private static string Format(string file, int line, int column, string reason) =>
        line > 0 ? $"{file}: line {line}, column {column}: {reason}" : $"{file}: {reason}";
}

/// <summary>
/// Reads an instrumentation manifest (the <c>&lt;instrumentationManifest&gt;</c> XML of mc.exe and wevtutil) into
/// <see cref="ProviderSchema"/>s: each provider's events (id, version, symbol, task, opcode, level, keywords,
/// channel, message) with their templates' fields (in-type, out-type, lengths and counts, fixed or from an earlier
/// field, value maps, structs), its maps, keywords and channels, and messages from the string table
/// (<c>$(string.ID)</c>, the en-US resources when there are several).
/// </summary>
/// <remarks>
/// A manifest is input from anyone, so: no DTD is processed and nothing external is resolved, files over
/// <see cref="MaxFileSize"/>, elements nested deeper than <see cref="MaxDepth"/>, more than
/// <see cref="MaxElements"/> elements or templates over <see cref="MaxFieldsPerTemplate"/> fields are refused. Any
/// problem (XML that is not well formed, a reference to a template, task, opcode, level, keyword, channel, map or
/// string that is not defined, a length or count naming no earlier field, a duplicate event) is a
/// <see cref="ManifestException"/> naming the file, line and column. Element and attribute names are matched
/// without their namespace, so manifests with or without the events namespace read alike.
/// </remarks>
public static class ManifestReader
{
    /// <summary>The largest manifest read, in bytes (Windows' largest are a few megabytes).</summary>
    public const long MaxFileSize = 32L << 20;
    /// <summary>The deepest element nesting accepted (manifests need about eight levels).</summary>
    public const int MaxDepth = 64;
    /// <summary>The most elements accepted in one manifest.</summary>
    public const int MaxElements = 2_000_000;
    /// <summary>The most fields (struct members included) of one template.</summary>
    public const int MaxFieldsPerTemplate = 1024;

    private static readonly Dictionary<string, int> StandardLevels = new(StringComparer.Ordinal)
    {
        ["win:LogAlways"] = 0, ["win:Critical"] = 1, ["win:Error"] = 2, ["win:Warning"] = 3, ["win:Informational"] = 4,
        ["win:Verbose"] = 5,
    };

    private static readonly Dictionary<string, int> StandardOpcodes = new(StringComparer.Ordinal)
    {
        ["win:Info"] = 0, ["win:Start"] = 1, ["win:Stop"] = 2, ["win:DC_Start"] = 3, ["win:DC_Stop"] = 4,
        ["win:Extension"] = 5, ["win:Reply"] = 6, ["win:Resume"] = 7, ["win:Suspend"] = 8, ["win:Send"] = 9,
        ["win:Receive"] = 240,
    };

    // winmeta.xml's keywords (the high 16 bits are Microsoft's).
    private static readonly Dictionary<string, ulong> StandardKeywords = new(StringComparer.Ordinal)
    {
        ["win:AnyKeyword"] = 0, ["win:ResponseTime"] = 0x0001_0000_0000_0000, ["win:WDIContext"] = 0x0002_0000_0000_0000,
        ["win:WDIDiag"] = 0x0004_0000_0000_0000, ["win:SQM"] = 0x0008_0000_0000_0000,
        ["win:AuditFailure"] = 0x0010_0000_0000_0000, ["win:AuditSuccess"] = 0x0020_0000_0000_0000,
        ["win:CorrelationHint"] = 0x0040_0000_0000_0000, ["win:EventlogClassic"] = 0x0080_0000_0000_0000,
    };

    private static readonly Dictionary<string, string> StandardChannels = new(StringComparer.Ordinal)
    {
        ["win:System"] = "System", ["win:Application"] = "Application", ["win:Security"] = "Security",
    };

    /// <summary>Reads the manifest at <paramref name="path"/>.</summary>
    /// <exception cref="ManifestException">The manifest is too large, not well-formed XML, or inconsistent.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<ProviderSchema> Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return Read(file, path);
    }

    /// <summary>Reads a manifest from a stream; <paramref name="name"/> is what errors call it.</summary>
    /// <exception cref="ManifestException">The manifest is too large, not well-formed XML, or inconsistent.</exception>
    public static IReadOnlyList<ProviderSchema> Read(Stream stream, string name)
    {
        var bytes = ReadCapped(stream, name);
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxFileSize,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
        };
        // A first pass bounds depth and size before any tree is built.
        using (var check = XmlReader.Create(new MemoryStream(bytes, writable: false), settings))
        {
            var info = (IXmlLineInfo)check;
            try
            {
                int elements = 0;
                while (check.Read())
                {
                    if (check.NodeType != XmlNodeType.Element) continue;
                    if (check.Depth >= MaxDepth)
                        throw new ManifestException(name, info.LineNumber, info.LinePosition, $"elements nest deeper than {MaxDepth} levels");
                    if (++elements > MaxElements)
                        throw new ManifestException(name, info.LineNumber, info.LinePosition, $"the manifest has more than {MaxElements} elements");
                }
            }
            catch (XmlException e)
            {
                // The DTD refusal carries no position and speaks to programmers: say it for a reader of the manifest.
                if (e.LineNumber == 0 && e.Message.Contains("DTD", StringComparison.Ordinal))
                {
                    var (line, column) = Locate(bytes, "<!DOCTYPE"u8);
                    throw new ManifestException(name, line, column, "a DTD (<!DOCTYPE>) is not allowed in a manifest", e);
                }
                throw new ManifestException(name, e.LineNumber > 0 ? e.LineNumber : info.LineNumber,
                    e.LineNumber > 0 ? e.LinePosition : info.LinePosition, WithoutPosition(e.Message), e);
            }
        }
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(bytes, writable: false), settings);
            document = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw new ManifestException(name, e.LineNumber, e.LinePosition, WithoutPosition(e.Message), e);
        }
        return new Reading(name, document).Providers();
    }

    /// <summary>The line and column (1-based) of the first <paramref name="text"/> in the file, or (0, 0).</summary>
    private static (int Line, int Column) Locate(byte[] bytes, ReadOnlySpan<byte> text)
    {
        int at = bytes.AsSpan().IndexOf(text);
        if (at < 0) return (0, 0);
        var before = bytes.AsSpan(0, at);
        int lineStart = before.LastIndexOf((byte)'\n') + 1;
        return (before.Count((byte)'\n') + 1, at - lineStart + 1);
    }

    private static byte[] ReadCapped(Stream stream, string name)
    {
        if (stream.CanSeek && stream.Length - stream.Position > MaxFileSize) throw TooLarge(name, stream.Length - stream.Position);
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            if (copy.Length + n > MaxFileSize) throw TooLarge(name, copy.Length + n);
            copy.Write(buffer, 0, n);
        }
        return copy.ToArray();
    }

    private static ManifestException TooLarge(string name, long size) =>
        new(name, 0, 0, $"the file is {size:N0} bytes or more; manifests over {MaxFileSize:N0} bytes are refused");

    // XmlException's message ends with the position, which the exception names on its own.
    private static string WithoutPosition(string message) =>
        Regex.Replace(message, @"\s*Line \d+, position \d+\.\s*$", "").TrimEnd('.', ' ');

    /// <summary>One manifest being read: its string table, and where errors point.</summary>
    private sealed class Reading(string file, XDocument document)
    {
        private Dictionary<string, string> _strings = new(StringComparer.Ordinal);

        public IReadOnlyList<ProviderSchema> Providers()
        {
            var root = document.Root!;
            if (root.Name.LocalName != "instrumentationManifest")
                throw Fail(root, $"the root element is <{root.Name.LocalName}>, not <instrumentationManifest>");
            _strings = StringTable(root);
            var result = new List<ProviderSchema>();
            var guids = new HashSet<Guid>();
            foreach (var events in Children(root, "instrumentation").SelectMany(i => Children(i, "events")))
            {
                foreach (var p in Children(events, "provider"))
                {
                    var provider = Provider(p);
                    if (!guids.Add(provider.Guid)) throw Fail(p, $"provider {provider.Guid:B} is defined twice");
                    result.Add(provider);
                }
            }
            if (result.Count == 0) throw Fail(root, "the manifest defines no provider (instrumentation/events/provider)");
            return result;
        }

        private Dictionary<string, string> StringTable(XElement root)
        {
            var resources = Children(root, "localization").SelectMany(l => Children(l, "resources")).ToList();
            var chosen = resources.FirstOrDefault(r => string.Equals((string?)r.Attribute("culture"), "en-US", StringComparison.OrdinalIgnoreCase))
                ?? resources.FirstOrDefault();
            var table = new Dictionary<string, string>(StringComparer.Ordinal);
            if (chosen is null) return table;
            foreach (var s in Children(chosen, "stringTable").SelectMany(t => Children(t, "string")))
                table[Required(s, "id")] = (string?)s.Attribute("value") ?? s.Value;
            return table;
        }

        private ProviderSchema Provider(XElement p)
        {
            string name = Required(p, "name");
            string guidText = Required(p, "guid");
            if (!Guid.TryParse(guidText.Trim('{', '}'), out var guid)) throw Fail(p, $"provider {name}: guid \"{guidText}\" is not a GUID");

            var maps = new Dictionary<string, ValueMap>(StringComparer.Ordinal);
            foreach (var m in Children(p, "maps").SelectMany(e => e.Elements()))
            {
                string kind = m.Name.LocalName;
                if (kind is not ("valueMap" or "bitMap")) continue;
                string mapName = Required(m, "name");
                var entries = Children(m, "map").Select(e => new KeyValuePair<ulong, string>(
                    Number(e, "value", ulong.MaxValue), Message(e) ?? Required(e, "value"))).ToArray();
                if (!maps.TryAdd(mapName, new ValueMap(mapName, kind == "bitMap", entries))) throw Fail(m, $"map {mapName} is defined twice");
            }

            var levels = new Dictionary<string, int>(StandardLevels, StringComparer.Ordinal);
            foreach (var l in Children(p, "levels").SelectMany(e => Children(e, "level")))
                levels[Required(l, "name")] = (int)Number(l, "value", 255);

            var opcodes = new Dictionary<string, int>(StandardOpcodes, StringComparer.Ordinal);
            foreach (var o in Children(p, "opcodes").SelectMany(e => Children(e, "opcode")))
                opcodes[Required(o, "name")] = (int)Number(o, "value", 255);

            var tasks = new Dictionary<string, (int Value, Dictionary<string, int> Opcodes)>(StringComparer.Ordinal);
            foreach (var t in Children(p, "tasks").SelectMany(e => Children(e, "task")))
            {
                var own = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var o in Children(t, "opcodes").SelectMany(e => Children(e, "opcode")))
                    own[Required(o, "name")] = (int)Number(o, "value", 255);
                tasks[Required(t, "name")] = ((int)Number(t, "value", ushort.MaxValue), own);
            }

            var keywords = new Dictionary<string, ulong>(StandardKeywords, StringComparer.Ordinal);
            var keywordList = new List<KeyValuePair<ulong, string>>();
            foreach (var k in Children(p, "keywords").SelectMany(e => Children(e, "keyword")))
            {
                string keyword = Required(k, "name");
                ulong mask = Number(k, "mask", ulong.MaxValue);
                keywords[keyword] = mask;
                keywordList.Add(new(mask, keyword));
            }

            var channels = new Dictionary<string, string>(StandardChannels, StringComparer.Ordinal);
            var channelList = new List<string>();
            foreach (var c in Children(p, "channels").SelectMany(e => e.Elements()))
            {
                if (c.Name.LocalName is not ("channel" or "importChannel")) continue;
                string path = Required(c, "name");
                channels[path] = path;
                if ((string?)c.Attribute("chid") is { } chid) channels[chid] = path;
                channelList.Add(path);
            }

            var templates = new Dictionary<string, FieldSchema[]>(StringComparer.Ordinal);
            foreach (var t in Children(p, "templates").SelectMany(e => Children(e, "template")))
            {
                string tid = Required(t, "tid");
                if (!templates.TryAdd(tid, Template(t, maps))) throw Fail(t, $"template {tid} is defined twice");
            }

            var provider = new ProviderSchema
            {
                Name = name,
                Guid = guid,
                Binary = (string?)p.Attribute("resourceFileName"),
                Message = Message(p),
                Maps = maps,
                Keywords = keywordList,
                Channels = channelList,
            };
            var seen = new HashSet<(ushort, byte)>();
            foreach (var e in Children(p, "events").SelectMany(x => Children(x, "event")))
            {
                var schema = Event(e, provider, tasks, opcodes, levels, keywords, channels, templates);
                if (!seen.Add((schema.Id, schema.Version))) throw Fail(e, $"event {schema.Id} version {schema.Version} is defined twice");
                provider.Add(schema);
            }
            return provider;
        }

        private EventSchema Event(XElement e, ProviderSchema provider,
            Dictionary<string, (int Value, Dictionary<string, int> Opcodes)> tasks, Dictionary<string, int> opcodes,
            Dictionary<string, int> levels, Dictionary<string, ulong> keywords, Dictionary<string, string> channels,
            Dictionary<string, FieldSchema[]> templates)
        {
            ushort id = (ushort)Number(e, "value", ushort.MaxValue, required: true);
            byte version = (byte)Number(e, "version", byte.MaxValue);

            NamedValue task = default;
            Dictionary<string, int>? taskOpcodes = null;
            if ((string?)e.Attribute("task") is { } taskName)
            {
                if (!tasks.TryGetValue(taskName, out var t)) throw Fail(e, $"event {id}: task {taskName} is not defined");
                task = new NamedValue(t.Value, taskName);
                taskOpcodes = t.Opcodes;
            }
            NamedValue opcode = default;
            if ((string?)e.Attribute("opcode") is { } opcodeName)
            {
                // An opcode defined in the event's task comes first: tasks often reuse opcode names.
                if (taskOpcodes is not null && taskOpcodes.TryGetValue(opcodeName, out int own)) opcode = new NamedValue(own, opcodeName);
                else if (opcodes.TryGetValue(opcodeName, out int value)) opcode = new NamedValue(value, opcodeName);
                else throw Fail(e, $"event {id}: opcode {opcodeName} is not defined");
            }
            NamedValue level = default;
            if ((string?)e.Attribute("level") is { } levelName)
            {
                if (!levels.TryGetValue(levelName, out int value)) throw Fail(e, $"event {id}: level {levelName} is not defined");
                level = new NamedValue(value, levelName);
            }
            ulong mask = 0;
            var keywordNames = new List<string>();
            foreach (var keyword in ((string?)e.Attribute("keywords") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!keywords.TryGetValue(keyword, out ulong bits)) throw Fail(e, $"event {id}: keyword {keyword} is not defined");
                mask |= bits;
                keywordNames.Add(keyword);
            }
            string? channel = null;
            if ((string?)e.Attribute("channel") is { } channelName && !channels.TryGetValue(channelName, out channel))
                throw Fail(e, $"event {id}: channel {channelName} is not defined");
            FieldSchema[] fields = [];
            if ((string?)e.Attribute("template") is { } tid && !templates.TryGetValue(tid, out fields!))
                throw Fail(e, $"event {id}: template {tid} is not defined");
            return new EventSchema
            {
                Provider = provider,
                Id = id,
                Version = version,
                Symbol = (string?)e.Attribute("symbol") ?? task.Name ?? $"Event{id}",
                Task = task,
                Opcode = opcode,
                Level = level,
                Keywords = mask,
                KeywordNames = keywordNames,
                Channel = channel,
                Message = Message(e),
                Fields = fields,
            };
        }

        private FieldSchema[] Template(XElement template, Dictionary<string, ValueMap> maps)
        {
            var fields = new List<FieldSchema>();
            var topLevel = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var item in template.Elements()) AddField(item, fields, topLevel, maps, inStruct: false);
            return fields.ToArray();
        }

        private void AddField(XElement item, List<FieldSchema> fields, Dictionary<string, int> topLevel,
            Dictionary<string, ValueMap> maps, bool inStruct)
        {
            string kind = item.Name.LocalName;
            if (kind is not ("data" or "struct"))
            {
                if (kind is "UserData") return; // custom XML rendering of the same data: nothing to lay out
                throw Fail(item, $"<{kind}> in a template is not supported (only <data> and <struct>)");
            }
            if (fields.Count >= MaxFieldsPerTemplate) throw Fail(item, $"the template has more than {MaxFieldsPerTemplate} fields");
            string name = Required(item, "name");
            int index = fields.Count;
            int fixedLength = -1, lengthField = -1, fixedCount = 1, countField = -1;
            if ((string?)item.Attribute("length") is { } length)
                (fixedLength, lengthField) = SizeOrField(item, "length", length, topLevel, fields);
            if ((string?)item.Attribute("count") is { } count)
            {
                (fixedCount, countField) = SizeOrField(item, "count", count, topLevel, fields);
                if (countField >= 0) fixedCount = 1;
            }
            if (kind == "struct")
            {
                var members = item.Elements().Where(m => m.Name.LocalName is "data" or "struct").ToList();
                if (members.Count is 0 or > 127) throw Fail(item, $"struct {name} has {members.Count} members (1 to 127 are allowed)");
                fields.Add(new FieldSchema
                {
                    Name = name,
                    InType = InType.Struct,
                    StructMembers = members.Count,
                    FixedCount = fixedCount,
                    CountField = countField,
                });
                foreach (var m in members) AddField(m, fields, topLevel, maps, inStruct: true);
                if (!inStruct) topLevel.TryAdd(name, index);
                return;
            }
            string inTypeName = Required(item, "inType");
            InType inType;
            try
            {
                inType = SchemaCatalog.ParseInType(inTypeName);
            }
            catch (InvalidDataException)
            {
                throw Fail(item, $"field {name}: in-type {inTypeName} is not known");
            }
            ValueMap? map = null;
            if ((string?)item.Attribute("map") is { } mapName && !maps.TryGetValue(mapName, out map))
                throw Fail(item, $"field {name}: map {mapName} is not defined");
            fields.Add(new FieldSchema
            {
                Name = name,
                InType = inType,
                OutType = SchemaCatalog.ParseOutType((string?)item.Attribute("outType")),
                FixedLength = fixedLength,
                LengthField = lengthField,
                FixedCount = fixedCount,
                CountField = countField,
                Map = map,
            });
            if (!inStruct) topLevel.TryAdd(name, index);
        }

        /// <summary>A length or count: a number, or the name of an earlier top-level integer field.</summary>
        private (int Fixed, int Field) SizeOrField(XElement item, string attribute, string text,
            Dictionary<string, int> topLevel, List<FieldSchema> fields)
        {
            if (TryNumber(text, out ulong n))
            {
                if (n > ushort.MaxValue) throw Fail(item, $"{attribute} {text} is larger than a payload can be");
                return ((int)n, -1);
            }
            // The decoder reads lengths and counts from the event's top-level values only, as TDH does.
            if (!topLevel.TryGetValue(text, out int index))
                throw Fail(item, $"{attribute} \"{text}\" names no earlier field outside a struct");
            if (fields[index].InType is not (InType.Int8 or InType.UInt8 or InType.Int16 or InType.UInt16 or InType.Int32
                or InType.UInt32 or InType.Int64 or InType.UInt64 or InType.HexInt32 or InType.HexInt64))
                throw Fail(item, $"{attribute} \"{text}\" names a field that is not an integer");
            return (-1, index);
        }

        private string? Message(XElement e)
        {
            if ((string?)e.Attribute("message") is not { } message) return null;
            if (!message.StartsWith("$(string.", StringComparison.Ordinal) || !message.EndsWith(')')) return message;
            string id = message[9..^1];
            if (!_strings.TryGetValue(id, out var text)) throw Fail(e, $"message {message}: the string table has no string {id}");
            return text;
        }

        private string Required(XElement e, string attribute) =>
            (string?)e.Attribute(attribute) ?? throw Fail(e, $"<{e.Name.LocalName}> has no {attribute} attribute");

        private ulong Number(XElement e, string attribute, ulong max, bool required = false)
        {
            string? text = (string?)e.Attribute(attribute);
            if (text is null)
            {
                if (required) throw Fail(e, $"<{e.Name.LocalName}> has no {attribute} attribute");
                return 0;
            }
            if (!TryNumber(text, out ulong n) || n > max)
                throw Fail(e, $"{attribute} \"{text}\" is not a number from 0 to {max}");
            return n;
        }

        private static bool TryNumber(string text, out ulong value)
        {
            text = text.Trim();
            return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
                : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }

        private static IEnumerable<XElement> Children(XElement e, string localName) =>
            e.Elements().Where(c => c.Name.LocalName == localName);

        private ManifestException Fail(XObject at, string reason)
        {
            var info = (IXmlLineInfo)at;
            return new ManifestException(file, info.HasLineInfo() ? info.LineNumber : 0, info.HasLineInfo() ? info.LinePosition : 0, reason);
        }
    }
}
