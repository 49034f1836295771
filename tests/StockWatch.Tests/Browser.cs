using Microsoft.Playwright;

namespace StockWatch.Tests;

/// <summary>
/// Headless Chromium from Debian's <c>chromium</c> package (test.sh installs it when missing), driven by Playwright.
/// A page records its console errors, uncaught exceptions and dialogs (an <c>alert()</c> that ran).
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser) => (_playwright, _browser) = (playwright, browser);

    /// <summary>Where screenshots go: <c>artifacts/screenshots</c> under the repository root (kept by CI, ignored by git).</summary>
    public static string Screenshots { get; } = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    public static async Task<Browser> LaunchAsync()
    {
        File.Exists(Executable).Should().BeTrue($"{Executable} is installed by test.sh (Debian's chromium package)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        return new Browser(playwright, browser);
    }

    public async Task<Page> OpenAsync(string url, int width = 1280, int height = 900)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var watched = new Page(page);
        await page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        return watched;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "StockWatch.slnx")))
            {
                return folder.FullName;
            }
        }

        return Path.GetTempPath();
    }

    public sealed class Page
    {
        private readonly List<string> _problems = [];

        internal Page(IPage page)
        {
            Inner = page;
            page.Console += (_, message) => Record(message.Type == "error" ? $"console error: {message.Text}" : null);
            page.PageError += (_, error) => Record($"uncaught: {error}");
            page.Dialog += async (_, dialog) =>
            {
                Record($"dialog ({dialog.Type}): {dialog.Message}");
                await dialog.DismissAsync();
            };
        }

        public IPage Inner { get; }

        /// <summary>Console errors, uncaught exceptions and dialogs seen so far.</summary>
        public IReadOnlyList<string> Problems
        {
            get
            {
                lock (_problems)
                {
                    return [.. _problems];
                }
            }
        }

        public async Task ScreenshotAsync(string name)
        {
            Directory.CreateDirectory(Screenshots);
            await Inner.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, $"{name}.png"), FullPage = true });
        }

        private void Record(string? problem)
        {
            if (problem is not null)
            {
                lock (_problems)
                {
                    _problems.Add(problem);
                }
            }
        }
    }
}
