using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sockscope.Cli.Commands;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Cli;

/// <summary>
/// The human outputs from the command line: tables fitted to a terminal (the console's "is a terminal" flag and
/// width), whole in a pipe; times in the zone of <c>--time</c>; and JSON's time to 100 ns.
/// </summary>
public sealed class TableOutputTests : IDisposable
{
    private static readonly TimeZoneInfo India = TimeZoneInfo.CreateCustomTimeZone("Test/India", TimeSpan.FromMinutes(330), "India", "India");
    private readonly TempDir _dir = new();
    private readonly string _trace;

    public TableOutputTests()
    {
        _trace = _dir.File("mixed.etl");
        ScenarioSynthesizer.Write(_trace, new ScenarioOptions { Scenario = "mixed" });
    }

    public void Dispose() => _dir.Dispose();

    private string[] Run(bool terminal, int width, params string[] args)
    {
        using var output = new MemoryStream();
        var error = new StringWriter();
        var console = new CliConsole(output, error, outputIsTerminal: terminal, errorIsTerminal: false, width: width) { LocalZone = India };
        int code = Sockscope.Cli.Commands.Cli.Run([args[0], _trace, .. args[1..]], console);
        Assert.True(code == 0, error.ToString());
        return Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private List<JsonElement> SocketsJson() =>
        Run(false, 120, "sockets").Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public void The_sockets_table_fits_80_columns_and_keeps_every_ipv6_remote_whole()
    {
        var remotes = SocketsJson().Select(s => s.GetProperty("remote")).Where(r => r.ValueKind == JsonValueKind.String)
            .Select(r => r.GetString()!).Where(r => r.StartsWith('[')).Distinct().ToList();
        Assert.NotEmpty(remotes);
        var table = Run(true, 80, "sockets", "--format", "table");
        Assert.All(table, line => Assert.True(line.Length <= 80, $"{line.Length} wide: {line}"));
        foreach (string remote in remotes) Assert.Contains(table, line => Regex.IsMatch(line, $@"(^| ){Regex.Escape(remote)}( |$)"));
    }

    [Fact]
    public void The_sockets_table_into_a_pipe_cuts_nothing()
    {
        var sockets = SocketsJson();
        var table = Run(false, 80, "sockets", "--format", "table");
        Assert.Equal(sockets.Count + 1, table.Length);
        Assert.DoesNotContain(table, line => line.Contains('…'));
        foreach (var error in sockets.Select(s => s.GetProperty("error")).Where(e => e.ValueKind == JsonValueKind.String))
            Assert.Contains(table, line => line.Contains(error.GetString()!, StringComparison.Ordinal));
        // Every row has every column: the endpoint, last but the note, is on each.
        Assert.All(table.Skip(1), line => Assert.Matches(@" (0x[0-9A-F]+|-)( |$)", line));
    }

    [Fact]
    public void The_sockets_table_into_a_pipe_lists_every_datagram_peer()
    {
        var several = SocketsJson().Where(s => s.GetProperty("remote").ValueKind == JsonValueKind.Null && s.GetProperty("peers").GetArrayLength() > 1)
            .Select(s => s.GetProperty("peers").EnumerateArray().Select(p => p.GetString()!).ToList()).ToList();
        Assert.NotEmpty(several);
        var table = Run(false, 80, "sockets", "--format", "table");
        foreach (var peers in several) Assert.Contains(table, line => line.Contains(string.Join(' ', peers), StringComparison.Ordinal));
        Assert.DoesNotContain(table, line => Regex.IsMatch(line, @":\d+ \+\d+ "));
    }

    [Fact]
    public void The_dump_table_at_80_columns_names_providers_short_and_leaves_the_details_room()
    {
        var table = Run(true, 80, "dump", "--format", "table");
        Assert.All(table, line => Assert.True(line.Length <= 80, $"{line.Length} wide: {line}"));
        Assert.True(table[0].IndexOf("DETAILS", StringComparison.Ordinal) <= 40, table[0]);
        var providers = table.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ToHashSet();
        Assert.Equal(["AFD", "NameRes", "Sockets"], providers.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_dump_table_into_a_pipe_cuts_no_details()
    {
        var messages = Run(false, 80, "dump").Select(l => JsonDocument.Parse(l).RootElement.GetProperty("message").GetString()!).ToList();
        var table = Run(false, 80, "dump", "--format", "table");
        Assert.Equal(messages.Count + 1, table.Length);
        Assert.DoesNotContain(table, line => line.Contains('…'));
        for (int i = 0; i < messages.Count; i++)
            if (messages[i].Length > 0) Assert.EndsWith(" " + messages[i].ReplaceLineEndings(" "), table[i + 1]);
    }

    [Fact]
    public void The_summary_into_a_pipe_wraps_no_finding()
    {
        using var summary = JsonDocument.Parse(string.Join('\n', Run(false, 120, "summary", "--json")));
        var details = summary.RootElement.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("severity").GetString() != "info").Select(f => f.GetProperty("detail").GetString()!).ToList();
        Assert.Contains(details, d => d.Length > 100);
        var view = Run(false, 120, "summary");
        foreach (string detail in details) Assert.Contains(view, line => line.Contains(detail, StringComparison.Ordinal));
    }

    [Fact]
    public void Time_local_shows_the_zones_wall_clock_in_every_human_output()
    {
        var json = Run(false, 120, "dump", "--limit", "1");
        string utc = JsonDocument.Parse(json[0]).RootElement.GetProperty("system").GetProperty("time_created_precise").GetString()!;
        var at = DateTime.Parse(utc, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
        string local = at.AddMinutes(330).ToString("HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture);

        var table = Run(false, 120, "dump", "--limit", "1", "--format", "table", "--time", "local");
        Assert.StartsWith("TIME (local)", table[0]);
        Assert.StartsWith(local + " ", table[1]);
        var csv = Run(false, 120, "dump", "--limit", "1", "--format", "csv", "--time", "local");
        Assert.StartsWith(at.AddMinutes(330).ToString("yyyy-MM-ddT", System.Globalization.CultureInfo.InvariantCulture) + local + "+05:30,", csv[1]);
        // UTC is the default, and JSON stays in UTC whatever --time says.
        Assert.StartsWith(utc[11..^1] + " ", Run(false, 120, "dump", "--limit", "1", "--format", "table")[1]);
        Assert.Equal(json, Run(false, 120, "dump", "--limit", "1", "--time", "local"));

        var sockets = Run(false, 120, "sockets", "--format", "table", "--time", "local");
        Assert.StartsWith("OPENED (local)", sockets[0]);
        var summary = Run(false, 120, "summary", "--time", "local");
        Assert.Contains(summary, line => line.Contains("Time (local)", StringComparison.Ordinal));
    }

    [Fact]
    public void Csv_in_the_local_zone_is_the_same_on_several_threads()
    {
        var one = Run(false, 120, "dump", "--format", "csv", "--time", "local", "--threads", "1");
        Assert.EndsWith("+05:30", one[1][..one[1].IndexOf(',')]);
        Assert.Equal(one, Run(false, 120, "dump", "--format", "csv", "--time", "local", "--threads", "3"));
    }

    [Fact]
    public void Json_lines_carry_the_time_to_100_ns_next_to_the_catalogs_milliseconds()
    {
        var csv = Run(false, 120, "dump", "--format", "csv").Skip(1).Select(l => l[..l.IndexOf(',')]).ToList();
        var json = Run(false, 120, "dump");
        Assert.Equal(csv.Count, json.Length);
        int finer = 0;
        for (int i = 0; i < json.Length; i++)
        {
            var system = JsonDocument.Parse(json[i]).RootElement.GetProperty("system");
            string precise = system.GetProperty("time_created_precise").GetString()!;
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$", precise);
            Assert.Equal(csv[i], precise);
            Assert.Equal(system.GetProperty("time_created").GetString()![..23], precise[..23]);
            if (precise[23..27] != "0000") finer++;
        }
        Assert.True(finer > json.Length / 2, $"{finer} of {json.Length} below the millisecond");
    }
}
