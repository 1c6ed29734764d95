using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Schema;

namespace Sockscope.Sources;

/// <summary>
/// Makes the lines of a <see cref="JsonLineBlock"/> into records, with the problems of the lines skipped. Each
/// parser is used by one thread at a time; lines need nothing from the lines before them (the process names they
/// give are made into records by the source, in order), so blocks parse in any order on any thread.
/// </summary>
internal sealed class JsonLineParser
{
    private readonly SchemaCatalog _catalog;
    private readonly InputFormat _format;
    private readonly JsonEvent _event = new();
    private readonly RepeatedKeys _repeated = new();
    private readonly PayloadBuilder _builder = new();
    private readonly CatalogLineReader? _lines;
    private readonly Dictionary<(Guid, string), EventSchema?> _byName = new();
    private readonly bool _documentsOnly;
    private JsonLineBlock _block = null!;

    public JsonLineParser(SchemaCatalog catalog, InputFormat format, bool documentsOnly)
    {
        _catalog = catalog;
        _format = format;
        _documentsOnly = documentsOnly;
        if (format == InputFormat.Jsonl) _lines = new CatalogLineReader(catalog, _builder);
    }

    /// <summary>Parses the block's lines into its records.</summary>
    public void Parse(JsonLineBlock block)
    {
        _block = block;
        block.ClearParsed();
        if (block.TooLongAt >= 0) Bad(block.TooLongAt, $"a line longer than {JsonEventSource.MaxLineBytes} bytes");
        var bytes = block.Bytes.AsMemory(0, block.Length);
        int at = 0;
        try
        {
            while (at < bytes.Length)
            {
                int nl = bytes.Span[at..].IndexOf((byte)'\n');
                int length = nl < 0 ? bytes.Length - at : nl;
                TryBuild(bytes.Slice(at, length), block.Offset + at);
                at += length + 1;
            }
        }
        catch (Exception ex)
        {
            // Thrown where reading one line at a time would have thrown it: after the events before it.
            block.Failure = ExceptionDispatchInfo.Capture(ex);
            block.FailureBefore = block.EventCount;
        }
        _block = null!;
    }

    private void TryBuild(ReadOnlyMemory<byte> line, long offset)
    {
        // A byte order mark may open the input, and JSON text has none.
        if (offset == 0 && line.Span.StartsWith("\uFEFF"u8)) line = line[3..];
        if (line.Span.TrimStart(" \t\r"u8).IsEmpty) return;
        var e = _event;
        EventSchema? schema;
        ReadOnlySpan<byte> payload;
        if (_lines is not null && !_documentsOnly && _lines.TryRead(line.Span, e, out schema, out payload, out int notUnderstood))
            _block.ValuesNotUnderstood += notUnderstood;
        else
        {
            _block.DocumentLines++;
            if (!TryReadDocument(line, offset, out schema, out payload)) return;
        }
        if (TraceRecordEncoder.EventHeaderSize(payload.Length, default) > TraceRecordEncoder.MaxRecordSize)
        {
            Bad(offset, $"{schema.Provider.Name} event {schema.Id}: the event's data takes {payload.Length} bytes, more than a record holds");
            return;
        }
        long stamp = e.FileTime;
        int size = TraceRecordEncoder.EventHeader(_block.RecordRoom(), new EventHeaderValues
        {
            ProviderId = schema.Provider.Guid, Id = schema.Id, Version = schema.Version,
            Level = e.Level != 0 || e.Style == JsonValueStyle.Catalog ? e.Level : (byte)schema.Level.Value,
            Opcode = e.Opcode, Task = e.Task != 0 || e.Style == JsonValueStyle.Catalog ? e.Task : (ushort)schema.Task.Value,
            Keywords = e.Keywords != 0 || e.Style == JsonValueStyle.Catalog ? e.Keywords : schema.Keywords,
            ProcessId = e.ProcessId, ThreadId = e.ThreadId, Timestamp = stamp, Is32Bit = e.PointerSize == 4,
        }, payload);
        _block.Add(size, offset, stamp, e.ProcessId, e.ProcessName);
    }

    /// <summary>
    /// Reads the line as a parsed document: every line of the formats not read by <see cref="CatalogLineReader"/>, and
    /// the lines it declines. False when the line is bad (reported) or its event unknown (counted).
    /// </summary>
    private bool TryReadDocument(ReadOnlyMemory<byte> line, long offset, [NotNullWhen(true)] out EventSchema? schema, out ReadOnlySpan<byte> payload)
    {
        schema = null;
        payload = default;
        JsonDocument doc;
        try
        {
            // The line's bytes stay put until the block is parsed, after the document is disposed.
            doc = JsonDocument.Parse(line, JsonEventSource.LineOptions);
        }
        catch (JsonException ex)
        {
            return Bad(offset, $"not JSON: {ex.Message}");
        }
        using (doc)
        {
            var e = _event;
            e.Reset();
            string? error;
            try
            {
                error = JsonEventSource.ReadEvent(_format, doc.RootElement, e);
                if (error is null && (_repeated.Find(e.Data) ?? _repeated.Find(e.Types)) is { } key)
                    error = $"the key \"{key}\" appears twice in the event's {PayloadName(_format)}";
            }
            catch (InvalidOperationException ex)
            {
                // Text that is not UTF-8, where a name or a time should be.
                return Bad(offset, ex.Message);
            }
            if (error is not null) return Bad(offset, error);
            schema = SchemaOf(e);
            if (schema is null)
            {
                _block.UnknownEvents++;
                return false;
            }
            try
            {
                payload = Payload(schema, e);
            }
            catch (Exception ex) when (ex is ArgumentException or OverflowException or InvalidOperationException)
            {
                return Bad(offset, $"{schema.Provider.Name} event {schema.Id}: {ex.Message}");
            }
            return true;
        }
    }

    /// <summary>What the format calls the object of an event's field values.</summary>
    private static string PayloadName(InputFormat format) => format switch
    {
        InputFormat.Jsonl => "event_data",
        InputFormat.SilkEtw => "XmlEventData",
        _ => "properties or property_types",
    };

    private bool Bad(long offset, string message)
    {
        _block.BadLines++;
        _block.Problems.Add(new JsonLineBlock.Problem(_block.EventCount, offset, message));
        return false;
    }

    private EventSchema? SchemaOf(JsonEvent e)
    {
        var provider = e.Provider != Guid.Empty ? _catalog.Find(e.Provider) : null;
        if (provider is null && e.ProviderName is { Length: > 0 } providerName) provider = _catalog.Find(providerName);
        if (provider is null) return null;
        e.Provider = provider.Guid;
        if (e.Id >= 0)
            return provider.Find((ushort)e.Id, e.Version) ?? provider.Events.Where(x => x.Id == e.Id).MaxBy(x => x.Version);
        if (e.EventName is not { } eventName) return null;
        var key = (provider.Guid, $"{eventName}\u0001{e.Opcode}");
        if (!_byName.TryGetValue(key, out var schema))
        {
            schema = ByName(provider, eventName, e.Opcode);
            if (_byName.Count < 65_536) _byName[key] = schema;
        }
        return schema;
    }

    /// <summary>
    /// TraceEvent names a manifest event "Task/Opcode" (or just "Task"): the task names the event, and where a task
    /// has several events the opcode picks one. AFD logs one event with opcode 10 on entry and 12 on exit, so an
    /// opcode that names no event of the task still finds the task's one event.
    /// </summary>
    private static EventSchema? ByName(ProviderSchema provider, string eventName, byte opcode)
    {
        int slash = eventName.IndexOf('/');
        string task = slash < 0 ? eventName : eventName[..slash];
        string? opcodeName = slash < 0 ? null : eventName[(slash + 1)..];
        var candidates = provider.Events.Where(x => string.Equals(x.Task.Name, task, StringComparison.OrdinalIgnoreCase)).ToList();
        if (candidates.Count == 0) return null;
        var byOpcode = candidates.Where(x => x.Opcode.Value == opcode
            || (opcodeName is not null && string.Equals(x.Opcode.Name, opcodeName, StringComparison.OrdinalIgnoreCase))).ToList();
        var pick = byOpcode.Count > 0 ? byOpcode : candidates.Select(x => x.Id).Distinct().Count() == 1 ? candidates : [];
        return pick.Count == 0 ? null : pick.MaxBy(x => x.Version);
    }

    private ReadOnlySpan<byte> Payload(EventSchema schema, JsonEvent e)
    {
        var fields = schema.Fields;
        // Lengths come from the bytes they measure.
        Span<bool> isLength = fields.Count <= 256 ? stackalloc bool[fields.Count] : new bool[fields.Count];
        foreach (var f in fields)
            if (f.LengthField >= 0) isLength[f.LengthField] = true;
        // The pointer size first: Sealighter's pointers say it by their length.
        int pointerSize = e.PointerSize;
        if (pointerSize == 0 && e.Style == JsonValueStyle.Sealighter && e.Data.ValueKind == JsonValueKind.Object)
        {
            foreach (var f in fields)
            {
                if (f.InType != InType.Pointer || !e.Data.TryGetProperty(f.Name, out var v) || v.ValueKind != JsonValueKind.String) continue;
                int digits = v.GetString()!.Length;
                if (digits is 8 or 16) { pointerSize = digits / 2; break; }
            }
        }
        e.PointerSize = pointerSize is 4 ? 4 : 8;
        var b = _builder;
        b.Reset(schema, e.PointerSize);
        if (e.Data.ValueKind != JsonValueKind.Object) return b.Build();
        // One pass over the values (looking each field up by name would scan them once per field).
        foreach (var property in e.Data.EnumerateObject())
        {
            int k = schema.IndexOf(property.Name);
            if (k < 0 || isLength[k] || property.Value.ValueKind == JsonValueKind.Null) continue;
            if (!JsonFieldValues.TrySet(b, fields[k], property.Value, e)) _block.ValuesNotUnderstood++;
        }
        return b.Build();
    }
}
