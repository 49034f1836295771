using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Sqlite;

/// <summary>Mapping between rows (and the JSON images of the change stream) and domain values.</summary>
internal static class Rows
{
    public const string ProductColumns =
        "p.product_id, p.product_name, p.product_category, p.stock_count, p.product_price_e4, p.low_stock_threshold, p.version, p.updated_at, s.last_alert_time, p.stock_counted";

    public const string ProductFrom = "products p LEFT JOIN alert_state s ON s.product_id = p.product_id";

    public const string SaleColumns = "sale_id, product_id, sale_date, quantity, current_price_e4, stock_after";

    /// <summary>
    /// The new image of change <c>c</c> as JSON. A change stores only its old image (migration 8): its new image is the
    /// next change's old image, else the product's row; a removal has none. Rows written before keep theirs.
    /// </summary>
    public const string NewImage = """
        CASE WHEN c.kind = 'REMOVE' THEN NULL ELSE COALESCE(
            c.new_image,
            (SELECT n.old_image FROM changes n WHERE n.product_id = c.product_id AND n.seq > c.seq ORDER BY n.seq LIMIT 1),
            (SELECT json_object('product_id', p.product_id, 'product_name', p.product_name,
                                'product_category', p.product_category, 'stock_count', p.stock_count,
                                'product_price_e4', p.product_price_e4, 'low_stock_threshold', p.low_stock_threshold,
                                'version', p.version, 'updated_at', p.updated_at, 'stock_counted', p.stock_counted)
             FROM products p WHERE p.product_id = c.product_id)) END
        """;

    public const string AlertColumns = "alert_id, product_id, alert_time, alert_type, details, change_seq, cause, category";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    };

    public static Product ReadProduct(SqliteDataReader reader) => new()
    {
        Id = ProductId.Parse(reader.GetString(0)),
        Name = reader.GetString(1),
        Category = reader.GetString(2),
        Stock = reader.GetInt32(3),
        Price = Money.FromTenThousandths(reader.GetInt64(4)),
        LowStockThreshold = reader.IsDBNull(5) ? null : reader.GetInt32(5),
        Version = reader.GetInt64(6),
        UpdatedAt = Timestamp.ParseStored(reader.GetString(7)),
        LastAlertTime = reader.IsDBNull(8) ? null : Timestamp.ParseStored(reader.GetString(8)),
        StockCounted = reader.GetInt64(9) != 0,
    };

    /// <summary>The state a write stores: <paramref name="after"/> with the next version, stamped with the write's time.</summary>
    public static Product Stored(Product? before, Product after, DateTimeOffset time) => ProductWrite.Stored(before, after, time);

    public static Sale ReadSale(SqliteDataReader reader) =>
        new(SaleId.Parse(reader.GetString(0)),
            ProductId.Parse(reader.GetString(1)),
            Timestamp.ParseStored(reader.GetString(2)),
            reader.GetInt32(3),
            Money.FromTenThousandths(reader.GetInt64(4)))
        {
            StockAfter = reader.IsDBNull(5) ? null : reader.GetInt32(5),
        };

    public static Alert ReadAlert(SqliteDataReader reader) =>
        new(reader.GetInt64(0),
            ProductId.Parse(reader.GetString(1)),
            AlertTypes.Parse(reader.GetString(3)),
            Timestamp.ParseStored(reader.GetString(2)),
            JsonSerializer.Deserialize<AlertDetails>(reader.GetString(4), Json)!)
        {
            ChangeSequence = reader.IsDBNull(5) ? null : reader.GetInt64(5),
            Cause = reader.IsDBNull(6) ? null : reader.GetString(6),
            Category = reader.IsDBNull(7) ? null : reader.GetString(7),
        };

    public static List<T> ReadAll<T>(SqliteCommand command, Func<SqliteDataReader, T> read)
    {
        using var reader = command.ExecuteReader();
        List<T> rows = [];
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public static string WriteDetails(AlertDetails details) => JsonSerializer.Serialize(details, Json);

    /// <summary>
    /// A product read by a <see cref="BulkStatement"/>: <c>product_name, product_category, stock_count,
    /// product_price_e4, low_stock_threshold, version, stock_counted, updated_at</c> from column <paramref name="first"/> on.
    /// </summary>
    public static Product ReadProduct(BulkStatement row, int first, ProductId id, StoredTimes times) => new()
    {
        Id = id,
        Name = row.GetText(first),
        Category = row.GetText(first + 1),
        Stock = (int)row.GetInteger(first + 2),
        Price = Money.FromTenThousandths(row.GetInteger(first + 3)),
        LowStockThreshold = row.IsNull(first + 4) ? null : (int)row.GetInteger(first + 4),
        Version = row.GetInteger(first + 5),
        StockCounted = row.GetInteger(first + 6) != 0,
        UpdatedAt = times.Parse(row.GetBytes(first + 7)),
    };

    /// <summary>Reads a product image written by the change triggers' <c>json_object</c> (UTF-8 JSON).</summary>
    public static Product ReadImage(ReadOnlySpan<byte> json)
    {
        var image = JsonSerializer.Deserialize<Image>(json, Json)!;
        return new Product
        {
            Id = ProductId.Parse(image.ProductId),
            Name = image.ProductName,
            Category = image.ProductCategory,
            Stock = image.StockCount,
            Price = Money.FromTenThousandths(image.ProductPriceE4),
            LowStockThreshold = image.LowStockThreshold,
            Version = image.Version,
            UpdatedAt = Timestamp.ParseStored(image.UpdatedAt),
            StockCounted = image.StockCounted is not 0,
        };
    }

    public static void Bind(SqliteCommand command, Product product)
    {
        command.Parameters.AddWithValue("$id", product.Id.Value);
        command.Parameters.AddWithValue("$name", product.Name);
        command.Parameters.AddWithValue("$category", product.Category);
        command.Parameters.AddWithValue("$stock", product.Stock);
        command.Parameters.AddWithValue("$price", product.Price.TenThousandths);
        command.Parameters.AddWithValue("$threshold", (object?)product.LowStockThreshold ?? DBNull.Value);
        command.Parameters.AddWithValue("$version", product.Version);
        command.Parameters.AddWithValue("$updated", Timestamp.FormatSortable(product.UpdatedAt));
        command.Parameters.AddWithValue("$counted", product.StockCounted ? 1 : 0);
    }

    private sealed record Image(
        string ProductId,
        string ProductName,
        string ProductCategory,
        int StockCount,
        [property: JsonPropertyName("product_price_e4")] long ProductPriceE4,
        int? LowStockThreshold,
        long Version,
        string UpdatedAt,
        int? StockCounted);
}

/// <summary>
/// Parses and formats stored times (<see cref="Timestamp.ParseStored"/>, <see cref="Timestamp.FormatSortable"/>), reusing
/// the last of each: the rows one import wrote share their time, and so do the alerts and states of its changes.
/// </summary>
internal sealed class StoredTimes
{
    private (byte[] Text, DateTimeOffset Time) _last = ([], default);
    private (DateTimeOffset Time, string? Text) _formatted;

    public string Format(DateTimeOffset time)
    {
        if (_formatted.Text is null || time != _formatted.Time)
        {
            _formatted = (time, Timestamp.FormatSortable(time));
        }

        return _formatted.Text;
    }

    public DateTimeOffset Parse(ReadOnlySpan<byte> utf8)
    {
        if (!utf8.SequenceEqual(_last.Text))
        {
            _last = (utf8.ToArray(), Timestamp.ParseStored(System.Text.Encoding.UTF8.GetString(utf8)));
        }

        return _last.Time;
    }
}
