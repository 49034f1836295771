namespace StockWatch.Core.Alerts;

public enum AlertType
{
    LowStock,
    OutOfStock,
    BackInStock,
    PriceChanged,
    NameChanged,
    CategoryChanged,
    ProductAdded,
    ProductRemoved,
    StockoutPredicted,
    QueueStuck,
    DeliveryFailing,

    /// <summary>An item in a table does not fit the data dictionary (the AWS shape: written by hand, say); it is skipped.</summary>
    InvalidItem,
}

/// <summary>The wire names of alert types (<c>LOW_STOCK</c>…), as the data dictionary spells them.</summary>
public static class AlertTypes
{
    private static readonly Dictionary<AlertType, string> Names = new()
    {
        [AlertType.LowStock] = "LOW_STOCK",
        [AlertType.OutOfStock] = "OUT_OF_STOCK",
        [AlertType.BackInStock] = "BACK_IN_STOCK",
        [AlertType.PriceChanged] = "PRICE_CHANGED",
        [AlertType.NameChanged] = "NAME_CHANGED",
        [AlertType.CategoryChanged] = "CATEGORY_CHANGED",
        [AlertType.ProductAdded] = "PRODUCT_ADDED",
        [AlertType.ProductRemoved] = "PRODUCT_REMOVED",
        [AlertType.StockoutPredicted] = "STOCKOUT_PREDICTED",
        [AlertType.QueueStuck] = "QUEUE_STUCK",
        [AlertType.DeliveryFailing] = "DELIVERY_FAILING",
        [AlertType.InvalidItem] = "INVALID_ITEM",
    };

    private static readonly Dictionary<string, AlertType> ByName =
        Names.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<string> All => Names.Values;

    public static string ToWire(this AlertType type) => Names[type];

    public static AlertType Parse(string? text, string field = "alert_type") =>
        text is not null && ByName.TryGetValue(text.Trim(), out var type)
            ? type
            : throw StockWatchException.Invalid(field, $"{field} must be one of {string.Join(", ", Names.Values)} (got {Text.Quote(text)}).");
}
