using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using StockWatch.Tests.Api;

namespace StockWatch.Tests.Dashboard;

/// <summary>
/// Running the shop from the dashboard in headless Chromium: products added, edited and deleted, alerts filtered and
/// paged, imports previewed with options, reports picked by week, previewed and downloaded.
/// </summary>
public sealed class DashboardWorkflowTests(DashboardFixture server) : IClassFixture<DashboardFixture>
{
    private static readonly CancellationToken Cancel = TestContext.Current.CancellationToken;

    /// <summary>The page's problems but the browser's notes of the refusals the test provoked on purpose.</summary>
    private static IEnumerable<string> Unexpected(Browser.Page page, params int[] provoked) =>
        page.Problems.Where(problem => !provoked.Any(status => problem.Contains($"status of {status}", StringComparison.Ordinal)));

    private async Task<JsonElement> Product(string id)
    {
        using var reader = server.Reader();
        using var response = await reader.GetAsync($"/api/products/{Uri.EscapeDataString(id)}", Cancel);
        return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.Clone() : default;
    }

    [Fact]
    public async Task Writer_AddsAProduct_SeeingEachMistakeBesideItsField_AndAnIdInUseRefused()
    {
        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;
        await ui.ClickAsync("#add-product summary");

        await ui.FillAsync("#new-product-product_id", "NEW-1");
        await ui.FillAsync("#new-product-product_name", "Enamel mug");
        await ui.FillAsync("#new-product-product_price", "cheap");
        await ui.FillAsync("#new-product-stock_count", "-4");
        await ui.ClickAsync("#new-product-submit");
        await ui.WaitForSelectorAsync("[data-error-for=product_price]:not(:empty)");
        (await ui.TextContentAsync("#new-product [data-error-for=product_price]")).Should().Contain("product_price");
        (await Product("NEW-1")).ValueKind.Should().Be(JsonValueKind.Undefined, "nothing was created");

        await ui.FillAsync("#new-product-product_price", "4.95");
        await ui.ClickAsync("#new-product-submit");
        await ui.WaitForSelectorAsync("[data-error-for=stock_count]:not(:empty)");
        (await ui.TextContentAsync("#new-product [data-error-for=stock_count]")).Should().Contain("stock_count");
        (await ui.TextContentAsync("#new-product [data-error-for=product_price]")).Should().BeEmpty("the price is right now");

        await ui.FillAsync("#new-product-stock_count", "24");
        await ui.FillAsync("#new-product-product_category", "Kitchen");
        await ui.ClickAsync("#new-product-submit");
        await ui.WaitForSelectorAsync("h1:has-text('Enamel mug')");
        ui.Url.Should().EndWith("#/products/NEW-1");
        var created = await Product("NEW-1");
        (created.GetProperty("product_price").GetDecimal(), created.GetProperty("stock_count").GetInt32(), created.GetProperty("product_category").GetString())
            .Should().Be((4.95m, 24, "Kitchen"));

        await ui.GotoAsync($"{server.BaseAddress}#/");
        await ui.ClickAsync("#add-product summary");
        await ui.FillAsync("#new-product-product_id", "NEW-1");
        await ui.FillAsync("#new-product-product_name", "Another mug");
        await ui.ClickAsync("#new-product-submit");
        await ui.WaitForSelectorAsync("[data-error-for=product_id]:not(:empty)");
        (await ui.TextContentAsync("#new-product [data-error-for=product_id]")).Should().Be("Product NEW-1 exists already; open it to change it.");
        (await Product("NEW-1")).GetProperty("product_name").GetString().Should().Be("Enamel mug", "an id in use is not overwritten");
        await page.ScreenshotAsync("dashboard-add-product");
        Unexpected(page, 400, 412).Should().BeEmpty();
    }

    [Fact]
    public async Task Writer_EditsAProduct_AndAStaleEditSaysSomeoneChangedItFirst()
    {
        await server.CreateAsync("EDIT-1", stock: 40, price: 3m);
        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;
        await ui.GotoAsync($"{server.BaseAddress}#/products/EDIT-1");
        await ui.WaitForSelectorAsync("#edit-product");

        await ui.FillAsync("#edit-product-product_name", "Edited name");
        await ui.FillAsync("#edit-product-product_category", "Garden");
        await ui.FillAsync("#edit-product-product_price", "3.25");
        await ui.FillAsync("#edit-product-low_stock_threshold", "");
        await ui.ClickAsync("#edit-product-submit");
        await ui.WaitForSelectorAsync("h1:has-text('Edited name')");
        (await ui.TextContentAsync("#write-result")).Should().Be("Saved.");
        var edited = await Product("EDIT-1");
        (edited.GetProperty("product_category").GetString(), edited.GetProperty("product_price").GetDecimal()).Should().Be(("Garden", 3.25m));
        edited.TryGetProperty("low_stock_threshold", out _).Should().BeFalse("an empty threshold means the default");

        using (var writer = server.Writer())
        {
            (await writer.PatchAsync("/api/products/EDIT-1", ApiServerFixture.Json("""{"product_price":9.99}"""), Cancel)).EnsureSuccessStatusCode();
        }

        await ui.FillAsync("#edit-product-product_name", "My later edit");
        await ui.ClickAsync("#edit-product-submit");
        await ui.WaitForSelectorAsync("#edit-product-message.error");
        (await ui.TextContentAsync("#edit-product-message")).Should().StartWith("Someone changed this product after you opened it; nothing was saved.");
        var kept = await Product("EDIT-1");
        (kept.GetProperty("product_name").GetString(), kept.GetProperty("product_price").GetDecimal()).Should().Be(("Edited name", 9.99m));

        await ui.FillAsync("#edit-product-product_name", "");
        await ui.ClickAsync("button:text('Reload')");
        await ui.WaitForSelectorAsync("#edit-product-product_price[value='9.99']");
        await ui.FillAsync("#edit-product-product_name", "");
        await ui.ClickAsync("#edit-product-submit");
        await ui.WaitForSelectorAsync("#edit-product [data-error-for=product_name]:not(:empty)");
        (await ui.TextContentAsync("#edit-product [data-error-for=product_name]")).Should().Contain("product_name");
        Unexpected(page, 400, 412).Should().BeEmpty();
    }

    [Fact]
    public async Task Admin_DeletesAProductAfterConfirming_AndAWriterCannot()
    {
        await server.CreateAsync("GONE-1");
        var writerPage = await server.SignInAsync(server.WriterKey);
        await writerPage.Inner.GotoAsync($"{server.BaseAddress}#/products/GONE-1");
        await writerPage.Inner.WaitForSelectorAsync("#edit-product");
        (await writerPage.Inner.Locator("#delete-product").CountAsync()).Should().Be(0, "deleting is for admins");

        var page = await server.SignInAsync(server.AdminKey);
        var ui = page.Inner;
        await ui.GotoAsync($"{server.BaseAddress}#/products/GONE-1");
        await ui.ClickAsync("#delete-product");
        (await Product("GONE-1")).ValueKind.Should().Be(JsonValueKind.Object, "one click only asks");
        await ui.ClickAsync("#delete-confirm");
        await ui.WaitForSelectorAsync("#products");

        (await Product("GONE-1")).ValueKind.Should().Be(JsonValueKind.Undefined);
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Alerts_FilteredOnTheServer_WithTheirCount_AndPagedBack()
    {
        for (var i = 0; i < 60; i++)
        {
            await server.CreateAsync($"AL-{i:D2}", stock: 20, threshold: 10);
        }

        using (var writer = server.Writer())
        {
            for (var i = 0; i < 60; i++)
            {
                (await writer.PostAsync("/api/sales", ApiServerFixture.Json($$"""{"sale_id":"al-{{i}}","product_id":"AL-{{i:D2}}","quantity":12}"""), Cancel)).EnsureSuccessStatusCode();
            }
        }

        using var reader = server.Reader();
        // Counted once nothing is pending: the lane may store these sales' alerts before older changes of other tests'.
        var lows = (await Eventually.Until(
            async () => (Pending: server.PendingChanges,
                Low: JsonDocument.Parse(await reader.GetStringAsync("/api/alerts/counts", Cancel)).RootElement.GetProperty("by_type").GetProperty("LOW_STOCK").GetInt64()),
            read => read.Pending == 0 && read.Low >= 60, "the processor makes the alerts", Cancel)).Low;
        var page = await server.SignInAsync(server.ReaderKey);
        var ui = page.Inner;
        await ui.ClickAsync("#nav a:text('Alerts')");
        await ui.WaitForSelectorAsync("#feed li");

        await ui.SelectOptionAsync("#alert-type", "LOW_STOCK");
        await ui.WaitForSelectorAsync($"#alert-total[data-total='{lows}']");
        await Eventually.Until(() => ui.Locator("#feed li").CountAsync(), count => count == 50, "a page holds 50", Cancel);
        (await ui.Locator("#feed li:not([data-type=LOW_STOCK])").CountAsync()).Should().Be(0);
        (await ui.TextContentAsync("#alert-type option[value=LOW_STOCK]")).Should().Be($"LOW_STOCK ({lows})");
        await ui.ClickAsync("#alerts-older");
        await Eventually.Until(() => ui.Locator("#feed li").CountAsync(), count => count == Math.Min(100, lows), "the older page is added below", Cancel);
        var ids = await ui.EvaluateAsync<long[]>("[...document.querySelectorAll('#feed li')].map(li => Number(li.dataset.alert))");
        ids.Should().BeInDescendingOrder().And.OnlyHaveUniqueItems();

        await ui.FillAsync("#alert-product", "AL-07");
        await ui.WaitForSelectorAsync("#alert-total[data-total='1']");
        (await ui.Locator("#feed li").CountAsync()).Should().Be(1);
        (await ui.IsHiddenAsync("#alerts-older")).Should().BeTrue();
        await page.ScreenshotAsync("dashboard-alerts-filtered");
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Import_PreviewedWithOptions_ThenUploaded_AndListed()
    {
        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;
        await ui.ClickAsync("#nav a:text('Imports')");
        var csv = "Artikel;Bezeichnung;Bestand;Preis\nIMP-1;Becher;12;1,50\nIMP-2;Teller;viele;2,00\nIMP-3;Schale;4;3,25\n";
        await ui.SetInputFilesAsync("#import-file", new FilePayload { Name = "lager.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await ui.FillAsync("#upload-map", "Artikel=product_id\nBezeichnung=product_name\nBestand=stock_count\nPreis=product_price");
        await ui.SelectOptionAsync("#upload-decimal_separator", ",");

        await ui.ClickAsync("#preview-button");
        await ui.WaitForSelectorAsync("#preview-rows");
        (await ui.TextContentAsync("#preview-summary")).Should().Contain("A products file, delimited by \";\"").And.Contain("Artikel → product_id");
        (await ui.Locator("#preview-rows tbody tr").CountAsync()).Should().Be(3);
        (await ui.TextContentAsync("#preview-rows tr[data-line='2']")).Should().Contain("IMP-1").And.Contain("1.5");
        (await ui.GetAttributeAsync("#preview-rows tr[data-line='3']", "data-refused")).Should().Be("true");
        (await ui.TextContentAsync("#preview-rows tr[data-line='3']")).Should().Contain("stock_count");
        (await Product("IMP-1")).ValueKind.Should().Be(JsonValueKind.Undefined, "a preview imports nothing");
        await page.ScreenshotAsync("dashboard-import-preview");

        await ui.ClickAsync("#upload-submit");
        await ui.WaitForSelectorAsync("#import-summary", new() { Timeout = 30_000 });
        (await ui.TextContentAsync("#import-summary")).Should().Contain("2 of 3 rows accepted, 1 refused");
        (await Product("IMP-3")).GetProperty("product_price").GetDecimal().Should().Be(3.25m, "the decimal comma was read as chosen");
        await ui.WaitForSelectorAsync("#imports tbody tr[data-import]");
        (await ui.TextContentAsync("#imports tbody tr[data-import] >> nth=0")).Should().Contain("lager.csv").And.Contain("done");
        (await ui.TextContentAsync("#imports-list")).Should().NotContain("null").And.NotContain("undefined");
        Unexpected(page).Should().BeEmpty();
    }

    [Fact]
    public async Task Reports_PickAWeek_PreviewIt_MakeIt_AndDownloadItsJsonAndCsv()
    {
        var page = await server.SignInAsync(server.WriterKey);
        var ui = page.Inner;
        await ui.ClickAsync("#nav a:text('Reports')");
        await ui.WaitForSelectorAsync("#reports");
        var made = await ui.Locator("#reports tbody tr[data-report]").CountAsync(); // serve makes the latest week's at start
        // Chromium's week picker takes no typing from Playwright's fill: the value is set as the picker sets it.
        await ui.Locator("#report-week").EvaluateAsync("(input, week) => input.value = week", "2026-W20");

        await ui.ClickAsync("#preview-report");
        await ui.FrameLocator("#report-frame").Locator("h1").WaitForAsync(new() { Timeout = 30_000 });
        (await ui.TextContentAsync("#report-message")).Should().Be("Previewed; nothing was stored.");
        (await ui.Locator("#reports tbody tr[data-report]").CountAsync()).Should().Be(made, "a preview is not stored");

        await ui.ClickAsync("#make-report");
        await Eventually.Until(() => ui.Locator("#reports tbody tr[data-report]").CountAsync(), count => count == made + 1, "the week's report is listed", Cancel);
        var row = ui.Locator("#reports tbody tr[data-report='weekly-20260514T1700Z']");
        (await row.CountAsync()).Should().Be(1, "2026-W20 ends on Thursday 14 May");
        var download = await ui.RunAndWaitForDownloadAsync(() => row.Locator("button[data-download=csv]").ClickAsync());
        download.SuggestedFilename.Should().EndWith(".csv");
        var csv = await File.ReadAllTextAsync(await download.PathAsync(), Cancel);
        csv.Should().Contain("revenue");
        var json = await ui.RunAndWaitForDownloadAsync(() => row.Locator("button[data-download=json]").ClickAsync());
        JsonDocument.Parse(await File.ReadAllTextAsync(await json.PathAsync(), Cancel)).RootElement.ValueKind.Should().Be(JsonValueKind.Object);

        await ui.Locator("#report-week").EvaluateAsync("(input, week) => input.value = week", "2099-W01");
        await ui.ClickAsync("#make-report");
        await ui.WaitForSelectorAsync("#report-message.error");
        (await ui.TextContentAsync("#report-message")).Should().Contain("has not ended");
        Unexpected(page, 409).Should().BeEmpty();
    }

    [Fact]
    public async Task HistoryChart_ShowsASmallMove_OnScalesOfItsOwnRange_WithDates()
    {
        await server.CreateAsync("CHART-1", stock: 103);
        using (var writer = server.Writer())
        {
            (await writer.PostAsync("/api/products/CHART-1/stock", ApiServerFixture.Json("""{"delta":-2,"reason":"count"}"""), Cancel)).EnsureSuccessStatusCode();
        }

        var page = await server.SignInAsync(server.ReaderKey);
        var ui = page.Inner;
        await ui.GotoAsync($"{server.BaseAddress}#/products/CHART-1");
        await ui.WaitForSelectorAsync("#history path.stock");

        var path = await ui.GetAttributeAsync("#history path.stock", "d");
        var heights = System.Text.RegularExpressions.Regex.Matches(path!, @"(?:M[\d.]+ |V)([\d.]+)").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        heights.Should().HaveCount(2);
        Math.Abs(heights[0] - heights[1]).Should().BeGreaterThan(50, "103 → 101 moves visibly on a 240-pixel chart");
        (await ui.Locator("#history text.date").CountAsync()).Should().BePositive("the time axis is dated");
        (await ui.Locator("#history text.scale").AllTextContentsAsync()).Should().Contain(["103", "101"]);
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Overview_LowStockCard_CountsLowNotOut_AndHealthNamesItsStatus()
    {
        var page = await server.SignInAsync(server.ReaderKey);
        var ui = page.Inner;
        using var reader = server.Reader();
        var lowOnly = 0;
        string? cursor = null;
        do
        {
            var products = JsonDocument.Parse(await reader.GetStringAsync($"/api/products?limit=500{(cursor is null ? "" : $"&cursor={cursor}")}", Cancel)).RootElement;
            lowOnly += products.GetProperty("items").EnumerateArray().Count(p => p.GetProperty("status").GetString() == "low");
            cursor = products.TryGetProperty("next_cursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        (await ui.TextContentAsync("[data-card=low] .value")).Should().Be(lowOnly.ToString(System.Globalization.CultureInfo.CurrentCulture));

        await ui.ClickAsync("#nav a:text('Health')");
        await ui.WaitForSelectorAsync("h1 .badge");
        var health = JsonDocument.Parse(await reader.GetStringAsync("/health", Cancel)).RootElement.GetProperty("status").GetString();
        (await ui.TextContentAsync("h1 .badge")).Should().Be(health);
        (await ui.GetAttributeAsync("h1 .badge", "data-status")).Should().Be(health == "healthy" ? "ok" : health == "degraded" ? "low" : "out");
        page.Problems.Should().BeEmpty();
    }
}
