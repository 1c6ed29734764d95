using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Sockscope.Analysis;
using Sockscope.Cli.Commands;
using Sockscope.Sinks.Report;
using Sockscope.Tests.Sinks.Report;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// summary, report and export show the same totals, counted over every finding, when the findings exceed what the
/// analysis keeps: 300 notices then 30 aborts, with 100 findings kept: the 30 failures, then the first 70 notices.
/// </summary>
public sealed class TotalsAgreementTests : IDisposable
{
    private const int Notices = 300, Aborts = 30, Kept = 100;
    private static readonly AnalysisLimits Limits = new() { MaxFindingsKept = Kept };
    private readonly TempDir _dir = new();
    private readonly string _trace;

    public TotalsAgreementTests()
    {
        _trace = _dir.File("many.etl");
        ManyFindingsTrace.Write(_trace, Notices, Aborts);
    }

    public void Dispose() => _dir.Dispose();

    private static (int Code, byte[] Output, string Error) Run(Func<CliConsole, int> command)
    {
        var output = new MemoryStream();
        var error = new StringWriter();
        int code = command(new CliConsole(output, error));
        return (code, output.ToArray(), error.ToString());
    }

    [Fact]
    public void Summary_report_and_export_count_every_finding_and_agree()
    {
        var summary = Run(c => SummaryCommand.Execute(c, _trace, json: true, verbose: false, limits: Limits));
        Assert.Equal(0, summary.Code);
        using var s = JsonDocument.Parse(summary.Output);
        var sr = s.RootElement;
        Assert.Equal(Notices + Aborts, sr.GetProperty("finding_count").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["abort"] = Aborts, ["option_changed"] = Notices }, Counts(sr.GetProperty("findings_by_kind")));
        Assert.Equal(new Dictionary<string, long> { ["error"] = Aborts, ["warning"] = 0, ["info"] = Notices }, Counts(sr.GetProperty("findings_by_severity")));
        Assert.Equal(Aborts, sr.GetProperty("failures").GetInt64());
        Assert.Equal(Notices, sr.GetProperty("notices").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["abort"] = Aborts }, Counts(sr.GetProperty("failures_by_kind")));
        Assert.Equal(new Dictionary<string, long> { ["option_changed"] = Notices }, Counts(sr.GetProperty("notices_by_kind")));
        // The failures found after the cap was reached are kept in place of notices; notices are listed on demand only.
        Assert.Equal(Aborts, sr.GetProperty("findings").GetArrayLength());
        Assert.Equal(Aborts, sr.GetProperty("findings_listed").GetInt64());
        Assert.False(sr.GetProperty("notices_listed").GetBoolean());
        Assert.True(sr.GetProperty("findings_truncated").GetBoolean());
        Assert.Equal(Kept, sr.GetProperty("findings_cap").GetInt64());
        Assert.All(sr.GetProperty("findings").EnumerateArray(), f => Assert.Equal("abort", f.GetProperty("kind").GetString()));
        using (var withNotices = JsonDocument.Parse(Run(c => SummaryCommand.Execute(c, _trace, json: true, verbose: false, limits: Limits, notices: true)).Output))
        {
            var listed = withNotices.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("kind").GetString()).ToList();
            Assert.Equal(Enumerable.Repeat("abort", Aborts).Concat(Enumerable.Repeat("option_changed", Kept - Aborts)), listed);
        }
        var processes = sr.GetProperty("processes").EnumerateArray().ToList();
        Assert.Equal(ManyFindingsTrace.Processes, processes.Count);
        Assert.False(sr.GetProperty("processes_truncated").GetBoolean());
        Assert.Equal(Notices + Aborts, processes.Sum(p => Counts(p.GetProperty("findings_by_kind")).Values.Sum()));
        Assert.Equal(Aborts, processes.Sum(p => p.GetProperty("failures").GetInt64()));
        Assert.Equal(Notices, processes.Sum(p => p.GetProperty("notices").GetInt64()));
        Assert.Equal(Aborts, sr.GetProperty("remote_endpoints").EnumerateArray().Sum(r => r.GetProperty("failures").GetInt64()));
        long sockets = sr.GetProperty("sockets").GetInt64();
        Assert.Equal(ManyFindingsTrace.Processes, sockets);

        var view = Run(c => SummaryCommand.Execute(c, _trace, json: false, verbose: false, limits: Limits));
        string text = Encoding.UTF8.GetString(view.Output);
        // The first line wraps at the console's width.
        Assert.Contains($"{Aborts} failures, {Notices} notices (the first {Kept} kept for listing; the counts cover all)", System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " "));
        Assert.Matches($@"│ abort\s+│\s+{Aborts} │", text);

        var report = Run(c => ReportCommand.Execute(c, _trace, null, new ReportOptions { Analysis = Limits }, verbose: false));
        Assert.Equal(0, report.Code);
        using var r = ReportTraces.Data(Encoding.UTF8.GetString(report.Output));
        var rr = r.RootElement;
        var overview = rr.GetProperty("overview");
        Assert.Equal(Notices + Aborts, overview.GetProperty("finding_count").GetInt64());
        Assert.Equal(sockets, overview.GetProperty("sockets").GetInt64());
        Assert.Equal(Counts(sr.GetProperty("findings_by_kind")), Counts(rr.GetProperty("findings_by_kind")));
        Assert.Equal(Notices + Aborts, rr.GetProperty("processes").EnumerateArray().Sum(p => p.GetProperty("finding_count").GetInt64()));
        Assert.Equal(Aborts, rr.GetProperty("activity").GetProperty("failures").EnumerateArray().Sum(v => v.GetInt64()));
        Assert.Equal(Kept, rr.GetProperty("findings").GetArrayLength());

        string db = _dir.File("out.db");
        var export = Run(c => ExportCommand.Execute(c, _trace, db, verbose: false, limits: Limits));
        Assert.Equal(0, export.Code);
        Assert.Contains($", {Notices + Aborts} findings (the first {Kept} in the findings table), ", export.Error);
        using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        Assert.Equal(Notices + Aborts, Scalar(connection, "SELECT findings FROM traces"));
        Assert.Equal(Kept, Scalar(connection, "SELECT count(*) FROM findings"));
        Assert.Equal(Aborts, Scalar(connection, "SELECT count(*) FROM findings WHERE kind = 'abort'"));
        Assert.Equal(Aborts, Scalar(connection, "SELECT sum(failures) FROM processes"));
        Assert.Equal(Notices, Scalar(connection, "SELECT sum(notices) FROM processes"));
        Assert.Equal(Notices + Aborts, Scalar(connection, "SELECT sum(findings) FROM processes"));
        Assert.Equal(Aborts, Scalar(connection, "SELECT sum(findings_by_kind ->> '$.abort') FROM processes"));
        Assert.Equal(sockets, Scalar(connection, "SELECT sockets FROM traces"));
        Assert.Equal(sockets, Scalar(connection, "SELECT count(*) FROM sockets"));
        Assert.Equal(sr.GetProperty("bytes_sent").GetInt64(), Scalar(connection, "SELECT bytes_sent FROM traces"));
    }

    [Fact]
    public void Without_a_cap_reached_nothing_is_said_to_be_truncated()
    {
        var summary = Run(c => SummaryCommand.Execute(c, _trace, json: true, verbose: false));
        using var s = JsonDocument.Parse(summary.Output);
        Assert.False(s.RootElement.GetProperty("findings_truncated").GetBoolean());
        Assert.Equal(Aborts, s.RootElement.GetProperty("findings_listed").GetInt64());
        Assert.Equal(AnalysisLimits.Default.MaxFindingsKept, s.RootElement.GetProperty("findings_cap").GetInt64());
        var view = Run(c => SummaryCommand.Execute(c, _trace, json: false, verbose: false));
        Assert.DoesNotContain("kept for listing", Encoding.UTF8.GetString(view.Output));
    }

    private static Dictionary<string, long> Counts(JsonElement o) => o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
