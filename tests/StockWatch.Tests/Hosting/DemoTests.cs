using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Access;
using StockWatch.Core.Catalog;
using StockWatch.Core.Reports;
using StockWatch.Demo;
using StockWatch.Hosting;
using StockWatch.Testing;

namespace StockWatch.Tests.Hosting;

public sealed class DemoTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ServeDemo_SeedsABelievableCatalogueWithSomeProductsAlreadyLow_AndWeeksOfSalesBeforeItsFirstReport()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var app = StockWatchServer.Build(_data.Path, "http://127.0.0.1:0", demo: true);
        await app.StartAsync(cancel);
        var store = app.Services.GetRequiredService<IInventoryStore>();

        // Seeding is part of the start: by now the catalogue and its history are there.
        var products = store.ListProducts(new ProductQuery(Limit: 1000));
        products.Should().HaveCount(200);
        products.Select(p => p.Category).Distinct().Should().HaveCountGreaterThanOrEqualTo(4);
        store.ListProducts(new ProductQuery(LowStockOnly: true, Limit: 1000)).Should().NotBeEmpty().And.HaveCountLessThan(60);
        app.Services.GetRequiredService<ApiKeys>().List().Should().ContainSingle(k => k.Name == DemoSimulator.KeyName && k.RevokedAt == null)
            .Which.Role.Should().Be(Role.Writer, "the demo prints a key for the dashboard");
        var database = Path.Combine(_data.Path, "stockwatch.db");
        TestStore.ScalarIn(database, "SELECT COUNT(DISTINCT date(sale_date)) FROM sales").Should().BeGreaterThanOrEqualTo(DemoSimulator.HistoryWeeks * 7,
            "several weeks of history, every day");

        // The scheduler's catch-up at start makes the latest week's report: it shows the history, not zeros.
        var ledger = app.Services.GetRequiredService<IReportLedger>();
        var report = await Eventually.Until(() => Task.FromResult(ledger.List(1)), made => made.Count == 1, "the scheduler makes the latest week's report at start", cancel);
        var content = await app.Services.GetRequiredService<WeeklyReports>().MakeAsync(report[0].PeriodEnd, cancel);
        content.Created.Should().BeFalse();
        content.Content.Totals.Units.Should().BeGreaterThan(500, "200 products sold all week");
        content.Content.TopByRevenue.Should().HaveCount(10);
        content.Content.PreviousTotals.Units.Should().BePositive("the week before has its sales too, so the change is shown");
        (content.Content.LowStock.Concat(content.Content.OutOfStock)).Should().Contain(c => c.DaysOfCover != null || c.DailyRate > 0, "days of cover from the history");
    }

    [Fact]
    public async Task ServeDemo_Restarted_ReplacesItsKeyAndPrintsOneThatOpensTheDashboard()
    {
        var cancel = TestContext.Current.CancellationToken;
        for (var start = 0; start < 2; start++)
        {
            var port = StockWatchProcess.FreePort();
            using var serve = StockWatchProcess.Start(_data.Path, "serve", "--demo", "--urls", $"http://127.0.0.1:{port}");
            await serve.WaitForOutputAsync("Application started", cancel);
            var lines = serve.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            var keyLine = lines.FindIndex(l => l.StartsWith("Demo key: ", StringComparison.Ordinal));
            var secret = lines[keyLine]["Demo key: ".Length..].Trim();
            lines[keyLine - 1].Should().StartWith("└", "the key is in a box, then on a line of its own");
            lines.Take(keyLine).Should().Contain(l => l.StartsWith("│", StringComparison.Ordinal) && l.Contains(secret, StringComparison.Ordinal));
            lines.Should().NotContain(l => l.Contains("warn", StringComparison.Ordinal) && l.Contains(secret, StringComparison.Ordinal), "not as a warning among the logs");
            lines.FindIndex(l => l.Contains("Now listening on", StringComparison.Ordinal)).Should().BeGreaterThan(keyLine, "the key comes before the server's logs");
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
            (await client.GetStringAsync("/api/me", cancel)).Should().Contain("\"role\":\"writer\"");
        }

        var keys = await StockWatchProcess.RunAsync(_data.Path, "keys", "list", "--json");
        System.Text.Json.JsonDocument.Parse(keys.Output).RootElement.EnumerateArray()
            .Count(k => k.GetProperty("name").GetString() == DemoSimulator.KeyName && !k.TryGetProperty("revoked_at", out _)).Should().Be(1, "each start replaces the last one's key");
    }
}
