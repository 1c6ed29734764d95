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
/// "TCP"/"UDP"/number, <c>family</c> "IPv4"/"IPv6"/number, <c>local</c>, <c>remote</c>, <c>remote_name</c> (the host
/// name the process resolved to it, or null), <c>peers</c>, <c>peer_names</c> (one per peer, null when unnamed; in CSV
/// "-"), <c>opened</c>,
/// <c>closed</c>, <c>bytes_sent</c>, <c>bytes_received</c>, <c>sends</c>, <c>receives</c>, <c>listening</c>,
/// <c>backlog</c>, <c>accepted_from</c>, <c>options</c>, <c>aborted</c>, <c>abort_reason</c>,
/// <c>datagrams_dropped</c>, <c>error</c>, <c>socket_handle</c>, <c>socket_type</c>), CSV with the same columns, or a
/// table for a person (held until <see cref="Complete"/>, then written in opening order).
/// </summary>
public sealed class SocketWriter : IDisposable
{
    /// <summary>The columns of CSV and the keys of JSON, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "endpoint", "process_id", "process", "protocol", "family", "local", "remote", "remote_name", "peers", "peer_names", "opened", "closed",
        "bytes_sent", "bytes_received", "sends", "receives", "listening", "backlog", "accepted_from", "options",
        "aborted", "abort_reason", "datagrams_dropped", "error", "socket_handle", "socket_type",
    ];

    private readonly IBufferWriter<byte> _output;
    private readonly SocketFormat _format;
    private readonly Utf8JsonWriter _json;
    private readonly SocketTable? _table;
    private readonly DisplayZone _zone;
    private readonly bool _fitted;

    /// <summary>Creates a writer; CSV writes its header now.</summary>
    /// <param name="output">Where the sockets go.</param>
    /// <param name="format">How.</param>
    /// <param name="width">
    /// For a table: the terminal's width, which it then fits (less useful columns dropped, long notes wrapped,
    /// addresses whole); null (a pipe or a file) writes every column and every value whole.
    /// </param>
    /// <param name="zone">The zone of the table's and CSV's times; UTC when null. JSON stays UTC.</param>
    public SocketWriter(IBufferWriter<byte> output, SocketFormat format, int? width = null, TimeZoneInfo? zone = null)
    {
        _output = output;
        _format = format;
        _zone = new DisplayZone(zone);
        _fitted = width is not null;
        _json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        if (format == SocketFormat.Csv) Text(string.Join(',', Columns) + "\r\n");
        if (format == SocketFormat.Table) _table = new SocketTable(width, zone);
    }

    /// <summary>Writes one socket.</summary>
    public void Write(SocketRecord s)
    {
        switch (_format)
        {
            case SocketFormat.Csv: WriteCsv(s); break;
            case SocketFormat.Table: _table!.Add(s, Note(s), s.Remote?.ToString() ?? Peers(s, _fitted)); break;
            default: WriteJson(s); break;
        }
    }

    // Names encoded once, and values formatted straight to UTF-8: a socket is written without a string made for it.
    private static readonly JsonEncodedText KEndpoint = JsonEncodedText.Encode("endpoint"), KProcessId = JsonEncodedText.Encode("process_id"),
        KProcess = JsonEncodedText.Encode("process"), KProtocol = JsonEncodedText.Encode("protocol"), KFamily = JsonEncodedText.Encode("family"),
        KLocal = JsonEncodedText.Encode("local"), KRemote = JsonEncodedText.Encode("remote"), KPeers = JsonEncodedText.Encode("peers"),
        KRemoteName = JsonEncodedText.Encode("remote_name"), KPeerNames = JsonEncodedText.Encode("peer_names"),
        KOpened = JsonEncodedText.Encode("opened"), KClosed = JsonEncodedText.Encode("closed"), KBytesSent = JsonEncodedText.Encode("bytes_sent"),
        KBytesReceived = JsonEncodedText.Encode("bytes_received"), KSends = JsonEncodedText.Encode("sends"), KReceives = JsonEncodedText.Encode("receives"),
        KListening = JsonEncodedText.Encode("listening"), KBacklog = JsonEncodedText.Encode("backlog"), KAcceptedFrom = JsonEncodedText.Encode("accepted_from"),
        KOptions = JsonEncodedText.Encode("options"), KAborted = JsonEncodedText.Encode("aborted"), KAbortReason = JsonEncodedText.Encode("abort_reason"),
        KDatagramsDropped = JsonEncodedText.Encode("datagrams_dropped"), KError = JsonEncodedText.Encode("error"),
        KSocketHandle = JsonEncodedText.Encode("socket_handle"), KSocketType = JsonEncodedText.Encode("socket_type");

    private void WriteJson(SocketRecord s)
    {
        var j = _json;
        j.Reset();
        j.WriteStartObject();
        HexOrNull(j, KEndpoint, s.Endpoint);
        j.WriteNumber(KProcessId, s.ProcessId);
        Nullable(j, KProcess, s.ProcessName);
        Value(j, KProtocol, Protocol(s));
        Value(j, KFamily, Family(s));
        Endpoint(j, KLocal, s.Local);
        Endpoint(j, KRemote, s.Remote);
        Nullable(j, KRemoteName, s.RemoteName);
        j.WriteStartArray(KPeers);
        Span<byte> text = stackalloc byte[EndpointText.MaxLength];
        foreach (var p in s.Peers) j.WriteStringValue(text[..EndpointText.Format(p, text)]);
        j.WriteEndArray();
        j.WriteStartArray(KPeerNames);
        foreach (var p in s.PeerTraffic)
        {
            if (p.Name is null) j.WriteNullValue();
            else j.WriteStringValue(p.Name);
        }
        j.WriteEndArray();
        Time(j, KOpened, s.Opened);
        Time(j, KClosed, s.Closed);
        j.WriteNumber(KBytesSent, s.BytesSent);
        j.WriteNumber(KBytesReceived, s.BytesReceived);
        j.WriteNumber(KSends, s.Sends);
        j.WriteNumber(KReceives, s.Receives);
        j.WriteBoolean(KListening, s.Listening);
        if (s.Backlog is { } backlog) j.WriteNumber(KBacklog, backlog);
        else j.WriteNull(KBacklog);
        HexOrNull(j, KAcceptedFrom, s.AcceptedFrom);
        j.WriteStartObject(KOptions);
        foreach (var (k, v) in s.Options) j.WriteNumber(k, v);
        j.WriteEndObject();
        j.WriteBoolean(KAborted, s.Aborted);
        Nullable(j, KAbortReason, s.AbortReason);
        j.WriteNumber(KDatagramsDropped, s.DatagramsDropped);
        Nullable(j, KError, s.Error);
        HexOrNull(j, KSocketHandle, s.SocketHandle);
        Value(j, KSocketType, SocketType(s));
        j.WriteEndObject();
        j.Flush();
        _output.GetSpan(1)[0] = (byte)'\n';
        _output.Advance(1);
    }

    private static void HexOrNull(Utf8JsonWriter j, JsonEncodedText name, ulong value)
    {
        if (value == 0)
        {
            j.WriteNull(name);
            return;
        }
        Span<byte> text = stackalloc byte[18];
        text[0] = (byte)'0';
        text[1] = (byte)'x';
        value.TryFormat(text[2..], out int n, "X", CultureInfo.InvariantCulture);
        j.WriteString(name, text[..(2 + n)]);
    }

    private static void Endpoint(Utf8JsonWriter j, JsonEncodedText name, IPEndPoint? endpoint)
    {
        if (endpoint is null)
        {
            j.WriteNull(name);
            return;
        }
        Span<byte> text = stackalloc byte[EndpointText.MaxLength];
        j.WriteString(name, text[..EndpointText.Format(endpoint, text)]);
    }

    private static void Time(Utf8JsonWriter j, JsonEncodedText name, DateTime? time)
    {
        if (time is not { } t)
        {
            j.WriteNull(name);
            return;
        }
        Span<byte> text = stackalloc byte[40];
        // "O" is ISO 8601 with 7 fractional digits, and a Z for UTC times: the same as Iso, without a string.
        if (t.Kind == DateTimeKind.Utc && t.TryFormat(text, out int n, "O", CultureInfo.InvariantCulture)) j.WriteString(name, text[..n]);
        else j.WriteString(name, Iso(t));
    }

    private void WriteCsv(SocketRecord s)
    {
        var cells = new[]
        {
            Hex(s.Endpoint) ?? "", s.ProcessId.ToString(CultureInfo.InvariantCulture), s.ProcessName ?? "", Protocol(s)?.ToString() ?? "",
            Family(s)?.ToString() ?? "", s.Local?.ToString() ?? "", s.Remote?.ToString() ?? "", s.RemoteName ?? "", string.Join(' ', s.Peers),
            string.Join(' ', s.PeerTraffic.Select(p => p.Name ?? "-")), _zone.Iso(s.Opened) ?? "",
            _zone.Iso(s.Closed) ?? "", N(s.BytesSent), N(s.BytesReceived), N(s.Sends), N(s.Receives), s.Listening ? "true" : "false",
            s.Backlog?.ToString(CultureInfo.InvariantCulture) ?? "", s.AcceptedFrom == 0 ? "" : Hex(s.AcceptedFrom)!,
            string.Join(' ', s.Options.Select(o => $"{o.Key}={o.Value}")), s.Aborted ? "true" : "false", s.AbortReason ?? "",
            N(s.DatagramsDropped), s.Error ?? "", s.SocketHandle == 0 ? "" : Hex(s.SocketHandle)!, SocketType(s)?.ToString() ?? "",
        };
        Text(string.Join(',', cells.Select(Quote)) + "\r\n");
    }

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\r\n") < 0 ? cell : "\"" + cell.Replace("\"", "\"\"") + "\"";

    /// <summary>Writes what is held back: a table's rows, in opening order. Call once, after the last socket.</summary>
    /// <param name="afterEachRow">Called after each row is written, to drain the output as after <see cref="Write"/>.</param>
    public void Complete(Action? afterEachRow = null)
    {
        if (_table is null) return;
        foreach (string lines in _table.Render())
        {
            Text(lines);
            afterEachRow?.Invoke();
        }
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

    // A terminal gets the first peer and how many more; a pipe or a file gets every peer, as it gets every value whole.
    private static string Peers(SocketRecord s, bool fitted) =>
        s.Peers.Count == 0 ? "-" : s.Peers.Count == 1 ? s.Peers[0].ToString() : fitted ? $"{s.Peers[0]} +{s.Peers.Count - 1}" : string.Join(' ', s.Peers);

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

    private static void Value(Utf8JsonWriter j, JsonEncodedText name, object? value)
    {
        switch (value)
        {
            case null: j.WriteNull(name); break;
            case string s: j.WriteString(name, s); break;
            case int i: j.WriteNumber(name, i); break;
            default: j.WriteString(name, value.ToString()); break;
        }
    }

    private static void Nullable(Utf8JsonWriter j, JsonEncodedText name, string? value)
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
