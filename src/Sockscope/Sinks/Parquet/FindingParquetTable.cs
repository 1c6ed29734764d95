using Sockscope.Analysis;
using Sockscope.Sinks.Database;

namespace Sockscope.Sinks.Parquet;

/// <summary><c>findings.parquet</c>: the SQLite export's <c>findings</c>.</summary>
internal sealed class FindingParquetTable : IDisposable
{
    private readonly RequiredColumn<long> _sequence = Columns.Int64("sequence");
    private readonly StringColumn _kind = Columns.String("kind", required: true);
    private readonly StringColumn _time = Columns.String("time", required: true);
    private readonly RequiredColumn<long> _timeNs = Columns.Int64("time_ns");
    private readonly RequiredColumn<long> _processId = Columns.Int64("process_id");
    private readonly StringColumn _endpoint = Columns.String("endpoint");
    private readonly StringColumn _remote = Columns.String("remote");
    private readonly StringColumn _severity = Columns.String("severity", required: true);
    private readonly StringColumn _detail = Columns.String("detail", required: true);
    private readonly StringColumn _remoteName = Columns.String("remote_name");
    private readonly ParquetTable _table;

    public FindingParquetTable(string directory, int rowGroupRows, CancellationToken cancellation) =>
        _table = new ParquetTable(directory, "findings",
            [_sequence, _kind, _time, _timeNs, _processId, _endpoint, _remote, _severity, _detail, _remoteName], rowGroupRows, cancellation);

    /// <summary>The file.</summary>
    public ParquetTable Table => _table;

    /// <summary>Adds one finding, numbered in the order written.</summary>
    public void Write(Finding f)
    {
        int r = _table.Row;
        _sequence.Values[r] = _table.Count + 1;
        _kind.Set(r, f.Kind.ToText());
        _time.Set(r, DatabaseTime.Iso(f.Time));
        _timeNs.Values[r] = DatabaseTime.Nanoseconds(f.Time);
        _processId.Values[r] = f.ProcessId;
        _endpoint.Set(r, SocketParquetTable.Hex(f.Endpoint));
        _remote.Set(r, f.Remote?.ToString());
        _severity.Set(r, FindingRowWriter.Severity(f.Severity));
        _detail.Set(r, f.Detail);
        _remoteName.Set(r, f.RemoteName);
        _table.EndRow();
    }

    public void Dispose() => _table.Dispose();
}
