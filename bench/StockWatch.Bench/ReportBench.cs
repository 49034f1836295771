using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Reports;
using StockWatch.Hosting;

namespace StockWatch.Bench;

/// <summary>
/// The weekly report over a database of many sales (the import benchmark's 10M), against the bare <c>sqlite3</c> tool's
/// <c>GROUP BY</c> of the same week on the same database, in the same run.
/// </summary>
public static class ReportBench
{
    private const int Runs = 5;

    public sealed record Result(long Sales, long WeekSales, double StockWatchSeconds, double CliSeconds);

    /// <param name="dataFolder">A StockWatch data folder with the sales (the import benchmark's).</param>
    public static Task<Result> RunAsync(string dataFolder)
    {
        var db = Path.Combine(dataFolder, "stockwatch.db");
        var first = DateTimeOffset.Parse(Processes.Sqlite3(db, "SELECT MIN(sale_date) FROM sales;"), CultureInfo.InvariantCulture);
        var last = DateTimeOffset.Parse(Processes.Sqlite3(db, "SELECT MAX(sale_date) FROM sales;"), CultureInfo.InvariantCulture);
        // A Thursday 17:00 in the middle of the history: the week and the one before it have sales.
        var middle = first + (last - first) / 2;
        var end = new DateTimeOffset(middle.Date.AddDays(((int)DayOfWeek.Thursday - (int)middle.DayOfWeek + 7) % 7).AddHours(17), TimeSpan.Zero);
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging()
            .AddStockWatch(dataFolder, server: true)
            .BuildServiceProvider();
        var reports = services.GetRequiredService<WeeklyReports>();
        var (start, stop) = (Stored(end.AddDays(-7)), Stored(end));
        var groupBy = $"""
            SELECT product_id, SUM(quantity), SUM(quantity * current_price_e4), COUNT(*) FROM sales
            WHERE sale_date >= '{start}' AND sale_date < '{stop}' GROUP BY product_id;
            """;
        Make(reports, end);
        Processes.Measure("sqlite3", db, groupBy); // warm-up: both read the same pages once

        List<double> ours = [], cli = [];
        long weekSales = 0;
        for (var run = 0; run < Runs; run++)
        {
            var clock = Stopwatch.StartNew();
            weekSales = Make(reports, end).Totals.Sales;
            ours.Add(clock.Elapsed.TotalSeconds);
            cli.Add(Processes.Measure("sqlite3", db, groupBy).Seconds);
        }

        var sales = long.Parse(Processes.Sqlite3(db, "SELECT COUNT(*) FROM sales;"), CultureInfo.InvariantCulture);
        return Task.FromResult(new Result(sales, weekSales, Median(ours), Median(cli)));
    }

    /// <summary>Every figure of the report and its three formats (saving and recording them is a few file writes more).</summary>
    private static WeeklyReport Make(WeeklyReports reports, DateTimeOffset end)
    {
        var content = reports.Build(end);
        _ = ReportFormats.Json(content) + ReportFormats.Csv(content) + ReportFormats.Html(content);
        return content;
    }

    private static string Stored(DateTimeOffset time) => Core.Timestamp.FormatSortable(time);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
