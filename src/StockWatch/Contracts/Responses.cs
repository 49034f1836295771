using System.Text.Json;
using System.Text.Json.Serialization;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Contracts;

public sealed record ProductResponse(
    string ProductId,
    string ProductName,
    string ProductCategory,
    int StockCount,
    bool StockCounted,
    decimal ProductPrice,
    int? LowStockThreshold,
    string? LastAlertTime,
    long Version,
    string UpdatedAt)
{
    /// <summary>
    /// <c>not_counted</c> for a product created from sales history whose stock was never set, <c>out</c> at 0, <c>low</c>
    /// at or below its threshold (its own or the default), else <c>ok</c> (listings and one product).
    /// </summary>
    public string? Status { get; init; }

    /// <summary>Days the stock lasts at the forecast window's sales rate; absent when nothing sold (listings and one product).</summary>
    public decimal? DaysOfCover { get; init; }

    /// <summary>The threshold that applies: the product's own, else the default (listings and one product).</summary>
    public int? EffectiveThreshold { get; init; }

    /// <summary>The product's latest changes, newest first (<c>products show</c> only).</summary>
    public List<ProductPoint>? LatestChanges { get; init; }

    /// <summary>The product's latest sales, newest first (<c>products show</c> only).</summary>
    public List<SaleResponse>? LatestSales { get; init; }

    public static ProductResponse From(Product p) => new(
        p.Id.Value, p.Name, p.Category, p.Stock, p.StockCounted, p.Price.Value, p.LowStockThreshold,
        p.LastAlertTime is { } t ? Timestamp.Format(t) : null, p.Version, Timestamp.Format(p.UpdatedAt));

    /// <summary>Products with their status and days of cover, their sales read in one query.</summary>
    public static List<ProductResponse> WithCover(IReadOnlyList<Product> products, ICatalogViews views, AlertOptions options, DateTimeOffset now)
    {
        var sold = views.UnitsSold([.. products.Select(p => p.Id)], now - TimeSpan.FromDays(options.ForecastWindowDays), now);
        return [.. products.Select(p => From(p) with
        {
            EffectiveThreshold = p.ThresholdOr(options.DefaultLowStockThreshold),
            Status = p.StockStatus(options.DefaultLowStockThreshold),
            DaysOfCover = StockCover.Of(p.Stock, p.ThresholdOr(options.DefaultLowStockThreshold), sold.GetValueOrDefault(p.Id), options).DaysOfCover,
        })];
    }
}

/// <summary>Alerts counted by type (every type named), and all of them.</summary>
public sealed record AlertCounts(long Total, Dictionary<string, long> ByType);

/// <summary>Who the caller's key is.</summary>
public sealed record MeResponse(string KeyId, string Name, string Role)
{
    /// <summary>The ISO 4217 code of every amount (<c>StockWatch:Currency</c>); left out when none is set.</summary>
    public string? Currency { get; init; }
}

/// <summary>The alarms that are on and the work queues' figures, for the dashboard's health page.</summary>
public sealed record StatusResponse(List<AlarmResponse> Alarms, List<QueueResponse> Queues);

public sealed record AlarmResponse(string Type, string Subject, string Since, string Reason);

public sealed record QueueResponse(string Queue, long Visible, long InFlight, double? OldestAgeSeconds);

public sealed record SaleResponse(
    string SaleId,
    string ProductId,
    string SaleDate,
    int Quantity,
    decimal CurrentPrice,
    int? StockAfter,
    bool Replayed)
{
    public static SaleResponse From(Sale s, bool replayed) => new(
        s.Id.Value, s.ProductId.Value, Timestamp.Format(s.SaleDate), s.Quantity, s.CurrentPrice.Value, s.StockAfter, replayed);
}

/// <summary>A report as the Reports table has it, with links to its content.</summary>
public sealed record ReportResponse(
    string ReportId,
    string ReportType,
    DateTimeOffset ReportDate,
    string ReportLocation,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    IReadOnlyDictionary<string, string> Content)
{
    /// <summary>1 when first made; each rebuild of the period adds one.</summary>
    public int Version { get; init; } = 1;

    /// <summary>True when this call made the report (or a new version), false when it had been made before (CLI and POST only).</summary>
    public bool? Created { get; init; }

    public Core.Reports.ReportTotals? Totals { get; init; }

    /// <summary>A report just asked for: whether it was made now, and its totals.</summary>
    public static ReportResponse From(Core.Reports.ReportMade made) =>
        From(made.Report) with { Created = made.Created, Totals = made.Content.Totals };

    public static ReportResponse From(Core.Reports.Report r) => new(
        r.ReportId, r.ReportType, r.ReportDate, r.ReportLocation.AbsoluteUri, r.PeriodStart, r.PeriodEnd,
        new[] { "json", "csv", "html" }.ToDictionary(format => format, format => $"/api/reports/{Uri.EscapeDataString(r.ReportId)}/content?format={format}"))
    {
        Version = r.Version,
    };
}
