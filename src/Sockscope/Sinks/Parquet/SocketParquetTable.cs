using System.Globalization;
using System.Text;
using Sockscope.Analysis;
using Sockscope.Sinks.Database;
using Sockscope.Decoding.Values;

namespace Sockscope.Sinks.Parquet;

/// <summary>
/// <c>sockets.parquet</c>: the columns of the SQLite export's <c>sockets</c>, valued alike (pointers as <c>"0x…"</c>
/// text, peers, options and peer names as JSON text), with <c>listening</c> and <c>aborted</c>
/// booleans.
/// </summary>
internal sealed class SocketParquetTable : IDisposable
{
    private readonly RequiredColumn<long> _socketId = Columns.Int64("socket_id");
    private readonly StringColumn _endpoint = Columns.String("endpoint");
    private readonly StringColumn _socketHandle = Columns.String("socket_handle");
    private readonly RequiredColumn<long> _processId = Columns.Int64("process_id");
    private readonly StringColumn _processObject = Columns.String("process_object");
    private readonly StringColumn _process = Columns.String("process");
    private readonly StringColumn _protocol = Columns.String("protocol");
    private readonly OptionalColumn<long> _protocolNumber = Columns.OptionalInt64("protocol_number");
    private readonly StringColumn _family = Columns.String("family");
    private readonly OptionalColumn<long> _familyNumber = Columns.OptionalInt64("family_number");
    private readonly StringColumn _socketType = Columns.String("socket_type");
    private readonly OptionalColumn<long> _socketTypeNumber = Columns.OptionalInt64("socket_type_number");
    private readonly StringColumn _local = Columns.String("local");
    private readonly StringColumn _remote = Columns.String("remote");
    private readonly StringColumn _remoteAddress = Columns.String("remote_address");
    private readonly OptionalColumn<long> _remotePort = Columns.OptionalInt64("remote_port");
    private readonly StringColumn _peers = Columns.String("peers", required: true);
    private readonly StringColumn _opened = Columns.String("opened");
    private readonly OptionalColumn<long> _openedNs = Columns.OptionalInt64("opened_ns");
    private readonly StringColumn _closed = Columns.String("closed");
    private readonly OptionalColumn<long> _closedNs = Columns.OptionalInt64("closed_ns");
    private readonly RequiredColumn<long> _bytesSent = Columns.Int64("bytes_sent");
    private readonly RequiredColumn<long> _bytesReceived = Columns.Int64("bytes_received");
    private readonly RequiredColumn<long> _sends = Columns.Int64("sends");
    private readonly RequiredColumn<long> _receives = Columns.Int64("receives");
    private readonly RequiredColumn<bool> _listening = Columns.Boolean("listening");
    private readonly OptionalColumn<long> _backlog = Columns.OptionalInt64("backlog");
    private readonly StringColumn _acceptedFrom = Columns.String("accepted_from");
    private readonly StringColumn _options = Columns.String("options", required: true);
    private readonly RequiredColumn<bool> _aborted = Columns.Boolean("aborted");
    private readonly StringColumn _abortReason = Columns.String("abort_reason");
    private readonly RequiredColumn<long> _datagramsDropped = Columns.Int64("datagrams_dropped");
    private readonly StringColumn _error = Columns.String("error");
    private readonly StringColumn _remoteName = Columns.String("remote_name");
    private readonly StringColumn _peerNames = Columns.String("peer_names", required: true);
    private readonly ParquetTable _table;
    private readonly ColumnJson _json = new();

    public SocketParquetTable(string directory, int rowGroupRows, CancellationToken cancellation)
    {
        _table = new ParquetTable(directory, "sockets",
        [
            _socketId, _endpoint, _socketHandle, _processId, _processObject, _process, _protocol, _protocolNumber, _family, _familyNumber,
            _socketType, _socketTypeNumber, _local, _remote, _remoteAddress, _remotePort, _peers, _opened, _openedNs, _closed, _closedNs,
            _bytesSent, _bytesReceived, _sends, _receives, _listening, _backlog, _acceptedFrom, _options, _aborted, _abortReason,
            _datagramsDropped, _error, _remoteName, _peerNames,
        ], rowGroupRows, cancellation);
    }

    /// <summary>The file.</summary>
    public ParquetTable Table => _table;

    /// <summary>Adds one socket.</summary>
    public void Write(SocketRecord s)
    {
        int r = _table.Row;
        _socketId.Values[r] = s.Id;
        _endpoint.Set(r, Hex(s.Endpoint));
        _socketHandle.Set(r, Hex(s.SocketHandle));
        _processId.Values[r] = s.ProcessId;
        _processObject.Set(r, Hex(s.ProcessObject));
        _process.Set(r, s.ProcessName);
        _protocol.Set(r, SocketWriter.Protocol(s)?.ToString());
        _protocolNumber.Set(r, s.Protocol < 0 ? null : s.Protocol);
        _family.Set(r, SocketWriter.Family(s)?.ToString());
        _familyNumber.Set(r, s.Family < 0 ? null : s.Family);
        _socketType.Set(r, s.SocketType < 0 ? null
            : SocketTypes.TryGetName((uint)s.SocketType, out var type) ? type : s.SocketType.ToString(CultureInfo.InvariantCulture));
        _socketTypeNumber.Set(r, s.SocketType < 0 ? null : s.SocketType);
        _local.Set(r, Endpoint(s.Local));
        _remote.Set(r, Endpoint(s.Remote));
        _remoteAddress.Set(r, s.Remote?.Address.ToString());
        _remotePort.Set(r, s.Remote?.Port);
        _peers.Set(r, Encoding.UTF8.GetString(_json.Peers(s)));
        _opened.Set(r, s.Opened is { } opened ? Database.DatabaseTime.Iso(opened) : null);
        _openedNs.Set(r, s.Opened is { } o ? Database.DatabaseTime.Nanoseconds(o) : null);
        _closed.Set(r, s.Closed is { } closed ? Database.DatabaseTime.Iso(closed) : null);
        _closedNs.Set(r, s.Closed is { } c ? Database.DatabaseTime.Nanoseconds(c) : null);
        _bytesSent.Values[r] = s.BytesSent;
        _bytesReceived.Values[r] = s.BytesReceived;
        _sends.Values[r] = s.Sends;
        _receives.Values[r] = s.Receives;
        _listening.Values[r] = s.Listening;
        _backlog.Set(r, s.Backlog);
        _acceptedFrom.Set(r, Hex(s.AcceptedFrom));
        _options.Set(r, Encoding.UTF8.GetString(_json.Options(s)));
        _aborted.Values[r] = s.Aborted;
        _abortReason.Set(r, s.AbortReason);
        _datagramsDropped.Values[r] = s.DatagramsDropped;
        _error.Set(r, s.Error);
        _remoteName.Set(r, s.RemoteName);
        _peerNames.Set(r, Encoding.UTF8.GetString(_json.PeerNames(s)));
        _table.EndRow();
    }

    /// <summary>A pointer as the SQLite export writes it: <c>"0x…"</c> in upper-case hex, null for 0.</summary>
    internal static string? Hex(ulong value) => value == 0 ? null : "0x" + value.ToString("X", CultureInfo.InvariantCulture);

    private static string? Endpoint(System.Net.IPEndPoint? endpoint)
    {
        if (endpoint is null) return null;
        Span<byte> text = stackalloc byte[EndpointText.MaxLength];
        return Encoding.UTF8.GetString(text[..EndpointText.Format(endpoint, text)]);
    }

    public void Dispose()
    {
        _json.Dispose();
        _table.Dispose();
    }
}
