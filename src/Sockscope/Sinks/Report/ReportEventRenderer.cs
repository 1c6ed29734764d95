using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Sockscope.Decoding;
using Sockscope.Decoding.Values;
using Sockscope.Etl;
using Sockscope.Schema;

namespace Sockscope.Sinks.Report;

/// <summary>
/// Renders a held event as the report shows it: decoded again from its payload, its message with the inserts filled.
/// One per report; not thread-safe (the page is written on one thread).
/// </summary>
internal sealed class ReportEventRenderer
{
    private readonly EtlClock _clock;
    private readonly EventDecoder _decoder = new(SchemaCatalog.Winsock);
    private readonly FieldFormatter _fields = new();
    private readonly MessageFormatter _messages;
    private readonly StringBuilder _text = new();

    /// <summary>A renderer of events whose time stamps count in <paramref name="clock"/>'s ticks.</summary>
    public ReportEventRenderer(EtlClock clock)
    {
        _clock = clock;
        _messages = new MessageFormatter(_fields);
    }

    /// <summary>Event <paramref name="index"/> of <paramref name="log"/>, of the report's event kind <paramref name="kind"/>.</summary>
    public ReportEvent Render(SocketEventLog log, int index, int kind)
    {
        var payload = log.Get(index, out var schema, out long stamp, out uint pid, out uint tid, out int pointerSize);
        var decoded = _decoder.Decode(schema, payload, pointerSize);
        return new ReportEvent(_clock.ToUtc(stamp), kind, pid, tid, Render(decoded));
    }

    /// <summary>
    /// Writes event <paramref name="index"/> of <paramref name="log"/> as the page's array <c>[time, kind,
    /// process_id, thread_id, message]</c>: the same bytes as <see cref="Render(SocketEventLog, int, int)"/>'s event
    /// written field by field, but the message goes from the formatter's UTF-8 straight to the writer, no string
    /// made of it (the page holds up to <see cref="ReportOptions.MaxEvents"/> of them).
    /// </summary>
    public void Write(Utf8JsonWriter j, SocketEventLog log, int index, int kind, Json.JsonTime time)
    {
        var payload = log.Get(index, out var schema, out long stamp, out uint pid, out uint tid, out int pointerSize);
        var decoded = _decoder.Decode(schema, payload, pointerSize);
        j.WriteStartArray();
        j.WriteNumberValue(time.Microseconds(_clock.ToUtc(stamp)));
        j.WriteNumberValue(kind);
        if (pid == uint.MaxValue) j.WriteNullValue();
        else j.WriteNumberValue(pid);
        if (tid == uint.MaxValue) j.WriteNullValue();
        else j.WriteNumberValue(tid);
        if (decoded.Schema.Message is not null || decoded.Count == 0)
        {
            var message = _messages.Format(decoded);
            // Text that is not UTF-8 goes the string's way, its bad bytes replaced as the string's decoding replaces them.
            if (Utf8.IsValid(message)) j.WriteStringValue(message);
            else j.WriteStringValue(Encoding.UTF8.GetString(message));
        }
        else j.WriteStringValue(Render(decoded));
        j.WriteEndArray();
    }

    /// <summary>The message with its inserts filled; for an event without one (its task name only), the fields too.</summary>
    private string Render(in DecodedEvent e)
    {
        string message = Encoding.UTF8.GetString(_messages.Format(e));
        if (e.Schema.Message is not null || e.Count == 0) return message;
        var text = _text.Clear().Append(message).Append(':');
        for (int i = 0; i < e.Count; i++)
        {
            if (!e.Has(i)) continue;
            text.Append(' ').Append(e.Field(i).Name).Append('=').Append(Encoding.UTF8.GetString(_fields.FormatText(e, i)));
            if (text.Length > 2000) break;
        }
        return text.ToString();
    }
}
