namespace StockWatch.Core.Catalog;

/// <summary>A catalogue entry with its stock level. Every instance is valid: the setters check their values.</summary>
public sealed record Product
{
    public const string DefaultCategory = "Uncategorized";
    public const int MaxNameLength = 200;
    public const int MaxCategoryLength = 100;

    private readonly string _name = string.Empty;
    private readonly string _category = DefaultCategory;
    private readonly int _stock;
    private readonly int? _threshold;

    public required ProductId Id { get; init; }

    // A name or category equal to the one already held (a `with` that keeps it, as an import re-reading its catalogue
    // does for most rows) was checked when it was first set, and is kept as it is.
    public required string Name
    {
        get => _name;
        init => _name = _name.Length > 0 && value == _name ? _name : Text.RequireName(value, "product_name", MaxNameLength);
    }

    public string Category
    {
        get => _category;
        init => _category = value == _category ? _category : Text.RequireName(value, "product_category", MaxCategoryLength);
    }

    public int Stock
    {
        get => _stock;
        init => _stock = Values.RequireCount(value, "stock_count");
    }

    public Money Price { get; init; }

    /// <summary>
    /// False for a product created from sales history whose stock nobody has counted yet: it raises no stock alert and
    /// is neither low nor out until a stock level is first set.
    /// </summary>
    public bool StockCounted { get; init; } = true;

    /// <summary>The product's own threshold; <c>null</c> means the configured default.</summary>
    public int? LowStockThreshold
    {
        get => _threshold;
        init => _threshold = value is { } t ? Values.RequireCount(t, "low_stock_threshold") : null;
    }

    /// <summary>Incremented by every write; the basis of optimistic concurrency (the API's ETag).</summary>
    public long Version { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the last alert about this product was stored; maintained by the stream processor, not by writes.</summary>
    public DateTimeOffset? LastAlertTime { get; init; }

    public int ThresholdOr(int defaultThreshold) => LowStockThreshold ?? defaultThreshold;

    public bool IsLow(int defaultThreshold) => StockCounted && Stock <= ThresholdOr(defaultThreshold);

    /// <summary>How the stock stands, as every view shows it: <c>not_counted</c>, <c>out</c> (0), <c>low</c> (at or below the threshold) or <c>ok</c>.</summary>
    public string StockStatus(int defaultThreshold) =>
        !StockCounted ? "not_counted" : Stock == 0 ? "out" : IsLow(defaultThreshold) ? "low" : "ok";

    /// <summary>True when the catalogue fields are equal; version, timestamps and alert time are bookkeeping.</summary>
    public bool SameContentAs(Product other) =>
        Id == other.Id && Name == other.Name && Category == other.Category && Stock == other.Stock && StockCounted == other.StockCounted
        && Price == other.Price && LowStockThreshold == other.LowStockThreshold;
}
