using System.Text.Json;
using StockWatch.Tests.Api;

namespace StockWatch.Tests.Dashboard;

/// <summary>A serve with StockWatch:Currency and StockWatch:PublicUrl: amounts carry the code, and an alert's link opens its page.</summary>
public sealed class LinkedServerFixture : ApiServerFixture
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["StockWatch:Currency"] = "EUR",
        ["StockWatch:PublicUrl"] = "https://stock.example.com",
    };
}

public sealed class DashboardLinksTests(LinkedServerFixture server) : IClassFixture<LinkedServerFixture>
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;

    [Fact]
    public async Task AlertsLink_OpensItsPageAfterTheKey_WithTheCurrencyOnEveryAmount()
    {
        await server.CreateAsync("CUR-1", stock: 40, price: 2.5m);
        using var writer = server.Writer();
        (await writer.PatchAsync("/api/products/CUR-1", ApiServerFixture.Json("""{"product_price":2.75}"""), Cancel)).EnsureSuccessStatusCode();
        using var reader = server.Reader();
        var alert = await Eventually.Until(
            async () => JsonDocument.Parse(await reader.GetStringAsync("/api/alerts?product_id=CUR-1&type=PRICE_CHANGED", Cancel)).RootElement,
            alerts => alerts.GetArrayLength() == 1, "the stream processor stores the price change's alert", Cancel);
        var id = alert[0].GetProperty("alert_id").GetInt64();

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.OpenAsync(new Uri(server.BaseAddress, $"/#/alerts/{id}").AbsoluteUri);
        await page.Inner.FillAsync("#key", server.ReaderKey);
        await page.Inner.ClickAsync("button[type=submit]");

        (await page.Inner.Locator("#alert-summary").InnerTextAsync()).Should().Be("Price of CUR-1 changed from 2.50 EUR to 2.75 EUR (+10 %)");
        (await page.Inner.Locator("#alert-title").InnerTextAsync()).Should().Be("PRICE_CHANGED · CUR-1");
        await page.ScreenshotAsync("dashboard-alert");
        await page.Inner.ClickAsync("#alert-title a");
        await page.Inner.WaitForSelectorAsync("h1");
        (await page.Inner.Locator("main").InnerTextAsync()).Should().Contain("EUR", "the product's price carries the currency");
        await page.Inner.GotoAsync(new Uri(server.BaseAddress, "/#/").AbsoluteUri);
        await page.Inner.WaitForSelectorAsync("[data-card=value] .value");
        (await page.Inner.TextContentAsync("[data-card=value] .value")).Should().Contain("EUR");
        page.Problems.Should().BeEmpty();
    }
}
