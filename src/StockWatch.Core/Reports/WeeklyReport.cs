using StockWatch.Core.Catalog;

namespace StockWatch.Core.Reports;

/// <summary>
/// The weekly summary report's content. Its JSON (snake_case, <see cref="CurrentSchema"/>) is the stable format; the
/// CSV and HTML show the same figures.
/// </summary>
public sealed record WeeklyReport
{
    public const int CurrentSchema = 1;

    public int SchemaVersion { get; init; } = CurrentSchema;
    public required string ReportId { get; init; }

    /// <summary>1 when first made; each rebuild of the same period (after late sales) adds one.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The ISO 4217 code every amount is in (<c>StockWatch:Currency</c>); <c>null</c> when none is set.</summary>
    public string? Currency { get; init; }

    public required ReportPeriod Period { get; init; }
    public required DateTimeOffset GeneratedAt { get; init; }
    public required ReportTotals Totals { get; init; }

    /// <summary>The same totals for the 7 days before the period.</summary>
    public required ReportTotals PreviousTotals { get; init; }

    /// <summary>Change against the previous period, in percent; <c>null</c> where the previous figure is 0.</summary>
    public required ReportChange Change { get; init; }

    public required IReadOnlyList<ProductSales> TopByRevenue { get; init; }
    public required IReadOnlyList<ProductSales> TopByUnits { get; init; }
    public required IReadOnlyList<CategorySales> Categories { get; init; }
    public required IReadOnlyList<DaySales> Days { get; init; }

    /// <summary>In stock and nothing sold in the period, the most stock value first.</summary>
    public required IReadOnlyList<SlowMover> SlowMovers { get; init; }

    public required long SlowMoverCount { get; init; }
    public required IReadOnlyList<StockConcern> LowStock { get; init; }
    public required IReadOnlyList<StockConcern> OutOfStock { get; init; }
    public required IReadOnlyDictionary<string, long> AlertsByType { get; init; }
    public required decimal InventoryValue { get; init; }
}

/// <summary>[Start, End): the 7 days before the scheduled time.</summary>
public sealed record ReportPeriod(DateTimeOffset Start, DateTimeOffset End);

/// <summary>Net units (returns negative), net revenue (Σ quantity × current_price), sale lines, distinct products sold.</summary>
public sealed record ReportTotals(long Units, decimal Revenue, long Sales, long ProductsSold);

public sealed record ReportChange(decimal? Units, decimal? Revenue, decimal? Sales, decimal? ProductsSold);

public sealed record ProductSales(string ProductId, string ProductName, string ProductCategory, long Units, decimal Revenue);

public sealed record CategorySales(string Category, long Units, decimal Revenue, long ProductsSold);

public sealed record DaySales(DateOnly Date, long Units, decimal Revenue);

public sealed record SlowMover(string ProductId, string ProductName, int Stock, decimal StockValue);

/// <summary>A low or out-of-stock product: how long its stock lasts at the recent rate, and what to reorder.</summary>
public sealed record StockConcern(
    string ProductId, string ProductName, string ProductCategory, int Stock, int Threshold, decimal DailyRate, decimal? DaysOfCover, int ReorderQuantity);

public static class ReportNames
{
    /// <summary>The category shown for sales of a product no longer in the catalogue.</summary>
    public const string RemovedCategory = "(removed)";
}

/// <summary>A product as the report reads it: the catalogue row and the units it sold in the forecast window.</summary>
public sealed record StockRow(ProductId ProductId, string ProductName, string ProductCategory, int Stock, int Threshold, long UnitsInWindow);

/// <summary>One product's sales in a period: net units, net revenue, sale lines.</summary>
public sealed record ProductPeriodSales(string ProductId, string ProductName, string ProductCategory, long Units, decimal Revenue, long Lines);

/// <summary>The figures the report is made of, read from the store. Safe to call from several threads at once.</summary>
public interface IReportSource
{
    ReportTotals Totals(DateTimeOffset start, DateTimeOffset end);

    /// <summary>
    /// Sales in [start, end) per product, with the product's name and category; a product no longer in the catalogue
    /// has its id as name and <see cref="ReportNames.RemovedCategory"/>.
    /// </summary>
    IReadOnlyList<ProductPeriodSales> SalesByProduct(DateTimeOffset start, DateTimeOffset end);

    /// <summary>Sales per UTC day in [start, end); days without sales are left out.</summary>
    IReadOnlyList<DaySales> SalesByDay(DateTimeOffset start, DateTimeOffset end);

    /// <summary>
    /// One pass over the catalogue: Σ stock × price, and the products in stock that are not in <paramref name="sold"/>
    /// (the most stock value first, at most <paramref name="limit"/>) with how many there are.
    /// </summary>
    (decimal InventoryValue, IReadOnlyList<SlowMover> SlowMovers, long SlowMoverCount) Catalog(IReadOnlySet<string> sold, int limit);

    /// <summary>Products at or below their threshold, with the units each sold in [windowStart, end).</summary>
    IReadOnlyList<StockRow> AtOrBelowThreshold(int defaultThreshold, DateTimeOffset windowStart, DateTimeOffset end, int limit);

    IReadOnlyDictionary<string, long> AlertsByType(DateTimeOffset start, DateTimeOffset end);
}
