using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
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

    private async Task<Opened> Open(string reportPath)
    {
        var context = await _browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
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

    private (ScenarioTruth Truth, ReportData Data, string Path) Report(string scenario, ReportOptions? options = null)
    {
        string trace = _dir.File(scenario + ".etl"), html = _dir.File(scenario + ".html");
        var truth = ScenarioSynthesizer.Write(trace, new ScenarioOptions { Scenario = scenario });
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
        Assert.Equal(N(truth.Findings.Count), await page.Locator("[data-fact=findings] dd").TextContentAsync());
        Assert.StartsWith($"Windows 10.0 build {truth.Build}", await page.Locator("[data-fact=host] dd").TextContentAsync());
        Assert.Contains("5 events", await page.Locator("#lost-notice").TextContentAsync());
        Assert.Equal(0, await Count(page, "#cap-notice"));
        Assert.Equal(0, await Count(page, "#damage-notice"));

        Assert.Equal(truth.SocketCount, await Count(page, "#sockets tbody tr.socket"));
        Assert.Equal($"{N(truth.SocketCount)} of {N(truth.SocketCount)} sockets shown. Click a socket for its events.", await page.Locator("#socket-count").TextContentAsync());
        Assert.Equal(truth.Findings.Count, await Count(page, "#findings tbody tr"));
        Assert.Equal(truth.FindingCounts.Count, await Count(page, "#finding-kinds button"));
        foreach (var (kind, count) in truth.FindingCounts)
            Assert.Equal(N(count), await page.Locator($"#finding-kinds button[data-kind={kind}] b").TextContentAsync());
        Assert.Equal(data.Remotes.Count, await Count(page, "#remotes tbody tr"));
        Assert.Equal(data.Remotes[0].Remote.ToString(), await page.Locator("#remotes tbody tr >> nth=0 >> td >> nth=0").TextContentAsync());
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
        Assert.Equal(truth.FindingsOf("abort").Count(), await Count(page, "#findings tbody tr"));
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
}
