using System.Text.Json;
using Sockscope.Analysis;

namespace Sockscope.Sinks.Json;

/// <summary>
/// One process's totals as JSON, the same keys in every output: <c>process_id</c>, <c>process</c>, <c>sockets</c>,
/// <c>bytes_sent</c>, <c>bytes_received</c>, <c>finding_count</c> (where asked for), <c>failures</c>,
/// <c>notices</c>, <c>findings_by_kind</c> (where asked for).
/// </summary>
internal static class ProcessTotalsJson
{
    /// <summary>Writes <paramref name="p"/> as one object.</summary>
    /// <param name="j">Where.</param>
    /// <param name="p">The process's totals.</param>
    /// <param name="failures">Its failures, as the output counts them.</param>
    /// <param name="notices">Its notices, as the output counts them.</param>
    /// <param name="findingCount">Writes <c>finding_count</c>.</param>
    /// <param name="findingsByKind">Writes <c>findings_by_kind</c>, kinds in ordinal order.</param>
    public static void Write(Utf8JsonWriter j, ProcessTotals p, long failures, long notices, bool findingCount, bool findingsByKind)
    {
        j.WriteStartObject();
        j.WriteNumber("process_id", p.ProcessId);
        j.WriteString("process", p.Name);
        j.WriteNumber("sockets", p.Sockets);
        j.WriteNumber("bytes_sent", p.BytesSent);
        j.WriteNumber("bytes_received", p.BytesReceived);
        if (findingCount) j.WriteNumber("finding_count", p.FindingCount);
        j.WriteNumber("failures", failures);
        j.WriteNumber("notices", notices);
        if (findingsByKind) KindCounts.Write(j, "findings_by_kind", p.Findings.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        j.WriteEndObject();
    }
}
