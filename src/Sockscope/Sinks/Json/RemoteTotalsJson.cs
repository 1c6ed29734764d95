using System.Text.Json;
using Sockscope.Analysis;

namespace Sockscope.Sinks.Json;

/// <summary>
/// One remote endpoint's totals as JSON, the same keys in every output: <c>remote</c>, <c>remote_name</c> (the host
/// name resolved to it, or null), <c>sockets</c>, <c>bytes_sent</c>, <c>bytes_received</c>, <c>failures</c>.
/// </summary>
internal static class RemoteTotalsJson
{
    /// <summary>Writes <paramref name="r"/> as one object.</summary>
    public static void Write(Utf8JsonWriter j, RemoteTotals r)
    {
        j.WriteStartObject();
        j.WriteString("remote", r.Remote.ToString());
        j.WriteString("remote_name", r.Name);
        j.WriteNumber("sockets", r.Sockets);
        j.WriteNumber("bytes_sent", r.BytesSent);
        j.WriteNumber("bytes_received", r.BytesReceived);
        j.WriteNumber("failures", r.Failures);
        j.WriteEndObject();
    }
}
