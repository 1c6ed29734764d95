using System.Globalization;
using Microsoft.Data.Sqlite;
using Sockscope.Analysis;

namespace Sockscope.Sinks.Database;

/// <summary>Writes findings as rows of <c>findings</c>, numbered in the order the analysis found them.</summary>
internal sealed class FindingRowWriter : IDisposable
{
    private const string Sql = """
        INSERT INTO findings (trace_id, sequence, kind, time, time_ns, process_id, endpoint, remote, severity, detail, remote_name)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
        """;

    private readonly PreparedInsert _insert;

    public FindingRowWriter(SqliteConnection connection, long traceId)
    {
        _insert = new PreparedInsert(connection, Sql);
        _insert.Bind(1, traceId);
    }

    /// <summary>Rows written.</summary>
    public long Count { get; private set; }

    /// <summary>Writes one finding.</summary>
    public void Write(Finding f)
    {
        var insert = _insert;
        insert.Bind(2, ++Count);
        insert.Bind(3, f.Kind.ToText());
        insert.Bind(4, DatabaseTime.Iso(f.Time));
        insert.Bind(5, DatabaseTime.Nanoseconds(f.Time));
        insert.Bind(6, f.ProcessId);
        insert.Bind(7, f.Endpoint == 0 ? null : "0x" + f.Endpoint.ToString("X", CultureInfo.InvariantCulture));
        insert.Bind(8, f.Remote?.ToString());
        insert.Bind(9, Severity(f.Severity));
        insert.Bind(10, f.Detail);
        insert.Bind(11, f.RemoteName);
        insert.Run();
    }

    /// <summary>The severity as <c>sockscope summary --json</c> writes it.</summary>
    public static string Severity(FindingSeverity severity) => severity switch
    {
        FindingSeverity.Info => "info",
        FindingSeverity.Warning => "warning",
        FindingSeverity.Error => "error",
        _ => severity.ToString().ToLowerInvariant(),
    };

    public void Dispose() => _insert.Dispose();
}
