using System.Globalization;
using Microsoft.Data.Sqlite;
using Sockscope.Analysis;
using Sockscope.Decoding.Values;

namespace Sockscope.Sinks.Database;

/// <summary>Writes rebuilt sockets as rows of <c>sockets</c>, every <see cref="SocketRecord"/> field, valued as <c>sockscope sockets</c> prints it.</summary>
internal sealed class SocketRowWriter : IDisposable
{
    private const string Sql = """
        INSERT INTO sockets (trace_id, socket_id, endpoint, socket_handle, process_id, process_object, process,
            protocol, protocol_number, family, family_number, socket_type, socket_type_number, local, remote,
            remote_address, remote_port, peers, opened, opened_ns, closed, closed_ns, bytes_sent, bytes_received,
            sends, receives, listening, backlog, accepted_from, options, aborted, abort_reason, datagrams_dropped, error,
            remote_name, peer_names)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,
            ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36)
        """;

    private readonly PreparedInsert _insert;
    private readonly ColumnJson _json = new();

    public SocketRowWriter(SqliteConnection connection, long traceId)
    {
        _insert = new PreparedInsert(connection, Sql);
        _insert.Bind(1, traceId);
    }

    /// <summary>Rows written.</summary>
    public long Count { get; private set; }

    /// <summary>Writes one socket.</summary>
    public void Write(SocketRecord s)
    {
        var insert = _insert;
        Span<byte> text = stackalloc byte[EndpointText.MaxLength];
        insert.Bind(2, s.Id);
        Hex(3, s.Endpoint);
        Hex(4, s.SocketHandle);
        insert.Bind(5, s.ProcessId);
        Hex(6, s.ProcessObject);
        insert.Bind(7, s.ProcessName);
        insert.Bind(8, SocketWriter.Protocol(s)?.ToString());
        insert.Bind(9, s.Protocol < 0 ? null : s.Protocol);
        insert.Bind(10, SocketWriter.Family(s)?.ToString());
        insert.Bind(11, s.Family < 0 ? null : s.Family);
        insert.Bind(12, s.SocketType < 0 ? null : SocketTypes.TryGetName((uint)s.SocketType, out var type) ? type : s.SocketType.ToString(CultureInfo.InvariantCulture));
        insert.Bind(13, s.SocketType < 0 ? null : s.SocketType);
        Endpoint(14, s.Local, text);
        Endpoint(15, s.Remote, text);
        if (s.Remote is { } remote)
        {
            insert.Bind(16, remote.Address.ToString());
            insert.Bind(17, remote.Port);
        }
        else
        {
            insert.Null(16);
            insert.Null(17);
        }
        insert.Bind(18, _json.Peers(s));
        Time(19, 20, s.Opened);
        Time(21, 22, s.Closed);
        insert.Bind(23, s.BytesSent);
        insert.Bind(24, s.BytesReceived);
        insert.Bind(25, s.Sends);
        insert.Bind(26, s.Receives);
        insert.Bind(27, s.Listening ? 1 : 0);
        insert.Bind(28, s.Backlog);
        Hex(29, s.AcceptedFrom);
        insert.Bind(30, _json.Options(s));
        insert.Bind(31, s.Aborted ? 1 : 0);
        insert.Bind(32, s.AbortReason);
        insert.Bind(33, s.DatagramsDropped);
        insert.Bind(34, s.Error);
        insert.Bind(35, s.RemoteName);
        insert.Bind(36, _json.PeerNames(s));
        insert.Run();
        Count++;
    }

    private void Hex(int parameter, ulong value)
    {
        if (value == 0)
        {
            _insert.Null(parameter);
            return;
        }
        Span<byte> text = stackalloc byte[18];
        text[0] = (byte)'0';
        text[1] = (byte)'x';
        value.TryFormat(text[2..], out int n, "X", CultureInfo.InvariantCulture);
        _insert.Bind(parameter, text[..(2 + n)]);
    }

    private void Endpoint(int parameter, System.Net.IPEndPoint? endpoint, Span<byte> text)
    {
        if (endpoint is null) _insert.Null(parameter);
        else _insert.Bind(parameter, text[..EndpointText.Format(endpoint, text)]);
    }

    private void Time(int textParameter, int nanosecondsParameter, DateTime? time)
    {
        if (time is not { } t)
        {
            _insert.Null(textParameter);
            _insert.Null(nanosecondsParameter);
            return;
        }
        Span<byte> text = stackalloc byte[40];
        _insert.Bind(textParameter, text[..EventJsonWriter.FormatTime(t, text, 7, "Z"u8)]);
        _insert.Bind(nanosecondsParameter, DatabaseTime.Nanoseconds(t));
    }

    public void Dispose()
    {
        _json.Dispose();
        _insert.Dispose();
    }
}
