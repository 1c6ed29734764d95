using System.Globalization;
using System.Text.Json;

namespace Sockscope.Schema;

/// <summary>
/// The event schemas Sockscope decodes with: the Winsock providers (AFD, Sockets, NameResolution) across every
/// Windows build from 7 to 11 26H1, built into the library, plus any provider added from an instrumentation manifest.
/// </summary>
public sealed class SchemaCatalog
{
    private const string ResourceName = "Sockscope.Schema.winsock-catalog.json";
    private static readonly Lazy<SchemaCatalog> BuiltIn = new(LoadBuiltIn);
    private readonly Dictionary<Guid, ProviderSchema> _providers = new();

    /// <summary>The catalog built into the library (loaded once).</summary>
    public static SchemaCatalog Winsock => BuiltIn.Value;

    /// <summary>
    /// Starts loading the built-in catalog on a thread-pool thread (it takes tens of milliseconds), so a command can
    /// open its files meanwhile; <see cref="Winsock"/> then waits for it.
    /// </summary>
    internal static void Preload()
    {
        if (!BuiltIn.IsValueCreated) ThreadPool.UnsafeQueueUserWorkItem(static _ => _ = BuiltIn.Value, null);
    }

    /// <summary>The providers, in the order they were added.</summary>
    public IReadOnlyList<ProviderSchema> Providers => _order;
    private readonly List<ProviderSchema> _order = new();

    // Built whole by Load or With and never changed after: parallel decoders read one catalog without locks.
    private SchemaCatalog() { }

    /// <summary>
    /// A new catalog holding this one's providers and <paramref name="more"/> (one of theirs replaces one of this
    /// catalog's with the same GUID); this catalog is left as it is.
    /// </summary>
    public SchemaCatalog With(IEnumerable<ProviderSchema> more)
    {
        var copy = new SchemaCatalog();
        foreach (var p in _order.Concat(more)) copy.Add(p);
        return copy;
    }

    private void Add(ProviderSchema provider)
    {
        if (_providers.TryGetValue(provider.Guid, out var old)) _order.Remove(old);
        _providers[provider.Guid] = provider;
        _order.Add(provider);
    }

    /// <summary>The provider with this GUID, or null.</summary>
    public ProviderSchema? Find(Guid provider) => _providers.GetValueOrDefault(provider);

    /// <summary>The provider with this name (case-insensitive) or GUID text, or null.</summary>
    public ProviderSchema? Find(string nameOrGuid)
    {
        if (Guid.TryParse(nameOrGuid.Trim('{', '}'), out var g)) return Find(g);
        return _order.FirstOrDefault(p => string.Equals(p.Name, nameOrGuid, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The event schema for a provider, id and version, or null.</summary>
    public EventSchema? Find(Guid provider, ushort id, byte version) => Find(provider)?.Find(id, version);

    private static SchemaCatalog LoadBuiltIn()
    {
        using var stream = typeof(SchemaCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the built-in catalog resource {ResourceName} is missing");
        return Load(stream);
    }

    /// <summary>Loads a catalog in the project's format ("sockscope-catalog/1").</summary>
    public static SchemaCatalog Load(Stream json)
    {
        using var doc = JsonDocument.Parse(json);
        var catalog = new SchemaCatalog();
        foreach (var p in doc.RootElement.GetProperty("providers").EnumerateArray()) catalog.Add(ReadProvider(p));
        return catalog;
    }

    private static ProviderSchema ReadProvider(JsonElement p)
    {
        var maps = new Dictionary<string, ValueMap>();
        foreach (var m in p.GetProperty("maps").EnumerateObject())
        {
            var entries = m.Value.GetProperty("entries").EnumerateArray()
                .Select(e => new KeyValuePair<ulong, string>(e.GetProperty("value").GetUInt64(), e.GetProperty("message").GetString() ?? ""));
            maps[m.Name] = new ValueMap(m.Name, m.Value.GetProperty("kind").GetString() == "bitMap", entries);
        }
        var provider = new ProviderSchema
        {
            Name = p.GetProperty("name").GetString()!,
            Guid = Guid.Parse(p.GetProperty("guid").GetString()!),
            Binary = Str(p, "binary"),
            Message = Str(p, "message"),
            Builds = p.GetProperty("builds").EnumerateArray()
                .Select(b => new BuildInfo(b.GetProperty("label").GetString()!, Str(b, "os") ?? "", Str(b, "os_build") ?? "")).ToArray(),
            Maps = maps,
            Keywords = p.GetProperty("keywords").EnumerateArray()
                .Select(k => new KeyValuePair<ulong, string>(Hex(k.GetProperty("mask").GetString()!), k.GetProperty("name").GetString()!)).ToArray(),
            Channels = p.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("path").GetString()!).ToArray(),
        };
        foreach (var e in p.GetProperty("events").EnumerateArray()) provider.Add(ReadEvent(provider, e, maps));
        return provider;
    }

    private static EventSchema ReadEvent(ProviderSchema provider, JsonElement e, Dictionary<string, ValueMap> maps)
    {
        var fieldElements = e.GetProperty("fields").EnumerateArray().ToArray();
        var names = fieldElements.Select(f => f.GetProperty("name").GetString()!).ToArray();
        var fields = new FieldSchema[fieldElements.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            var f = fieldElements[i];
            string? lengthField = Str(f, "length_field");
            int lengthIndex = lengthField is null ? -1 : Array.IndexOf(names, lengthField, 0, i);
            if (lengthField is not null && lengthIndex < 0)
                throw new InvalidDataException($"{provider.Name} event {e.GetProperty("id")}: field {names[i]} takes its length from {lengthField}, which does not come before it");
            fields[i] = new FieldSchema
            {
                Name = names[i],
                InType = ParseInType(f.GetProperty("in").GetString()!),
                OutType = ParseOutType(Str(f, "out")),
                FixedLength = f.TryGetProperty("length", out var len) ? len.GetInt32() : -1,
                LengthField = lengthIndex,
                Map = Str(f, "map") is { } mapName ? maps.GetValueOrDefault(mapName) : null,
                Known = Str(f, "known") is { } known ? Enum.Parse<KnownValues>(known) : KnownValues.None,
                OutTypeSource = Str(f, "out_source"),
            };
        }
        var sources = new Dictionary<string, string>();
        if (e.TryGetProperty("sources", out var s))
            foreach (var kv in s.EnumerateObject()) sources[kv.Name] = kv.Value.GetString() ?? "";
        return new EventSchema
        {
            Provider = provider,
            Id = (ushort)e.GetProperty("id").GetInt32(),
            Version = (byte)e.GetProperty("version").GetInt32(),
            Symbol = e.GetProperty("symbol").GetString()!,
            Task = Named(e.GetProperty("task")),
            Opcode = Named(e.GetProperty("opcode")),
            Level = Named(e.GetProperty("level")),
            Keywords = Hex(e.GetProperty("keywords").GetProperty("mask").GetString()!),
            KeywordNames = e.GetProperty("keywords").GetProperty("names").EnumerateArray().Select(n => n.GetString()!).ToArray(),
            Channel = Str(e, "channel"),
            Message = Str(e, "message"),
            Fields = fields,
            Builds = e.GetProperty("builds").EnumerateArray().Select(b => b.GetString()!).ToArray(),
            Provenance = e.GetProperty("provenance").EnumerateArray()
                .Select(p => new Provenance(p.GetProperty("build").GetString()!, p.GetProperty("repo").GetString()!, p.GetProperty("path").GetString()!, p.GetProperty("commit").GetString()!)).ToArray(),
            Sources = sources,
        };
    }

    /// <summary>Parses a manifest in-type name, with or without its "win:" prefix.</summary>
    internal static InType ParseInType(string name) => Strip(name) switch
    {
        "UnicodeString" => InType.UnicodeString,
        "AnsiString" => InType.AnsiString,
        "Int8" => InType.Int8,
        "UInt8" => InType.UInt8,
        "Int16" => InType.Int16,
        "UInt16" => InType.UInt16,
        "Int32" => InType.Int32,
        "UInt32" => InType.UInt32,
        "Int64" => InType.Int64,
        "UInt64" => InType.UInt64,
        "Float" => InType.Float,
        "Double" => InType.Double,
        "Boolean" => InType.Boolean,
        "Binary" => InType.Binary,
        "GUID" => InType.Guid,
        "Pointer" => InType.Pointer,
        "FILETIME" => InType.FileTime,
        "SYSTEMTIME" => InType.SystemTime,
        "SID" => InType.Sid,
        "HexInt32" => InType.HexInt32,
        "HexInt64" => InType.HexInt64,
        "CountedUnicodeString" or "CountedString" => InType.CountedString,
        "CountedAnsiString" => InType.CountedAnsiString,
        "CountedBinary" => InType.CountedBinary,
        "SizeT" => InType.SizeT,
        var other => throw new InvalidDataException($"unknown in-type {other}"),
    };

    /// <summary>Parses a manifest out-type name (win: or xs: prefix optional); null or unknown gives Null.</summary>
    internal static OutType ParseOutType(string? name) => name is null ? OutType.Null : Strip(name) switch
    {
        "string" => OutType.String,
        "dateTime" or "DateTime" => OutType.DateTime,
        "byte" => OutType.Byte,
        "unsignedByte" => OutType.UnsignedByte,
        "short" => OutType.Short,
        "unsignedShort" => OutType.UnsignedShort,
        "int" => OutType.Int,
        "unsignedInt" => OutType.UnsignedInt,
        "long" => OutType.Long,
        "unsignedLong" => OutType.UnsignedLong,
        "float" => OutType.Float,
        "double" => OutType.Double,
        "boolean" => OutType.Boolean,
        "GUID" => OutType.Guid,
        "hexBinary" => OutType.HexBinary,
        "HexInt8" => OutType.HexInt8,
        "HexInt16" => OutType.HexInt16,
        "HexInt32" => OutType.HexInt32,
        "HexInt64" => OutType.HexInt64,
        "PID" => OutType.Pid,
        "TID" => OutType.Tid,
        "Port" => OutType.Port,
        "IPv4" => OutType.IPv4,
        "IPv6" => OutType.IPv6,
        "SocketAddress" => OutType.SocketAddress,
        "CIMDateTime" => OutType.CimDateTime,
        "ETWTIME" => OutType.EtwTime,
        "Xml" => OutType.Xml,
        "ErrorCode" => OutType.ErrorCode,
        "Win32Error" => OutType.Win32Error,
        "NTSTATUS" or "NTStatus" => OutType.NTStatus,
        "HResult" or "HRESULT" => OutType.HResult,
        "DateTimeCultureInsensitive" => OutType.CultureInsensitiveDateTime,
        "Json" => OutType.Json,
        "Utf8" => OutType.Utf8,
        "Pkcs7WithTypeInfo" => OutType.Pkcs7WithTypeInfo,
        "CodePointer" => OutType.CodePointer,
        "DateTimeUtc" => OutType.DateTimeUtc,
        _ => OutType.Null,
    };

    private static string Strip(string name) => name[(name.IndexOf(':') + 1)..];
    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    private static NamedValue Named(JsonElement e) =>
        new(e.GetProperty("value").GetInt32(), e.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null);
    private static ulong Hex(string text) =>
        ulong.Parse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
