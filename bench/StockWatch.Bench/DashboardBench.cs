using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Contracts;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Hosting;

namespace StockWatch.Bench;

/// <summary>
/// A page of the dashboard's inventory table over 100,000 products with a month of sales: what GET /api/products does
/// (the page, then its status and days of cover), against Python's sqlite3 running only the page's bare query on the
/// same database, in the same run.
/// </summary>
public static class DashboardBench
{
    public const int Products = 100_000;
    private const int Sales = 300_000;
    private const int Runs = 21;
    private const int Page = 50;

    public sealed record Case(string Name, double StockWatchSeconds, double PythonSeconds);

    public static async Task<IReadOnlyList<Case>> RunAsync(string work)
    {
        var folder = Path.Combine(work, "dashboard");
        Directory.CreateDirectory(folder);
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging()
            .AddStockWatch(folder, server: true)
            .BuildServiceProvider();
        var now = TimeProvider.System.GetUtcNow();
        await Import(services, Catalogue(), ImportKind.Products);
        await Import(services, Month(now), ImportKind.Sales);

        var store = services.GetRequiredService<IInventoryStore>();
        var views = services.GetRequiredService<ICatalogViews>();
        var alerts = services.GetRequiredService<IOptions<AlertOptions>>().Value;
        var db = Path.Combine(folder, "stockwatch.db");
        var deep = store.ListProducts(new ProductQuery(Limit: 5000) { Sort = ProductSort.Stock })[^1];
        const string columns = "product_id, product_name, product_category, stock_count, product_price_e4, low_stock_threshold";
        (string Name, ProductQuery Query, string Sql)[] cases =
        [
            ("first page by id", new ProductQuery(Limit: Page + 1), $"SELECT {columns} FROM products ORDER BY product_id LIMIT {Page + 1}"),
            ("first page by stock", new ProductQuery(Limit: Page + 1) { Sort = ProductSort.Stock },
                $"SELECT {columns} FROM products ORDER BY stock_count, product_id LIMIT {Page + 1}"),
            ("page 101 by stock (cursor)", new ProductQuery(Limit: Page + 1, After: deep.Id) { Sort = ProductSort.Stock, AfterValue = (long)deep.Stock },
                $"SELECT {columns} FROM products WHERE stock_count > {deep.Stock} OR (stock_count = {deep.Stock} AND product_id > '{deep.Id.Value}') ORDER BY stock_count, product_id LIMIT {Page + 1}"),
            ("name, descending", new ProductQuery(Limit: Page + 1) { Sort = ProductSort.Name, Descending = true },
                $"SELECT {columns} FROM products ORDER BY product_name COLLATE NOCASE DESC, product_id DESC LIMIT {Page + 1}"),
            ("search \"number 4242\"", new ProductQuery(Limit: Page + 1) { Search = "number 4242" },
                $"SELECT {columns} FROM products WHERE product_id LIKE '%number 4242%' OR product_name LIKE '%number 4242%' ORDER BY product_id LIMIT {Page + 1}"),
        ];

        List<Case> results = [];
        foreach (var (name, query, sql) in cases)
        {
            List<double> ours = [];
            for (var run = 0; run < Runs; run++)
            {
                var clock = Stopwatch.StartNew();
                _ = ProductResponse.WithCover([.. store.ListProducts(query).Take(Page)], views, alerts, now);
                ours.Add(clock.Elapsed.TotalSeconds);
            }

            var python = double.Parse(Processes.Output("python3", Path.Combine(AppContext.BaseDirectory, "page_query.py"), db, Runs.ToString(CultureInfo.InvariantCulture), sql),
                CultureInfo.InvariantCulture);
            results.Add(new Case(name, ours.Order().ElementAt(Runs / 2), python));
        }

        return results;
    }

    private static async Task Import(IServiceProvider services, string csv, ImportKind kind)
    {
        var summary = await services.GetRequiredService<ImportFile>().HandleAsync(
            new MemoryStream(Encoding.UTF8.GetBytes(csv)), new ImportSettings { Kind = kind, Stock = StockMode.Ignore }, $"bench-{kind}", "bench.csv");
        if (summary.Rejected > 0)
        {
            throw new InvalidOperationException($"The generated {kind} were refused: {summary.Errors[0].Message}");
        }
    }

    private static string Catalogue()
    {
        var random = new Random(1);
        var csv = new StringBuilder("product_id,product_name,product_category,stock_count,product_price,low_stock_threshold\n");
        for (var i = 0; i < Products; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"P{i:D6},Product number {i},Category {i % 37},{random.Next(500)},{random.Next(100, 99_999) / 100m},{random.Next(1, 21)}\n");
        }

        return csv.ToString();
    }

    private static string Month(DateTimeOffset now)
    {
        var random = new Random(2);
        var csv = new StringBuilder("sale_id,product_id,quantity,sale_date\n");
        for (var i = 0; i < Sales; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"S{i},P{random.Next(Products):D6},{random.Next(1, 4)},{now.AddMinutes(-random.Next(28 * 24 * 60)).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\n");
        }

        return csv.ToString();
    }
}
