using Microsoft.Data.Sqlite;

namespace Sockscope.Sinks.Database;

/// <summary>
/// The tables and indexes of a Sockscope database: <c>traces</c> (one row per trace, identified by the SHA-256 of its
/// bytes), <c>events</c> (the Winsock events), <c>sockets</c>, <c>findings</c> and <c>processes</c>, every row of the
/// last four keyed by its trace's id. Several traces share one database.
/// </summary>
/// <remarks>
/// <para>Times are stored twice: as ISO 8601 UTC text with 7 fractional digits and a Z (which SQLite's date and time
/// functions read), and as integer nanoseconds since 1970-01-01 UTC (columns ending <c>_ns</c>) for range queries
/// and arithmetic. Pointers (endpoints, socket handles, EPROCESS) are text as <c>sockscope dump</c> and
/// <c>sockscope sockets</c> print them, <c>"0xFFFFB50D2A8C1080"</c>, so they compare with what a person copies from
/// either; keywords are the 64-bit integer (the top keyword bits make it negative). JSON columns hold JSON text
/// that SQLite's <c>json_extract</c> and <c>-&gt;&gt;</c> read.</para>
/// <para><c>events</c> is a view over the plain table <c>event_rows</c>: SQLite appends a row of a table without key,
/// generated columns or constraints to check at a small fraction of the cost of layout 3's keyed one, and the view
/// gives queries the same columns, with <c>time</c> and <c>provider</c> computed when read.</para>
/// <para>The layout's version is the database's <c>user_version</c>; a database of another version is refused rather
/// than mixed.</para>
/// </remarks>
internal static class DatabaseSchema
{
    /// <summary>The layout version this code writes (<c>PRAGMA user_version</c>).</summary>
    public const int Version = 4;

    /// <summary>The statements that create the tables and indexes (each <c>IF NOT EXISTS</c>).</summary>
    public const string Ddl = """
        CREATE TABLE IF NOT EXISTS traces (
            id              INTEGER PRIMARY KEY,
            sha256          TEXT    NOT NULL UNIQUE,   -- of the file's bytes, lower-case hex: the trace's identity
            file_name       TEXT    NOT NULL,          -- the name it was imported from (without folders)
            file_size       INTEGER NOT NULL,
            os_version      TEXT,                      -- "10.0"
            os_build        INTEGER,                   -- 26100
            pointer_size    INTEGER,                   -- 4 or 8
            processors      INTEGER,
            start_time      TEXT,
            start_ns        INTEGER,
            end_time        TEXT,                      -- the header's end, else the last Winsock event
            end_ns          INTEGER,
            records         INTEGER NOT NULL,          -- event records read, every provider
            winsock_events  INTEGER NOT NULL,          -- rows in events
            sockets         INTEGER NOT NULL,          -- rows in sockets
            findings        INTEGER NOT NULL,          -- findings found; the findings table keeps the first 100,000
            bytes_sent      INTEGER NOT NULL,
            bytes_received  INTEGER NOT NULL,
            events_lost     INTEGER NOT NULL,          -- the logfile header's count
            buffers_lost    INTEGER NOT NULL,
            problems        INTEGER NOT NULL,          -- damage found while reading (0 for an intact file)
            imported_at     TEXT    NOT NULL
        );

        -- The events' stored columns: a plain table, its rows appended in (trace_id, sequence) order. Queries read
        -- the view events below, which adds time and provider; nothing is computed or checked per row on insert.
        CREATE TABLE IF NOT EXISTS event_rows (
            trace_id        INTEGER NOT NULL REFERENCES traces(id),
            sequence        INTEGER NOT NULL,          -- 1, 2, … in time order within the trace
            time_ns         INTEGER NOT NULL,
            provider_code   INTEGER NOT NULL,          -- 1 Winsock-AFD, 2 Winsock-Sockets, 3 Winsock-NameResolution
            event_id        INTEGER NOT NULL,
            version         INTEGER NOT NULL,
            opcode          INTEGER NOT NULL,
            task            INTEGER NOT NULL,
            level           INTEGER NOT NULL,
            keywords        INTEGER NOT NULL,
            process_id      INTEGER,                   -- the header's (System for kernel completions)
            thread_id       INTEGER,
            socket_id       INTEGER,                   -- sockets.socket_id of the socket the event was about
            endpoint        TEXT,                      -- the Endpoint field, "0x…"
            enter_exit      INTEGER,                   -- AFD's EnterExit: 0 entry, 1 exit
            status          INTEGER,                   -- Status, Error or ErrorCode field
            status_name     TEXT,                      -- its symbolic name when not zero: STATUS_…, WSAE…
            address         TEXT,                      -- the Address field: "93.184.216.34:443"
            buffer_length   INTEGER,                   -- the BufferLength field (bytes of a send or receive)
            node_name       TEXT,                      -- NameResolution's NodeName
            json            TEXT                       -- the event as sockscope dump prints it (export --event-json; else null)
        );

        -- The events as layout 3 stored them, column for column: time and provider are computed from time_ns and
        -- provider_code when read (the text every other output writes).
        CREATE VIEW IF NOT EXISTS events AS SELECT
            trace_id, sequence,
            strftime('%Y-%m-%dT%H:%M:%S', time_ns / 1000000000 - (time_ns % 1000000000 < 0), 'unixepoch') || printf('.%07dZ', (time_ns % 1000000000 + 1000000000) % 1000000000 / 100) AS time,
            time_ns,
            CASE provider_code WHEN 1 THEN 'Microsoft-Windows-Winsock-AFD' WHEN 2 THEN 'Microsoft-Windows-Winsock-Sockets'
                WHEN 3 THEN 'Microsoft-Windows-Winsock-NameResolution' END AS provider,
            event_id, version, opcode, task, level, keywords, process_id, thread_id, socket_id, endpoint, enter_exit, status,
            status_name, address, buffer_length, node_name, json, provider_code
        FROM event_rows;

        CREATE TABLE IF NOT EXISTS sockets (
            trace_id        INTEGER NOT NULL REFERENCES traces(id),
            socket_id       INTEGER NOT NULL,          -- 1, 2, … in the order first seen
            endpoint        TEXT,                      -- AFD endpoint "0x…"; null for a Winsock-Sockets-only socket
            socket_handle   TEXT,                      -- ws2_32 handle "0x…", when named
            process_id      INTEGER NOT NULL,          -- the owner (from EPROCESS, not the header)
            process_object  TEXT,                      -- EPROCESS "0x…"
            process         TEXT,                      -- image name
            protocol        TEXT,                      -- "TCP", "UDP", the IANA keyword or the number
            protocol_number INTEGER,
            family          TEXT,                      -- "IPv4", "IPv6" or the number
            family_number   INTEGER,
            socket_type     TEXT,                      -- "SOCK_STREAM", …
            socket_type_number INTEGER,
            local           TEXT,                      -- "0.0.0.0:50123"
            remote          TEXT,                      -- "93.184.216.34:443"
            remote_address  TEXT,                      -- "93.184.216.34"
            remote_port     INTEGER,
            peers           TEXT    NOT NULL,          -- JSON array of datagram peers
            opened          TEXT,                      -- null: before the trace began
            opened_ns       INTEGER,
            closed          TEXT,                      -- null: after the trace ended
            closed_ns       INTEGER,
            bytes_sent      INTEGER NOT NULL,
            bytes_received  INTEGER NOT NULL,
            sends           INTEGER NOT NULL,
            receives        INTEGER NOT NULL,
            listening       INTEGER NOT NULL,          -- 0 or 1
            backlog         INTEGER,
            accepted_from   TEXT,                      -- the listening endpoint "0x…"
            options         TEXT    NOT NULL,          -- JSON object: option name → last value
            aborted         INTEGER NOT NULL,          -- 0 or 1
            abort_reason    TEXT,
            datagrams_dropped INTEGER NOT NULL,
            error           TEXT,                      -- the first error: STATUS_…, WSAE…
            remote_name     TEXT,                      -- the host name the process resolved to remote (or to the first named peer)
            peer_names      TEXT    NOT NULL,          -- JSON array, one per peer: its resolved name or null
            PRIMARY KEY (trace_id, socket_id)
        );

        CREATE TABLE IF NOT EXISTS findings (
            trace_id        INTEGER NOT NULL REFERENCES traces(id),
            sequence        INTEGER NOT NULL,          -- 1, 2, … in the order found
            kind            TEXT    NOT NULL,          -- connect_failed, bind_failed, abort, …
            time            TEXT    NOT NULL,
            time_ns         INTEGER NOT NULL,
            process_id      INTEGER NOT NULL,
            endpoint        TEXT,
            remote          TEXT,
            severity        TEXT    NOT NULL,          -- info, warning, error
            detail          TEXT    NOT NULL,
            remote_name     TEXT,                      -- the name resolved to remote, or the name a failed lookup asked for
            PRIMARY KEY (trace_id, sequence)
        );

        CREATE TABLE IF NOT EXISTS processes (
            trace_id        INTEGER NOT NULL REFERENCES traces(id),
            process_id      INTEGER NOT NULL,
            name            TEXT,
            sockets         INTEGER NOT NULL,
            bytes_sent      INTEGER NOT NULL,
            bytes_received  INTEGER NOT NULL,
            findings        INTEGER NOT NULL,
            findings_by_kind TEXT   NOT NULL,          -- JSON object: kind → count
            failures        INTEGER NOT NULL,          -- findings of severity warning or error
            notices         INTEGER NOT NULL,          -- findings of severity info (findings = failures + notices)
            PRIMARY KEY (trace_id, process_id)
        );
        """ + "\n" + Indexes;

    /// <summary>
    /// The indexes on the tables a trace fills. An import into a database without events drops them and makes them
    /// again after loading (in its transaction): one sort per index instead of a B-tree insert per row.
    /// </summary>
    public const string Indexes = """
        CREATE INDEX IF NOT EXISTS events_by_socket ON event_rows (trace_id, socket_id);
        CREATE INDEX IF NOT EXISTS events_by_time ON event_rows (time_ns);
        CREATE INDEX IF NOT EXISTS sockets_by_process ON sockets (trace_id, process_id);
        CREATE INDEX IF NOT EXISTS sockets_by_remote ON sockets (remote_address, remote_port);
        CREATE INDEX IF NOT EXISTS findings_by_kind ON findings (kind, trace_id);
        """;

    /// <summary>The provider names <c>events.provider_code</c> stands for (the Winsock catalog's three), by code − 1.</summary>
    public static readonly string[] ProviderCodes =
        ["Microsoft-Windows-Winsock-AFD", "Microsoft-Windows-Winsock-Sockets", "Microsoft-Windows-Winsock-NameResolution"];

    /// <summary>Drops what <see cref="Indexes"/> creates.</summary>
    public const string DropIndexes = """
        DROP INDEX IF EXISTS events_by_socket;
        DROP INDEX IF EXISTS events_by_time;
        DROP INDEX IF EXISTS sockets_by_process;
        DROP INDEX IF EXISTS sockets_by_remote;
        DROP INDEX IF EXISTS findings_by_kind;
        """;

    /// <summary>
    /// Creates the tables and indexes in an empty database, or checks that an existing one has this layout's version.
    /// </summary>
    /// <exception cref="InvalidDataException">The database was made with another layout, or by something else.</exception>
    public static void Ensure(SqliteConnection connection)
    {
        long version = Scalar(connection, "PRAGMA user_version");
        if (version == Version) return;
        if (version != 0)
            throw new InvalidDataException($"the database has layout version {version}; this sockscope writes version {Version}");
        long tables = Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
        if (tables != 0)
            throw new InvalidDataException("the database holds other tables: not a Sockscope database");
        using var transaction = connection.BeginTransaction();
        using (var create = connection.CreateCommand())
        {
            create.Transaction = transaction;
            create.CommandText = Ddl + $"\nPRAGMA user_version = {Version};";
            create.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
