using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Analysis;
using Sockscope.Decoding.Values;
using Sockscope.Sinks.Json;

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

    private void WriteJson(SocketRecord s)
    {
        var j = _json;
        j.Reset();
        j.WriteStartObject();
        SocketJson.WriteProperties(j, s, JsonTime.Iso, maxPeers: null, peerNames: true);
        j.WriteEndObject();
        j.Flush();
        _output.GetSpan(1)[0] = (byte)'\n';
        _output.Advance(1);
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
    internal static object? Protocol(SocketRecord s) => s.Protocol switch
    {
        < 0 => s.SocketType switch { 1 => "TCP", 2 => "UDP", _ => null },
        6 => "TCP",
        17 => "UDP",
        0 => s.SocketType switch { 1 => "TCP", 2 => "UDP", _ => 0 },
        var p => IpProtocols.TryGetName((uint)p, out var name) ? name : p,
    };

    /// <summary>"IPv4", "IPv6", or the number; null when unknown.</summary>
    internal static object? Family(SocketRecord s) => s.Family switch
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

    /// <summary>"SOCK_STREAM" and the like, or the number; null when unknown.</summary>
    internal static object? SocketType(SocketRecord s) =>
        s.SocketType < 0 ? null : SocketTypes.TryGetName((uint)s.SocketType, out var name) ? name : s.SocketType;

    private static string? Hex(ulong value) => value == 0 ? null : "0x" + value.ToString("X", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 UTC with 7 fractional digits, or null.</summary>
    internal static string? Iso(DateTime? t) => t?.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    private void Text(string s)
    {
        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(s.Length));
        _output.Advance(Encoding.UTF8.GetBytes(s, span));
    }

    /// <inheritdoc/>
    public void Dispose() => _json.Dispose();
}
