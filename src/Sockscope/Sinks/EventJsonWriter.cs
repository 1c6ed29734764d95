using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Events;

namespace Sockscope.Sinks;

/// <summary>
/// Writes event records as JSON lines (one object and a line feed per record) in the event shape of the Winsock
/// event documentation: <c>system</c> (provider, ids, time, correlation, execution, security), <c>event_data</c> and
/// <c>message</c>; <c>system</c> also holds <c>time_created_precise</c>, the time to 100 ns (ISO 8601 UTC, seven
/// fractional digits, "Z") where <c>time_created</c> keeps the catalog's milliseconds. A decoded event's <c>event_data</c> holds its fields by name (a status or error field that is not
/// zero also gets <c>&lt;Field&gt;Name</c> with its symbolic name) and <c>message</c> the manifest message with its
/// inserts filled; a payload that is not decoded is one <c>payload_hex</c> key with the bytes in upper-case hex.
/// A payload shorter or longer than its template adds <c>"decoding": "truncated"</c> or <c>"extra_bytes"</c>.
/// </summary>
/// <remarks>
/// Built for millions of records: the part of the line every event has (the <c>system</c> object) is written
/// straight into the output from pre-encoded pieces (each provider's name and GUID encoded once, the time text
/// reused within a millisecond); only <c>event_data</c> goes through one reused <see cref="Utf8JsonWriter"/>.
/// After the first records of each provider nothing is allocated per record. The caller drains
/// <see cref="IBufferWriter{T}"/> as it likes; the writer never flushes it.
/// </remarks>
public sealed class EventJsonWriter : IDisposable
{
    // '+' of "+00:00" and non-ASCII provider names stay readable; quotes, backslashes and control characters are
    // still escaped, which is all JSON needs (the output is data, not HTML).
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Bytes of a GUID in registry form with braces.</summary>
    internal const int GuidLength = 38;

    private readonly IBufferWriter<byte> _output;
    private readonly Utf8JsonWriter _json;
    private readonly EtlClock _clock;
    private readonly byte[] _computerJson;
    private readonly byte[] _lastTime = new byte[40];
    private int _lastTimeLength;
    private long _lastMillisecond;
    // "yyyy-MM-ddTHH:mm:ss.fff" of the time text.
    private const int MillisecondTextLength = 23;
    private readonly ProviderFormCache<EventKindHeads> _providers;
    // Event kinds whose line start is kept, over all providers (see EventKindHeads).
    private int _headBudget = 4096;
    private Schema.EventSchema? _lastSchema;
    private const int MaxCachedSchemas = 16_384;
    private EventJsonPlan? _lastPlan;
    private int[] _keptAt = new int[32];
    private int[] _keptLength = new int[32];
    private readonly FieldFormatter _fields = new();
    private readonly Dictionary<string, byte[]> _symbols = new(ReferenceEqualityComparer.Instance);
    private readonly MessageFormatter _messages;
    private readonly Dictionary<Schema.EventSchema, EventJsonPlan> _plans = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates a writer.</summary>
    /// <param name="output">Where the JSON lines go.</param>
    /// <param name="clock">The trace's clock (<see cref="EtlReader.Clock"/>), for <c>time_created</c>.</param>
    /// <param name="names">Provider names; the caller lets it learn every record before writing it.</param>
    /// <param name="computer">The <c>computer</c> value: ETL files do not record the machine name.</param>
    public EventJsonWriter(IBufferWriter<byte> output, EtlClock clock, ProviderNames names, string? computer = null)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _providers = new ProviderFormCache<EventKindHeads>(names, (guid, name) => new EventKindHeads(ProviderPrefix(guid, name)));
        _computerJson = [(byte)'"', .. JsonEncodedText.Encode(computer ?? "", Encoder).EncodedUtf8Bytes, (byte)'"'];
        _json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = Encoder, SkipValidation = true });
        _messages = new MessageFormatter(_fields);
    }

    /// <summary>Writes one record, payload not decoded, as one JSON line.</summary>
    public void Write(in EtlRecord record)
    {
        WriteSystem(record);
        var payload = record.UserData;
        var d = _output.GetSpan(payload.Length * 2 + 64);
        int n = Copy(d, 0, ",\"event_data\":{\"payload_hex\":\""u8);
        // Hex needs no escaping, so it goes straight into the output.
        Convert.TryToHexString(payload, d[n..], out int hex);
        n += hex;
        n = Copy(d, n, "\"},\"message\":\"\"}\n"u8);
        _output.Advance(n);
    }

    /// <summary>Writes one decoded record as one JSON line.</summary>
    public void Write(in EtlRecord record, in DecodedEvent decoded)
    {
        WriteSystem(record);
        var plan = PlanOf(decoded.Schema);
        int count = decoded.Count;
        if (_keptAt.Length < count)
        {
            _keptAt = new int[Math.Max(count, _keptAt.Length * 2)];
            _keptLength = new int[_keptAt.Length];
        }
        // The object's punctuation, property names and the values that need no escaping are formatted straight into
        // one span of the output (the plan says once per schema which values those are); the rest go through the
        // JSON writer, each a value of its own. The message follows in the same span, its inserts copied from the
        // values just written where they read the same, as long as no value left the span.
        int bound = plan.Room + 3 * decoded.Payload.Length;
        var d = _output.GetSpan(2 * bound + MessageRoom);
        int n = Copy(d, 0, ",\"event_data\":{"u8);
        bool moved = false;
        bool first = true;
        var keptAt = _keptAt;
        var keptLength = _keptLength;
        for (int i = 0; i < count; i++)
        {
            keptAt[i] = 0;
            if (!decoded.Has(i)) continue;
            var name = first ? plan.Names[i].AsSpan(1) : plan.Names[i];
            first = false;
            name.CopyTo(d[n..]);
            n += name.Length;
            var route = plan.Routes[i];
            if (route != JsonRoute.Writer)
            {
                int w = _fields.FormatJsonDirect(decoded, i, plan.Fields[i], plan.Forms[i], route, d[n..]);
                if (plan.TextIsValue[i])
                {
                    if (route == JsonRoute.Bare) Keep(i, n, w);
                    else if (d[n] == (byte)'"') Keep(i, n + 1, w - 2);
                }
                n += w;
            }
            else
            {
                _output.Advance(n);
                _json.Reset();
                _fields.WriteJson(_json, decoded, i);
                _json.Flush();
                n = 0;
                d = _output.GetSpan(2 * bound + MessageRoom);
                moved = true;
            }
            if (plan.MayHaveStatusName[i] && FieldFormatter.StatusName(decoded, i) is { } symbol)
            {
                plan.StatusNames[i].CopyTo(d[n..]);
                n += plan.StatusNames[i].Length;
                if (QuotedSymbol(symbol) is { } quoted)
                {
                    quoted.CopyTo(d[n..]);
                    n += quoted.Length;
                }
                else
                {
                    _output.Advance(n);
                    _json.Reset();
                    _json.WriteStringValue(symbol);
                    _json.Flush();
                    n = 0;
                    d = _output.GetSpan(2 * bound + MessageRoom);
                    moved = true;
                }
            }
        }
        n = Copy(d, n, "},\"message\":\""u8);
        // Room for what follows the message: its closing quote, the decoding note, "}" and the line feed.
        int end = moved ? -1 : _messages.TryFormatPlain(decoded, plan.Message, d[..^TailRoom], n, keptAt, keptLength);
        if (end >= 0)
        {
            n = end;
            d[n++] = (byte)'"';
        }
        else
        {
            n--; // the message's opening quote: the way below writes its own
            _output.Advance(n);
            var message = _messages.Format(decoded);
            // Most messages need no escaping: then they go in raw, without the writer's per-byte escape scan.
            if (PlainJsonText.Is(message)) RawQuoted(message);
            else
            {
                _json.Reset();
                _json.WriteStringValue(message);
                _json.Flush();
            }
            d = _output.GetSpan(TailRoom);
            n = 0;
        }
        if (decoded.Status != DecodeStatus.Complete)
            n = Copy(d, n, (decoded.Status & DecodeStatus.Truncated) != 0 ? ",\"decoding\":\"truncated\""u8 : ",\"decoding\":\"extra_bytes\""u8);
        n = Copy(d, n, "}\n"u8);
        _output.Advance(n);
    }

    /// <summary>Room for a message's literal text beyond its inserts, before the span is given up for the JSON writer's way.</summary>
    private const int MessageRoom = 1024;

    /// <summary>Room for the closing quote of the message, the decoding note, <c>}</c> and the line feed.</summary>
    private const int TailRoom = 64;

    private void Keep(int field, int at, int length)
    {
        _keptAt[field] = at + 1;
        _keptLength[field] = length;
    }

    // Inlined so that a literal's copy is unrolled for its known length rather than a call to a general memmove.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Copy(Span<byte> d, int n, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(d[n..]);
        return n + bytes.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Number(Span<byte> d, int n, long value)
    {
        // Versions, levels and opcodes are mostly one digit.
        if ((ulong)value < 10)
        {
            d[n] = (byte)('0' + value);
            return n + 1;
        }
        Utf8Formatter.TryFormat(value, d[n..], out int w);
        return n + w;
    }

    /// <summary>
    /// Writes <c>{"system":{…}}</c> up to (not including) <c>event_data</c>, straight into the output: the keys and
    /// their order never change, the provider's part is encoded once, and the time text is reused for every event
    /// of the same millisecond, so no JSON writer is needed for the part of the line every event has.
    /// </summary>
    private void WriteSystem(in EtlRecord record)
    {
        var provider = _providers.Get(record);
        var head = provider.Find(record, ref _headBudget);
        var d = _output.GetSpan(provider.ProviderPrefix.Length + EventKindHeads.MaxDescriptorLength + _computerJson.Length + 512);
        int n;
        if (head is not null) n = Copy(d, 0, head);
        else
        {
            n = Copy(d, 0, provider.ProviderPrefix);
            n += EventKindHeads.FormatDescriptor(record, d[n..]);
        }
        long fileTime = _clock.ToFileTime(record.Timestamp);
        long millisecond = Math.DivRem(fileTime, TimeSpan.TicksPerMillisecond, out long rest);
        if (rest < 0) millisecond--;
        if (millisecond != _lastMillisecond || _lastTimeLength == 0)
        {
            _lastTimeLength = FormatTime(EtlClock.FromFileTime(fileTime), _lastTime, 3, "+00:00"u8);
            _lastMillisecond = millisecond;
        }
        n = Copy(d, n, _lastTime.AsSpan(0, _lastTimeLength));
        // The catalog's time_created stops at the millisecond; the trace's own 100 ns go next to it: the same text to
        // the millisecond, then the four digits below it.
        n = Copy(d, n, "\",\"time_created_precise\":\""u8);
        n = Copy(d, n, _lastTime.AsSpan(0, MillisecondTextLength));
        int below = (int)(rest < 0 ? rest + TimeSpan.TicksPerMillisecond : rest);
        Digits(d, ref n, below, 4);
        d[n++] = (byte)'Z';
        n = Copy(d, n, "\",\"event_record_id\":0,\"correlation\":{\"ActivityID\":\""u8);
        var activity = record.ActivityId;
        if (activity == Guid.Empty) n = Copy(d, n, "{00000000-0000-0000-0000-000000000000}"u8);
        else n += FormatGuid(activity, d[n..]);
        d[n++] = (byte)'"';
        if (record.HasExtendedData && record.TryGetRelatedActivityId(out var related))
        {
            n = Copy(d, n, ",\"RelatedActivityID\":\""u8);
            n += FormatGuid(related, d[n..]);
            d[n++] = (byte)'"';
        }
        n = Copy(d, n, "},\"execution\":{\"process_id\":"u8);
        bool known = record.HasProcessInfo;
        n = Number(d, n, known ? record.ProcessId : -1L);
        n = Copy(d, n, ",\"thread_id\":"u8);
        n = Number(d, n, known ? record.ThreadId : -1L);
        n = Copy(d, n, "},\"channel\":\"ETW Trace\",\"computer\":"u8);
        n = Copy(d, n, _computerJson);
        n = Copy(d, n, ",\"security\":{\"user_id\":\""u8);
        if (record.HasExtendedData && SidText.TryFormat(record.UserSid, d[n..], out int sidLength)) n += sidLength;
        n = Copy(d, n, "\"}}"u8);
        _output.Advance(n);
    }

    private void RawQuoted(ReadOnlySpan<byte> text)
    {
        var d = _output.GetSpan(text.Length + 2);
        d[0] = (byte)'"';
        text.CopyTo(d[1..]);
        d[text.Length + 1] = (byte)'"';
        _output.Advance(text.Length + 2);
    }

    /// <summary>The plan of a schema's fields, made once.</summary>
    private EventJsonPlan PlanOf(Schema.EventSchema schema)
    {
        if (ReferenceEquals(schema, _lastSchema)) return _lastPlan!;
        if (!_plans.TryGetValue(schema, out var plan))
        {
            plan = new EventJsonPlan(schema, Encoder, _messages.TemplateOf(schema));
            // TraceLogging schemas come from the trace: bound what a hostile one with endless event kinds can cost.
            if (_plans.Count >= MaxCachedSchemas) _plans.Clear();
            _plans[schema] = plan;
        }
        _lastSchema = schema;
        _lastPlan = plan;
        return plan;
    }

    /// <summary>A status symbol as a JSON string (encoded once per symbol), or null when it is too long to go in raw.</summary>
    private byte[]? QuotedSymbol(string symbol)
    {
        if (!_symbols.TryGetValue(symbol, out var bytes))
        {
            bytes = [(byte)'"', .. JsonEncodedText.Encode(symbol, Encoder).EncodedUtf8Bytes, (byte)'"'];
            if (_symbols.Count < 4096) _symbols[symbol] = bytes;
        }
        return bytes.Length <= EventJsonPlan.MaxStatusNameLength ? bytes : null;
    }

    /// <summary>Flushes anything the JSON writer still holds into the output.</summary>
    public void Flush() => _json.Flush();

    /// <inheritdoc/>
    public void Dispose() => _json.Dispose();

    /// <summary>Writes a GUID as <c>{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}</c> (38 bytes); returns 38.</summary>
    internal static int FormatGuid(Guid guid, Span<byte> destination)
    {
        guid.TryFormat(destination, out int n, "B");
        Ascii.ToUpperInPlace(destination[..n], out _);
        return n;
    }

    /// <summary>Writes <c>0x</c> and 16 upper-case hex digits; returns 18.</summary>
    internal static int FormatKeywords(ulong keywords, Span<byte> destination)
    {
        destination[0] = (byte)'0';
        destination[1] = (byte)'x';
        Utf8Formatter.TryFormat(keywords, destination[2..], out int n, new StandardFormat('X', 16));
        return 2 + n;
    }

    /// <summary>
    /// Writes <c>yyyy-MM-ddTHH:mm:ss</c>, then <paramref name="fractionDigits"/> truncated fractional digits (none:
    /// no dot), then <paramref name="suffix"/>. Hand-made because custom DateTime formats parse their pattern on
    /// every call.
    /// </summary>
    internal static int FormatTime(DateTime utc, Span<byte> destination, int fractionDigits, ReadOnlySpan<byte> suffix)
    {
        utc.Deconstruct(out int year, out int month, out int day);
        long ticks = utc.TimeOfDay.Ticks;
        int seconds = (int)(ticks / TimeSpan.TicksPerSecond);
        int n = 0;
        Digits(destination, ref n, year, 4);
        destination[n++] = (byte)'-';
        Digits(destination, ref n, month, 2);
        destination[n++] = (byte)'-';
        Digits(destination, ref n, day, 2);
        destination[n++] = (byte)'T';
        n += FormatClock(seconds, (int)(ticks % TimeSpan.TicksPerSecond), destination[n..], fractionDigits);
        suffix.CopyTo(destination[n..]);
        return n + suffix.Length;
    }

    /// <summary>Writes <c>HH:mm:ss</c> and up to 7 fractional digits of a time of day.</summary>
    internal static int FormatClock(int secondOfDay, int ticksInSecond, Span<byte> destination, int fractionDigits)
    {
        int n = 0;
        Digits(destination, ref n, secondOfDay / 3600, 2);
        destination[n++] = (byte)':';
        Digits(destination, ref n, secondOfDay / 60 % 60, 2);
        destination[n++] = (byte)':';
        Digits(destination, ref n, secondOfDay % 60, 2);
        if (fractionDigits > 0)
        {
            destination[n++] = (byte)'.';
            int fraction = ticksInSecond;
            for (int i = fractionDigits; i < 7; i++) fraction /= 10;
            Digits(destination, ref n, fraction, fractionDigits);
        }
        return n;
    }

    private static void Digits(Span<byte> destination, ref int n, int value, int count)
    {
        for (int i = count - 1; i >= 0; i--)
        {
            destination[n + i] = (byte)('0' + value % 10);
            value /= 10;
        }
        n += count;
    }

    /// <summary><c>{"system":{"provider":"…","guid":"{…}","event_source_name":"","event_id":</c> of a provider.</summary>
    private static byte[] ProviderPrefix(Guid guid, string? name)
    {
        Span<byte> text = stackalloc byte[GuidLength];
        int g = FormatGuid(guid, text);
        return [.. "{\"system\":{\"provider\":\""u8, .. JsonEncodedText.Encode(name ?? "", Encoder).EncodedUtf8Bytes,
            .. "\",\"guid\":\""u8, .. text[..g], .. "\",\"event_source_name\":\"\",\"event_id\":"u8];
    }
}
