using System.Text.Json;
using System.Text.Json.Serialization;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Contracts;

/// <summary>The JSON shapes of the CLI's <c>--json</c> output and the HTTP API, named as the data dictionary names them.</summary>
public static class Wire
{
    /// <summary>For people reading the CLI's output.</summary>
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    /// <summary>For the HTTP API and event streams.</summary>
    public static readonly JsonSerializerOptions Compact = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// Data-dictionary names; nulls left out; unknown fields in a request refused rather than silently ignored; numbers
    /// must be JSON numbers.
    /// </summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.Converters.Add(new UtcTimestampConverter());
        return options;
    }
}

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

/// <summary>Who the caller's key is.</summary>
public sealed record MeResponse(string KeyId, string Name, string Role);

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

public sealed record AlertResponse(
    long AlertId,
    string ProductId,
    string AlertTime,
    string AlertType,
    string Summary,
    AlertDetails Details,
    long? ChangeSeq,
    string? Cause)
{
    /// <summary>The product's category when the alert was raised.</summary>
    public string? Category { get; init; }

    /// <summary>How the channels were told of it (one alert's page and <c>alerts show</c> only).</summary>
    public List<DeliveryResponse>? Deliveries { get; init; }

    public static AlertResponse From(Alert a) => new(
        a.Id, a.ProductId.Value, Timestamp.Format(a.Time), a.Type.ToWire(), a.Describe(), a.Details, a.ChangeSequence, a.Cause) { Category = a.Category };
}

/// <summary>One delivery's log: to which channel, how many attempts, how it ended.</summary>
public sealed record DeliveryResponse(
    string DeliveryId,
    string Channel,
    string Kind,
    string Subject,
    string Status,
    int Attempts,
    string CreatedAt,
    string? LastAttemptAt,
    string? LastError,
    string? DeliveredAt)
{
    public static DeliveryResponse From(DeliveryRecord d) => new(
        d.DeliveryId, d.Channel, d.Kind, d.Subject, d.Status.ToWire(), d.Attempts, Timestamp.Format(d.CreatedAt),
        d.LastAttemptAt is { } attempted ? Timestamp.Format(attempted) : null, d.LastError, d.DeliveredAt is { } delivered ? Timestamp.Format(delivered) : null);
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
    /// <summary>True when this call made the report, false when it had been made before (CLI and POST only).</summary>
    public bool? Created { get; init; }

    public Core.Reports.ReportTotals? Totals { get; init; }

    /// <summary>A report just asked for: whether it was made now, and its totals.</summary>
    public static ReportResponse From(Core.Reports.ReportMade made) =>
        From(made.Report) with { Created = made.Created, Totals = made.Content.Totals };

    public static ReportResponse From(Core.Reports.Report r) => new(
        r.ReportId, r.ReportType, r.ReportDate, r.ReportLocation.AbsoluteUri, r.PeriodStart, r.PeriodEnd,
        new[] { "json", "csv", "html" }.ToDictionary(format => format, format => $"/api/reports/{Uri.EscapeDataString(r.ReportId)}/content?format={format}"));
}
