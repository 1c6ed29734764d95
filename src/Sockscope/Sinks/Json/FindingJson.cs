using System.Globalization;
using System.Text.Json;
using Sockscope.Analysis;

namespace Sockscope.Sinks.Json;

/// <summary>
/// One finding as JSON, the same keys in every output that lists findings (<c>summary --json</c>, the report):
/// <c>kind</c>, <c>time</c>, <c>process_id</c>, <c>process</c> (when the output names processes), <c>endpoint</c>
/// "0x…" or null, <c>remote</c>, <c>remote_name</c>, <c>severity</c>, <c>detail</c>.
/// </summary>
internal static class FindingJson
{
    /// <summary>Writes <paramref name="f"/> as one object.</summary>
    /// <param name="j">Where.</param>
    /// <param name="f">The finding.</param>
    /// <param name="time">How its time is written.</param>
    /// <param name="processNames">
    /// The process names by id, to write <c>process</c> beside <c>process_id</c>; null leaves <c>process</c> out.
    /// </param>
    public static void Write(Utf8JsonWriter j, Finding f, JsonTime time, IReadOnlyDictionary<uint, string?>? processNames = null)
    {
        j.WriteStartObject();
        j.WriteString("kind", f.Kind.ToText());
        time.Write(j, "time", f.Time);
        j.WriteNumber("process_id", f.ProcessId);
        if (processNames is not null) j.WriteString("process", processNames.GetValueOrDefault(f.ProcessId));
        if (f.Endpoint == 0) j.WriteNull("endpoint");
        else j.WriteString("endpoint", "0x" + f.Endpoint.ToString("X", CultureInfo.InvariantCulture));
        j.WriteString("remote", f.Remote?.ToString());
        j.WriteString("remote_name", f.RemoteName);
        j.WriteString("severity", f.Severity.ToString().ToLowerInvariant());
        j.WriteString("detail", f.Detail);
        j.WriteEndObject();
    }
}
