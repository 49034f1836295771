using System.Text.Json;
using StockWatch.Testing;

namespace StockWatch.Tests.Reports;

/// <summary>The HTML report opened in headless Chromium.</summary>
public sealed class ReportHtmlTests : IDisposable
{
    private const string Hostile = "<script>alert(1)</script>";
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task HtmlReport_RendersWithoutErrors_ChartsVisible_AndAHostileNameAsText()
    {
        await Run("products", "set", "XSS-1", "--name", Hostile, "--category", "<img src=x onerror=alert(2)>", "--price", "4.5", "--stock", "30", "--threshold", "10");
        await Run("products", "set", "LOW-1", "--name", "Tea lights", "--price", "1.25", "--stock", "12", "--threshold", "10");
        await Run("products", "set", "IDLE-1", "--name", "Umbrella", "--price", "9", "--stock", "7");
        for (var day = 20; day <= 25; day++)
        {
            await Run("sales", "record", "--product", "XSS-1", "--quantity", "2", "--date", $"2026-11-{day}T10:00:00Z");
            await Run("sales", "record", "--product", "LOW-1", "--quantity", "1", "--date", $"2026-11-{day}T11:00:00Z");
        }

        var made = await Cli.Cli.RunAsync(_data.Path, "report", "weekly", "--end", "2026-11-26T17:00:00Z", "--json");
        made.ExitCode.Should().Be(0, made.Error);
        var location = JsonDocument.Parse(made.Output).RootElement.GetProperty("report_location").GetString()!;

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.OpenAsync(location);
        await page.ScreenshotAsync("weekly-report");

        var charts = page.Inner.Locator("svg");
        (await charts.CountAsync()).Should().BeGreaterThanOrEqualTo(4, "sales per day, top products, categories, stock against threshold");
        foreach (var chart in await charts.AllAsync())
        {
            (await chart.IsVisibleAsync()).Should().BeTrue();
            var box = await chart.BoundingBoxAsync();
            (box!.Width > 100 && box.Height > 20).Should().BeTrue($"each chart has a size (got {box.Width}×{box.Height})");
            (await chart.Locator("rect").CountAsync()).Should().BePositive("each chart draws its bars");
        }

        (await page.Inner.Locator("td", new() { HasText = Hostile }).CountAsync()).Should().BePositive("the name shows as text");
        (await page.Inner.Locator("script").CountAsync()).Should().Be(0);
        (await page.Inner.Locator("img").CountAsync()).Should().Be(0);
        (await page.Inner.Locator("body").InnerTextAsync()).Should().Contain("Tea lights").And.Contain("Umbrella");
        page.Problems.Should().BeEmpty();

        // A narrow window: the page still renders and nothing runs.
        var narrow = await browser.OpenAsync(location, width: 390, height: 844);
        await narrow.ScreenshotAsync("weekly-report-narrow");
        (await narrow.Inner.Locator("svg").First.IsVisibleAsync()).Should().BeTrue();
        narrow.Problems.Should().BeEmpty();
    }

    private async Task Run(params string[] args)
    {
        var result = await Cli.Cli.RunAsync(_data.Path, args);
        result.ExitCode.Should().Be(0, result.Error);
    }
}
