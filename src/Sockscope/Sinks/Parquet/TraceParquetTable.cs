using Sockscope.Etl;
using Sockscope.Sinks.Database;

namespace Sockscope.Sinks.Parquet;

/// <summary><c>traces.parquet</c>: the one row the SQLite export puts in <c>traces</c>.</summary>
internal sealed class TraceParquetTable : IDisposable
{
    private readonly StringColumn _sha256 = Columns.String("sha256", required: true);
    private readonly StringColumn _fileName = Columns.String("file_name", required: true);
    private readonly RequiredColumn<long> _fileSize = Columns.Int64("file_size");
    private readonly StringColumn _osVersion = Columns.String("os_version");
    private readonly OptionalColumn<long> _osBuild = Columns.OptionalInt64("os_build");
    private readonly OptionalColumn<long> _pointerSize = Columns.OptionalInt64("pointer_size");
    private readonly OptionalColumn<long> _processors = Columns.OptionalInt64("processors");
    private readonly StringColumn _startTime = Columns.String("start_time");
    private readonly OptionalColumn<long> _startNs = Columns.OptionalInt64("start_ns");
    private readonly StringColumn _endTime = Columns.String("end_time");
    private readonly OptionalColumn<long> _endNs = Columns.OptionalInt64("end_ns");
    private readonly RequiredColumn<long> _records = Columns.Int64("records");
    private readonly RequiredColumn<long> _winsockEvents = Columns.Int64("winsock_events");
    private readonly RequiredColumn<long> _sockets = Columns.Int64("sockets");
    private readonly RequiredColumn<long> _findings = Columns.Int64("findings");
    private readonly RequiredColumn<long> _bytesSent = Columns.Int64("bytes_sent");
    private readonly RequiredColumn<long> _bytesReceived = Columns.Int64("bytes_received");
    private readonly RequiredColumn<long> _eventsLost = Columns.Int64("events_lost");
    private readonly RequiredColumn<long> _buffersLost = Columns.Int64("buffers_lost");
    private readonly RequiredColumn<long> _problems = Columns.Int64("problems");
    private readonly StringColumn _importedAt = Columns.String("imported_at", required: true);
    private readonly ParquetTable _table;

    public TraceParquetTable(string directory, CancellationToken cancellation) =>
        _table = new ParquetTable(directory, "traces",
        [
            _sha256, _fileName, _fileSize, _osVersion, _osBuild, _pointerSize, _processors, _startTime, _startNs, _endTime, _endNs,
            _records, _winsockEvents, _sockets, _findings, _bytesSent, _bytesReceived, _eventsLost, _buffersLost, _problems, _importedAt,
        ], 1, cancellation);

    /// <summary>The file.</summary>
    public ParquetTable Table => _table;

    /// <summary>Writes the trace's row: what the SQLite export's <c>traces</c> row holds once complete.</summary>
    public void Write(TraceIdentity identity, TraceLogfileHeader header, int pointerSize, DatabaseExportResult totals, DateTime? end, long problems,
        DateTime importedAt)
    {
        _sha256.Set(0, identity.Sha256);
        _fileName.Set(0, identity.FileName);
        _fileSize.Values[0] = identity.Size;
        _osVersion.Set(0, $"{header.MajorVersion}.{header.MinorVersion}");
        _osBuild.Set(0, header.ProviderVersion);
        _pointerSize.Set(0, pointerSize);
        _processors.Set(0, header.NumberOfProcessors);
        if (header.StartTime != 0)
        {
            var start = EtlClock.FromFileTime(header.StartTime);
            _startTime.Set(0, DatabaseTime.Iso(start));
            _startNs.Set(0, DatabaseTime.Nanoseconds(start));
        }
        _endTime.Set(0, end is { } text ? DatabaseTime.Iso(text) : null);
        _endNs.Set(0, end is { } e ? DatabaseTime.Nanoseconds(e) : null);
        _records.Values[0] = totals.Records;
        _winsockEvents.Values[0] = totals.Events;
        _sockets.Values[0] = totals.Sockets;
        _findings.Values[0] = totals.FindingCount;
        _bytesSent.Values[0] = totals.BytesSent;
        _bytesReceived.Values[0] = totals.BytesReceived;
        _eventsLost.Values[0] = header.EventsLost;
        _buffersLost.Values[0] = header.BuffersLost;
        _problems.Values[0] = problems;
        _importedAt.Set(0, DatabaseTime.Iso(importedAt));
        _table.EndRow();
    }

    public void Dispose() => _table.Dispose();
}
