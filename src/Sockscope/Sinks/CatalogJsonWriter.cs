using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Schema;

namespace Sockscope.Sinks;

/// <summary>
/// One JSON document: <c>{"providers":[{name, guid, short_name, binary, message, builds, keywords, channels,
/// events:[{id, version, symbol, task, opcode, level, keywords, channel, message, fields, builds, provenance,
/// sources}]}]}</c>. Fields carry <c>in_type</c> and <c>out_type</c> as manifest names without prefix (out_type null
/// when the manifest gives none; <c>effective_out_type</c> is then the in-type's default), <c>length</c> (bytes) or
/// <c>length_field</c> when the length is known, <c>map</c> (name, kind, entries of value and message) or null,
/// and <c>known</c> (the documented value set: name, entries of value and name) or null.
/// </summary>
internal sealed class CatalogJsonWriter : CatalogWriter
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
        j.WriteString("guid", CatalogText.ProviderGuid(p));
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
        if (f.Map is { } map) WriteValueSet("map", map.Name, map.IsBitMap ? "bitMap" : "valueMap", map.Entries, "message");
        else j.WriteNull("map");
        if (f.Known != KnownValues.None) WriteValueSet("known", f.Known.ToString(), null, KnownValueNames.Entries(f.Known), "name");
        else j.WriteNull("known");
        j.WriteEndObject();
    }

    // A field's value map or documented value set: its name, the map's kind, and each value with its text.
    private void WriteValueSet(string property, string name, string? kind, IReadOnlyList<KeyValuePair<ulong, string>> entries, string textKey)
    {
        var j = _json;
        j.WriteStartObject(property);
        j.WriteString("name", name);
        if (kind is not null) j.WriteString("kind", kind);
        j.WriteStartArray("entries");
        foreach (var (value, text) in entries)
        {
            j.WriteStartObject();
            j.WriteNumber("value", value);
            j.WriteString(textKey, text);
            j.WriteEndObject();
        }
        j.WriteEndArray();
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
