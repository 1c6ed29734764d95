using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Analysis;
using Sockscope.Decoding.Values;

namespace Sockscope.Sinks;

/// <summary>How sockets are written: JSON lines, CSV or a table.</summary>
public enum SocketFormat
{
    /// <summary>One JSON object per line.</summary>
    Jsonl,
    /// <summary>RFC 4180 CSV with a header row.</summary>
    Csv,
    /// <summary>A text table for a person.</summary>
    Table,
}

/// <summary>
/// Writes rebuilt sockets: JSON lines (<c>endpoint</c> "0x…", <c>process_id</c>, <c>process</c>, <c>protocol</c>
/// "TCP"/"UDP"/number, <c>family</c> "IPv4"/"IPv6"/number, <c>local</c>, <c>remote</c>, <c>peers</c>, <c>opened</c>,
/// <c>closed</c>, <c>bytes_sent</c>, <c>bytes_received</c>, <c>sends</c>, <c>receives</c>, <c>listening</c>,
/// <c>backlog</c>, <c>accepted_from</c>, <c>options</c>, <c>aborted</c>, <c>abort_reason</c>,
/// <c>datagrams_dropped</c>, <c>error</c>, <c>socket_handle</c>, <c>socket_type</c>), CSV with the same columns, or a
/// table.
/// </summary>
public sealed class SocketWriter : IDisposable
{
    /// <summary>The columns of CSV and the keys of JSON, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "endpoint", "process_id", "process", "protocol", "family", "local", "remote", "peers", "opened", "closed",
        "bytes_sent", "bytes_received", "sends", "receives", "listening", "backlog", "accepted_from", "options",
        "aborted", "abort_reason", "datagrams_dropped", "error", "socket_handle", "socket_type",
    ];

    private readonly IBufferWriter<byte> _output;
    private readonly SocketFormat _format;
    private readonly Utf8JsonWriter _json;
    private readonly int _width;

    /// <summary>Creates a writer; CSV and table write their header now.</summary>
    public SocketWriter(IBufferWriter<byte> output, SocketFormat format, int width = 160)
    {
        _output = output;
        _format = format;
        _width = Math.Max(width, 100);
        _json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        if (format == SocketFormat.Csv) Text(string.Join(',', Columns) + "\r\n");
        if (format == SocketFormat.Table)
            Text(Row("ENDPOINT", "PID", "PROCESS", "PROTO", "LOCAL", "REMOTE", "OPENED", "CLOSED", "SENT", "RECEIVED", "NOTE") + "\n");
    }

    /// <summary>Writes one socket.</summary>
    public void Write(SocketRecord s)
    {
        switch (_format)
        {
            case SocketFormat.Csv: WriteCsv(s); break;
            case SocketFormat.Table: Text(Row(Hex(s.Endpoint) ?? "-", s.ProcessId.ToString(CultureInfo.InvariantCulture), s.ProcessName ?? "-",
                Protocol(s)?.ToString() ?? "-", s.Local?.ToString() ?? "-", s.Remote?.ToString() ?? Peers(s), Time(s.Opened, "before"), Time(s.Closed, "after"),
                s.BytesSent.ToString("N0", CultureInfo.InvariantCulture), s.BytesReceived.ToString("N0", CultureInfo.InvariantCulture), Note(s)) + "\n"); break;
            default: WriteJson(s); break;
        }
    }

    private void WriteJson(SocketRecord s)
    {
        var j = _json;
        j.Reset();
        j.WriteStartObject();
        j.WriteString("endpoint", Hex(s.Endpoint));
        j.WriteNumber("process_id", s.ProcessId);
        Nullable(j, "process", s.ProcessName);
        Value(j, "protocol", Protocol(s));
        Value(j, "family", Family(s));
        Nullable(j, "local", s.Local?.ToString());
        Nullable(j, "remote", s.Remote?.ToString());
        j.WriteStartArray("peers");
        foreach (var p in s.Peers) j.WriteStringValue(p.ToString());
        j.WriteEndArray();
        Nullable(j, "opened", Iso(s.Opened));
        Nullable(j, "closed", Iso(s.Closed));
        j.WriteNumber("bytes_sent", s.BytesSent);
        j.WriteNumber("bytes_received", s.BytesReceived);
        j.WriteNumber("sends", s.Sends);
        j.WriteNumber("receives", s.Receives);
        j.WriteBoolean("listening", s.Listening);
        if (s.Backlog is { } backlog) j.WriteNumber("backlog", backlog);
        else j.WriteNull("backlog");
        Nullable(j, "accepted_from", s.AcceptedFrom == 0 ? null : Hex(s.AcceptedFrom));
        j.WriteStartObject("options");
        foreach (var (k, v) in s.Options) j.WriteNumber(k, v);
        j.WriteEndObject();
        j.WriteBoolean("aborted", s.Aborted);
        Nullable(j, "abort_reason", s.AbortReason);
        j.WriteNumber("datagrams_dropped", s.DatagramsDropped);
        Nullable(j, "error", s.Error);
        Nullable(j, "socket_handle", s.SocketHandle == 0 ? null : Hex(s.SocketHandle));
        Value(j, "socket_type", SocketType(s));
        j.WriteEndObject();
        j.Flush();
        Text("\n");
    }

    private void WriteCsv(SocketRecord s)
    {
        var cells = new[]
        {
            Hex(s.Endpoint) ?? "", s.ProcessId.ToString(CultureInfo.InvariantCulture), s.ProcessName ?? "", Protocol(s)?.ToString() ?? "",
            Family(s)?.ToString() ?? "", s.Local?.ToString() ?? "", s.Remote?.ToString() ?? "", string.Join(' ', s.Peers), Iso(s.Opened) ?? "",
            Iso(s.Closed) ?? "", N(s.BytesSent), N(s.BytesReceived), N(s.Sends), N(s.Receives), s.Listening ? "true" : "false",
            s.Backlog?.ToString(CultureInfo.InvariantCulture) ?? "", s.AcceptedFrom == 0 ? "" : Hex(s.AcceptedFrom)!,
            string.Join(' ', s.Options.Select(o => $"{o.Key}={o.Value}")), s.Aborted ? "true" : "false", s.AbortReason ?? "",
            N(s.DatagramsDropped), s.Error ?? "", s.SocketHandle == 0 ? "" : Hex(s.SocketHandle)!, SocketType(s)?.ToString() ?? "",
        };
        Text(string.Join(',', cells.Select(Quote)) + "\r\n");
    }

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\r\n") < 0 ? cell : "\"" + cell.Replace("\"", "\"\"") + "\"";

    private string Row(params string[] c)
    {
        int[] widths = [20, 7, 18, 5, 24, 26, 12, 12, 13, 13];
        var sb = new StringBuilder();
        for (int i = 0; i < c.Length; i++)
        {
            string cell = c[i];
            int w = i < widths.Length ? widths[i] : Math.Max(10, _width - widths.Sum() - widths.Length);
            if (cell.Length > w) cell = cell[..(w - 1)] + "…";
            bool right = i is 1 or 8 or 9;
            sb.Append(right ? cell.PadLeft(w) : cell.PadRight(w));
            if (i < c.Length - 1) sb.Append(' ');
        }
        return sb.ToString().TrimEnd();
    }

    private static string Note(SocketRecord s)
    {
        var notes = new List<string>();
        if (s.Listening) notes.Add(s.Backlog is { } b ? $"listening (backlog {b})" : "listening");
        if (s.AcceptedFrom != 0) notes.Add($"accepted from 0x{s.AcceptedFrom:X}");
        if (s.Aborted) notes.Add("aborted" + (s.AbortReason is null ? "" : ": " + s.AbortReason));
        if (s.DatagramsDropped > 0) notes.Add($"{s.DatagramsDropped} dropped");
        if (s.Error is not null) notes.Add(s.Error);
        return string.Join("; ", notes);
    }

    private static string Peers(SocketRecord s) => s.Peers.Count == 0 ? "-" : s.Peers.Count == 1 ? s.Peers[0].ToString() : $"{s.Peers[0]} +{s.Peers.Count - 1}";

    private static string Time(DateTime? t, string missing) => t?.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? missing;

    /// <summary>"TCP", "UDP", the IANA keyword, or the number; null when unknown.</summary>
    public static object? Protocol(SocketRecord s) => s.Protocol switch
    {
        < 0 => s.SocketType switch { 1 => "TCP", 2 => "UDP", _ => null },
        6 => "TCP",
        17 => "UDP",
        0 => s.SocketType switch { 1 => "TCP", 2 => "UDP", _ => 0 },
        var p => IpProtocols.TryGetName((uint)p, out var name) ? name : p,
    };

    /// <summary>"IPv4", "IPv6", or the number; null when unknown.</summary>
    public static object? Family(SocketRecord s) => s.Family switch
    {
        < 0 => s.Local?.AddressFamily switch
        {
            System.Net.Sockets.AddressFamily.InterNetwork => "IPv4",
            System.Net.Sockets.AddressFamily.InterNetworkV6 => "IPv6",
            _ => null,
        },
        2 => "IPv4",
        23 => "IPv6",
        var f => f,
    };

    private static object? SocketType(SocketRecord s) =>
        s.SocketType < 0 ? null : SocketTypes.TryGetName((uint)s.SocketType, out var name) ? name : s.SocketType;

    private static void Value(Utf8JsonWriter j, string name, object? value)
    {
        switch (value)
        {
            case null: j.WriteNull(name); break;
            case string s: j.WriteString(name, s); break;
            case int i: j.WriteNumber(name, i); break;
            default: j.WriteString(name, value.ToString()); break;
        }
    }

    private static void Nullable(Utf8JsonWriter j, string name, string? value)
    {
        if (value is null) j.WriteNull(name);
        else j.WriteString(name, value);
    }

    private static string? Hex(ulong value) => value == 0 ? null : "0x" + value.ToString("X", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 UTC with 7 fractional digits, or null.</summary>
    public static string? Iso(DateTime? t) => t?.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    private void Text(string s)
    {
        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(s.Length));
        _output.Advance(Encoding.UTF8.GetBytes(s, span));
    }

    /// <inheritdoc/>
    public void Dispose() => _json.Dispose();
}
