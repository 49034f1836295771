using StockWatch.Core.Alerts;
using StockWatch.Core.Sales;

namespace StockWatch.Core.Catalog;

/// <summary>When and why a write happens; carried into the change record it produces.</summary>
public readonly record struct ChangeStamp(DateTimeOffset Time, string Cause);

/// <summary>A product write as it landed: <see cref="Before"/> and <see cref="After"/> are equal when nothing changed.</summary>
public sealed record ProductWrite(Product? Before, Product? After, bool Changed)
{
    /// <summary>The state a store writes: <paramref name="after"/> with the next version, stamped with the write's time.</summary>
    public static Product Stored(Product? before, Product after, DateTimeOffset time) =>
        after with { Version = (before?.Version ?? 0) + 1, UpdatedAt = time, LastAlertTime = before?.LastAlertTime };
}

/// <summary>What recording a sale decided: the sale to store and the product as it must be after it, or a replay.</summary>
public sealed record SaleDecision(Sale Sale, Product? ProductAfter, bool Replayed);

/// <summary>
/// Which products to list, a page at a time: filtered by category (regardless of case: SQLite folds the ASCII letters,
/// DynamoDB every letter), low stock and a search on id and name (the same case rule), sorted by
/// <see cref="Sort"/> (then id). The next page starts after <see cref="After"/>: the last product of the page before
/// and, unless sorting by id, its value in the sort column (<see cref="AfterValue"/>: text for name and category,
/// a whole number for stock and price in ten-thousandths).
/// </summary>
public sealed record ProductQuery(string? Category = null, bool LowStockOnly = false, int Limit = 100, ProductId? After = null)
{
    /// <summary>Part of the id or name, case-insensitively.</summary>
    public string? Search { get; init; }

    /// <summary>
    /// A search as typed into <paramref name="field"/>: trimmed, null when blank.
    /// </summary>
    /// <exception cref="StockWatchException">Over 200 characters, or holding control characters (invalid, naming <paramref name="field"/>).</exception>
    public static string? SearchText(string? text, string field)
    {
        if (text is { Length: > 200 })
        {
            throw StockWatchException.Invalid(field, $"{field} must be at most 200 characters (got {text.Length}).");
        }

        if (text is not null && text.Any(char.IsControl))
        {
            throw StockWatchException.Invalid(field, $"{field} must not contain control characters.");
        }

        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    public ProductSort Sort { get; init; } = ProductSort.Id;

    public bool Descending { get; init; }

    public object? AfterValue { get; init; }
}

public enum ProductSort
{
    Id,
    Name,
    Category,
    Stock,
    Price,
}

public static class ProductSorts
{
    private static readonly Dictionary<string, ProductSort> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["product_id"] = ProductSort.Id,
        ["product_name"] = ProductSort.Name,
        ["product_category"] = ProductSort.Category,
        ["stock_count"] = ProductSort.Stock,
        ["product_price"] = ProductSort.Price,
    };

    public static string ToWire(this ProductSort sort) => ByName.First(pair => pair.Value == sort).Key;

    public static ProductSort Parse(string? text, string field = "sort") =>
        text is not null && ByName.TryGetValue(text.Trim(), out var sort)
            ? sort
            : throw StockWatchException.Invalid(field, $"{field} must be one of {string.Join(", ", ByName.Keys)} (got {Text.Quote(text)}).");

    /// <summary>The value a product has in the sort column, as <see cref="ProductQuery.AfterValue"/> takes it.</summary>
    public static object? ValueOf(this ProductSort sort, Product product) => sort switch
    {
        ProductSort.Name => product.Name,
        ProductSort.Category => product.Category,
        ProductSort.Stock => (long)product.Stock,
        ProductSort.Price => product.Price.TenThousandths,
        _ => null,
    };
}

/// <summary>
/// The catalogue at a glance: the dashboard's cards and category list. <see cref="LowStock"/> and
/// <see cref="OutOfStock"/> count the products whose status is <c>low</c> (above 0, at or below the threshold) and
/// <c>out</c> (at 0): each product in one of them at most; stock not counted yet is in neither.
/// </summary>
public sealed record CatalogSummary(long Products, long LowStock, long OutOfStock, decimal InventoryValue, long UnitsSoldLast7Days, IReadOnlyList<CategoryCount> Categories);

public sealed record CategoryCount(string Category, long Products);

/// <summary>A product as one change left it (its stock and price), for its history chart.</summary>
public sealed record ProductPoint(DateTimeOffset At, string Kind, int? Stock, decimal? Price, string Cause);

/// <summary>Read models for people looking at the catalogue: summaries, a product's history, its recent sales.</summary>
public interface ICatalogViews
{
    CatalogSummary Summary(DateTimeOffset now);

    /// <summary>Net units sold per product in (<paramref name="from"/>, <paramref name="to"/>]; products without sales are left out.</summary>
    IReadOnlyDictionary<ProductId, long> UnitsSold(IReadOnlyCollection<ProductId> ids, DateTimeOffset from, DateTimeOffset to);

    /// <summary>The product's latest <paramref name="limit"/> changes, oldest first.</summary>
    IReadOnlyList<ProductPoint> History(ProductId id, int limit);

    /// <summary>
    /// How many alerts of each type <paramref name="query"/>'s time, product, cause and <see cref="AlertQuery.AfterId"/>
    /// filters select (its type, limit and <see cref="AlertQuery.BeforeId"/> are ignored); types without alerts are left out.
    /// </summary>
    IReadOnlyDictionary<AlertType, long> CountAlerts(AlertQuery query);

    /// <summary>The sales <paramref name="query"/> selects, newest first (by sale date, then by when they were recorded).</summary>
    IReadOnlyList<Sale> ListSales(SaleQuery query);
}

/// <summary>
/// Which sales <see cref="ICatalogViews.ListSales"/> returns: one product's (<see cref="ProductId"/>) or every product's,
/// dated at or after <see cref="Since"/> and before <see cref="Until"/> (either open when null), at most
/// <see cref="Limit"/> of them.
/// </summary>
public sealed record SaleQuery(ProductId? ProductId = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null, int Limit = 100);

/// <summary>
/// Which alerts to list: of a type, of a product, raised at or after <see cref="Since"/> and before
/// <see cref="Until"/> (each filter open when null); the newest <see cref="Limit"/> of them (older than
/// <see cref="BeforeId"/> when given: the next page back), or with <see cref="AfterId"/> the oldest after that id.
/// </summary>
public sealed record AlertQuery(DateTimeOffset? Since = null, AlertType? Type = null, ProductId? ProductId = null, int Limit = 1000, long? AfterId = null)
{
    public DateTimeOffset? Until { get; init; }

    public long? BeforeId { get; init; }

    /// <summary>Only alerts of changes with this cause (<c>import: &lt;import id&gt;</c>).</summary>
    public string? Cause { get; init; }
}

public static class AlertLookup
{
    /// <summary>The stored alert with this id, or <c>null</c>.</summary>
    public static Alert? FindAlert(this IInventoryStore store, long alertId) =>
        store.ListAlerts(new AlertQuery(AfterId: alertId - 1, Limit: 1)) is [var alert] && alert.Id == alertId ? alert : null;
}

/// <summary>
/// The inventory store port. Each write runs its decision inside one transaction, so a decision always sees the
/// current state, and the write, its change record and any sale land together or not at all. A write completes when
/// it is committed; concurrent writes may share a commit.
/// </summary>
public interface IInventoryStore
{
    Product? FindProduct(ProductId id);

    IReadOnlyList<Product> ListProducts(ProductQuery query);

    /// <summary>
    /// Reads the product, asks <paramref name="decide"/> for its new state (<c>null</c> deletes it) and writes that
    /// state with a new version, unless its content is unchanged.
    /// </summary>
    Task<ProductWrite> WriteProductAsync(ProductId id, ChangeStamp stamp, Func<Product?, Product?> decide);

    /// <summary>Reads the sale with that id and its product, asks <paramref name="decide"/>, and stores the outcome.</summary>
    Task<SaleDecision> RecordSaleAsync(SaleId id, ProductId productId, ChangeStamp stamp, Func<Sale?, Product?, SaleDecision> decide);

    IReadOnlyList<Alert> ListAlerts(AlertQuery query);
}
