using StockWatch.Core.Alerts;
using StockWatch.Core.Sales;

namespace StockWatch.Core.Catalog;

/// <summary>When and why a write happens; carried into the change record it produces.</summary>
public readonly record struct ChangeStamp(DateTimeOffset Time, string Cause);

/// <summary>A product write as it landed: <see cref="Before"/> and <see cref="After"/> are equal when nothing changed.</summary>
public sealed record ProductWrite(Product? Before, Product? After, bool Changed);

/// <summary>What recording a sale decided: the sale to store and the product as it must be after it, or a replay.</summary>
public sealed record SaleDecision(Sale Sale, Product? ProductAfter, bool Replayed);

public sealed record ProductQuery(string? Category = null, bool LowStockOnly = false, int Limit = 100, ProductId? After = null);

/// <summary>Which alerts to list: the newest <see cref="Limit"/>, or with <see cref="AfterId"/> the oldest after that id.</summary>
public sealed record AlertQuery(DateTimeOffset? Since = null, AlertType? Type = null, ProductId? ProductId = null, int Limit = 1000, long? AfterId = null);

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
