using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using StockWatch.Core.Imports;

namespace StockWatch.Core.Reports;

// The change-stream feature's namespace (StockWatch.Core.Stream) would hide System.IO.Stream here.
using Stream = System.IO.Stream;

/// <summary>The weekly report as JSON, as CSV (formula injection neutralised) and as one self-contained HTML page.</summary>
public static class ReportFormats
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        Converters = { new UtcTimestampConverter() },
    };

    /// <summary>How many stock concerns the page shows; the CSV and JSON carry every one.</summary>
    private const int ShownConcerns = 25;

    public static string Json(WeeklyReport report) => JsonSerializer.Serialize(report, JsonOptions);

    public static WeeklyReport ReadJson(Stream json) => JsonSerializer.Deserialize<WeeklyReport>(json, JsonOptions)!;

    /// <summary>Each table with its own header, the tables separated by an empty line.</summary>
    public static string Csv(WeeklyReport r)
    {
        var csv = new StringBuilder();
        void Table(string title, string[] header, IEnumerable<string?[]> rows)
        {
            csv.Append(CsvCells.Row(title)).Append('\n').Append(CsvCells.Row(header)).Append('\n');
            foreach (var row in rows)
            {
                csv.Append(CsvCells.Row(row)).Append('\n');
            }

            csv.Append('\n');
        }

        Table("period", ["start", "end", "generated_at", "version"], [[Timestamp.Format(r.Period.Start), Timestamp.Format(r.Period.End), Timestamp.Format(r.GeneratedAt), C(r.Version)]]);
        Table("totals", ["figure", "this_week", "previous_week", "change_percent"],
        [
            ["units", C(r.Totals.Units), C(r.PreviousTotals.Units), C(r.Change.Units)],
            [Money("revenue", r), C(r.Totals.Revenue), C(r.PreviousTotals.Revenue), C(r.Change.Revenue)],
            ["sales", C(r.Totals.Sales), C(r.PreviousTotals.Sales), C(r.Change.Sales)],
            ["products_sold", C(r.Totals.ProductsSold), C(r.PreviousTotals.ProductsSold), C(r.Change.ProductsSold)],
            [Money("inventory_value", r), C(r.InventoryValue), null, null],
        ]);
        string[] productHeader = ["rank", "product_id", "product_name", "product_category", "units", Money("revenue", r)];
        Table("top_by_revenue", productHeader, r.TopByRevenue.Select((p, i) => CsvProductRow(i, p)));
        Table("top_by_units", productHeader, r.TopByUnits.Select((p, i) => CsvProductRow(i, p)));
        Table("categories", ["category", "units", Money("revenue", r), "products_sold"],
            r.Categories.Select(c => new[] { c.Category, C(c.Units), C(c.Revenue), C(c.ProductsSold) }));
        Table("days", ["date", "units", Money("revenue", r)], r.Days.Select(d => new[] { d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), C(d.Units), C(d.Revenue) }));
        Table("slow_movers", ["product_id", "product_name", "stock", Money("stock_value", r)],
            r.SlowMovers.Select(s => new[] { s.ProductId, s.ProductName, C(s.Stock), C(s.StockValue) }));
        string[] stockHeader = ["product_id", "product_name", "product_category", "stock", "threshold", "daily_rate", "days_of_cover", "reorder_quantity"];
        Table("low_stock", stockHeader, r.LowStock.Select(CsvStockRow));
        Table("out_of_stock", stockHeader, r.OutOfStock.Select(CsvStockRow));
        Table("alerts", ["alert_type", "count"], r.AlertsByType.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new[] { a.Key, C(a.Value) }));
        return csv.ToString();
    }

    /// <summary>One page with no external scripts, styles or fonts; charts are inline SVG; every value is HTML-encoded.</summary>
    public static string Html(WeeklyReport r)
    {
        var html = new StringBuilder();
        var ending = $"week ending {Ending(r.Period.End)}";
        var period = $"{Person(r.Period.Start, "ddd d MMM yyyy HH:mm")} – {Person(r.Period.End, "ddd d MMM yyyy HH:mm")} UTC";
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>StockWatch weekly report, {{E(ending)}}</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:1rem;color:#1d2433;background:#fff}
            h1{font-size:1.5rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dde6;padding-bottom:.25rem}
            .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:.75rem}
            .card{border:1px solid #d8dde6;border-radius:8px;padding:.75rem} .card b{display:block;font-size:1.4rem}
            .up{color:#1a7f37} .down{color:#b42318} .muted{color:#667085}
            table{border-collapse:collapse;width:100%;font-size:.9rem} th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eef0f4}
            td.n,th.n{text-align:right;font-variant-numeric:tabular-nums} svg{max-width:100%;height:auto;display:block}
            .wide{overflow-x:auto}
            </style></head><body>
            <h1>Weekly report, {{E(ending)}}</h1><p class="muted">{{E(period)}} · {{(r.Version == 1 ? "generated" : $"version {r.Version}, rebuilt")}} {{E(Person(r.GeneratedAt, "yyyy-MM-dd HH:mm"))}} UTC · {{E(r.ReportId)}}</p>
            <div class="cards">
            """);
        Card(html, "Net units", N(r.Totals.Units), r.Change.Units);
        Card(html, "Net revenue", Amount(r.Totals.Revenue, r), r.Change.Revenue);
        Card(html, "Sale lines", N(r.Totals.Sales), r.Change.Sales);
        Card(html, "Products sold", N(r.Totals.ProductsSold), r.Change.ProductsSold);
        Card(html, "Inventory value", Amount(r.InventoryValue, r), null);
        html.Append("</div>\n<h2>Sales per day</h2>\n");
        html.Append(Charts.Columns(Label("Revenue per day", r), [.. r.Days.Select(d => (d.Date.ToString("ddd dd", CultureInfo.InvariantCulture), d.Revenue))]));
        html.Append("<h2>Top products by revenue</h2>\n");
        html.Append(Charts.Bars(Label("Top products by revenue", r), [.. r.TopByRevenue.Select(p => (Label(p), p.Revenue))]));
        ProductTable(html, r.TopByRevenue, r);
        html.Append("<h2>Top products by units</h2>\n");
        ProductTable(html, r.TopByUnits, r);
        html.Append("<h2>Categories</h2>\n");
        html.Append(Charts.Bars(Label("Revenue by category", r), [.. r.Categories.Take(12).Select(c => (c.Category, c.Revenue))]));
        Table(html, ["Category", "Units", Label("Revenue", r), "Products sold"], r.Categories.Select(c => new[] { c.Category, N(c.Units), N(c.Revenue), N(c.ProductsSold) }), numeric: 1);
        html.Append(CultureInfo.InvariantCulture,
            $"<h2>Low and out of stock</h2>\n<p class=\"muted\">{N(r.OutOfStock.Count)} out of stock, {N(r.LowStock.Count)} low; those that sell fastest first.</p>\n");
        var concerns = r.OutOfStock.Concat(r.LowStock).OrderByDescending(c => c.DailyRate).ThenBy(c => c.Stock).ThenBy(c => c.ProductId, StringComparer.Ordinal).ToList();
        if (concerns.Count > 0)
        {
            html.Append(Charts.StockAgainstThreshold("Stock against threshold", [.. concerns.Take(20).Select(c => (Label(c.ProductId, c.ProductName), c.Stock, c.Threshold))]));
        }

        Table(html, ["Product", "Name", "Stock", "Threshold", "Per day", "Days of cover", "Reorder"],
            concerns.Take(ShownConcerns).Select(c => new[] { c.ProductId, c.ProductName, N(c.Stock), N(c.Threshold), N(c.DailyRate), c.DaysOfCover is { } d ? d.ToString("#,0.#", CultureInfo.InvariantCulture) : "no recent sales", N(c.ReorderQuantity) }), numeric: 2);
        if (concerns.Count > ShownConcerns)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">… and {N(concerns.Count - ShownConcerns)} more: the CSV and JSON list them all.</p>\n");
        }

        html.Append(CultureInfo.InvariantCulture, $"<h2>Slow movers</h2>\n<p class=\"muted\">{N(r.SlowMoverCount)} product{(r.SlowMoverCount == 1 ? " is" : "s are")} in stock and sold nothing this week; the most stock value first.</p>\n");
        Table(html, ["Product", "Name", "Stock", Label("Stock value", r)], r.SlowMovers.Select(s => new[] { s.ProductId, s.ProductName, N(s.Stock), N(s.StockValue) }), numeric: 2);
        html.Append("<h2>Alerts</h2>\n");
        Table(html, ["Type", "Count"], r.AlertsByType.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new[] { a.Key, N(a.Value) }), numeric: 1);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    internal static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    internal static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    internal static string N(decimal value) => value.ToString(value == Math.Round(value) ? "N0" : "N2", CultureInfo.InvariantCulture);

    private static string N(decimal? value) => value is { } v ? N(v) : string.Empty;

    private static string Label(ProductSales p) => Label(p.ProductId, p.ProductName);

    private static string Label(string id, string name) => name == id ? id : $"{id} {name}";

    private static string?[] ProductRow(int index, ProductSales p) =>
        [N(index + 1), p.ProductId, p.ProductName, p.ProductCategory, N(p.Units), N(p.Revenue)];

    private static string?[] CsvProductRow(int index, ProductSales p) =>
        [C(index + 1), p.ProductId, p.ProductName, p.ProductCategory, C(p.Units), C(p.Revenue)];

    private static string?[] CsvStockRow(StockConcern c) =>
        [c.ProductId, c.ProductName, c.ProductCategory, C(c.Stock), C(c.Threshold), C(c.DailyRate), c.DaysOfCover is { } d ? C(d) : null, C(c.ReorderQuantity)];

    /// <summary>A number in a CSV cell: invariant, without grouping, as a spreadsheet reads a number in any locale.</summary>
    private static string C(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string C(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? C(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);

    /// <summary>A CSV header of an amount, with the currency when there is one: <c>revenue_eur</c>.</summary>
    private static string Money(string header, WeeklyReport r) => r.Currency is { } code ? $"{header}_{code.ToLowerInvariant()}" : header;

    /// <summary>A heading of amounts, with the currency when there is one: <c>Revenue (EUR)</c>.</summary>
    private static string Label(string heading, WeeklyReport r) => r.Currency is { } code ? $"{heading} ({code})" : heading;

    /// <summary>An amount on a card, with the currency when there is one: <c>1,234.50 EUR</c>.</summary>
    private static string Amount(decimal value, WeeklyReport r) => r.Currency is { } code ? $"{N(value)} {code}" : N(value);

    /// <summary>The end of a report's period as its title names it: <c>Thu 10 Nov 2011, 17:00 UTC</c>.</summary>
    public static string Ending(DateTimeOffset periodEnd) => $"{Person(periodEnd, "ddd d MMM yyyy, HH:mm")} UTC";

    /// <summary>A time as a person reads it, in UTC (<c>Thu 10 Nov 2011, 17:00</c>; <c>2026-11-30 03:07</c>).</summary>
    private static string Person(DateTimeOffset time, string format) => time.UtcDateTime.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A percentage as it was rounded (one decimal at most), never padded to a precision it does not have.</summary>
    private static string Percent(decimal value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static void Card(StringBuilder html, string title, string value, decimal? change)
    {
        var trend = change switch
        {
            null => "<span class=\"muted\">no earlier week to compare</span>",
            > 0 => $"<span class=\"up\">▲ {E(Percent(change.Value))} % on the week before</span>",
            < 0 => $"<span class=\"down\">▼ {E(Percent(-change.Value))} % on the week before</span>",
            _ => "<span class=\"muted\">as the week before</span>",
        };
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"card\">{E(title)}<b>{E(value)}</b>{trend}</div>\n");
    }

    private static void ProductTable(StringBuilder html, IReadOnlyList<ProductSales> products, WeeklyReport r) =>
        Table(html, ["#", "Product", "Name", "Category", "Units", Label("Revenue", r)], products.Select((p, i) => ProductRow(i, p)), numeric: 4);

    /// <param name="numeric">The first column (from 0) from which cells are numbers, right-aligned.</param>
    private static void Table(StringBuilder html, string[] header, IEnumerable<string?[]> rows, int numeric)
    {
        html.Append("<div class=\"wide\"><table><thead><tr>");
        for (var i = 0; i < header.Length; i++)
        {
            html.Append(i >= numeric ? "<th class=\"n\">" : "<th>").Append(E(header[i])).Append("</th>");
        }

        html.Append("</tr></thead><tbody>\n");
        var any = false;
        foreach (var row in rows)
        {
            any = true;
            html.Append("<tr>");
            for (var i = 0; i < row.Length; i++)
            {
                html.Append(i >= numeric ? "<td class=\"n\">" : "<td>").Append(E(row[i])).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        if (!any)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td colspan=\"{header.Length}\" class=\"muted\">None.</td></tr>\n");
        }

        html.Append("</tbody></table></div>\n");
    }
}
