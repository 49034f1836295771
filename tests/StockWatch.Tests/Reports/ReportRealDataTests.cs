using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.VisualBasic.FileIO;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Core.Access;
using StockWatch.Core.Notifications;
using StockWatch.Hosting;
using StockWatch.Testing;

namespace StockWatch.Tests.Reports;

/// <summary>The retail history imported as the README says, and the weekly report of 2011-W45 made from it, once for the class.</summary>
public sealed class RetailReportFixture : IAsyncLifetime
{
    private readonly TempFolder _data = new();

    public string File { get; private set; } = null!;

    public string DataFolder => _data.Path;

    /// <summary>The CLI's <c>report weekly --json</c> answer.</summary>
    public JsonElement Response { get; private set; }

    public string HtmlPath => new Uri(Response.GetProperty("report_location").GetString()!).LocalPath;

    public async ValueTask InitializeAsync()
    {
        var cancel = TestContext.Current.CancellationToken;
        File = Path.Combine(_data.Path, "online-retail.csv");
        await using (var gz = new GZipStream(System.IO.File.OpenRead(RealData.PathOf("online-retail-uci.csv.gz")), CompressionMode.Decompress))
        await using (var csv = System.IO.File.Create(File))
        {
            await gz.CopyToAsync(csv, cancel);
        }

        // A shop in the United Kingdom: its amounts are in pounds.
        await System.IO.File.WriteAllTextAsync(Path.Combine(_data.Path, "stockwatch.json"), """{ "StockWatch": { "Currency": "GBP" } }""", cancel);
        var import = await Cli.Cli.RunAsync(_data.Path, "import", File, "--map", "StockCode=product_id", "--map", "Description=product_name",
            "--map", "Quantity=quantity", "--map", "InvoiceDate=sale_date", "--map", "UnitPrice=current_price", "--create-products", "--stock", "ignore");
        import.ExitCode.Should().Be(1, "the two rows with a negative price are refused");

        // Stock counted for the week's 60 best sellers, as a shop owner would after importing: a third out, the rest low
        // (the default threshold is 10), so the stock section has more than the page shows.
        var end = new DateTime(2011, 11, 10, 17, 0, 0, DateTimeKind.Utc);
        var sellers = ReportRealDataTests.Independent(File, end.AddDays(-7), end).Products
            .OrderByDescending(p => p.Value.Units).ThenBy(p => p.Key, StringComparer.Ordinal).Take(60).Select(p => p.Key).ToList();
        for (var i = 0; i < sellers.Count; i++)
        {
            var counted = await Cli.Cli.RunAsync(_data.Path, "products", "set", sellers[i], "--stock", (i % 3 == 0 ? 0 : i % 9 + 1).ToString(CultureInfo.InvariantCulture));
            counted.ExitCode.Should().Be(0, counted.Error);
        }

        // ISO week 2011-W45: the period ends Thursday 2011-11-10 17:00 UTC.
        var made = await Cli.Cli.RunAsync(_data.Path, "report", "weekly", "--week", "2011-W45", "--json");
        made.ExitCode.Should().Be(0, made.Error);
        Response = JsonDocument.Parse(made.Output).RootElement.Clone();
    }

    public ValueTask DisposeAsync()
    {
        _data.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The weekly report over the real retail file, against a computation of its own over the CSV, and as people read it.</summary>
public sealed class ReportRealDataTests(RetailReportFixture retail) : IClassFixture<RetailReportFixture>
{
    [Fact]
    public async Task WeeklyReport_OfTheRetailHistory_MatchesAnIndependentComputation()
    {
        var cancel = TestContext.Current.CancellationToken;
        var response = retail.Response;
        var report = JsonDocument.Parse(await System.IO.File.ReadAllTextAsync(Path.ChangeExtension(retail.HtmlPath, ".json"), cancel)).RootElement;
        var end = new DateTime(2011, 11, 10, 17, 0, 0, DateTimeKind.Utc);
        var expected = Independent(retail.File, end.AddDays(-7), end);

        report.GetProperty("period").GetProperty("start").GetString().Should().Be("2011-11-03T17:00:00Z");
        report.GetProperty("period").GetProperty("end").GetString().Should().Be("2011-11-10T17:00:00Z");
        var totals = report.GetProperty("totals");
        (totals.GetProperty("units").GetInt64(), totals.GetProperty("revenue").GetDecimal(), totals.GetProperty("sales").GetInt64(), totals.GetProperty("products_sold").GetInt64())
            .Should().Be((expected.Units, expected.Revenue, expected.Lines, expected.Products.Count));
        expected.Lines.Should().BeGreaterThan(10_000, "the week chosen is a busy one");
        Top(report, "top_by_revenue").Should().Equal(expected.Products.OrderByDescending(p => p.Value.Revenue).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(10).Select(p => (p.Key, p.Value.Units, p.Value.Revenue)));
        Top(report, "top_by_units").Should().Equal(expected.Products.OrderByDescending(p => p.Value.Units).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(10).Select(p => (p.Key, p.Value.Units, p.Value.Revenue)));
        response.GetProperty("totals").GetProperty("sales").GetInt64().Should().Be(expected.Lines);
    }

    /// <summary>
    /// The report of the real history in headless Chromium: every section is there with its heading and its total, the
    /// long lists are cut with "and N more", and the page stays a readable length. Its screenshots are the README's.
    /// </summary>
    [Fact]
    public async Task WeeklyReport_OfTheRetailHistory_ReadsSectionBySection_InABrowser()
    {
        var report = JsonDocument.Parse(await System.IO.File.ReadAllTextAsync(Path.ChangeExtension(retail.HtmlPath, ".json"), TestContext.Current.CancellationToken)).RootElement;
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.OpenAsync(new Uri(retail.HtmlPath).AbsoluteUri);
        await page.ScreenshotAsync("weekly-report-retail");
        var ui = page.Inner;

        (await ui.Locator("h1").InnerTextAsync()).Should().Be("Weekly report, week ending Thu 10 Nov 2011, 17:00 UTC");
        (await ui.Locator("h2").AllInnerTextsAsync()).Should().Equal("Sales per day", "Top products by revenue", "Top products by units", "Categories",
            "Low and out of stock", "Slow movers", "Alerts");
        var height = await ui.EvaluateAsync<int>("document.documentElement.scrollHeight");
        height.Should().BeLessThan(9000, "each list is cut to what matters most: the page reads in a few screens");
        var body = await ui.Locator("body").InnerTextAsync();
        var (low, out_) = (report.GetProperty("low_stock").GetArrayLength(), report.GetProperty("out_of_stock").GetArrayLength());
        (out_, low).Should().Be((20, 40));
        body.Should().Contain("20 out of stock, 40 low; those that sell fastest first.").And.Contain("… and 35 more: the CSV and JSON list them all.");
        body.Should().Contain($"{report.GetProperty("slow_mover_count").GetInt64():N0} products are in stock and sold nothing this week");
        (await ui.Locator("svg").CountAsync()).Should().BeGreaterThanOrEqualTo(4);
        foreach (var table in await ui.Locator("table").AllAsync())
        {
            (await table.Locator("tbody tr").CountAsync()).Should().BeInRange(1, 25, "no table runs on for pages");
            (await table.BoundingBoxAsync())!.Width.Should().BeGreaterThan(300);
        }

        page.Problems.Should().BeEmpty();
        body.Should().Contain("Net revenue\n357,506.21 GBP").And.Contain("Revenue (GBP)");
        var narrow = await browser.OpenAsync(new Uri(retail.HtmlPath).AbsoluteUri, width: 390, height: 844);
        await narrow.ScreenshotAsync("weekly-report-retail-narrow");
        (await narrow.Inner.EvaluateAsync<int>("document.documentElement.scrollWidth")).Should().BeLessThanOrEqualTo(390 + 1, "nothing runs off a phone's screen but the tables' own scroll");
    }

    /// <summary>The link a message gives with StockWatch:PublicUrl opens the dashboard's page for the report, after the key.</summary>
    [Fact]
    public async Task WeeklyReport_OfTheRetailHistory_OpensFromItsMessagesLink_InTheDashboard()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var app = StockWatchServer.Build(retail.DataFolder, "http://127.0.0.1:0", demo: false,
            new Dictionary<string, string?> { ["StockWatch:PublicUrl"] = "https://stock.example.com" });
        await app.StartAsync(cancel);
        var key = (await app.Services.GetRequiredService<ApiKeys>().CreateAsync("owner", Role.Reader)).Secret;
        var link = app.Services.GetRequiredService<IOptions<SiteOptions>>().Value.Report("weekly-20111110T1700Z")!;
        link.AbsoluteUri.Should().Be("https://stock.example.com/#/reports/weekly-20111110T1700Z");

        // The same page on this test's server: the link's fragment under its address.
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.OpenAsync(new Uri(new Uri(app.Urls.Single()), "/" + link.Fragment).AbsoluteUri, height: 1000);
        await page.Inner.FillAsync("#key", key);
        await page.Inner.ClickAsync("button[type=submit]");
        var frame = page.Inner.FrameLocator("#report-frame");
        (await frame.Locator("h1").InnerTextAsync()).Should().Be("Weekly report, week ending Thu 10 Nov 2011, 17:00 UTC");
        await page.Inner.Locator("#report-frame").ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync("dashboard-report-retail");
        (await page.Inner.Locator("tr[data-report='weekly-20111110T1700Z']").CountAsync()).Should().Be(1);
        page.Problems.Should().BeEmpty();
        await app.StopAsync(cancel);
    }

    private static IEnumerable<(string, long, decimal)> Top(JsonElement report, string list) =>
        report.GetProperty(list).EnumerateArray().Select(p => (p.GetProperty("product_id").GetString()!, p.GetProperty("units").GetInt64(), p.GetProperty("revenue").GetDecimal()));

    /// <summary>The week's figures straight from the CSV, with .NET's own CSV parser.</summary>
    internal static (long Units, decimal Revenue, long Lines, Dictionary<string, (long Units, decimal Revenue)> Products) Independent(string file, DateTime start, DateTime end)
    {
        using var parser = new TextFieldParser(file) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        var header = parser.ReadFields()!;
        int Column(string name) => Array.IndexOf(header, name);
        var (code, quantity, date, price) = (Column("StockCode"), Column("Quantity"), Column("InvoiceDate"), Column("UnitPrice"));
        long units = 0, lines = 0;
        decimal revenue = 0;
        Dictionary<string, (long Units, decimal Revenue)> products = new(StringComparer.Ordinal);
        while (parser.ReadFields() is { } row)
        {
            var at = DateTime.ParseExact(row[date], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            var unitPrice = decimal.Parse(row[price], CultureInfo.InvariantCulture);
            if (at < start || at >= end || unitPrice < 0)
            {
                continue;
            }

            var q = long.Parse(row[quantity], CultureInfo.InvariantCulture);
            units += q;
            revenue += q * unitPrice;
            lines++;
            var id = row[code].Trim();
            var (u, r) = products.GetValueOrDefault(id);
            products[id] = (u + q, r + q * unitPrice);
        }

        return (units, revenue, lines, products);
    }
}
