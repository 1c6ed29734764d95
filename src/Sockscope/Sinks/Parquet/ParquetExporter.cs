using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Sinks.Database;
using Sockscope.Sources;

namespace Sockscope.Sinks.Parquet;

/// <summary>
/// Writes a trace as Parquet files, one per table of the SQLite export (<c>traces</c>, <c>events</c>, <c>sockets</c>,
/// <c>findings</c>, <c>processes</c>), with the same rows and typed columns, for DuckDB, ClickHouse, Spark and pandas.
/// </summary>
/// <remarks>
/// The directory must be new or empty: files are never replaced. Each file is written under a temporary name and
/// renamed once every table is complete, <c>traces.parquet</c> last, so an export that fails or is interrupted leaves
/// no <c>NAME.parquet</c> that looks whole, and the presence of <c>traces.parquet</c> says the export is.
/// </remarks>
internal static class ParquetExporter
{
    /// <summary>Rows per row group: about 10 MB of events on disk and 30 MB in memory while filled.</summary>
    public const int RowGroupRows = 1 << 17;

    /// <summary>The files an export writes, in the order they are published.</summary>
    public static readonly string[] Files = ["events.parquet", "sockets.parquet", "findings.parquet", "processes.parquet", "traces.parquet"];

    /// <summary>
    /// Exports the trace <paramref name="reader"/> reads into <paramref name="directory"/> (created if missing);
    /// <paramref name="identity"/> is asked for after the last record.
    /// </summary>
    /// <exception cref="ParquetWriteException">The directory holds files already, or cannot be written: nothing was published.</exception>
    /// <exception cref="OperationCanceledException">Cancelled: no table was published.</exception>
    public static DatabaseExportResult Export(string directory, IEventSource reader, Func<TraceIdentity> identity, bool eventJson,
        CancellationToken cancellation = default, AnalysisLimits? limits = null, int rowGroupRows = RowGroupRows)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(identity);
        ParquetWriteException.Guard("cannot be created", () => Prepare(directory));
        var header = (reader as EtlReader)?.Header ?? new TraceLogfileHeader { StartTime = reader.Clock.ToFileTime(reader.StartStamp) };
        var importedAt = DateTime.UtcNow;

        using var events = new EventParquetTable(directory, eventJson, rowGroupRows, cancellation);
        using var sockets = new SocketParquetTable(directory, Math.Min(rowGroupRows, 1 << 15), cancellation);
        using var findings = new FindingParquetTable(directory, Math.Min(rowGroupRows, 1 << 15), cancellation);
        using var processes = new ProcessParquetTable(directory, Math.Min(rowGroupRows, 1 << 12), cancellation);
        using var trace = new TraceParquetTable(directory, cancellation);
        using var formatter = new EventRowFormatter(reader.Clock, computer: null, eventJson);
        var summary = EventRowPipeline.Run(reader, formatter, batch =>
        {
            events.Write(batch);
            foreach (var socket in batch.Sockets) sockets.Write(socket);
        }, cancellation, limits);
        var totals = summary.Totals;
        foreach (var f in summary.Findings) findings.Write(f);
        foreach (var p in totals.Processes) processes.Write(p);

        var result = new DatabaseExportResult
        {
            TraceId = 1,
            Records = totals.Records,
            Events = events.Table.Count,
            Sockets = totals.Sockets,
            FindingCount = totals.FindingCount,
            Findings = findings.Table.Count,
            Processes = processes.Table.Count,
            BytesSent = totals.BytesSent,
            BytesReceived = totals.BytesReceived,
        };
        DateTime? end = header.EndTime != 0 ? EtlClock.FromFileTime(header.EndTime) : formatter.LastTime;
        trace.Write(identity(), header, (reader as EtlReader)?.PointerSize ?? 8, result, end, reader.Diagnostics.ProblemCount, importedAt);

        ParquetTable[] tables = [events.Table, sockets.Table, findings.Table, processes.Table, trace.Table];
        foreach (var t in tables) t.Complete();
        cancellation.ThrowIfCancellationRequested();
        foreach (var t in tables) t.Publish();
        return result;
    }

    /// <summary>
    /// Creates the directory, or checks that it holds nothing but what an interrupted export left (its temporary
    /// files, which the new one overwrites).
    /// </summary>
    private static void Prepare(string directory)
    {
        if (File.Exists(directory)) throw new ParquetWriteException("is a file, not a directory");
        Directory.CreateDirectory(directory);
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            string name = Path.GetFileName(entry);
            bool leftOver = name.StartsWith('.') && name.EndsWith(".parquet.partial", StringComparison.Ordinal)
                && Files.Contains(name[1..^".partial".Length]);
            if (!leftOver)
                throw new ParquetWriteException($"is not empty (it holds {name}); the Parquet export writes into a new or empty directory and replaces nothing");
        }
    }
}
