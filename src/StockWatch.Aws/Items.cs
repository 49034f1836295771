using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.DynamoDBv2.Model;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Aws;

/// <summary>
/// One DynamoDB attribute value, whichever way it arrived: from the SDK (<see cref="AttributeValue"/>) or as DynamoDB
/// JSON in a stream record (<c>{"S": "…"}</c>). <see cref="Type"/> is the DynamoDB type name (<c>S</c>, <c>N</c>,
/// <c>NULL</c>, <c>BOOL</c>, <c>M</c>…); <see cref="Text"/> holds an <c>S</c> or <c>N</c> value.
/// </summary>
public readonly record struct DynamoValue(string Type, string? Text)
{
    public static DynamoValue From(AttributeValue value) =>
        value.S is not null ? new("S", value.S)
        : value.N is not null ? new("N", value.N)
        : value.NULL == true ? new("NULL", null)
        : value.BOOL is { } b ? new("BOOL", b ? "true" : "false")
        : value.M is { Count: > 0 } ? new("M", null)
        : value.L is { Count: > 0 } ? new("L", null)
        : new("?", null);

    /// <summary>Reads a DynamoDB JSON attribute value: an object with one member named after its type.</summary>
    /// <exception cref="FormatException">The element is not such an object.</exception>
    public static DynamoValue From(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"an attribute value must be an object such as {{\"S\": \"text\"}}, not {value.ValueKind}");
        }

        foreach (var member in value.EnumerateObject())
        {
            return member.Value.ValueKind switch
            {
                JsonValueKind.String => new(member.Name, member.Value.GetString()),
                JsonValueKind.True or JsonValueKind.False => new(member.Name, member.Value.GetBoolean() ? "true" : "false"),
                _ => new(member.Name, null),
            };
        }

        throw new FormatException("an attribute value must name its type, as {\"S\": \"text\"} does");
    }
}

/// <summary>
/// Products as DynamoDB items, with the data dictionary's attribute names. Money is a DynamoDB number (exact decimal);
/// times are fixed-width ISO-8601 strings (sortable). <c>change_cause</c> says why the item was last written; the
/// stream function reads it as the change's cause.
/// </summary>
public static class ProductItem
{
    public const string Id = "product_id";
    public const string Name = "product_name";
    public const string Category = "product_category";
    public const string Stock = "stock_count";
    public const string Price = "product_price";
    public const string Threshold = "low_stock_threshold";
    public const string Version = "version";
    public const string UpdatedAt = "updated_at";
    public const string LastAlertTime = "last_alert_time";
    public const string Cause = "change_cause";

    /// <summary>0 for a product created from sales history whose stock is not counted yet; absent means counted.</summary>
    public const string StockCounted = "stock_counted";

    private static readonly HashSet<string> Known = [Id, Name, Category, Stock, Price, Threshold, Version, UpdatedAt, LastAlertTime, Cause, StockCounted];

    public static Dictionary<string, AttributeValue> ToItem(Product product, string cause)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [Id] = new() { S = product.Id.Value },
            [Name] = new() { S = product.Name },
            [Category] = new() { S = product.Category },
            [Stock] = Number(product.Stock),
            [Price] = new() { N = product.Price.ToString() },
            [Version] = Number(product.Version),
            [UpdatedAt] = new() { S = Timestamp.FormatSortable(product.UpdatedAt) },
            [Cause] = new() { S = cause },
            [StockCounted] = Number(product.StockCounted ? 1 : 0),
        };
        if (product.LowStockThreshold is { } threshold)
        {
            item[Threshold] = Number(threshold);
        }

        if (product.LastAlertTime is { } alerted)
        {
            item[LastAlertTime] = new() { S = Timestamp.FormatSortable(alerted) };
        }

        return item;
    }

    public static Product Read(IReadOnlyDictionary<string, AttributeValue> item) =>
        Read(item.ToDictionary(pair => pair.Key, pair => DynamoValue.From(pair.Value)));

    /// <summary>Reads an item that must fit the data dictionary.</summary>
    /// <exception cref="StockWatchException">Invalid, naming the attribute that does not fit (<see cref="StockWatchException.Field"/>).</exception>
    public static Product Read(IReadOnlyDictionary<string, DynamoValue> item)
    {
        if (item.Keys.FirstOrDefault(name => !Known.Contains(name)) is { } foreign)
        {
            throw StockWatchException.Invalid(foreign, $"attribute {Text.Quote(foreign)} is not in the data dictionary.");
        }

        return new Product
        {
            Id = ProductId.Parse(RequireString(item, Id)),
            Name = RequireString(item, Name),
            Category = RequireString(item, Category),
            Stock = (int)RequireNumber(item, Stock, int.MaxValue),
            Price = Money.Parse(Require(item, Price, "N"), Price),
            LowStockThreshold = item.TryGetValue(Threshold, out var threshold) && threshold.Type != "NULL" ? (int)RequireNumber(item, Threshold, int.MaxValue) : null,
            Version = RequireNumber(item, Version, long.MaxValue),
            UpdatedAt = ReadTime(item, UpdatedAt) ?? throw Missing(UpdatedAt),
            LastAlertTime = ReadTime(item, LastAlertTime),
            StockCounted = !item.ContainsKey(StockCounted) || RequireNumber(item, StockCounted, 1) == 1,
        };
    }

    /// <summary>The item's <c>change_cause</c>, or <paramref name="fallback"/>.</summary>
    public static string CauseOf(IReadOnlyDictionary<string, DynamoValue> item, string fallback) =>
        item.TryGetValue(Cause, out var cause) && cause is { Type: "S", Text: { Length: > 0 } text } ? text : fallback;

    internal static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    internal static string RequireString(IReadOnlyDictionary<string, DynamoValue> item, string name) => Require(item, name, "S");

    internal static long RequireNumber(IReadOnlyDictionary<string, DynamoValue> item, string name, long max)
    {
        var text = Require(item, name, "N");
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= max
            ? value
            : throw StockWatchException.Invalid(name, $"{name} must be a whole number from 0 to {max} (got {Text.Quote(text)}).");
    }

    internal static DateTimeOffset? ReadTime(IReadOnlyDictionary<string, DynamoValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.Type != "NULL" ? Timestamp.Parse(Require(item, name, "S"), name) : null;

    private static string Require(IReadOnlyDictionary<string, DynamoValue> item, string name, string type)
    {
        if (!item.TryGetValue(name, out var value))
        {
            throw Missing(name);
        }

        return value.Type == type && value.Text is { } text
            ? text
            : throw StockWatchException.Invalid(name, $"{name} must be of type {type}, not {value.Type}{(value.Text is null ? string.Empty : $" ({Text.Quote(value.Text)})")}.");
    }

    private static StockWatchException Missing(string name) => StockWatchException.Invalid(name, $"{name} is missing.");
}

/// <summary>Sales as DynamoDB items. <c>sale_day</c> (<c>yyyy-MM-dd</c>) keys the by-day index the reports read.</summary>
public static class SaleItem
{
    public const string Id = "sale_id";
    public const string ProductId = "product_id";
    public const string Date = "sale_date";
    public const string Day = "sale_day";
    public const string Quantity = "quantity";
    public const string Price = "current_price";
    public const string StockAfter = "stock_after";

    /// <summary>When the sale was recorded: the forecast reads sales "as of" a change, as the SQLite stream's sales mark does.</summary>
    public const string RecordedAt = "recorded_at";

    /// <summary>The index of a product's sales by date (the forecast).</summary>
    public const string ByProduct = "by_product";

    /// <summary>The index of sales by day (the weekly report).</summary>
    public const string ByDay = "by_day";

    public static Dictionary<string, AttributeValue> ToItem(Sale sale, DateTimeOffset recordedAt)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [Id] = new() { S = sale.Id.Value },
            [ProductId] = new() { S = sale.ProductId.Value },
            [Date] = new() { S = Timestamp.FormatSortable(sale.SaleDate) },
            [Day] = new() { S = sale.SaleDate.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
            [Quantity] = new() { N = sale.Quantity.ToString(CultureInfo.InvariantCulture) },
            [Price] = new() { N = sale.CurrentPrice.ToString() },
            [RecordedAt] = new() { S = Timestamp.FormatSortable(recordedAt) },
        };
        if (sale.StockAfter is { } after)
        {
            item[StockAfter] = ProductItem.Number(after);
        }

        return item;
    }

    public static Sale Read(IReadOnlyDictionary<string, AttributeValue> item) =>
        new(SaleId.Parse(item[Id].S), Core.Catalog.ProductId.Parse(item[ProductId].S), Timestamp.ParseStored(item[Date].S),
            int.Parse(item[Quantity].N, CultureInfo.InvariantCulture), Money.Parse(item[Price].N, Price))
        {
            StockAfter = item.TryGetValue(StockAfter, out var after) && after.N is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : null,
        };
}

/// <summary>
/// Alerts as DynamoDB items. <c>alert_id</c> is derived from the change and the alert's type, so a redelivered or
/// replayed stream record writes the same id (and a conditional put stores it once).
/// </summary>
public static class AlertItem
{
    public const string Id = "alert_id";
    public const string ProductId = "product_id";
    public const string Time = "alert_time";
    public const string Type = "alert_type";
    public const string Details = "details";
    public const string ChangeSequence = "change_seq";
    public const string Cause = "cause";
    public const string Category = "product_category";

    public static Dictionary<string, AttributeValue> ToItem(Alert alert)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [Id] = ProductItem.Number(alert.Id),
            [ProductId] = new() { S = alert.ProductId.Value },
            [Time] = new() { S = Timestamp.FormatSortable(alert.Time) },
            [Type] = new() { S = alert.Type.ToWire() },
            [Details] = new() { S = JsonSerializer.Serialize(alert.Details, ItemJson.Default.AlertDetails) },
        };
        if (alert.ChangeSequence is { } sequence)
        {
            item[ChangeSequence] = ProductItem.Number(sequence);
        }

        if (alert.Cause is { } cause)
        {
            item[Cause] = new() { S = cause };
        }

        if (alert.Category is { } category)
        {
            item[Category] = new() { S = category };
        }

        return item;
    }

    public static Alert Read(IReadOnlyDictionary<string, AttributeValue> item) => Read(item.ToDictionary(pair => pair.Key, pair => DynamoValue.From(pair.Value)));

    /// <summary>Reads an alert item, from the table or from the Alerts stream's new image.</summary>
    /// <exception cref="StockWatchException">Invalid, naming the attribute that does not fit.</exception>
    public static Alert Read(IReadOnlyDictionary<string, DynamoValue> item)
    {
        var details = ProductItem.RequireString(item, Details);
        AlertDetails parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(details, ItemJson.Default.AlertDetails)
                ?? throw StockWatchException.Invalid(Details, "details must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw StockWatchException.Invalid(Details, $"details must be a JSON object ({e.Message}).");
        }

        return new Alert(
            ProductItem.RequireNumber(item, Id, long.MaxValue),
            Core.Catalog.ProductId.Parse(ProductItem.RequireString(item, ProductId)),
            AlertTypes.Parse(ProductItem.RequireString(item, Type), Type),
            ProductItem.ReadTime(item, Time) ?? throw StockWatchException.Invalid(Time, $"{Time} is missing."),
            parsed)
        {
            ChangeSequence = item.ContainsKey(ChangeSequence) ? ProductItem.RequireNumber(item, ChangeSequence, long.MaxValue) : null,
            Cause = item.ContainsKey(Cause) ? ProductItem.RequireString(item, Cause) : null,
            Category = item.ContainsKey(Category) ? ProductItem.RequireString(item, Category) : null,
        };
    }
}

/// <summary>JSON inside items: alert details with the data dictionary's snake_case names, as the SQLite store writes them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(AlertDetails))]
internal sealed partial class ItemJson : JsonSerializerContext;
