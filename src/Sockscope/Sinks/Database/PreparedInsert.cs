using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Sockscope.Sinks.Database;

/// <summary>
/// One SQL statement prepared once on the connection's handle and run once per row with new parameter values.
/// </summary>
/// <remarks>
/// Below <see cref="SqliteCommand"/> on purpose: a command run a million times makes a data reader per run and
/// converts every value through <see cref="SqliteParameter"/>, while this binds integers and UTF-8 text straight from
/// spans, so an event's JSON goes from the writer's buffer into SQLite without becoming a string. It runs inside the
/// transaction the connection holds, like any command of that connection.
/// </remarks>
internal sealed class PreparedInsert : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    // The statement's pointer for SqliteNative's binds (0: bind through SQLitePCLRaw); _statement keeps it alive.
    private readonly nint _native;

    public PreparedInsert(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        int rc = raw.sqlite3_prepare_v2(_db, sql, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
        if (SqliteNative.Available) _native = _statement.DangerousGetHandle();
    }

    /// <summary>Parameter <paramref name="index"/> (1-based) is an integer.</summary>
    public void Bind(int index, long value) =>
        Check(_native != 0 ? SqliteNative.BindInt64(_native, index, value) : raw.sqlite3_bind_int64(_statement, index, value));

    /// <summary>Parameter <paramref name="index"/> is an integer, or NULL.</summary>
    public void Bind(int index, long? value)
    {
        if (value is { } v) Bind(index, v);
        else Null(index);
    }

    /// <summary>Parameter <paramref name="index"/> is UTF-8 text (SQLite copies it).</summary>
    public void Bind(int index, ReadOnlySpan<byte> utf8) =>
        Check(_native != 0 ? SqliteNative.BindText(_native, index, utf8) : raw.sqlite3_bind_text(_statement, index, utf8));

    /// <summary>Parameter <paramref name="index"/> is text, or NULL.</summary>
    public void Bind(int index, string? text)
    {
        if (text is null) Null(index);
        else Check(raw.sqlite3_bind_text(_statement, index, text));
    }

    /// <summary>Parameter <paramref name="index"/> is NULL.</summary>
    public void Null(int index) => Check(_native != 0 ? SqliteNative.BindNull(_native, index) : raw.sqlite3_bind_null(_statement, index));

    /// <summary>Runs the statement with the values bound; they stay bound for the next row.</summary>
    public void Run()
    {
        int rc = raw.sqlite3_step(_statement);
        // Reset before throwing: a statement left mid-step would keep the transaction's locks past a rollback.
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose() => _statement.Dispose();
}
