using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Access;
using StockWatch.Core.Catalog;
using StockWatch.Demo;
using StockWatch.Hosting;
using StockWatch.Testing;

namespace StockWatch.Tests.Hosting;

public sealed class DemoTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ServeDemo_SeedsABelievableCatalogueWithSomeProductsAlreadyLow()
    {
        await using var app = StockWatchServer.Build(_data.Path, "http://127.0.0.1:0", demo: true);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var store = app.Services.GetRequiredService<IInventoryStore>();

        var waited = Stopwatch.StartNew();
        while (store.ListProducts(new ProductQuery(Limit: 1000)).Count < 200)
        {
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "seeding takes a moment");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var products = store.ListProducts(new ProductQuery(Limit: 1000));
        products.Should().HaveCount(200);
        products.Select(p => p.Category).Distinct().Should().HaveCountGreaterThanOrEqualTo(4);
        store.ListProducts(new ProductQuery(LowStockOnly: true, Limit: 1000)).Should().NotBeEmpty().And.HaveCountLessThan(60);
        app.Services.GetRequiredService<ApiKeys>().List().Should().ContainSingle(k => k.Name == DemoSimulator.KeyName && k.RevokedAt == null)
            .Which.Role.Should().Be(Role.Writer, "the demo prints a key for the dashboard");
    }

    [Fact]
    public async Task ServeDemo_Restarted_ReplacesItsKeyAndPrintsOneThatOpensTheDashboard()
    {
        var cancel = TestContext.Current.CancellationToken;
        for (var start = 0; start < 2; start++)
        {
            var port = StockWatchProcess.FreePort();
            using var serve = StockWatchProcess.Start(_data.Path, "serve", "--demo", "--urls", $"http://127.0.0.1:{port}");
            await serve.WaitForOutputAsync("enter this key", cancel);
            var secret = serve.Output.Split('\n').Single(l => l.Contains("enter this key", StringComparison.Ordinal)).Split(": ")[^1].Trim();
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
            (await client.GetStringAsync("/api/me", cancel)).Should().Contain("\"role\":\"writer\"");
        }

        var keys = await StockWatchProcess.RunAsync(_data.Path, "keys", "list", "--json");
        System.Text.Json.JsonDocument.Parse(keys.Output).RootElement.EnumerateArray()
            .Count(k => k.GetProperty("name").GetString() == DemoSimulator.KeyName && !k.TryGetProperty("revoked_at", out _)).Should().Be(1, "each start replaces the last one's key");
    }
}
