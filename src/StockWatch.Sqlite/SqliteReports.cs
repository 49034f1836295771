using Microsoft.Data.Sqlite;
using StockWatch.Core;
using StockWatch.Core.Catalog;
using StockWatch.Core.Reports;

namespace StockWatch.Sqlite;

/// <summary>The Reports ledger on SQLite: one row per type and period end.</summary>
public sealed class SqliteReportLedger(SqliteDatabase database) : IReportLedger
{
    private const string Columns = "report_id, report_type, report_date, report_location, period_start, period_end, report_version";

    public Task<bool> TryAddAsync(Report report) => database.ExclusiveAsync(session =>
        Bind(session.Command($"INSERT INTO reports ({Columns}) VALUES ($id, $type, $date, $location, $start, $end, $version) ON CONFLICT DO NOTHING"), report)
            .ExecuteNonQuery() == 1);

    public Task<bool> TryReplaceAsync(Report report) => database.ExclusiveAsync(session =>
        Bind(session.Command("""
            UPDATE reports SET report_date = $date, report_location = $location, report_version = $version
            WHERE report_id = $id AND report_type = $type AND period_start = $start AND period_end = $end AND report_version = $version - 1
            """), report).ExecuteNonQuery() == 1);

    private static SqliteCommand Bind(SqliteCommand command, Report report)
    {
        command.Parameters.AddWithValue("$id", report.ReportId);
        command.Parameters.AddWithValue("$type", report.ReportType);
        command.Parameters.AddWithValue("$date", Timestamp.FormatSortable(report.ReportDate));
        command.Parameters.AddWithValue("$location", report.ReportLocation.AbsoluteUri);
        command.Parameters.AddWithValue("$start", Timestamp.FormatSortable(report.PeriodStart));
        command.Parameters.AddWithValue("$end", Timestamp.FormatSortable(report.PeriodEnd));
        command.Parameters.AddWithValue("$version", report.Version);
        return command;
    }

    public Report? Find(string reportId) => Query("WHERE report_id = $id", ("$id", reportId)).SingleOrDefault();

    public Report? FindByPeriod(string reportType, DateTimeOffset periodEnd) =>
        Query("WHERE report_type = $type AND period_end = $end", ("$type", reportType), ("$end", Timestamp.FormatSortable(periodEnd))).SingleOrDefault();

    public IReadOnlyList<Report> List(int limit) => Query("ORDER BY period_end DESC, report_id LIMIT $limit", ("$limit", limit));

    private List<Report> Query(string clause, params (string Name, object Value)[] parameters)
    {
        using var session = database.Open();
        var select = session.Command($"SELECT {Columns} FROM reports {clause}");
        foreach (var (name, value) in parameters)
        {
            select.Parameters.AddWithValue(name, value);
        }

        return Rows.ReadAll(select, r => new Report(
            r.GetString(0), Timestamp.ParseStored(r.GetString(2)), r.GetString(1), new Uri(r.GetString(3)),
            Timestamp.ParseStored(r.GetString(4)), Timestamp.ParseStored(r.GetString(5))) { Version = r.GetInt32(6) });
    }
}

/// <summary>The weekly report's figures, as SQL over the sales, products and alerts tables.</summary>
public sealed class SqliteReportSource(SqliteDatabase database) : IReportSource
{
    public ReportTotals Totals(DateTimeOffset start, DateTimeOffset end)
    {
        using var session = database.Open();
        var select = session.Command("""
            SELECT IFNULL(SUM(quantity), 0), IFNULL(SUM(quantity * current_price_e4), 0), COUNT(*), COUNT(DISTINCT product_id)
            FROM sales WHERE sale_date >= $start AND sale_date < $end
            """);
        Period(select, start, end);
        using var reader = select.ExecuteReader();
        reader.Read();
        return new ReportTotals(reader.GetInt64(0), E4(reader.GetInt64(1)), reader.GetInt64(2), reader.GetInt64(3));
    }

    public IReadOnlyList<ProductPeriodSales> SalesByProduct(DateTimeOffset start, DateTimeOffset end)
    {
        using var session = database.Open();
        var select = session.Command($"""
            SELECT a.product_id, IFNULL(p.product_name, a.product_id), IFNULL(p.product_category, '{ReportNames.RemovedCategory}'),
                   a.units, a.revenue, a.lines
            FROM (SELECT product_id, SUM(quantity) AS units, SUM(quantity * current_price_e4) AS revenue, COUNT(*) AS lines
                  FROM sales WHERE sale_date >= $start AND sale_date < $end
                  GROUP BY product_id) a
            LEFT JOIN products p ON p.product_id = a.product_id
            """);
        Period(select, start, end);
        return Rows.ReadAll(select, r => new ProductPeriodSales(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), E4(r.GetInt64(4)), r.GetInt64(5)));
    }

    /// <summary>One range sum per day: each reads its day from the date index, with no sort (a GROUP BY by day would sort the week).</summary>
    public IReadOnlyList<DaySales> SalesByDay(DateTimeOffset start, DateTimeOffset end)
    {
        using var session = database.Open();
        var select = session.Command("""
            SELECT IFNULL(SUM(quantity), 0), IFNULL(SUM(quantity * current_price_e4), 0), COUNT(*)
            FROM sales WHERE sale_date >= $start AND sale_date < $end
            """);
        List<DaySales> days = [];
        for (var day = new DateTimeOffset(start.UtcDateTime.Date, TimeSpan.Zero); day < end; day = day.AddDays(1))
        {
            var (from, to) = (day < start ? start : day, day.AddDays(1) > end ? end : day.AddDays(1));
            select.Parameters.Clear();
            Period(select, from, to);
            using var reader = select.ExecuteReader();
            reader.Read();
            if (reader.GetInt64(2) > 0)
            {
                days.Add(new DaySales(DateOnly.FromDateTime(day.UtcDateTime), reader.GetInt64(0), E4(reader.GetInt64(1))));
            }
        }

        return days;
    }

    public (decimal InventoryValue, IReadOnlyList<SlowMover> SlowMovers, long SlowMoverCount) Catalog(IReadOnlySet<string> sold, int limit)
    {
        using var session = database.Open();
        using var reader = session.Command("SELECT product_id, product_name, stock_count, product_price_e4 FROM products WHERE stock_count > 0").ExecuteReader();
        decimal value = 0;
        long count = 0;
        PriorityQueue<SlowMover, decimal> top = new();
        while (reader.Read())
        {
            // Summed as decimals: stock × price over a whole catalogue can pass SQLite's 64-bit integers.
            var stockValue = reader.GetInt32(2) * (decimal)reader.GetInt64(3) / 10_000m;
            value += stockValue;
            if (sold.Contains(reader.GetString(0)))
            {
                continue;
            }

            count++;
            top.Enqueue(new SlowMover(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), stockValue), stockValue);
            if (top.Count > limit)
            {
                top.Dequeue();
            }
        }

        List<SlowMover> slow = [];
        while (top.Count > 0)
        {
            slow.Add(top.Dequeue());
        }

        slow.Reverse();
        return (value, slow, count);
    }

    public IReadOnlyList<StockRow> AtOrBelowThreshold(int defaultThreshold, DateTimeOffset windowStart, DateTimeOffset end, int limit)
    {
        using var session = database.Open();
        var select = session.Command("""
            SELECT p.product_id, p.product_name, p.product_category, p.stock_count, IFNULL(p.low_stock_threshold, $default),
                   (SELECT IFNULL(SUM(s.quantity), 0) FROM sales s
                    WHERE s.product_id = p.product_id AND s.sale_date >= $start AND s.sale_date < $end)
            FROM products p
            WHERE p.stock_counted = 1 AND p.stock_count <= IFNULL(p.low_stock_threshold, $default)
            ORDER BY p.stock_count, p.product_id
            LIMIT $limit
            """);
        select.Parameters.AddWithValue("$default", defaultThreshold);
        Period(select, windowStart, end);
        select.Parameters.AddWithValue("$limit", limit);
        return Rows.ReadAll(select, r => new StockRow(ProductId.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetInt64(5)));
    }

    public IReadOnlyDictionary<string, long> AlertsByType(DateTimeOffset start, DateTimeOffset end)
    {
        using var session = database.Open();
        var select = session.Command("""
            SELECT alert_type, COUNT(*) FROM alerts WHERE alert_time >= $start AND alert_time < $end GROUP BY alert_type ORDER BY alert_type
            """);
        Period(select, start, end);
        return Rows.ReadAll(select, r => (Type: r.GetString(0), Count: r.GetInt64(1))).ToDictionary(a => a.Type, a => a.Count, StringComparer.Ordinal);
    }


    /// <summary>Money stored in ten-thousandths, as a decimal (a sum of sales may be negative: returns).</summary>
    private static decimal E4(long tenThousandths) => tenThousandths / 10_000m;

    private static void Period(SqliteCommand command, DateTimeOffset start, DateTimeOffset end)
    {
        command.Parameters.AddWithValue("$start", Timestamp.FormatSortable(start));
        command.Parameters.AddWithValue("$end", Timestamp.FormatSortable(end));
    }
}
