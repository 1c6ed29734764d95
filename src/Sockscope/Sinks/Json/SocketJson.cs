using System.Globalization;
using System.Net;
using System.Text.Json;
using Sockscope.Analysis;

namespace Sockscope.Sinks.Json;

/// <summary>
/// A rebuilt socket's properties as JSON, the same keys in every output that writes sockets (<c>sockets</c> JSON
/// lines, the report): <c>endpoint</c> "0x…", <c>process_id</c>, <c>process</c>, <c>protocol</c>, <c>family</c>,
/// <c>local</c>, <c>remote</c>, <c>remote_name</c>, <c>peers</c>, <c>peer_count</c> (where peers are capped),
/// <c>peer_names</c> (where asked for), <c>opened</c>, <c>closed</c>, <c>bytes_sent</c>, <c>bytes_received</c>,
/// <c>sends</c>, <c>receives</c>, <c>listening</c>, <c>backlog</c>, <c>accepted_from</c>, <c>options</c>,
/// <c>aborted</c>, <c>abort_reason</c>, <c>datagrams_dropped</c>, <c>error</c>, <c>socket_handle</c>, <c>socket_type</c>.
/// </summary>
/// <remarks>Names are encoded once and values formatted straight to UTF-8: a socket is written without a string made for it.</remarks>
internal static class SocketJson
{
    private static readonly JsonEncodedText KEndpoint = JsonEncodedText.Encode("endpoint"), KProcessId = JsonEncodedText.Encode("process_id"),
        KProcess = JsonEncodedText.Encode("process"), KProtocol = JsonEncodedText.Encode("protocol"), KFamily = JsonEncodedText.Encode("family"),
        KLocal = JsonEncodedText.Encode("local"), KRemote = JsonEncodedText.Encode("remote"), KPeers = JsonEncodedText.Encode("peers"),
        KPeerCount = JsonEncodedText.Encode("peer_count"),
        KRemoteName = JsonEncodedText.Encode("remote_name"), KPeerNames = JsonEncodedText.Encode("peer_names"),
        KOpened = JsonEncodedText.Encode("opened"), KClosed = JsonEncodedText.Encode("closed"), KBytesSent = JsonEncodedText.Encode("bytes_sent"),
        KBytesReceived = JsonEncodedText.Encode("bytes_received"), KSends = JsonEncodedText.Encode("sends"), KReceives = JsonEncodedText.Encode("receives"),
        KListening = JsonEncodedText.Encode("listening"), KBacklog = JsonEncodedText.Encode("backlog"), KAcceptedFrom = JsonEncodedText.Encode("accepted_from"),
        KOptions = JsonEncodedText.Encode("options"), KAborted = JsonEncodedText.Encode("aborted"), KAbortReason = JsonEncodedText.Encode("abort_reason"),
        KDatagramsDropped = JsonEncodedText.Encode("datagrams_dropped"), KError = JsonEncodedText.Encode("error"),
        KSocketHandle = JsonEncodedText.Encode("socket_handle"), KSocketType = JsonEncodedText.Encode("socket_type");

    /// <summary>Writes the properties of <paramref name="s"/> into the object the caller has opened.</summary>
    /// <param name="j">Where.</param>
    /// <param name="s">The socket.</param>
    /// <param name="time">How <c>opened</c> and <c>closed</c> are written.</param>
    /// <param name="maxPeers">
    /// Peers listed at most; when given, <c>peer_count</c> follows <c>peers</c> with how many there are. Null lists all.
    /// </param>
    /// <param name="peerNames">Writes <c>peer_names</c>, one per peer listed.</param>
    public static void WriteProperties(Utf8JsonWriter j, SocketRecord s, JsonTime time, int? maxPeers, bool peerNames)
    {
        HexOrNull(j, KEndpoint, s.Endpoint);
        j.WriteNumber(KProcessId, s.ProcessId);
        Nullable(j, KProcess, s.ProcessName);
        Value(j, KProtocol, SocketWriter.Protocol(s));
        Value(j, KFamily, SocketWriter.Family(s));
        Endpoint(j, KLocal, s.Local);
        Endpoint(j, KRemote, s.Remote);
        Nullable(j, KRemoteName, s.RemoteName);
        // Through the views that make no list for a socket without peers or options.
        var peers = s.PeersOrNull;
        int peerCount = peers?.Count ?? 0;
        int listed = Math.Min(peerCount, maxPeers ?? int.MaxValue);
        j.WriteStartArray(KPeers);
        Span<byte> text = stackalloc byte[EndpointText.MaxLength];
        for (int i = 0; i < listed; i++) j.WriteStringValue(text[..EndpointText.Format(peers![i], text)]);
        j.WriteEndArray();
        if (maxPeers is not null) j.WriteNumber(KPeerCount, peerCount);
        if (peerNames)
        {
            j.WriteStartArray(KPeerNames);
            var traffic = s.PeerTrafficOrNull;
            int named = Math.Min(traffic?.Count ?? 0, maxPeers ?? int.MaxValue);
            for (int i = 0; i < named; i++)
            {
                if (traffic![i].Name is { } name) j.WriteStringValue(name);
                else j.WriteNullValue();
            }
            j.WriteEndArray();
        }
        time.Write(j, KOpened, s.Opened);
        time.Write(j, KClosed, s.Closed);
        j.WriteNumber(KBytesSent, s.BytesSent);
        j.WriteNumber(KBytesReceived, s.BytesReceived);
        j.WriteNumber(KSends, s.Sends);
        j.WriteNumber(KReceives, s.Receives);
        j.WriteBoolean(KListening, s.Listening);
        if (s.Backlog is { } backlog) j.WriteNumber(KBacklog, backlog);
        else j.WriteNull(KBacklog);
        HexOrNull(j, KAcceptedFrom, s.AcceptedFrom);
        j.WriteStartObject(KOptions);
        if (s.OptionsOrNull is { } options)
            foreach (var (k, v) in options) j.WriteNumber(k, v);
        j.WriteEndObject();
        j.WriteBoolean(KAborted, s.Aborted);
        Nullable(j, KAbortReason, s.AbortReason);
        j.WriteNumber(KDatagramsDropped, s.DatagramsDropped);
        Nullable(j, KError, s.Error);
        HexOrNull(j, KSocketHandle, s.SocketHandle);
        Value(j, KSocketType, SocketWriter.SocketType(s));
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
}
