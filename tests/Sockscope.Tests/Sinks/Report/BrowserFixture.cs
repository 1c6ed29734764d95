using Microsoft.Playwright;

namespace Sockscope.Tests.Sinks.Report;

/// <summary>
/// One headless Chromium for the report's browser tests, driven by Playwright. Playwright cannot download a browser
/// here: it launches Debian's chromium (CI's .ci/run installs it). Without it the tests fail and say so; they never skip.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>The browser the tests drive: <c>SOCKSCOPE_CHROMIUM</c>, or Debian's.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("SOCKSCOPE_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _failure;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            _failure = $"Chromium is not at {ExecutablePath}: install Debian's chromium (apt-get install -y chromium; .ci/run does), or set SOCKSCOPE_CHROMIUM to a Chromium binary";
            return;
        }
        try
        {
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Timeout = 60_000,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
            });
        }
        catch (Exception e)
        {
            _failure = $"Chromium at {ExecutablePath} did not start under Playwright: {e.Message}";
        }
    }

    /// <summary>The browser; fails the test with the reason when there is none.</summary>
    public IBrowser Browser
    {
        get
        {
            if (_failure is not null) Assert.Fail(_failure);
            return _browser!;
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }
}
