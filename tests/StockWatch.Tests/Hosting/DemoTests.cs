using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Catalog;
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
    }
}
