using System.Diagnostics;
using System.Text;
using Microsoft.Playwright;
using StockWatch.Tests.Api;

namespace StockWatch.Tests.Dashboard;

/// <summary>A real serve on a loopback port with a small catalogue, and headless Chromium to look at it.</summary>
public sealed class DashboardFixture : ApiServerFixture
{
    public const string Hostile = "<img src=x onerror=alert(1)>";

    public Browser Browser { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        using var writer = Writer();
        for (var i = 0; i < 60; i++)
        {
            await CreateAsync($"P-{i:D3}", stock: 100 + i);
        }

        await CreateAsync("LOW-1", stock: 2, threshold: 5);
        await CreateAsync("OUT-1", stock: 0, threshold: 5);
        await CreateAsync("SELL-1", stock: 12, threshold: 10);
        (await writer.PutAsync("/api/products/XSS-1", Json($$"""{"product_name":"{{Hostile}}","product_category":"{{Hostile}}","stock_count":40,"product_price":1}""")))
            .EnsureSuccessStatusCode();
        Browser = await Browser.LaunchAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Opens the dashboard and enters the key, as a person would; returns once the overview shows.</summary>
    public async Task<Browser.Page> SignInAsync(string key, int width = 1280, int height = 900)
    {
        var page = await Browser.OpenAsync(BaseAddress.ToString(), width, height);
        await page.Inner.FillAsync("#key", key);
        await page.Inner.ClickAsync("button[type=submit]");
        await page.Inner.WaitForSelectorAsync("#products tbody tr");
        return page;
    }
}

public sealed class DashboardTests(DashboardFixture server) : IClassFixture<DashboardFixture>
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Overview_AfterTheKey_ShowsTheCatalogue_MarksTheLowProduct_AndSearchesSortsAndPages()
    {
        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;

        // Other tests of this class add products and sell: the cards show what the store says now.
        using var reader = server.Reader();
        var summary = System.Text.Json.JsonDocument.Parse(await reader.GetStringAsync("/api/summary", Cancel)).RootElement;
        var products = summary.GetProperty("products").GetInt32();
        (await ui.TextContentAsync("[data-card=products] .value")).Should().Be(products.ToString(System.Globalization.CultureInfo.CurrentCulture));
        (await ui.TextContentAsync("[data-card=low] .value")).Should().Be(summary.GetProperty("low_stock").GetInt32().ToString(System.Globalization.CultureInfo.CurrentCulture));
        summary.GetProperty("low_stock").GetInt32().Should().BeGreaterThanOrEqualTo(1, "LOW-1 is low; OUT-1 is out, counted on its own card");
        (await ui.TextContentAsync("[data-card=out] .value")).Should().Be("1");
        (await ui.Locator("#products tbody tr").CountAsync()).Should().Be(50, "a page holds 50 products");
        await page.ScreenshotAsync("dashboard-overview");

        await ui.FillAsync("#search", "low-");
        await ui.WaitForSelectorAsync("#products tbody tr[data-product='LOW-1']");
        await Until(async () => await ui.Locator("#products tbody tr").CountAsync() == 1);
        (await ui.GetAttributeAsync("tr[data-product='LOW-1']", "data-status")).Should().Be("low");
        (await ui.TextContentAsync("tr[data-product='LOW-1'] .badge")).Should().Be("low");

        await ui.FillAsync("#search", "");
        await Until(async () => await ui.Locator("#products tbody tr").CountAsync() == 50);
        await ui.ClickAsync("th button:text('Stock')");
        await Until(async () => await ui.GetAttributeAsync("#products tbody tr >> nth=0", "data-product") == "OUT-1");
        (await ui.GetAttributeAsync("#products tbody tr >> nth=1", "data-product")).Should().Be("LOW-1", "sorted by stock, lowest first");
        await ui.ClickAsync("text=Next →");
        // Page 1 holds 50 rows too when there are 100 products or more: wait for the second page itself.
        await Until(async () => await ui.TextContentAsync(".pager span") == "Page 2"
            && await ui.Locator("#products tbody tr").CountAsync() == Math.Min(50, products - 50));
        (await ui.TextContentAsync(".pager span")).Should().Be("Page 2");
        (await ui.Locator("#products tbody tr").CountAsync()).Should().Be(Math.Min(50, products - 50));
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task HostileProductName_ShowsAsText_AndRunsNoScript()
    {
        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;
        await ui.FillAsync("#search", "XSS");
        await ui.WaitForSelectorAsync("tr[data-product='XSS-1']");

        (await ui.TextContentAsync("tr[data-product='XSS-1'] td:nth-child(2)")).Should().Be(DashboardFixture.Hostile);
        (await ui.Locator("img").CountAsync()).Should().Be(0, "the name is text, not an element");
        (await ui.Locator("#category option", new() { HasText = DashboardFixture.Hostile }).CountAsync()).Should().Be(1, "the category is listed as text too");
        await ui.ClickAsync("a:text('XSS-1')");
        await ui.WaitForSelectorAsync("h1:has-text('<img src=x onerror=alert(1)>')");
        (await ui.Locator("img").CountAsync()).Should().Be(0);
        page.Problems.Should().BeEmpty("no dialog opened and nothing failed");
    }

    [Fact]
    public async Task LiveFeed_ASaleMadeThroughTheApi_AppearsWithinTwoSeconds()
    {
        var page = await server.SignInAsync(server.ReaderKey);
        var ui = page.Inner;
        await ui.ClickAsync("#nav a:text('Alerts')");
        await ui.WaitForSelectorAsync("#live[data-state=live]");

        using var writer = server.Writer();
        var sold = Stopwatch.StartNew();
        (await writer.PostAsync("/api/sales", ApiServerFixture.Json("""{"sale_id":"live-1","product_id":"SELL-1","quantity":5}"""), Cancel)).EnsureSuccessStatusCode();
        await ui.WaitForSelectorAsync("#feed li[data-type=LOW_STOCK]:has(a:text('SELL-1'))", new() { Timeout = 2000 });
        sold.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));

        (await ui.TextContentAsync("#feed li >> nth=0")).Should().Contain("SELL-1", "the newest alert comes first");
        await ui.SelectOptionAsync("#alert-type", "PRICE_CHANGED");
        await Until(async () => await ui.Locator("#feed li[data-type=LOW_STOCK]").CountAsync() == 0); // the server lists the type asked for
        await ui.SelectOptionAsync("#alert-type", "");
        await page.ScreenshotAsync("dashboard-alerts");
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Upload_ACsvWithBadRows_ShowsTheRefusedRowsAndImportsTheRest()
    {
        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;
        await ui.ClickAsync("#nav a:text('Imports')");
        var csv = "product_id,product_name,stock_count,product_price\nUP-1,Upload one,5,1.50\nUP-2,Upload two,many,2\nUP-3,Upload three,7,-4\nUP-4,Upload four,9,3\n";

        await ui.SetInputFilesAsync("#import-file", new FilePayload { Name = "stock.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await ui.ClickAsync("#upload-submit");
        await ui.WaitForSelectorAsync("#rejected-rows", new() { Timeout = 30_000 });

        (await ui.TextContentAsync("#import-summary")).Should().Contain("2 of 4 rows accepted, 2 refused");
        var refused = await ui.Locator("#rejected-rows tbody tr").AllInnerTextsAsync();
        refused.Should().HaveCount(2);
        refused[0].Should().Contain("3").And.Contain("stock_count").And.Contain("many");
        refused[1].Should().Contain("4").And.Contain("product_price").And.Contain("-4");
        (await ui.GetAttributeAsync("#errors-csv", "download")).Should().EndWith("-errors.csv");
        (await ui.GetAttributeAsync("#upload-progress", "value")).Should().Be("100");
        using var reader = server.Reader();
        (await reader.GetAsync("/api/products/UP-4", Cancel)).StatusCode.Should().Be(System.Net.HttpStatusCode.OK, "the valid rows were imported");
        await page.ScreenshotAsync("dashboard-imports");
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Report_MadeFromTheDashboard_Opens()
    {
        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;
        await ui.ClickAsync("#nav a:text('Reports')");
        await ui.ClickAsync("#make-report");

        var frame = ui.FrameLocator("#report-frame");
        await frame.Locator("h1").WaitForAsync(new() { Timeout = 30_000 });
        (await frame.Locator("h1").TextContentAsync()).Should().Contain("Weekly report");
        (await frame.Locator("svg").CountAsync()).Should().BePositive("the report's charts render in the frame");
        (await ui.Locator("#reports tbody tr[data-report]").CountAsync()).Should().Be(1);
        await page.ScreenshotAsync("dashboard-reports");
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task ProductFromSalesHistory_ShowsItsStockAsNotCounted_NotAsOut()
    {
        using var writer = server.Writer();
        using var upload = await writer.PostAsync("/api/imports?kind=sales&create_products=true&stock=ignore", new StringContent(
            "product_id,product_name,sale_date,quantity,current_price\nHIST-1,History one,2026-11-01T10:00:00Z,2,1.50\n", Encoding.UTF8, "text/csv"), Cancel);
        upload.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted);
        await Eventually.Until(async () => (await writer.GetAsync("/api/products/HIST-1", Cancel)).StatusCode,
            status => status == System.Net.HttpStatusCode.OK, "the history import creates HIST-1", Cancel);

        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;
        await ui.GotoAsync($"{server.BaseAddress}#/products/HIST-1");
        await ui.WaitForSelectorAsync("h1 .badge");

        (await ui.GetAttributeAsync("h1 .badge", "data-status")).Should().Be("not_counted");
        (await ui.TextContentAsync("h1 .badge")).Should().Be("not counted");
        (await writer.GetStringAsync("/api/products/HIST-1", Cancel)).Should().Contain("\"stock_counted\":false").And.Contain("\"status\":\"not_counted\"");
        page.Problems.Should().BeEmpty();

        // Counted now, and plenty: the other tests of this class sort the catalogue by stock.
        using var counted = await writer.PatchAsync("/api/products/HIST-1", ApiServerFixture.Json("{\"stock_count\":500}"), Cancel);
        counted.EnsureSuccessStatusCode();
        (await writer.GetStringAsync("/api/products/HIST-1", Cancel)).Should().Contain("\"stock_counted\":true");
    }

    [Fact]
    public async Task ProductPage_ShowsItsHistory_AndAWriterAdjustsTheStock()
    {
        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;
        await ui.GotoAsync($"{server.BaseAddress}#/products/P-007");
        await ui.WaitForSelectorAsync("#history");
        (await ui.GetAttributeAsync("#history path.stock", "d")).Should().NotContain("V", "one change so far: a flat line");

        await ui.FillAsync("#adjust-stock input[name=delta]", "-3");
        await ui.ClickAsync("#adjust-stock button");
        await ui.WaitForSelectorAsync("dd:text('104')");
        (await ui.GetAttributeAsync("#history path.stock", "d")).Should().Contain("V", "the adjustment is a step in the stock line");
        (await ui.TextContentAsync("#write-result")).Should().Be("Stock adjusted.");
        using var reader = server.Reader();
        (await reader.GetStringAsync("/api/products/P-007", Cancel)).Should().Contain("\"stock_count\":104");
        await page.ScreenshotAsync("dashboard-product");
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task ProductLinksAndForms_ReachTheirOwnProduct_ForIdsOfEveryClass()
    {
        // The named classes of ProductIds, and the characters that mean something in a URL inside an id.
        var ids = ProductIds.All.Take(28).Concat("#%&+/?\\".Select(c => $"P{c}Q")).ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            using var writer = server.Writer();
            (await writer.PutAsync($"/api/products/{Uri.EscapeDataString(ids[i])}",
                Api.ApiServerFixture.Json($$"""{"product_name":"Idtest-{{i:D3}}-x","stock_count":{{200 + i}},"product_price":1}"""), Cancel)).EnsureSuccessStatusCode();
        }

        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;
        for (var i = 0; i < ids.Count; i++)
        {
            await ui.GotoAsync($"{server.BaseAddress}#/");
            await ui.FillAsync("#search", $"Idtest-{i:D3}-");
            await ui.WaitForSelectorAsync($"#products tbody td:text-is('Idtest-{i:D3}-x')");
            await ui.EvaluateAsync("id => [...document.querySelectorAll('#products tbody a')].find(a => a.textContent === id).click()", ids[i]);
            await ui.WaitForSelectorAsync("#adjust-stock");
            (await ui.EvaluateAsync<string>("() => document.querySelector('.details dd').textContent")).Should().Be(ids[i], "the link opens its own product");
            (await ui.TextContentAsync("h1")).Should().Contain($"Idtest-{i:D3}-x");

            await ui.FillAsync("#adjust-stock input[name=delta]", "-1");
            await ui.ClickAsync("#adjust-stock button");
            await ui.WaitForSelectorAsync("#write-result:text('Stock adjusted.')");
        }

        using var reader = server.Reader();
        for (var i = 0; i < ids.Count; i++)
        {
            var product = System.Text.Json.JsonDocument.Parse(await reader.GetStringAsync($"/api/products/{Uri.EscapeDataString(ids[i])}", Cancel)).RootElement;
            product.GetProperty("stock_count").GetInt32().Should().Be(199 + i, $"the form on {ids[i]}'s page changed {ids[i]} alone");
        }

        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Reader_SeesNoWriteControls()
    {
        var page = await server.SignInAsync(server.ReaderKey);
        var ui = page.Inner;
        (await ui.TextContentAsync("#who")).Should().Be("reader (reader)");

        foreach (var hash in new[] { "#/products/LOW-1", "#/imports", "#/reports" })
        {
            await ui.GotoAsync($"{server.BaseAddress}{hash}");
            await ui.WaitForSelectorAsync("h1");
            (await ui.Locator("[data-write], form#upload, #make-report, #adjust-stock").CountAsync()).Should().Be(0, $"a reader sees no write control on {hash}");
        }

        await page.ScreenshotAsync("dashboard-reader");
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Health_ShowsTheQueuesAndAlarms_AndAWrongKeyIsRefused()
    {
        var page = await server.SignInAsync(server.AdminKey);
        var ui = page.Inner;
        await ui.ClickAsync("#nav a:text('Health')");
        await ui.WaitForSelectorAsync("#queues tr[data-queue=deliveries-log]");
        (await ui.Locator("#queues tbody tr").CountAsync()).Should().Be(4, "imports and the log channel's deliveries, each with its dead-letter queue");
        (await ui.TextContentAsync("#alarms tbody")).Should().Contain("No alarm is on");
        await page.ScreenshotAsync("dashboard-health");

        var stranger = await server.Browser.OpenAsync(server.BaseAddress.ToString());
        await stranger.Inner.FillAsync("#key", "sw_not-a-key");
        await stranger.Inner.ClickAsync("button[type=submit]");
        await stranger.Inner.WaitForSelectorAsync("p.error:text('That key was not accepted.')");
        (await stranger.Inner.Locator("#nav").IsHiddenAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task NarrowWindow_ShowsTheOverviewWithoutOverflowingThePage()
    {
        var page = await server.SignInAsync(server.WriterKey, width: 390, height: 844);
        var ui = page.Inner;

        (await ui.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth")).Should().BeTrue("the table scrolls inside its box, the page does not");
        (await ui.Locator("[data-card=low]").IsVisibleAsync()).Should().BeTrue();
        await page.ScreenshotAsync("dashboard-narrow");
        page.Problems.Should().BeEmpty();
    }

    /// <summary>Waits for the page to settle into a state (the table reloads after typing or a click).</summary>
    private static async Task Until(Func<Task<bool>> done)
    {
        var waited = Stopwatch.StartNew();
        while (!await done())
        {
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
            await Task.Delay(50, Cancel);
        }
    }
}
