using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Sockscope.Analysis;
using Sockscope.Etl;
using Sockscope.Sinks.Report;
using Sockscope.Synthesis;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sinks.Report;

/// <summary>
/// The report as a person sees it, in a real headless Chromium: sections and counts from a scenario's ground truth,
/// no script errors, filtering, sorting, a socket's events on a click, and a hostile process name shown as text.
/// </summary>
public sealed class ReportBrowserTests : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly BrowserFixture _browser;
    private readonly TempDir _dir = new();

    public ReportBrowserTests(BrowserFixture browser) => _browser = browser;

    public void Dispose() => _dir.Dispose();

    /// <summary>A page with its report loaded and everything the browser complained about collected.</summary>
    private sealed class Opened(IBrowserContext context, IPage page, List<string> errors, List<string> dialogs) : IAsyncDisposable
    {
        public IPage Page => page;
        public List<string> Errors => errors;
        public List<string> Dialogs => dialogs;
        public ValueTask DisposeAsync() => new(context.CloseAsync());
    }

    private async Task<Opened> Open(string reportPath, int height = 1000)
    {
        var context = await _browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = height } });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        var dialogs = new List<string>();
        page.PageError += (_, e) => errors.Add("page error: " + e);
        page.Console += (_, m) => { if (m.Type == "error") errors.Add($"console {m.Type}: {m.Text}"); };
        page.Dialog += async (_, d) => { dialogs.Add(d.Message); await d.DismissAsync(); };
        // The page must not reach anything: any request but the file itself is an error.
        page.Request += (_, r) => { if (r.Url != new Uri(reportPath).AbsoluteUri) errors.Add("request: " + r.Url); };
        await page.GotoAsync(new Uri(reportPath).AbsoluteUri);
        await page.WaitForSelectorAsync("body[data-ready=true]", new PageWaitForSelectorOptions { Timeout = 15_000 });
        return new Opened(context, page, errors, dialogs);
    }

    private (ScenarioTruth Truth, ReportData Data, string Path) Report(string scenario, ReportOptions? options = null, long? events = null)
    {
        string trace = _dir.File(scenario + ".etl"), html = _dir.File(scenario + ".html");
        var truth = ScenarioSynthesizer.Write(trace, new ScenarioOptions { Scenario = scenario, Events = events ?? new ScenarioOptions().Events });
        using var reader = EtlReader.Open(trace);
        var data = HtmlReport.Collect(reader, trace, options);
        using (var file = File.Create(html)) HtmlReport.Write(file, data);
        return (truth, data, html);
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static Task<int> Count(IPage page, string selector) => page.Locator(selector).CountAsync();

    [Fact]
    public async Task The_mixed_report_shows_every_section_with_the_ground_truth_counts()
    {
        var (truth, data, path) = Report("mixed");
        await using var opened = await Open(path);
        var page = opened.Page;

        Assert.Equal(N(truth.SocketCount), await page.Locator("[data-fact=sockets] dd").TextContentAsync());
        int notices = truth.Findings.Count(f => f.Severity == FindingSeverity.Info), failures = truth.Findings.Count - notices;
        Assert.True(notices > 0 && failures > 0, "the scenario has both");
        Assert.Equal(N(failures), await page.Locator("[data-fact=failures] dd").TextContentAsync());
        Assert.StartsWith(N(notices) + " ", await page.Locator("[data-fact=notices] dd").TextContentAsync());
        Assert.StartsWith($"Windows 10.0 build {truth.Build}", await page.Locator("[data-fact=host] dd").TextContentAsync());
        Assert.Contains("5 events", await page.Locator("#lost-notice").TextContentAsync());
        Assert.Equal(0, await Count(page, "#cap-notice"));
        Assert.Equal(0, await Count(page, "#damage-notice"));

        Assert.Equal(truth.SocketCount, await Count(page, "#sockets tbody tr.socket"));
        Assert.Equal($"{N(truth.SocketCount)} of {N(truth.SocketCount)} sockets shown. Click a socket for its events.", await page.Locator("#socket-count").TextContentAsync());
        // Failures only, until notices are asked for; then all, the failures first.
        Assert.Equal(failures, await Count(page, "#findings tbody tr"));
        Assert.DoesNotContain("notice", await page.Locator("#findings tbody td:nth-child(3)").AllTextContentsAsync());
        await page.Locator("#finding-notices").CheckAsync();
        Assert.Equal(truth.Findings.Count, await Count(page, "#findings tbody tr"));
        var severities = await page.Locator("#findings tbody td:nth-child(3)").AllTextContentsAsync();
        Assert.Equal(severities.OrderBy(v => v == "notice"), severities);
        Assert.Equal(truth.FindingCounts.Count, await Count(page, "#finding-kinds button"));
        foreach (var (kind, count) in truth.FindingCounts)
            Assert.Equal(N(count), await page.Locator($"#finding-kinds button[data-kind={kind.ToText()}] b").TextContentAsync());
        Assert.Equal(data.Remotes.Count, await Count(page, "#remotes tbody tr"));
        // The address, then the host name the process looked up for it.
        Assert.Equal(data.Remotes[0].Remote + (data.Remotes[0].Name is { } name ? " " + name : ""),
            await page.Locator("#remotes tbody tr >> nth=0 >> td >> nth=0").TextContentAsync());
        Assert.Equal(truth.Processes.Count(p => p.Sockets > 0), await Count(page, "#processes tbody tr") - 1); // and process 0, which lost events

        // The charts were drawn: the timeline has bars in the colours of clean, failed and aborted sockets and the
        // activity chart has its bars.
        var colours = await page.EvaluateAsync<int[]>(@"() => {
            const count = (id, rgb) => { const c = document.getElementById(id); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] === rgb[0] && d[i + 1] === rgb[1] && d[i + 2] === rgb[2]) n++; return n; };
            return [count('timeline', [0x3b, 0x8f, 0x5a]), count('timeline', [0xc7, 0x25, 0x3e]), count('timeline', [0x8e, 0x2f, 0xb5]), count('activity', [0x9d, 0xb4, 0xe6])];
        }");
        Assert.All(colours, c => Assert.True(c > 20, $"a chart colour has {c} pixels: {string.Join(", ", colours)}"));

        Assert.Empty(opened.Errors);
        Assert.Empty(opened.Dialogs);
    }

    [Fact]
    public async Task Filtering_sorting_and_opening_a_socket_work_as_a_person_uses_them()
    {
        var (truth, data, path) = Report("mixed");
        await using var opened = await Open(path);
        var page = opened.Page;

        // Typing a process name leaves only its sockets.
        await page.Locator("#socket-filter").FillAsync("httpd.exe");
        int httpd = truth.Sockets.Count(s => s.ProcessName == "httpd.exe");
        Assert.True(httpd >= 2);
        Assert.Equal(httpd, await Count(page, "#sockets tbody tr.socket"));
        Assert.All(await page.Locator("#sockets tbody tr.socket td:nth-child(2)").AllTextContentsAsync(), t => Assert.StartsWith("httpd.exe (", t));
        // An outcome on top of an empty text: only the aborted sockets.
        await page.Locator("#socket-filter").FillAsync("");
        await page.Locator("#socket-outcome").SelectOptionAsync("aborted");
        Assert.Equal(truth.Sockets.Count(s => s.Aborted), await Count(page, "#sockets tbody tr.socket"));
        await page.Locator("#socket-outcome").SelectOptionAsync("");
        Assert.Equal(truth.SocketCount, await Count(page, "#sockets tbody tr.socket"));

        // Sorting: bytes sent, most first, then fewest first on a second click; process names in order.
        await page.Locator("#sockets th[data-key=sent]").ClickAsync();
        Assert.Equal("descending", await page.Locator("#sockets th[data-key=sent]").GetAttributeAsync("aria-sort"));
        var sent = await SentColumn(page);
        Assert.Equal(truth.Sockets.Select(s => s.BytesSent).OrderDescending(), sent);
        await page.Locator("#sockets th[data-key=sent]").ClickAsync();
        Assert.Equal("ascending", await page.Locator("#sockets th[data-key=sent]").GetAttributeAsync("aria-sort"));
        Assert.Equal(truth.Sockets.Select(s => s.BytesSent).Order(), await SentColumn(page));
        await page.Locator("#sockets th[data-key=process]").ClickAsync();
        var names = (await page.Locator("#sockets tbody tr.socket td:nth-child(2)").AllTextContentsAsync()).Select(t => t[..t.LastIndexOf(" (", StringComparison.Ordinal)].ToLowerInvariant()).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);

        // Clicking the socket that sent the most opens its events, as many as the report kept, in the catalog's names.
        var top = data.Sockets.MaxBy(s => s.Record.BytesSent)!;
        await page.Locator($"#sockets tr.socket[data-id=\"{top.Record.Id}\"]").ClickAsync();
        var detail = page.Locator($"#sockets tr.detail[data-detail=\"{top.Record.Id}\"]");
        await detail.WaitForAsync();
        Assert.Equal(top.Events!.Count, await detail.Locator("table.events tbody tr").CountAsync());
        Assert.Equal(top.EventCount, top.Events.Count);
        var first = await detail.Locator("table.events tbody tr >> nth=0 >> td").AllTextContentsAsync();
        var kind = data.EventKinds[top.Events[0].Kind];
        Assert.Equal(kind.Provider.Replace("Microsoft-Windows-Winsock-", ""), first[2]);
        Assert.Equal(kind.Id.ToString(CultureInfo.InvariantCulture), first[3]);
        Assert.Equal(top.Events[0].Message, first[8]);
        Assert.Contains($"{N(top.Record.BytesSent)} bytes", await detail.Locator("dl").TextContentAsync());
        // A second click closes it.
        await page.Locator($"#sockets tr.socket[data-id=\"{top.Record.Id}\"]").ClickAsync();
        Assert.Equal(0, await Count(page, "#sockets tr.detail"));

        // Findings filter by kind.
        await page.Locator("#finding-kinds button[data-kind=abort]").ClickAsync();
        Assert.Equal(truth.FindingsOf(FindingKind.Abort).Count(), await Count(page, "#findings tbody tr"));
        Assert.All(await page.Locator("#findings tbody tr td:nth-child(2)").AllTextContentsAsync(), t => Assert.Equal("abort", t));

        Assert.Empty(opened.Errors);
    }

    [Fact]
    public async Task A_capped_report_says_what_it_left_out()
    {
        var (truth, data, path) = Report("mixed", new ReportOptions { MaxSockets = 10, MaxEvents = 30 });
        await using var opened = await Open(path);
        var page = opened.Page;
        Assert.Equal(10, await Count(page, "#sockets tbody tr.socket"));
        Assert.Contains($"shows 10 of {N(truth.SocketCount)} sockets: {N(truth.SocketCount - 10)} were left out", await page.Locator("#cap-notice").TextContentAsync());
        // A socket whose events were not kept says so, with its count, instead of an empty table.
        var bare = data.Sockets.First(s => s.Events is null);
        await page.Locator($"#sockets tr.socket[data-id=\"{bare.Record.Id}\"]").ClickAsync();
        var detail = page.Locator($"#sockets tr.detail[data-detail=\"{bare.Record.Id}\"]");
        Assert.StartsWith($"{bare.EventCount} events; they are not in this report", await detail.Locator(".events-note").TextContentAsync());
        Assert.Equal(0, await detail.Locator("table.events").CountAsync());
        Assert.Empty(opened.Errors);
    }

    private static async Task<List<long>> SentColumn(IPage page)
    {
        // The cell shows a rounded size; its title has the exact bytes.
        var titles = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#sockets tbody tr.socket td:nth-child(8)')].map(td => td.title)");
        return titles.Select(t => long.Parse(Regex.Match(t, "^[0-9,]+").Value.Replace(",", ""), CultureInfo.InvariantCulture)).ToList();
    }

    [Fact]
    public async Task A_hostile_process_name_shows_as_literal_text_and_never_runs()
    {
        string trace = _dir.File("hostile.etl"), html = _dir.File("hostile.html");
        ReportTraces.WriteHostile(trace);
        using (var reader = EtlReader.Open(trace))
        using (var file = File.Create(html))
            HtmlReport.Write(file, HtmlReport.Collect(reader, trace));
        await using var opened = await Open(html);
        var page = opened.Page;

        string hostile = ReportTraces.HostileName + $" ({ReportTraces.HostilePid})";
        string entity = ReportTraces.EntityName + $" ({ReportTraces.EntityPid})";
        Assert.Equal([hostile, hostile, entity], await page.Locator("#sockets tbody tr.socket td:nth-child(2)").AllTextContentsAsync());
        Assert.Contains(ReportTraces.HostileName, await page.Locator("#processes tbody").TextContentAsync());
        Assert.Contains(hostile, await page.Locator("#findings tbody").TextContentAsync());
        // Nothing became markup: no image, no third script, and nothing ran.
        Assert.Equal(0, await Count(page, "img"));
        Assert.Equal(2, await Count(page, "script"));
        Assert.Equal(0, await Count(page, "b:not(#finding-kinds b)"));
        Assert.Empty(opened.Dialogs);

        // Filtering on the markup itself finds the two sockets whose process is named so.
        await page.Locator("#socket-filter").FillAsync("<img src=x");
        Assert.Equal(2, await Count(page, "#sockets tbody tr.socket"));
        await page.Locator("#sockets tbody tr.socket >> nth=0").ClickAsync();
        Assert.Contains(hostile, await page.Locator("#sockets tr.detail dl").TextContentAsync());
        Assert.Equal(0, await Count(page, "img"));
        Assert.Empty(opened.Dialogs);
        Assert.Empty(opened.Errors);
    }

    // The issue's screen: a laptop's browser window.
    private const int ScreenHeight = 900;

    [Theory]
    [InlineData("mixed", 0)]
    [InlineData("busy-host", 60_000)]
    public async Task The_first_screen_names_the_processes_and_remotes_that_failed_with_their_kinds_and_the_first_failure(string scenario, long events)
    {
        var (_, data, path) = Report(scenario, events: events == 0 ? null : events);
        Assert.NotEmpty(data.FailingProcesses);
        Assert.NotEmpty(data.FailingRemotes);
        await using var opened = await Open(path, ScreenHeight);
        var page = opened.Page;

        // Every row of both tables is on the first screen, below the page's sticky header and above the timeline.
        var boxes = await page.EvaluateAsync<double[][]>(@"() => {
            const box = (e) => { const b = e.getBoundingClientRect(); return [b.top, b.bottom, b.width]; };
            return [box(document.querySelector('header')), box(document.getElementById('timeline-section')),
              ...[...document.querySelectorAll('#failing-processes tbody tr, #failing-remotes tbody tr')].map(box)];
        }");
        double headerBottom = boxes[0][1], timelineTop = boxes[1][0];
        var rows = boxes[2..];
        Assert.Equal(data.FailingProcesses.Count + data.FailingRemotes.Count, rows.Length);
        Assert.All(rows, b =>
        {
            Assert.True(b[0] >= headerBottom && b[1] <= ScreenHeight, $"a row at {b[0]}–{b[1]} px is off the first screen ({headerBottom}–{ScreenHeight})");
            Assert.True(b[1] <= timelineTop && b[2] > 0, $"a row at {b[0]}–{b[1]} px is not above the timeline at {timelineTop}");
        });

        // What they say: the process that failed most, its count and commonest kind; the remote likewise.
        var process = data.FailingProcesses[0];
        var cells = await page.Locator("#failing-processes tbody tr >> nth=0 >> td").AllTextContentsAsync();
        Assert.Equal($"{process.Name ?? "(unknown)"} ({process.ProcessId})", cells[0]);
        Assert.Equal(N(process.Failures), cells[1]);
        Assert.StartsWith($"{process.Kinds[0].Key} {N(process.Kinds[0].Value)}", cells[2]);
        var remote = data.FailingRemotes[0];
        cells = await page.Locator("#failing-remotes tbody tr >> nth=0 >> td").AllTextContentsAsync();
        Assert.StartsWith(remote.Remote?.ToString() ?? remote.Name!, cells[0]);
        Assert.Equal(N(remote.Failures), cells[1]);
        Assert.StartsWith($"{remote.Kinds[0].Key} {N(remote.Kinds[0].Value)}", cells[2]);
        var first = data.Overview.FirstFailure!;
        var headline = await page.Locator("#first-failure").TextContentAsync();
        Assert.Contains(first.Time.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + " UTC: " + first.Kind.ToText(), headline);
        Assert.StartsWith($"{N(data.Overview.FailureCount)} failures in {N(data.FailingProcessCount)} processes", await page.Locator("#answer-headline").TextContentAsync());

        // A click on a process lists its failures.
        await page.Locator("#failing-processes tbody tr >> nth=0").ClickAsync();
        var listed = await page.Locator("#findings tbody tr td:nth-child(4)").AllTextContentsAsync();
        Assert.NotEmpty(listed);
        Assert.All(listed, t => Assert.EndsWith($"({process.ProcessId})", t));
        Assert.Empty(opened.Errors);
    }

    [Theory]
    [InlineData("mixed", 0)]
    [InlineData("busy-host", 60_000)]
    public async Task No_table_cell_breaks_a_time_an_address_a_byte_count_or_an_error(string scenario, long events)
    {
        var (_, _, path) = Report(scenario, events: events == 0 ? null : events);
        await using var opened = await Open(path, ScreenHeight);
        var page = opened.Page;
        // Open the first few sockets too: their details hold times and counts.
        for (int i = 0; i < 3; i++) await page.Locator($"#sockets tbody tr.socket >> nth={i * 2}").ClickAsync();

        // Each text of a token cell (times, addresses, byte counts, errors, event counts) lies on one line: its
        // client rects (one per line box it spans) all share one top.
        var result = await page.EvaluateAsync<string[]>(@"() => {
            const broken = []; let texts = 0;
            for (const cell of document.querySelectorAll('table td.mono, table td.num, table td.addr, table .tok')) {
              const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
              for (let t; (t = walk.nextNode());) {
                if (!t.textContent.trim()) continue;
                const range = document.createRange();
                range.selectNodeContents(t);
                const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
                texts++;
                if (tops.size > 1) broken.push(cell.closest('table').id + ': ' + t.textContent);
              }
            }
            return [String(texts), String(document.documentElement.scrollWidth), ...broken];
        }");
        Assert.True(int.Parse(result[0], CultureInfo.InvariantCulture) > 200, $"only {result[0]} token texts were checked");
        Assert.Empty(result[2..]);
        // Whole tokens cost no sideways scrolling: the other text of the rows gives way.
        Assert.True(int.Parse(result[1], CultureInfo.InvariantCulture) <= 1400, $"the page is {result[1]} px wide in a 1400 px window");
        Assert.Empty(opened.Errors);
    }

    [Fact]
    public async Task A_busy_hosts_timeline_stays_within_one_screen_with_the_processes_that_failed_on_top()
    {
        var (_, data, path) = Report("busy-host", events: 60_000);
        await using var opened = await Open(path, ScreenHeight);
        var page = opened.Page;
        var m = await page.EvaluateAsync<double[]>(@"() => {
            const section = document.getElementById('timeline-section').getBoundingClientRect();
            const canvas = document.getElementById('timeline'), wrap = canvas.parentElement;
            return [section.height, canvas.getBoundingClientRect().height, wrap.clientHeight, wrap.scrollHeight];
        }");
        // The lanes are taller than a screen (39 processes), yet the section fits in one: they scroll within it.
        Assert.True(m[1] > ScreenHeight, $"the lanes are {m[1]} px: the trace is too small to test this");
        Assert.True(m[0] <= ScreenHeight, $"the timeline section is {m[0]} px, more than a {ScreenHeight} px screen");
        Assert.True(m[3] > m[2], "the lanes do not scroll within the timeline");
        // The top lanes are the processes that failed most, in order.
        var lanes = (await page.Locator("#timeline").GetAttributeAsync("data-lanes"))!.Split(' ');
        var failing = data.FailingProcesses.Select(p => p.ProcessId.ToString(CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(failing, lanes.Take(failing.Count));
        Assert.Empty(opened.Errors);
    }

    [Fact]
    public async Task Host_names_show_beside_their_addresses_everywhere()
    {
        string trace = _dir.File("named.etl"), html = _dir.File("named.html");
        ScenarioSynthesizer.Write(trace, new ScenarioOptions { Scenario = "mixed" });
        // The analysis fills these from NameResolution events; set by hand here, so the page is tested on its own.
        static string Name(System.Net.IPEndPoint r) => "h-" + r.Address.ToString().Replace(':', '-').Replace('.', '-') + ".example.test";
        static Finding Named(Finding f) => f.Remote is null ? f : f with { RemoteName = Name(f.Remote) };
        ReportData data;
        using (var reader = EtlReader.Open(trace))
        {
            var collector = new ReportCollector(reader, new ReportOptions());
            var summary = TraceAnalysis.Run(collector.Source, s =>
            {
                if (s.Remote is not null) s.RemoteName = Name(s.Remote);
                collector.OnSocket(s);
            }, onEvent: collector.OnEvent, onFinding: f => collector.OnFinding(Named(f)));
            foreach (var r in summary.Totals.Remotes) r.Name = Name(r.Remote);
            data = collector.Build(trace, new AnalysisSummary { Totals = summary.Totals, Findings = summary.Findings.Select(Named).ToList(), MaxFindingsKept = summary.MaxFindingsKept });
        }
        using (var file = File.Create(html)) HtmlReport.Write(file, data);
        using (var json = ReportTraces.Data(File.ReadAllText(html)))
        {
            var root = json.RootElement;
            Assert.All(root.GetProperty("sockets").EnumerateArray().Where(s => s.GetProperty("remote").GetString() is not null),
                s => Assert.Equal(Name(System.Net.IPEndPoint.Parse(s.GetProperty("remote").GetString()!)), s.GetProperty("remote_name").GetString()));
            Assert.All(root.GetProperty("remote_endpoints").EnumerateArray(),
                r => Assert.Equal(Name(System.Net.IPEndPoint.Parse(r.GetProperty("remote").GetString()!)), r.GetProperty("remote_name").GetString()));
        }

        await using var opened = await Open(html, ScreenHeight);
        var page = opened.Page;
        var withRemote = data.Sockets.First(s => s.Record.Remote is not null).Record;
        string expected = withRemote.Remote + " " + Name(withRemote.Remote!);
        Assert.Equal(expected, await page.Locator($"#sockets tr.socket[data-id=\"{withRemote.Id}\"] td:nth-child(5)").TextContentAsync());
        Assert.Equal(data.Remotes[0].Remote + " " + Name(data.Remotes[0].Remote), await page.Locator("#remotes tbody tr >> nth=0 >> td >> nth=0").TextContentAsync());
        var failing = data.FailingRemotes.First(r => r.Remote is not null);
        Assert.Equal(failing.Remote + " " + Name(failing.Remote!), await page.Locator($"#failing-remotes tbody tr[data-remote=\"{failing.Remote}\"] td >> nth=0").TextContentAsync());
        var finding = data.Findings.First(f => f.Remote is not null && f.Severity != FindingSeverity.Info);
        Assert.Contains(finding.Remote + " " + Name(finding.Remote!), await page.Locator("#findings tbody td:nth-child(5)").AllTextContentsAsync());
        await page.Locator($"#sockets tr.socket[data-id=\"{withRemote.Id}\"]").ClickAsync();
        Assert.Contains(expected, await page.Locator($"#sockets tr.detail[data-detail=\"{withRemote.Id}\"] dl").TextContentAsync());
        // Filtering by a host name finds its sockets.
        await page.Locator("#socket-filter").FillAsync(Name(withRemote.Remote!));
        Assert.Equal(data.Sockets.Count(s => s.Record.Remote is { } r && Name(r) == Name(withRemote.Remote!)), await Count(page, "#sockets tbody tr.socket"));
        Assert.Empty(opened.Errors);
    }

    [Fact]
    public async Task A_trace_without_winsock_events_says_so_names_its_providers_and_how_to_capture_them()
    {
        string trace = _dir.File("none.etl"), html = _dir.File("none.html");
        ReportTraces.WriteWithoutWinsock(trace);
        ReportData data;
        using (var reader = EtlReader.Open(trace))
        {
            data = HtmlReport.Collect(reader, trace);
            using var file = File.Create(html);
            HtmlReport.Write(file, data);
        }
        Assert.Equal(0, data.Overview.WinsockEvents);
        // The logfile header is a record of its own (EventTrace).
        Assert.Equal([(ReportTraces.UnknownProvider.ToString(), 3L), ("EventTrace", 1L), ("Process", 2L)],
            data.Overview.Providers.Select(p => (p.Name ?? p.Provider.ToString(), p.Records)).OrderBy(p => p.Item1, StringComparer.Ordinal));

        await using var opened = await Open(html, ScreenHeight);
        var page = opened.Page;
        var notice = page.Locator("#no-winsock");
        Assert.True(await notice.IsVisibleAsync());
        Assert.StartsWith("This trace holds no Winsock events", await notice.TextContentAsync());
        Assert.Equal($"It holds 6 records of 3 providers: {ReportTraces.UnknownProvider} (3), Process (2), EventTrace (1).", await page.Locator("#no-winsock-providers").TextContentAsync());
        Assert.Contains("logman start winsock -p Microsoft-Windows-Winsock-AFD 0xffffffffffffffff 0x5 -o winsock.etl -ets", await page.Locator("#no-winsock-how").TextContentAsync());
        Assert.False(await page.Locator("#answer-tables").IsVisibleAsync());
        Assert.DoesNotContain("nothing went wrong that the trace shows", await page.Locator("main").TextContentAsync());
        Assert.Empty(opened.Errors);
    }
}
