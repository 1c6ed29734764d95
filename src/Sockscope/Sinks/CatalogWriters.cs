using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Decoding.Values;
using Sockscope.Schema;

namespace Sockscope.Sinks;

/// <summary>The ways a schema catalog can be written out.</summary>
public enum CatalogFormat
{
    /// <summary>A Markdown page per provider, for a person and for documentation.</summary>
    Markdown,
    /// <summary>One tab-separated row per (build, event), in the layout of the events_by_build.tsv reference files.</summary>
    Tsv,
    /// <summary>One JSON document with every provider and event.</summary>
    Json,
}

/// <summary>One provider and the events of it to describe (all of them, or those of one id).</summary>
/// <param name="Provider">The provider.</param>
/// <param name="Events">Its events to write, by id then version.</param>
public sealed record CatalogSelection(ProviderSchema Provider, IReadOnlyList<EventSchema> Events)
{
    private const string WinsockPrefix = "Microsoft-Windows-Winsock-";
    private const string WindowsPrefix = "Microsoft-Windows-";

    /// <summary>True when the selection holds every event of the provider.</summary>
    public bool IsWholeProvider => Events.Count == Provider.Events.Count();

    /// <summary>Every event of a provider.</summary>
    public static CatalogSelection Of(ProviderSchema provider) => new(provider, provider.Events.ToArray());

    /// <summary>
    /// The short name of a provider: its name without "Microsoft-Windows-Winsock-" (else without
    /// "Microsoft-Windows-"), in lower case: <c>afd</c>, <c>sockets</c>, <c>nameresolution</c>.
    /// </summary>
    public static string ShortName(ProviderSchema provider)
    {
        string name = provider.Name;
        if (name.StartsWith(WinsockPrefix, StringComparison.OrdinalIgnoreCase)) name = name[WinsockPrefix.Length..];
        else if (name.StartsWith(WindowsPrefix, StringComparison.OrdinalIgnoreCase)) name = name[WindowsPrefix.Length..];
        return name.ToLowerInvariant();
    }

    /// <summary>
    /// The provider that <paramref name="text"/> names: its full name (any case), its GUID (braces optional), its
    /// name without "Microsoft-Windows-" ("Winsock-AFD") or its short name (<see cref="ShortName"/>, any case).
    /// </summary>
    public static ProviderSchema? FindProvider(SchemaCatalog catalog, string text)
    {
        text = text.Trim();
        if (text.Length == 0) return null;
        if (catalog.Find(text) is { } found) return found;
        foreach (var p in catalog.Providers)
        {
            if (string.Equals(ShortName(p), text, StringComparison.OrdinalIgnoreCase)) return p;
            if (p.Name.StartsWith(WindowsPrefix, StringComparison.OrdinalIgnoreCase)
                && string.Equals(p.Name[WindowsPrefix.Length..], text, StringComparison.OrdinalIgnoreCase)) return p;
        }
        return null;
    }

    /// <summary>
    /// What to write: the named provider (or every provider of the catalog), narrowed to the event id if one is
    /// given. Returns null with a one-line <paramref name="error"/> when the provider or the event is not there.
    /// </summary>
    public static IReadOnlyList<CatalogSelection>? Select(SchemaCatalog catalog, string? provider, int? eventId, out string? error)
    {
        error = null;
        IReadOnlyList<ProviderSchema> providers;
        if (provider is not null)
        {
            if (FindProvider(catalog, provider) is not { } p)
            {
                string known = string.Join(", ", catalog.Providers.Select(x => $"{ShortName(x)} ({x.Name})"));
                error = $"unknown provider '{provider}'; the catalog has {known}; a full name or GUID works too";
                return null;
            }
            providers = [p];
        }
        else providers = catalog.Providers;

        var selections = new List<CatalogSelection>();
        foreach (var p in providers)
        {
            var events = p.Events.Where(e => eventId is null || e.Id == eventId).ToArray();
            if (events.Length > 0) selections.Add(new CatalogSelection(p, events));
        }
        if (selections.Count == 0 && eventId is { } id)
        {
            error = provider is not null
                ? $"{providers[0].Name} has no event {id}; its events are {CatalogText.Ranges(providers[0].Events.Select(e => (int)e.Id))}"
                : $"no provider in the catalog has event {id}";
            return null;
        }
        return selections;
    }
}

/// <summary>Writes a catalog's providers and events in one of the <see cref="CatalogFormat"/>s.</summary>
/// <remarks>
/// Call <see cref="Write"/> once per provider, then <see cref="Complete"/>. The writers format into an
/// <see cref="IBufferWriter{T}"/> of UTF-8 and never flush it: the caller drains it after each provider.
/// </remarks>
public abstract class CatalogWriter
{
    /// <summary>Writes one provider's events.</summary>
    public abstract void Write(CatalogSelection selection);

    /// <summary>Ends the output (closes the JSON document).</summary>
    public virtual void Complete() { }

    /// <summary>A writer of <paramref name="format"/> into <paramref name="output"/>.</summary>
    public static CatalogWriter Create(CatalogFormat format, IBufferWriter<byte> output) => format switch
    {
        CatalogFormat.Markdown => new CatalogMarkdownWriter(output),
        CatalogFormat.Tsv => new CatalogTsvWriter(output),
        CatalogFormat.Json => new CatalogJsonWriter(output),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private protected static void WriteUtf8(IBufferWriter<byte> output, string text)
    {
        if (text.Length == 0) return;
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}

/// <summary>
/// The tab-separated layout of the event-schema reference files (<c>*.events_by_build.tsv</c>, after jdu2600's
/// Windows10EtwEvents dumps): a header row, then one row per (build, event), builds in the provider's order (oldest
/// first) and events by id and version within a build.
/// </summary>
/// <remarks>
/// <c>fields</c> is <c>Name:inType[/outType][[len=X]][{map=M}]</c> per field, joined by <c>"; "</c>, the types
/// with their manifest prefixes (<c>win:</c>, <c>xs:</c>). The catalog keeps one metadata set per (id, version)
/// across builds, so a value that differed between builds' dumps (AFD's keywords on the newest builds, a map
/// one dump kept and another lost) is written as the catalog has it for every build. Tabs and line breaks inside a
/// value (none in the built-in catalog) become spaces.
/// </remarks>
public sealed class CatalogTsvWriter : CatalogWriter
{
    /// <summary>The columns, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "build_label", "os", "os_build", "event_id", "version", "symbol", "task", "task_value", "opcode", "opcode_value",
        "level", "level_value", "keywords_mask", "keyword_names", "channel", "message", "fields", "source_repo",
        "source_path", "source_commit",
    ];

    private readonly IBufferWriter<byte> _output;
    private bool _headerWritten;

    /// <summary>A writer into <paramref name="output"/>.</summary>
    public CatalogTsvWriter(IBufferWriter<byte> output) => _output = output;

    /// <inheritdoc />
    public override void Write(CatalogSelection selection)
    {
        var text = new StringBuilder();
        if (!_headerWritten)
        {
            text.AppendJoin('\t', Columns).Append('\n');
            _headerWritten = true;
        }
        foreach (var build in CatalogText.BuildOrder(selection.Provider, selection.Events))
        {
            foreach (var e in selection.Events)
            {
                if (!e.Builds.Contains(build.Label)) continue;
                var source = e.Provenance.FirstOrDefault(p => p.Build == build.Label);
                string[] row =
                [
                    build.Label, build.Os, build.OsBuild, Num(e.Id), Num(e.Version), e.Symbol,
                    e.Task.Name ?? "", Num(e.Task.Value), e.Opcode.Name ?? "", Num(e.Opcode.Value),
                    e.Level.Name ?? "", Num(e.Level.Value), CatalogText.Mask(e.Keywords), string.Join(' ', e.KeywordNames),
                    e.Channel ?? "", e.Message ?? "", FormatFields(e),
                    source?.Repository ?? "", source?.Path ?? "", source?.Commit ?? "",
                ];
                for (int i = 0; i < row.Length; i++)
                {
                    if (i > 0) text.Append('\t');
                    text.Append(Clean(row[i]));
                }
                text.Append('\n');
            }
        }
        WriteUtf8(_output, text.ToString());
    }

    /// <summary>The <c>fields</c> cell of an event: every field's <see cref="FormatField"/>, joined by "; ".</summary>
    public static string FormatFields(EventSchema e) => string.Join("; ", e.Fields.Select(f => FormatField(e, f)));

    /// <summary>One field as <c>Name:inType[/outType][[len=X]][{map=M}]</c>, e.g. <c>Address:win:Binary/win:SocketAddress[len=AddressLen]</c>.</summary>
    public static string FormatField(EventSchema e, FieldSchema f)
    {
        var s = new StringBuilder(f.Name).Append(':').Append(ManifestTypes.QualifiedInType(f.InType));
        if (f.OutType != OutType.Null) s.Append('/').Append(ManifestTypes.QualifiedOutType(f.OutType));
        if (f.FixedLength >= 0) s.Append("[len=").Append(Num(f.FixedLength)).Append(']');
        else if (f.LengthField >= 0) s.Append("[len=").Append(e.Fields[f.LengthField].Name).Append(']');
        if (f.Map is { } map) s.Append("{map=").Append(map.Name).Append('}');
        return s.ToString();
    }

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Clean(string value) =>
        value.AsSpan().IndexOfAny('\t', '\n', '\r') < 0 ? value : value.Replace("\r\n", " ").Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}

/// <summary>
/// One JSON document: <c>{"providers":[{name, guid, short_name, binary, message, builds, keywords, channels,
/// events:[{id, version, symbol, task, opcode, level, keywords, channel, message, fields, builds, provenance,
/// sources}]}]}</c>. Fields carry <c>in_type</c> and <c>out_type</c> as manifest names without prefix (out_type null
/// when the manifest gives none; <c>effective_out_type</c> is then the in-type's default), <c>length</c> (bytes) or
/// <c>length_field</c> when the length is known, <c>map</c> (name, kind, entries of value and message) or null,
/// and <c>known</c> (the documented value set: name, entries of value and name) or null.
/// </summary>
public sealed class CatalogJsonWriter : CatalogWriter
{
    private readonly IBufferWriter<byte> _output;
    private readonly Utf8JsonWriter _json;
    private bool _started;

    /// <summary>A writer into <paramref name="output"/>, indented unless <paramref name="indented"/> is false.</summary>
    public CatalogJsonWriter(IBufferWriter<byte> output, bool indented = true)
    {
        _output = output;
        _json = new Utf8JsonWriter(output, new JsonWriterOptions
        {
            Indented = indented,
            // The output is data, not HTML: '+', '<', '>' and non-ASCII text stay readable.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }

    /// <inheritdoc />
    public override void Write(CatalogSelection selection)
    {
        Start();
        var p = selection.Provider;
        var j = _json;
        j.WriteStartObject();
        j.WriteString("name", p.Name);
        j.WriteString("guid", p.Guid.ToString("B").ToUpperInvariant());
        j.WriteString("short_name", CatalogSelection.ShortName(p));
        j.WriteString("binary", p.Binary);
        j.WriteString("message", p.Message);
        j.WriteStartArray("builds");
        foreach (var b in p.Builds)
        {
            j.WriteStartObject();
            j.WriteString("label", b.Label);
            j.WriteString("os", b.Os);
            j.WriteString("os_build", b.OsBuild);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartArray("keywords");
        foreach (var (mask, name) in p.Keywords)
        {
            j.WriteStartObject();
            j.WriteString("mask", CatalogText.Mask(mask));
            j.WriteString("name", name);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartArray("channels");
        foreach (var c in p.Channels) j.WriteStringValue(c);
        j.WriteEndArray();
        j.WriteStartArray("events");
        foreach (var e in selection.Events) WriteEvent(e);
        j.WriteEndArray();
        j.WriteEndObject();
        j.Flush();
    }

    /// <inheritdoc />
    public override void Complete()
    {
        Start();
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.Flush();
        // Utf8JsonWriter writes no final line feed; a text file (and the prompt after it) wants one.
        WriteUtf8(_output, "\n");
    }

    private void Start()
    {
        if (_started) return;
        _started = true;
        _json.WriteStartObject();
        _json.WriteStartArray("providers");
    }

    private void WriteEvent(EventSchema e)
    {
        var j = _json;
        j.WriteStartObject();
        j.WriteNumber("id", e.Id);
        j.WriteNumber("version", e.Version);
        j.WriteString("symbol", e.Symbol);
        Named("task", e.Task);
        Named("opcode", e.Opcode);
        Named("level", e.Level);
        j.WriteStartObject("keywords");
        j.WriteString("mask", CatalogText.Mask(e.Keywords));
        j.WriteStartArray("names");
        foreach (var n in e.KeywordNames) j.WriteStringValue(n);
        j.WriteEndArray();
        j.WriteEndObject();
        j.WriteString("channel", e.Channel);
        j.WriteString("message", e.Message);
        j.WriteStartArray("fields");
        foreach (var f in e.Fields) WriteField(e, f);
        j.WriteEndArray();
        j.WriteStartArray("builds");
        foreach (var b in e.Builds) j.WriteStringValue(b);
        j.WriteEndArray();
        j.WriteStartArray("provenance");
        foreach (var p in e.Provenance)
        {
            j.WriteStartObject();
            j.WriteString("build", p.Build);
            j.WriteString("repo", p.Repository);
            j.WriteString("path", p.Path);
            j.WriteString("commit", p.Commit);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartObject("sources");
        foreach (var (key, note) in e.Sources.OrderBy(kv => kv.Key, StringComparer.Ordinal)) j.WriteString(key, note);
        j.WriteEndObject();
        j.WriteEndObject();
    }

    private void WriteField(EventSchema e, FieldSchema f)
    {
        var j = _json;
        j.WriteStartObject();
        j.WriteString("name", f.Name);
        j.WriteString("in_type", ManifestTypes.InTypeName(f.InType));
        if (f.OutType == OutType.Null) j.WriteNull("out_type");
        else j.WriteString("out_type", ManifestTypes.OutTypeName(f.OutType));
        j.WriteString("effective_out_type", ManifestTypes.OutTypeName(f.EffectiveOutType));
        if (f.OutTypeSource is { } outSource) j.WriteString("out_type_source", outSource);
        if (f.FixedLength >= 0) j.WriteNumber("length", f.FixedLength);
        else if (f.LengthField >= 0) j.WriteString("length_field", e.Fields[f.LengthField].Name);
        if (f.CountField >= 0) j.WriteString("count_field", e.Fields[f.CountField].Name);
        else if (f.FixedCount != 1) j.WriteNumber("count", f.FixedCount);
        if (f.Map is { } map)
        {
            j.WriteStartObject("map");
            j.WriteString("name", map.Name);
            j.WriteString("kind", map.IsBitMap ? "bitMap" : "valueMap");
            j.WriteStartArray("entries");
            foreach (var (value, message) in map.Entries)
            {
                j.WriteStartObject();
                j.WriteNumber("value", value);
                j.WriteString("message", message);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        else j.WriteNull("map");
        if (f.Known != KnownValues.None)
        {
            j.WriteStartObject("known");
            j.WriteString("name", f.Known.ToString());
            j.WriteStartArray("entries");
            foreach (var (value, name) in KnownValueNames.Entries(f.Known))
            {
                j.WriteStartObject();
                j.WriteNumber("value", value);
                j.WriteString("name", name);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        else j.WriteNull("known");
        j.WriteEndObject();
    }

    private void Named(string property, NamedValue v)
    {
        _json.WriteStartObject(property);
        _json.WriteNumber("value", v.Value);
        _json.WriteString("name", v.Name);
        _json.WriteEndObject();
    }
}

/// <summary>
/// A Markdown page per provider in the layout of the Winsock event documentation: "N events across M channels",
/// a table of the events, then per event its descriptor (provider, channel, level, task, opcode, keywords,
/// message, builds and sources), its fields (in and out types, where a length comes from, value maps with their
/// values and meanings, documented values of address families, protocols and socket types), then the provider's
/// provenance (GUID, binary, the source of each build, consecutive builds from the same repository on one row) and
/// credits. Tables are GitHub-flavoured Markdown.
/// </summary>
public sealed class CatalogMarkdownWriter : CatalogWriter
{
    private static readonly (string Owner, string Text)[] KnownCredits =
    [
        ("repnz", "[repnz/etw-providers-docs](https://github.com/repnz/etw-providers-docs): manifests rebuilt from TDH on Windows 7 and 10 builds"),
        ("jdu2600", "[jdu2600/Windows10EtwEvents](https://github.com/jdu2600/Windows10EtwEvents): a manifest dump per Windows build, and the event-schema TSV format this catalog adopted"),
        ("nasbench", "[nasbench/EVTX-ETW-Resources](https://github.com/nasbench/EVTX-ETW-Resources): Event Log metadata dumps (out-types, lengths, messages, channels)"),
    ];

    private readonly IBufferWriter<byte> _output;
    private bool _first = true;

    /// <summary>A writer into <paramref name="output"/>.</summary>
    public CatalogMarkdownWriter(IBufferWriter<byte> output) => _output = output;

    /// <inheritdoc />
    public override void Write(CatalogSelection selection)
    {
        var md = new StringBuilder();
        if (!_first) md.Append('\n');
        _first = false;
        var p = selection.Provider;
        var events = selection.Events;
        md.Append("# ").Append(Esc(p.Name)).Append("\n\n");

        int ids = events.Select(e => e.Id).Distinct().Count();
        int channels = events.Select(e => e.Channel).Where(c => c is not null).Distinct().Count();
        if (selection.IsWholeProvider) md.Append(Plural(ids, "event"));
        else md.Append(ids).Append(" of ").Append(Plural(p.Events.Select(e => e.Id).Distinct().Count(), "event"));
        if (ids != events.Count) md.Append(" (").Append(Plural(events.Count, "event version")).Append(')');
        md.Append(channels == 0 ? ", in no channel (only ETW sessions see them)" : $" across {Plural(channels, "channel")}");
        md.Append("\n\n");

        bool showVersion = events.Any(e => e.Version != 0) || ids != events.Count;
        md.Append(showVersion ? "| ID | Version | Title | Level | Channel | Builds |\n|---:|---:|---|---|---|---|\n"
                              : "| ID | Title | Level | Channel | Builds |\n|---:|---|---|---|---|\n");
        foreach (var e in events)
        {
            md.Append("| ").Append(e.Id).Append(" | ");
            if (showVersion) md.Append(e.Version).Append(" | ");
            md.Append(Esc(e.Symbol)).Append(" | ").Append(Esc(LevelName(e.Level))).Append(" | ")
              .Append(Esc(ShortChannel(e.Channel))).Append(" | ").Append(Esc(BuildsShort(p, e.Builds))).Append(" |\n");
        }
        md.Append('\n');

        var usedKeywords = p.Keywords.Where(k => events.Any(e => (e.Keywords & k.Key) != 0)).ToArray();
        if (usedKeywords.Length > 0)
        {
            md.Append("Keywords:\n\n| Mask | Name |\n|---|---|\n");
            foreach (var (mask, name) in usedKeywords) md.Append("| ").Append(CatalogText.Mask(mask)).Append(" | ").Append(Esc(name)).Append(" |\n");
            md.Append('\n');
        }

        // A note several events share (where the messages came from, say) is said once, here, with the events it is
        // about, rather than under each of them.
        var shared = events.SelectMany(e => Notes(e).Select(n => (Note: n, e.Id))).GroupBy(x => x.Note)
            .Where(g => g.Count() > 1).ToArray();
        var common = shared.Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        if (shared.Length > 0)
        {
            md.Append("Notes:\n\n");
            foreach (var g in shared)
            {
                var noteIds = g.Select(x => (int)x.Id).ToArray();
                string which = noteIds.Distinct().Count() == events.Select(e => e.Id).Distinct().Count()
                    ? "every event" : "events " + CatalogText.Ranges(noteIds);
                md.Append("- ").Append(Esc(g.Key)).Append(" (").Append(which).Append(")\n");
            }
            md.Append('\n');
        }

        foreach (var e in events) WriteEvent(md, e, showVersion, common);
        WriteProvenance(md, selection);
        WriteCredits(md, selection);
        WriteUtf8(_output, md.ToString());
    }

    private static void WriteEvent(StringBuilder md, EventSchema e, bool showVersion, IReadOnlySet<string> common)
    {
        var p = e.Provider;
        md.Append("## Event ID ").Append(e.Id);
        if (showVersion) md.Append(" version ").Append(e.Version);
        md.Append(": ").Append(Esc(e.Symbol)).Append("\n\n");
        md.Append("| Property | Value |\n|---|---|\n");
        Row(md, "Provider", Esc(p.Name));
        Row(md, "Version", e.Version.ToString(CultureInfo.InvariantCulture));
        Row(md, "Channel", e.Channel is null ? "none" : Esc(e.Channel));
        Row(md, "Level", Esc(Named(e.Level, LevelName(e.Level))));
        Row(md, "Task", Esc(Named(e.Task, e.Task.Name)));
        Row(md, "Opcode", Esc(Named(e.Opcode, e.Opcode.Name)));
        Row(md, "Keywords", e.KeywordNames.Count == 0
            ? CatalogText.Mask(e.Keywords)
            : CatalogText.Mask(e.Keywords) + ": " + Esc(string.Join(", ", e.KeywordNames)));
        if (e.Message is { } message) Row(md, "Message", Esc(message));
        Row(md, "Builds", Esc(BuildsLong(p, e.Builds)));
        Row(md, "Sources", Esc(SourcesByRepository(e)));
        md.Append('\n');

        if (e.Fields.Count == 0) md.Append("No fields: the event carries no payload.\n\n");
        else WriteFields(md, e);

        var notes = Notes(e).Where(n => !common.Contains(n)).ToArray();
        if (notes.Length > 0)
        {
            md.Append("Notes:\n\n");
            foreach (var n in notes) md.Append("- ").Append(Esc(n)).Append('\n');
            md.Append('\n');
        }
    }

    private static void WriteFields(StringBuilder md, EventSchema e)
    {
        md.Append("### Fields\n\n| # | Name | In type | Out type | Length | Values |\n|---:|---|---|---|---|---|\n");
        for (int i = 0; i < e.Fields.Count; i++)
        {
            var f = e.Fields[i];
            md.Append("| ").Append(i + 1).Append(" | ").Append(Esc(f.Name)).Append(" | ")
              .Append(ManifestTypes.InTypeName(f.InType)).Append(" | ")
              .Append(f.OutType != OutType.Null
                  ? ManifestTypes.OutTypeName(f.OutType)
                  : ManifestTypes.OutTypeName(f.EffectiveOutType) + " (default)")
              .Append(" | ").Append(Esc(LengthText(e, f))).Append(" | ").Append(Esc(ValuesText(f))).Append(" |\n");
        }
        md.Append('\n');
        foreach (var f in e.Fields)
        {
            if (f.Map is { } map)
            {
                md.Append(map.IsBitMap ? "Bit map " : "Value map ").Append(Esc(map.Name)).Append(" of ").Append(Esc(f.Name)).Append(":\n\n");
                md.Append(map.IsBitMap ? "| Bit | Meaning |\n|---:|---|\n" : "| Value | Meaning |\n|---:|---|\n");
                foreach (var (value, meaning) in map.Entries)
                    md.Append("| ").Append(map.IsBitMap ? CatalogText.Mask(value) : value.ToString(CultureInfo.InvariantCulture))
                      .Append(" | ").Append(Esc(meaning)).Append(" |\n");
                md.Append('\n');
            }
            else if (f.Known != KnownValues.None)
            {
                md.Append("Known values of ").Append(Esc(f.Name)).Append(", ").Append(Esc(KnownValueNames.Describe(f.Known))).Append(": ");
                md.AppendJoin(" · ", KnownValueNames.Entries(f.Known).Select(kv => $"{kv.Key} {Esc(kv.Value)}"));
                md.Append("\n\n");
            }
        }
    }

    // What the catalog says about where an event's values came from when not from each build's own dump.
    private static IEnumerable<string> Notes(EventSchema e)
    {
        foreach (var (key, note) in e.Sources.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            yield return $"{key.Replace('_', ' ')}: {note}";
        foreach (var f in e.Fields)
            if (f.OutTypeSource is { } source) yield return $"out-type of {f.Name}: {source}";
    }

    private static void WriteProvenance(StringBuilder md, CatalogSelection selection)
    {
        var p = selection.Provider;
        md.Append("## Provenance\n\n");
        md.Append("Where this provider's schema came from, and which Windows builds it was observed on. Windows can change a ")
          .Append("provider's event schema between builds, so use this to judge whether it matches the build you collect from.\n\n");
        md.Append("ETW provider GUID `").Append(p.Guid.ToString("B").ToUpperInvariant()).Append("`\n\n");
        if (p.Binary is { } binary) md.Append("Defined in ").Append(Esc(binary)).Append(", which carries the event manifest.\n\n");

        // Every event of a build comes from that build's dump; take each build's most common source.
        var byBuild = new Dictionary<string, Provenance>();
        foreach (var group in selection.Events.SelectMany(e => e.Provenance).GroupBy(x => x.Build))
            byBuild[group.Key] = group.GroupBy(x => (x.Repository, x.Path, x.Commit)).OrderByDescending(g => g.Count()).First().First();
        var builds = CatalogText.BuildOrder(p, selection.Events).ToArray();
        md.Append("Observed on:\n\n| Builds | OS build | Source | File @ commit |\n|---|---|---|---|\n");
        int i = 0;
        while (i < builds.Length)
        {
            string? repo = byBuild.GetValueOrDefault(builds[i].Label)?.Repository;
            int j = i + 1;
            while (j < builds.Length && byBuild.GetValueOrDefault(builds[j].Label)?.Repository == repo) j++;
            var run = builds[i..j];
            md.Append("| ").Append(Esc(run.Length == 1 ? run[0].Label : $"{run[0].Label} – {run[^1].Label}"))
              .Append(" | ").Append(Esc(string.Join(", ", run.Select(b => OsBuildNumbers(b)))))
              .Append(" | ").Append(repo is null ? "not recorded" : Esc(repo))
              .Append(" | ").Append(repo is null ? "" : FilesCell(run, byBuild)).Append(" |\n");
            i = j;
        }
        md.Append('\n');
    }

    // The files of a run of builds from one repository: each distinct path once, with its commits (and the builds
    // of each commit when there are several).
    private static string FilesCell(BuildInfo[] run, Dictionary<string, Provenance> byBuild)
    {
        var sources = run.Select(b => byBuild[b.Label]).ToArray();
        var paths = sources.Select(s => s.Path).Distinct().ToArray();
        var parts = new List<string>();
        foreach (var path in paths)
        {
            var ofPath = sources.Where(s => s.Path == path).ToArray();
            var commits = ofPath.GroupBy(s => s.Commit).ToArray();
            var text = new StringBuilder();
            if (paths.Length > 1) text.Append(Esc(string.Join(", ", ofPath.Select(s => s.Build)))).Append(": ");
            text.Append('`').Append(path.Replace("`", "'")).Append("` @ ");
            text.AppendJoin(", ", commits.Select(c =>
                CommitLink(c.First()) + (commits.Length > 1 ? " (" + Esc(string.Join(", ", c.Select(s => s.Build))) + ")" : "")));
            parts.Add(text.ToString());
        }
        return string.Join("<br>", parts);
    }

    private static string CommitLink(Provenance s)
    {
        string shortCommit = s.Commit.Length > 7 ? s.Commit[..7] : s.Commit;
        if (s.Repository.Count(c => c == '/') != 1 || s.Repository.Contains(' ')) return $"`{shortCommit}`";
        string path = string.Join('/', s.Path.Split('/').Select(Uri.EscapeDataString));
        return $"[`{shortCommit}`](https://github.com/{s.Repository}/blob/{s.Commit}/{path})";
    }

    private static void WriteCredits(StringBuilder md, CatalogSelection selection)
    {
        var repos = selection.Events.SelectMany(e => e.Provenance).Select(x => x.Repository).Distinct().ToList();
        var notes = string.Join(" ", selection.Events.SelectMany(e => e.Sources.Values
            .Concat(e.Fields.Select(f => f.OutTypeSource ?? ""))));
        md.Append("## Credits\n\n");
        md.Append("- Microsoft: authored the ETW manifests the schema comes from\n");
        foreach (var (owner, text) in KnownCredits)
        {
            bool used = owner == "jdu2600" // the TSV layout is credited even where no jdu2600 dump was used
                || repos.Any(r => r.StartsWith(owner + "/", StringComparison.OrdinalIgnoreCase))
                || notes.Contains(owner, StringComparison.OrdinalIgnoreCase);
            if (used) md.Append("- ").Append(text).Append('\n');
        }
        foreach (var repo in repos.Where(r => !KnownCredits.Any(k => r.StartsWith(k.Owner + "/", StringComparison.OrdinalIgnoreCase))))
            md.Append("- ").Append(Esc(repo)).Append(": schema dumps\n");
        md.Append('\n');
    }

    private static string LengthText(EventSchema e, FieldSchema f)
    {
        var parts = new List<string>();
        if (f.FixedLength >= 0) parts.Add($"{f.FixedLength} bytes");
        else if (f.LengthField >= 0) parts.Add($"bytes in {e.Fields[f.LengthField].Name}");
        if (f.CountField >= 0) parts.Add($"items in {e.Fields[f.CountField].Name}");
        else if (f.FixedCount != 1) parts.Add($"{f.FixedCount} items");
        return string.Join(", ", parts);
    }

    private static string ValuesText(FieldSchema f) =>
        f.Map is { } map ? $"{(map.IsBitMap ? "bit map" : "value map")} {map.Name}"
        : f.Known != KnownValues.None ? KnownValueNames.Describe(f.Known)
        : "";

    private static void Row(StringBuilder md, string name, string value) =>
        md.Append("| ").Append(name).Append(" | ").Append(value).Append(" |\n");

    private static string Named(NamedValue v, string? name) =>
        name is null ? v.Value.ToString(CultureInfo.InvariantCulture) : $"{name} ({v.Value})";

    private static string LevelName(NamedValue level) => level.Name is { } n
        ? (n.StartsWith("win:", StringComparison.Ordinal) ? n[4..] : n)
        : level.Value.ToString(CultureInfo.InvariantCulture);

    private static string ShortChannel(string? channel) =>
        channel is null ? "" : channel[(channel.LastIndexOf('/') + 1)..];

    private static string OsBuildNumbers(BuildInfo b)
    {
        var numbers = b.Numbers().ToArray();
        return numbers.Length == 0 ? b.OsBuild : string.Join('/', numbers);
    }

    private static string BuildsShort(ProviderSchema p, IReadOnlyList<string> builds) =>
        builds.Count == p.Builds.Count && p.Builds.All(b => builds.Contains(b.Label)) ? "all" : CatalogText.BuildRanges(p, builds);

    private static string BuildsLong(ProviderSchema p, IReadOnlyList<string> builds)
    {
        string ranges = CatalogText.BuildRanges(p, builds);
        bool all = builds.Count == p.Builds.Count && p.Builds.All(b => builds.Contains(b.Label));
        return all ? $"all {builds.Count}: {ranges}" : $"{builds.Count} of {p.Builds.Count}: {ranges}";
    }

    // "jdu2600/Windows10EtwEvents: 1511 – 1709, 1809 – 1909; repnz/etw-providers-docs: Win7-7600 – W10_1507, 1803"
    private static string SourcesByRepository(EventSchema e)
    {
        if (e.Provenance.Count == 0) return "not recorded";
        return string.Join("; ", e.Provenance.GroupBy(x => x.Repository)
            .Select(g => $"{g.Key}: {CatalogText.BuildRanges(e.Provider, g.Select(x => x.Build).ToArray())}"));
    }

    private static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    // Characters that would end a table cell or start markup. Underscores are left alone: inside words (the
    // manifests' AFD_KW_RIO, task_0) GitHub-flavoured Markdown does not read them as emphasis.
    private static string Esc(string text)
    {
        if (text.AsSpan().IndexOfAny("|\\*`<>[]\r\n") < 0) return text;
        var s = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            switch (c)
            {
                case '\r': break;
                case '\n': s.Append("<br>"); break;
                case '|' or '\\' or '*' or '`' or '<' or '>' or '[' or ']': s.Append('\\').Append(c); break;
                default: s.Append(c); break;
            }
        }
        return s.ToString();
    }
}

/// <summary>The manifest names of in-types and out-types (<c>win:UInt32</c>, <c>xs:unsignedInt</c>).</summary>
public static class ManifestTypes
{
    /// <summary>The in-type's manifest name without prefix, e.g. <c>UInt32</c>, <c>GUID</c>.</summary>
    public static string InTypeName(InType type) => type switch
    {
        InType.Guid => "GUID",
        InType.FileTime => "FILETIME",
        InType.SystemTime => "SYSTEMTIME",
        InType.Sid => "SID",
        _ => type.ToString(),
    };

    /// <summary>The in-type with its prefix, e.g. <c>win:UInt32</c>.</summary>
    public static string QualifiedInType(InType type) => "win:" + InTypeName(type);

    /// <summary>
    /// The out-type's manifest name without prefix, e.g. <c>unsignedInt</c>, <c>Win32Error</c>. NTSTATUS is
    /// written <c>NTStatus</c>, as the TDH-based dumps the catalog comes from write it (winmeta.xml says NTSTATUS).
    /// </summary>
    public static string OutTypeName(OutType type) => type switch
    {
        OutType.Null => "",
        OutType.String => "string",
        OutType.DateTime => "dateTime",
        OutType.Byte => "byte",
        OutType.UnsignedByte => "unsignedByte",
        OutType.Short => "short",
        OutType.UnsignedShort => "unsignedShort",
        OutType.Int => "int",
        OutType.UnsignedInt => "unsignedInt",
        OutType.Long => "long",
        OutType.UnsignedLong => "unsignedLong",
        OutType.Float => "float",
        OutType.Double => "double",
        OutType.Boolean => "boolean",
        OutType.Guid => "GUID",
        OutType.HexBinary => "hexBinary",
        OutType.Pid => "PID",
        OutType.Tid => "TID",
        OutType.CimDateTime => "CIMDateTime",
        OutType.EtwTime => "ETWTIME",
        OutType.NTStatus => "NTStatus",
        OutType.CultureInsensitiveDateTime => "DateTimeCultureInsensitive",
        _ => type.ToString(),
    };

    /// <summary>The out-type with its prefix, e.g. <c>xs:unsignedInt</c>, <c>win:Win32Error</c>; empty for Null.</summary>
    public static string QualifiedOutType(OutType type) => type switch
    {
        OutType.Null => "",
        OutType.String or OutType.DateTime or OutType.Byte or OutType.UnsignedByte or OutType.Short
            or OutType.UnsignedShort or OutType.Int or OutType.UnsignedInt or OutType.Long or OutType.UnsignedLong
            or OutType.Float or OutType.Double or OutType.Boolean or OutType.Guid or OutType.HexBinary => "xs:" + OutTypeName(type),
        _ => "win:" + OutTypeName(type),
    };
}

/// <summary>The documented value sets that manifests do not carry as maps (<see cref="KnownValues"/>), by value.</summary>
public static class KnownValueNames
{
    private static readonly Lazy<KeyValuePair<ulong, string>[]> Types = new(() =>
        Decoding.Values.SocketTypes.All.OrderBy(kv => kv.Key).Select(kv => new KeyValuePair<ulong, string>(kv.Key, kv.Value)).ToArray());

    private static readonly Lazy<KeyValuePair<ulong, string>[]> Families = new(() =>
        AddressFamilies.All.OrderBy(kv => kv.Key).Select(kv => new KeyValuePair<ulong, string>(kv.Key, kv.Value)).ToArray());

    private static readonly Lazy<KeyValuePair<ulong, string>[]> Protocols = new(() =>
        IpProtocols.All.OrderBy(kv => kv.Key).Select(kv => new KeyValuePair<ulong, string>(kv.Key, kv.Value)).ToArray());

    /// <summary>The values of a set and their names, by value (the same names the decoder shows).</summary>
    public static IReadOnlyList<KeyValuePair<ulong, string>> Entries(KnownValues set) => set switch
    {
        KnownValues.AddressFamily => Families.Value,
        KnownValues.IpProtocol => Protocols.Value,
        KnownValues.SocketType => Types.Value,
        _ => [],
    };

    /// <summary>What a set is, for a person: "address families (AF_*)".</summary>
    public static string Describe(KnownValues set) => set switch
    {
        KnownValues.AddressFamily => "address families (AF_*)",
        KnownValues.IpProtocol => "IP protocols (IANA keywords)",
        KnownValues.SocketType => "socket types (SOCK_*)",
        _ => "",
    };
}

/// <summary>Text the catalog writers share: keyword masks, build ranges, id ranges.</summary>
public static class CatalogText
{
    /// <summary>A keyword mask as <c>0x</c> and upper-case hex without leading zeros: <c>0x1001</c>, <c>0x0</c>.</summary>
    public static string Mask(ulong mask) => "0x" + mask.ToString("X", CultureInfo.InvariantCulture);

    /// <summary>The provider's builds that any of <paramref name="events"/> has, oldest first (unknown labels last).</summary>
    public static IEnumerable<BuildInfo> BuildOrder(ProviderSchema provider, IEnumerable<EventSchema> events)
    {
        var used = new HashSet<string>(events.SelectMany(e => e.Builds), StringComparer.Ordinal);
        foreach (var b in provider.Builds)
            if (used.Remove(b.Label)) yield return b;
        foreach (var label in used.Order(StringComparer.Ordinal)) yield return new BuildInfo(label, "", "");
    }

    /// <summary>
    /// Build labels as runs of the provider's consecutive builds: <c>Win7-7600 – W10_1507, 1803, 2004 – W11_26H1</c>.
    /// </summary>
    public static string BuildRanges(ProviderSchema provider, IReadOnlyCollection<string> labels)
    {
        var set = new HashSet<string>(labels, StringComparer.Ordinal);
        var runs = new List<string>();
        string? first = null, last = null;
        foreach (var b in provider.Builds)
        {
            if (set.Remove(b.Label))
            {
                first ??= b.Label;
                last = b.Label;
            }
            else if (first is not null)
            {
                runs.Add(first == last ? first : $"{first} – {last}");
                first = last = null;
            }
        }
        if (first is not null) runs.Add(first == last ? first : $"{first} – {last}");
        runs.AddRange(set.Order(StringComparer.Ordinal));
        return runs.Count == 0 ? "none" : string.Join(", ", runs);
    }

    /// <summary>Numbers as runs of consecutive values: <c>1–41, 1000–1007, 1009</c>.</summary>
    public static string Ranges(IEnumerable<int> numbers)
    {
        var sorted = numbers.Distinct().Order().ToArray();
        var runs = new List<string>();
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1) j++;
            runs.Add(j == i ? $"{sorted[i]}" : $"{sorted[i]}–{sorted[j]}");
            i = j + 1;
        }
        return string.Join(", ", runs);
    }
}
