using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Analysis;

namespace Sockscope.Sinks.Json;

/// <summary>
/// Writes <c>summary --json</c>: one indented object with the trace's totals, the findings listed, and the totals
/// per process and per remote endpoint, each written by the serializer every output shares (<see cref="FindingJson"/>,
/// <see cref="ProcessTotalsJson"/>, <see cref="RemoteTotalsJson"/>).
/// </summary>
internal static class SummaryJson
{
    /// <summary>Writes the object and a line feed, then flushes <paramref name="output"/>.</summary>
    /// <param name="output">Where.</param>
    /// <param name="file">The trace's path as given.</param>
    /// <param name="s">What the analysis found.</param>
    /// <param name="listed">The findings to list (the counts cover every finding).</param>
    /// <param name="noticesListed">Whether <paramref name="listed"/> includes the notices.</param>
    public static void Write(Stream output, string file, AnalysisSummary s, IReadOnlyList<Finding> listed, bool noticesListed)
    {
        using (var j = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            var totals = s.Totals;
            j.WriteStartObject();
            j.WriteString("file", file);
            j.WriteNumber("records", totals.Records);
            j.WriteNumber("winsock_events", totals.WinsockEvents);
            j.WriteNumber("sockets", totals.Sockets);
            j.WriteNumber("bytes_sent", totals.BytesSent);
            j.WriteNumber("bytes_received", totals.BytesReceived);
            j.WriteNumber("finding_count", totals.FindingCount);
            j.WriteNumber("failures", totals.Failures);
            j.WriteNumber("notices", totals.Notices);
            KindCounts.Write(j, "findings_by_kind", totals.FindingsByKind);
            KindCounts.Write(j, "failures_by_kind", totals.FailuresByKind);
            KindCounts.Write(j, "notices_by_kind", totals.NoticesByKind);
            j.WriteStartObject("findings_by_severity");
            foreach (var severity in new[] { FindingSeverity.Error, FindingSeverity.Warning, FindingSeverity.Info })
                j.WriteNumber(severity.ToString().ToLowerInvariant(), totals.FindingsOf(severity));
            j.WriteEndObject();
            j.WriteNumber("findings_listed", listed.Count);
            j.WriteBoolean("notices_listed", noticesListed);
            j.WriteBoolean("findings_truncated", s.FindingsTruncated);
            j.WriteNumber("findings_cap", s.MaxFindingsKept);
            j.WriteStartArray("findings");
            foreach (var f in listed) FindingJson.Write(j, f, JsonTime.Iso);
            j.WriteEndArray();
            j.WriteBoolean("processes_truncated", totals.ProcessesTruncated);
            j.WriteBoolean("remote_endpoints_truncated", totals.RemotesTruncated);
            j.WriteNumber("totals_cap", totals.MaxTotals);
            j.WriteStartArray("processes");
            foreach (var p in totals.Processes) ProcessTotalsJson.Write(j, p, p.Failures, p.Notices, findingCount: false, findingsByKind: true);
            j.WriteEndArray();
            j.WriteStartArray("remote_endpoints");
            foreach (var r in totals.Remotes) RemoteTotalsJson.Write(j, r);
            j.WriteEndArray();
            j.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
        output.Flush();
    }
}
