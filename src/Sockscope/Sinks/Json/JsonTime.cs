using System.Globalization;
using System.Text.Json;

namespace Sockscope.Sinks.Json;

/// <summary>
/// How an output writes a time: ISO 8601 UTC text (summary, sockets) or whole microseconds after an origin (the
/// report's page, which does arithmetic on them).
/// </summary>
internal readonly struct JsonTime
{
    private readonly DateTime? _origin;

    private JsonTime(DateTime? origin) => _origin = origin;

    /// <summary>ISO 8601 UTC with 7 fractional digits.</summary>
    public static JsonTime Iso => default;

    /// <summary>Microseconds after <paramref name="origin"/>, as a number.</summary>
    public static JsonTime MicrosecondsAfter(DateTime origin) => new(origin);

    /// <summary>The microseconds of <paramref name="t"/> after the origin (an ISO writer has none: 0 is the epoch).</summary>
    public long Microseconds(DateTime t) => (t - (_origin ?? default)).Ticks / 10;

    /// <summary>Writes <paramref name="time"/> under <paramref name="name"/>, or null.</summary>
    public void Write(Utf8JsonWriter j, string name, DateTime? time) => Write(j, JsonEncodedText.Encode(name), time);

    /// <summary>Writes <paramref name="time"/> under <paramref name="name"/>, or null; ISO text is formatted without a string.</summary>
    public void Write(Utf8JsonWriter j, JsonEncodedText name, DateTime? time)
    {
        if (time is not { } t)
        {
            j.WriteNull(name);
            return;
        }
        if (_origin is not null)
        {
            j.WriteNumber(name, Microseconds(t));
            return;
        }
        Span<byte> text = stackalloc byte[40];
        // "O" is ISO 8601 with 7 fractional digits, and a Z for UTC times: the same as SocketWriter.Iso, without a string.
        if (t.Kind == DateTimeKind.Utc && t.TryFormat(text, out int n, "O", CultureInfo.InvariantCulture)) j.WriteString(name, text[..n]);
        else j.WriteString(name, SocketWriter.Iso(t));
    }
}
