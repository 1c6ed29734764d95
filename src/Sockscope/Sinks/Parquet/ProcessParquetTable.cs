using System.Text;
using Sockscope.Analysis;
using Sockscope.Sinks.Database;

namespace Sockscope.Sinks.Parquet;

/// <summary><c>processes.parquet</c>: the SQLite export's <c>processes</c>, <c>findings_by_kind</c> as the same JSON text.</summary>
internal sealed class ProcessParquetTable : IDisposable
{
    private readonly RequiredColumn<long> _processId = Columns.Int64("process_id");
    private readonly StringColumn _name = Columns.String("name");
    private readonly RequiredColumn<long> _sockets = Columns.Int64("sockets");
    private readonly RequiredColumn<long> _bytesSent = Columns.Int64("bytes_sent");
    private readonly RequiredColumn<long> _bytesReceived = Columns.Int64("bytes_received");
    private readonly RequiredColumn<long> _findings = Columns.Int64("findings");
    private readonly StringColumn _findingsByKind = Columns.String("findings_by_kind", required: true);
    private readonly RequiredColumn<long> _failures = Columns.Int64("failures");
    private readonly RequiredColumn<long> _notices = Columns.Int64("notices");
    private readonly ParquetTable _table;
    private readonly ColumnJson _json = new();

    public ProcessParquetTable(string directory, int rowGroupRows, CancellationToken cancellation)
    {
        _table = new ParquetTable(directory, "processes",
            [_processId, _name, _sockets, _bytesSent, _bytesReceived, _findings, _findingsByKind, _failures, _notices], rowGroupRows, cancellation);
    }

    /// <summary>The file.</summary>
    public ParquetTable Table => _table;

    /// <summary>Adds one process's totals.</summary>
    public void Write(ProcessTotals p)
    {
        int r = _table.Row;
        _processId.Values[r] = p.ProcessId;
        _name.Set(r, p.Name);
        _sockets.Values[r] = p.Sockets;
        _bytesSent.Values[r] = p.BytesSent;
        _bytesReceived.Values[r] = p.BytesReceived;
        _findings.Values[r] = p.FindingCount;
        _findingsByKind.Set(r, Encoding.UTF8.GetString(_json.FindingsByKind(p)));
        _failures.Values[r] = p.Failures;
        _notices.Values[r] = p.Notices;
        _table.EndRow();
    }

    public void Dispose()
    {
        _json.Dispose();
        _table.Dispose();
    }
}
