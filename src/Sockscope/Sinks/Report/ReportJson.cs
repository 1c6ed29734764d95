using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Sockscope.Analysis;
using Sockscope.Sinks.Json;

namespace Sockscope.Sinks.Report;

/// <summary>
/// Writes a report's data as the JSON its page reads. Times are microseconds after <see cref="ReportOverview.Origin"/>
/// (null when before or after the trace); a socket's events are arrays <c>[time, kind, process_id, thread_id,
/// message]</c>, <c>kind</c> indexing <c>event_kinds</c>.
/// </summary>
/// <remarks>
/// The encoder escapes <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>, quotes and <c>+</c> as <c>\u003C</c> and the like (it
/// does for every allowed range), so no text from a trace can close the script element the JSON sits in or open a
/// comment; other characters stay as they are, to keep names readable and the file small.
/// </remarks>
internal static class ReportJson
{
    /// <summary>The format name written as <c>format</c>.</summary>
    public const string Format = "sockscope-report/1";

    /// <summary>Peers listed of one datagram socket (<c>peer_count</c> counts them all).</summary>
    public const int MaxPeers = 100;

    /// <summary>Providers listed in <c>overview.providers</c> (<c>provider_count</c> counts them all).</summary>
    public const int MaxProviders = 50;

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    /// <summary>Writes <paramref name="data"/> to <paramref name="output"/> as one JSON object.</summary>
    public static void Write(Stream output, ReportData data)
    {
        using var j = new Utf8JsonWriter(output, Options);
        Write(j, data);
    }

    /// <summary>Writes <paramref name="data"/> as one JSON object.</summary>
    public static void Write(Utf8JsonWriter j, ReportData data)
    {
        var time = JsonTime.MicrosecondsAfter(data.Overview.Origin);
        long Us(DateTime t) => time.Microseconds(t);
        var names = new Dictionary<uint, string?>();
        foreach (var p in data.Processes) names.TryAdd(p.ProcessId, p.Name);

        j.WriteStartObject();
        j.WriteString("format", Format);
        WriteOverview(j, data.Overview, time, names);

        j.WriteNumber("failing_process_count", data.FailingProcessCount);
        j.WriteNumber("failing_remote_endpoint_count", data.FailingRemoteCount);
        j.WriteStartArray("failing_processes");
        foreach (var p in data.FailingProcesses)
        {
            j.WriteStartObject();
            j.WriteNumber("process_id", p.ProcessId);
            j.WriteString("process", p.Name);
            j.WriteNumber("failures", p.Failures);
            j.WriteNumber("notices", p.Notices);
            j.WriteNumber("first", Us(p.FirstFailure));
            Kinds(j, p.Kinds);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartArray("failing_remote_endpoints");
        foreach (var r in data.FailingRemotes)
        {
            j.WriteStartObject();
            Endpoint(j, "remote", r.Remote);
            j.WriteString("remote_name", r.Name);
            j.WriteNumber("failures", r.Failures);
            j.WriteNumber("first", Us(r.FirstFailure));
            Kinds(j, r.Kinds);
            j.WriteEndObject();
        }
        j.WriteEndArray();

        j.WriteStartArray("event_kinds");
        foreach (var k in data.EventKinds)
        {
            j.WriteStartObject();
            j.WriteString("provider", k.Provider);
            j.WriteNumber("id", k.Id);
            j.WriteNumber("version", k.Version);
            j.WriteString("name", k.Name);
            j.WriteString("opcode", k.Opcode);
            j.WriteEndObject();
        }
        j.WriteEndArray();

        j.WriteStartArray("sockets");
        foreach (var rs in data.Sockets)
        {
            var s = rs.Record;
            j.WriteStartObject();
            j.WriteNumber("id", s.Id);
            SocketJson.WriteProperties(j, s, time, MaxPeers, peerNames: false);
            j.WriteString("outcome", SocketOutcomes.Name(rs.Outcome));
            j.WriteNumber("event_count", rs.EventCount);
            if (rs.Events is null) j.WriteNull("events");
            else
            {
                j.WriteStartArray("events");
                // The kept events are rendered as they are written, their messages straight into the writer's UTF-8.
                if (rs.Events is RenderedEventLog rendered)
                    for (int i = 0; i < rendered.Count; i++) rendered.Write(j, i, time);
                else
                    foreach (var e in rs.Events) WriteEvent(j, e, time);
                j.WriteEndArray();
            }
            j.WriteEndObject();
            // A writer over a stream holds everything until flushed: hand it on as it goes, not the whole page at the end.
            if (j.BytesPending > 1 << 16) j.Flush();
        }
        j.WriteEndArray();

        KindCounts.Write(j, "findings_by_kind", data.FindingCounts);
        KindCounts.Write(j, "failures_by_kind", data.FailureCounts);
        KindCounts.Write(j, "notices_by_kind", data.NoticeCounts);
        j.WriteStartArray("findings");
        foreach (var f in data.Findings)
        {
            FindingJson.Write(j, f, time, names);
            if (j.BytesPending > 1 << 16) j.Flush();
        }
        j.WriteEndArray();

        j.WriteStartArray("processes");
        foreach (var p in data.Processes)
        {
            long notices = data.ProcessNotices.GetValueOrDefault(p.ProcessId);
            ProcessTotalsJson.Write(j, p, p.FindingCount - notices, notices, findingCount: true, findingsByKind: false);
        }
        j.WriteEndArray();

        j.WriteStartArray("remote_endpoints");
        foreach (var r in data.Remotes) RemoteTotalsJson.Write(j, r);
        j.WriteEndArray();

        var a = data.Activity;
        j.WriteStartObject("activity");
        j.WriteNumber("start", Us(a.Origin));
        j.WriteNumber("bucket", a.Width.Ticks / 10.0);
        Numbers(j, "opened", a.Opened);
        Numbers(j, "closed", a.Closed);
        Numbers(j, "bytes_sent", a.Sent);
        Numbers(j, "bytes_received", a.Received);
        Numbers(j, "failures", a.Failures);
        j.WriteEndObject();
        j.WriteEndObject();
        j.Flush();
    }

    private static void WriteEvent(Utf8JsonWriter j, in ReportEvent e, JsonTime time)
    {
        j.WriteStartArray();
        j.WriteNumberValue(time.Microseconds(e.Time));
        j.WriteNumberValue(e.Kind);
        if (e.ProcessId == uint.MaxValue) j.WriteNullValue();
        else j.WriteNumberValue(e.ProcessId);
        if (e.ThreadId == uint.MaxValue) j.WriteNullValue();
        else j.WriteNumberValue(e.ThreadId);
        j.WriteStringValue(e.Message);
        j.WriteEndArray();
    }

    private static void Kinds(Utf8JsonWriter j, IReadOnlyList<KeyValuePair<string, long>> kinds)
    {
        // An array, not an object: the order (the most first) is part of what is shown.
        j.WriteStartArray("kinds");
        foreach (var (kind, count) in kinds)
        {
            j.WriteStartArray();
            j.WriteStringValue(kind);
            j.WriteNumberValue(count);
            j.WriteEndArray();
        }
        j.WriteEndArray();
    }

    private static void WriteOverview(Utf8JsonWriter j, ReportOverview o, JsonTime time, Dictionary<uint, string?> names)
    {
        j.WriteStartObject("overview");
        j.WriteString("file", o.File);
        j.WriteString("os_version", o.OsVersion);
        j.WriteNumber("os_build", o.Build);
        j.WriteNumber("cpu_count", o.Processors);
        j.WriteNumber("pointer_size", o.PointerSize);
        j.WriteString("logger_name", o.LoggerName);
        j.WriteString("origin", SocketWriter.Iso(o.Origin));
        j.WriteString("start_time", SocketWriter.Iso(o.Start));
        j.WriteString("end_time", SocketWriter.Iso(o.End));
        j.WriteNumber("records", o.Records);
        j.WriteNumber("winsock_events", o.WinsockEvents);
        j.WriteNumber("sockets", o.Sockets);
        j.WriteNumber("sockets_shown", o.SocketsShown);
        j.WriteNumber("sockets_with_events", o.SocketsWithEvents);
        j.WriteNumber("events_shown", o.EventsShown);
        j.WriteNumber("bytes_sent", o.BytesSent);
        j.WriteNumber("bytes_received", o.BytesReceived);
        j.WriteNumber("finding_count", o.FindingCount);
        j.WriteNumber("failures", o.FailureCount);
        j.WriteNumber("notices", o.NoticeCount);
        if (o.FirstFailure is { } first)
        {
            j.WritePropertyName("first_failure");
            FindingJson.Write(j, first, time, names);
        }
        else j.WriteNull("first_failure");
        j.WriteStartArray("providers");
        foreach (var p in o.Providers.Take(MaxProviders))
        {
            j.WriteStartObject();
            j.WriteString("name", p.Name);
            j.WriteString("guid", p.Provider.ToString());
            j.WriteNumber("records", p.Records);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteNumber("provider_count", o.Providers.Count);
        j.WriteNumber("process_count", o.ProcessCount);
        j.WriteNumber("events_lost", o.EventsLost);
        j.WriteNumber("buffers_lost", o.BuffersLost);
        j.WriteNumber("buffers_with_lost_events", o.BuffersWithEventsLost);
        j.WriteNumber("problem_count", o.ProblemCount);
        j.WriteNumber("damaged_buffers", o.DamagedBuffers);
        j.WriteNumber("bytes_skipped", o.BytesSkipped);
        j.WriteStartArray("problems");
        foreach (var p in o.Problems) j.WriteStringValue(p);
        j.WriteEndArray();
        j.WriteStartObject("caps");
        j.WriteNumber("max_sockets", o.Caps.MaxSockets);
        j.WriteNumber("max_events_per_socket", o.Caps.MaxEventsPerSocket);
        j.WriteNumber("max_events", o.Caps.MaxEvents);
        j.WriteNumber("max_findings", o.Caps.MaxFindings);
        j.WriteNumber("max_remotes", o.Caps.MaxRemotes);
        j.WriteNumber("max_processes", o.Caps.MaxProcesses);
        j.WriteEndObject();
        j.WriteEndObject();
    }

    private static void Endpoint(Utf8JsonWriter j, string name, IPEndPoint? endpoint)
    {
        if (endpoint is null) j.WriteNull(name);
        else j.WriteString(name, endpoint.ToString());
    }

    private static void Numbers(Utf8JsonWriter j, string name, ReadOnlySpan<long> values)
    {
        j.WriteStartArray(name);
        foreach (long v in values) j.WriteNumberValue(v);
        j.WriteEndArray();
    }
}
