using Microsoft.Data.Sqlite;
using Sockscope.Analysis;
using Sockscope.Decoding;
using Sockscope.Etl;
using Sockscope.Sources;

namespace Sockscope.Sinks.Database;

/// <summary>
/// Imports a trace into a SQLite database (<see cref="DatabaseSchema"/>): its Winsock events, the sockets and findings
/// the analysis rebuilds from them, and the totals per process, in one transaction, so a database never holds part of
/// a trace: an import that fails or is interrupted leaves the database as it was.
/// </summary>
/// <remarks>
/// A trace is known by its <see cref="TraceIdentity"/>: importing one the database already holds adds nothing. The
/// caller computes the identity (it hashes the bytes the reader reads) and opens the reader; the exporter only needs
/// both, not the command line.
/// </remarks>
public static class DatabaseExporter
{
    /// <summary>
    /// Opens (creating it if needed) the database at <paramref name="databasePath"/>, with its tables ready.
    /// </summary>
    /// <exception cref="SqliteException">The file cannot be opened or is not a SQLite database.</exception>
    /// <exception cref="InvalidDataException">The database is not one this version of Sockscope writes.</exception>
    public static SqliteConnection Open(string databasePath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // A pooled connection keeps the file open after the export, and a test's or script's next step finds it locked.
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            using (var pragmas = connection.CreateCommand())
            {
                // The indexes of a million-event import stay in memory instead of being read back page by page.
                pragmas.CommandText = "PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;";
                pragmas.ExecuteNonQuery();
            }
            DatabaseSchema.Ensure(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Imports the trace <paramref name="reader"/> reads into the database at <paramref name="databasePath"/>.</summary>
    public static DatabaseExportResult Export(string databasePath, IEventSource reader, TraceIdentity identity, CancellationToken cancellation = default,
        AnalysisLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return Export(databasePath, reader, identity, null, eventJson: false, cancellation, limits);
    }

    /// <summary>
    /// Imports the trace <paramref name="reader"/> reads into the database at <paramref name="databasePath"/>; its
    /// identity is known once it has been read (see <see cref="Export(SqliteConnection, IEventSource, Func{TraceIdentity}, CancellationToken, AnalysisLimits)"/>).
    /// </summary>
    public static DatabaseExportResult Export(string databasePath, IEventSource reader, Func<TraceIdentity> identityOnceRead, CancellationToken cancellation = default,
        AnalysisLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(identityOnceRead);
        return Export(databasePath, reader, null, identityOnceRead, eventJson: false, cancellation, limits);
    }

    /// <summary>
    /// Imports the trace into the database at <paramref name="databasePath"/>: its identity is <paramref name="known"/>,
    /// or asked of <paramref name="onceRead"/> after the last record; <paramref name="eventJson"/> fills <c>events.json</c>.
    /// </summary>
    internal static DatabaseExportResult Export(string databasePath, IEventSource reader, TraceIdentity? known, Func<TraceIdentity>? onceRead, bool eventJson,
        CancellationToken cancellation = default, AnalysisLimits? limits = null)
    {
        using var connection = Open(databasePath);
        return Export(connection, reader, known, onceRead, eventJson, cancellation, limits);
    }

    /// <summary>
    /// Imports the trace <paramref name="reader"/> reads into an open database (see <see cref="Open"/>), unless it
    /// holds a trace with the same <paramref name="identity"/> already. Reads the whole trace. The totals (the trace's
    /// row, <c>processes</c>) count every socket and finding; <c>findings</c> holds those the analysis keeps
    /// (<paramref name="limits"/>, <see cref="AnalysisLimits.Default"/> when null).
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled: nothing was added.</exception>
    /// <exception cref="SqliteException">The database could not be written: nothing was added.</exception>
    public static DatabaseExportResult Export(SqliteConnection connection, IEventSource reader, TraceIdentity identity, CancellationToken cancellation = default,
        AnalysisLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return Export(connection, reader, identity, null, eventJson: false, cancellation, limits);
    }

    /// <summary>
    /// Imports a trace whose identity is known only once it has been read: a trace read once from a pipe, hashed as
    /// it is read (<see cref="HashingStream"/>); <paramref name="identityOnceRead"/> is asked for it after the last
    /// record. The whole trace is read and written inside the transaction first; when the database turns out to hold
    /// a trace of that identity already, the transaction is rolled back: nothing is added and the result says
    /// <see cref="DatabaseExportResult.AlreadyPresent"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled: nothing was added.</exception>
    /// <exception cref="SqliteException">The database could not be written: nothing was added.</exception>
    public static DatabaseExportResult Export(SqliteConnection connection, IEventSource reader, Func<TraceIdentity> identityOnceRead, CancellationToken cancellation = default,
        AnalysisLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(identityOnceRead);
        return Export(connection, reader, null, identityOnceRead, eventJson: false, cancellation, limits);
    }

    private static DatabaseExportResult Export(SqliteConnection connection, IEventSource reader, TraceIdentity? known, Func<TraceIdentity>? onceRead,
        bool eventJson, CancellationToken cancellation, AnalysisLimits? limits)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(reader);
        DatabaseSchema.Ensure(connection);
        if (known is not null && TraceRowWriter.Find(connection, null, known) is { } present) return new DatabaseExportResult { TraceId = present, AlreadyPresent = true };

        // IMMEDIATE: the write lock is taken now, so a second export of the same trace waits here and then finds it.
        using var transaction = connection.BeginTransaction(deferred: false);
        if (known is not null && TraceRowWriter.Find(connection, transaction, known) is { } raced) return new DatabaseExportResult { TraceId = raced, AlreadyPresent = true };
        // A stream's identity is known at its end: until then its row holds a stand-in, which no other connection sees.
        var identity = known ?? new TraceIdentity($"reading {Guid.NewGuid():N}", "", 0);
        // JSON inputs have no logfile header: the trace starts at its first event, and the rest of the header is unknown.
        var header = (reader as EtlReader)?.Header ?? new TraceLogfileHeader { StartTime = reader.Clock.ToFileTime(reader.StartStamp) };
        long traceId = TraceRowWriter.Begin(transaction, identity, header, (reader as EtlReader)?.PointerSize ?? 8, DateTime.UtcNow);
        // The first trace of a database loads without indexes and sorts them once at the end; later ones keep them, as
        // remaking them would read every trace before. Both inside the transaction: a rollback puts them back.
        bool indexAfter = IsEmpty(transaction);
        if (indexAfter) Run(transaction, DatabaseSchema.DropIndexes);

        using var formatter = new EventRowFormatter(reader.Clock, computer: null, eventJson);
        using var events = new EventRowWriter(connection, traceId);
        using var sockets = new SocketRowWriter(connection, traceId);
        cancellation.ThrowIfCancellationRequested();
        var summary = EventRowPipeline.Run(reader, formatter, batch =>
        {
            events.Write(batch);
            foreach (var socket in batch.Sockets) sockets.Write(socket);
        }, cancellation, limits);
        var totals = summary.Totals;

        using var findings = new FindingRowWriter(connection, traceId);
        foreach (var f in summary.Findings) findings.Write(f);
        using var processes = new ProcessRowWriter(connection, traceId);
        foreach (var p in totals.Processes) processes.Write(p);

        var result = new DatabaseExportResult
        {
            TraceId = traceId,
            Records = totals.Records,
            Events = events.Count,
            Sockets = totals.Sockets,
            FindingCount = totals.FindingCount,
            Findings = findings.Count,
            Processes = processes.Count,
            BytesSent = totals.BytesSent,
            BytesReceived = totals.BytesReceived,
        };
        if (onceRead is not null)
        {
            identity = onceRead();
            if (TraceRowWriter.Find(connection, transaction, identity) is { } already)
            {
                transaction.Rollback();
                return new DatabaseExportResult { TraceId = already, AlreadyPresent = true };
            }
            TraceRowWriter.SetIdentity(transaction, traceId, identity);
        }
        DateTime? end = header.EndTime != 0 ? EtlClock.FromFileTime(header.EndTime) : formatter.LastTime;
        TraceRowWriter.Complete(transaction, traceId, result, end, reader.Diagnostics.ProblemCount);
        if (indexAfter) Run(transaction, DatabaseSchema.Indexes);
        transaction.Commit();
        return result;
    }

    /// <summary>True when no trace's events are in the database yet.</summary>
    private static bool IsEmpty(SqliteTransaction transaction)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT NOT EXISTS (SELECT 1 FROM event_rows)";
        return command.ExecuteScalar() is long empty && empty != 0;
    }

    private static void Run(SqliteTransaction transaction, string sql)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
