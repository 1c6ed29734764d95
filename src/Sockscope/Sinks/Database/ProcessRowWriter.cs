using Microsoft.Data.Sqlite;
using Sockscope.Analysis;

namespace Sockscope.Sinks.Database;

/// <summary>Writes the per-process totals of an analysis as rows of <c>processes</c>.</summary>
internal sealed class ProcessRowWriter : IDisposable
{
    private const string Sql = """
        INSERT INTO processes (trace_id, process_id, name, sockets, bytes_sent, bytes_received, findings, findings_by_kind, failures, notices)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        """;

    private readonly PreparedInsert _insert;
    private readonly ColumnJson _json = new();

    public ProcessRowWriter(SqliteConnection connection, long traceId)
    {
        _insert = new PreparedInsert(connection, Sql);
        _insert.Bind(1, traceId);
    }

    /// <summary>Rows written.</summary>
    public long Count { get; private set; }

    /// <summary>Writes one process's totals.</summary>
    public void Write(ProcessTotals p)
    {
        var insert = _insert;
        insert.Bind(2, p.ProcessId);
        insert.Bind(3, p.Name);
        insert.Bind(4, p.Sockets);
        insert.Bind(5, p.BytesSent);
        insert.Bind(6, p.BytesReceived);
        insert.Bind(7, p.FindingCount);
        insert.Bind(8, _json.FindingsByKind(p));
        insert.Bind(9, p.Failures);
        insert.Bind(10, p.Notices);
        insert.Run();
        Count++;
    }

    public void Dispose()
    {
        _json.Dispose();
        _insert.Dispose();
    }
}
