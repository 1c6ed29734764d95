using Microsoft.Data.Sqlite;
using Sockscope.Etl;

namespace Sockscope.Sinks.Database;

/// <summary>The row of <c>traces</c> for one trace: found by its identity, written when the import begins, completed with its totals at the end.</summary>
internal static class TraceRowWriter
{
    /// <summary>The id of the trace with this identity already in the database, or null.</summary>
    public static long? Find(SqliteConnection connection, SqliteTransaction? transaction, TraceIdentity identity)
    {
        using var find = connection.CreateCommand();
        find.Transaction = transaction;
        find.CommandText = "SELECT id FROM traces WHERE sha256 = $sha256";
        find.Parameters.AddWithValue("$sha256", identity.Sha256);
        return find.ExecuteScalar() is long id ? id : null;
    }

    /// <summary>Inserts the trace's row with what its header says (totals 0 until <see cref="Complete"/>); returns its id.</summary>
    public static long Begin(SqliteTransaction transaction, TraceIdentity identity, TraceLogfileHeader header, int pointerSize, DateTime importedAt)
    {
        using var insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO traces (sha256, file_name, file_size, os_version, os_build, pointer_size, processors,
                start_time, start_ns, end_time, end_ns, records, winsock_events, sockets, findings, bytes_sent,
                bytes_received, events_lost, buffers_lost, problems, imported_at)
            VALUES ($sha256, $file_name, $file_size, $os_version, $os_build, $pointer_size, $processors,
                $start_time, $start_ns, NULL, NULL, 0, 0, 0, 0, 0, 0, $events_lost, $buffers_lost, 0, $imported_at)
            RETURNING id
            """;
        var p = insert.Parameters;
        p.AddWithValue("$sha256", identity.Sha256);
        p.AddWithValue("$file_name", identity.FileName);
        p.AddWithValue("$file_size", identity.Size);
        p.AddWithValue("$os_version", $"{header.MajorVersion}.{header.MinorVersion}");
        p.AddWithValue("$os_build", (long)header.ProviderVersion);
        p.AddWithValue("$pointer_size", pointerSize);
        p.AddWithValue("$processors", (long)header.NumberOfProcessors);
        if (header.StartTime != 0)
        {
            var start = EtlClock.FromFileTime(header.StartTime);
            p.AddWithValue("$start_time", DatabaseTime.Iso(start));
            p.AddWithValue("$start_ns", DatabaseTime.Nanoseconds(start));
        }
        else
        {
            p.AddWithValue("$start_time", DBNull.Value);
            p.AddWithValue("$start_ns", DBNull.Value);
        }
        p.AddWithValue("$events_lost", (long)header.EventsLost);
        p.AddWithValue("$buffers_lost", (long)header.BuffersLost);
        p.AddWithValue("$imported_at", DatabaseTime.Iso(importedAt));
        return (long)insert.ExecuteScalar()!;
    }

    /// <summary>Gives the trace's row the identity learned once the trace was read (a stream's).</summary>
    public static void SetIdentity(SqliteTransaction transaction, long traceId, TraceIdentity identity)
    {
        using var update = transaction.Connection!.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE traces SET sha256 = $sha256, file_name = $file_name, file_size = $file_size WHERE id = $id";
        update.Parameters.AddWithValue("$id", traceId);
        update.Parameters.AddWithValue("$sha256", identity.Sha256);
        update.Parameters.AddWithValue("$file_name", identity.FileName);
        update.Parameters.AddWithValue("$file_size", identity.Size);
        update.ExecuteNonQuery();
    }

    /// <summary>Writes the totals of a finished import into the trace's row.</summary>
    public static void Complete(SqliteTransaction transaction, long traceId, DatabaseExportResult totals, DateTime? end, long problems)
    {
        using var update = transaction.Connection!.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = """
            UPDATE traces SET end_time = $end_time, end_ns = $end_ns, records = $records, winsock_events = $events,
                sockets = $sockets, findings = $findings, bytes_sent = $bytes_sent, bytes_received = $bytes_received,
                problems = $problems
            WHERE id = $id
            """;
        var p = update.Parameters;
        p.AddWithValue("$id", traceId);
        p.AddWithValue("$end_time", end is { } e ? DatabaseTime.Iso(e) : (object)DBNull.Value);
        p.AddWithValue("$end_ns", end is { } n ? DatabaseTime.Nanoseconds(n) : (object)DBNull.Value);
        p.AddWithValue("$records", totals.Records);
        p.AddWithValue("$events", totals.Events);
        p.AddWithValue("$sockets", totals.Sockets);
        p.AddWithValue("$findings", totals.FindingCount);
        p.AddWithValue("$bytes_sent", totals.BytesSent);
        p.AddWithValue("$bytes_received", totals.BytesReceived);
        p.AddWithValue("$problems", problems);
        update.ExecuteNonQuery();
    }
}
