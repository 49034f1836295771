using StockWatch.Core.Catalog;

namespace StockWatch.Core.Sales;

/// <summary>A sale to record. Price defaults to the product's price, date to now.</summary>
public sealed record SaleRequest(SaleId Id, ProductId ProductId, int Quantity)
{
    public Money? Price { get; init; }
    public DateTimeOffset? Date { get; init; }
}

/// <summary>
/// Records a sale and moves stock in one transaction. Idempotent by sale id: the same request again returns the
/// original sale and changes nothing; a different sale under a used id is a conflict.
/// </summary>
public sealed class RecordSale(IInventoryStore store, TimeProvider time)
{
    public Task<SaleDecision> HandleAsync(SaleRequest request)
    {
        var now = time.GetUtcNow();
        return store.RecordSaleAsync(request.Id, request.ProductId, new ChangeStamp(now, $"sale: {request.Id}"),
            (existing, product) => Decide(existing, product, request, now));
    }

    internal static SaleDecision Decide(Sale? existing, Product? product, SaleRequest request, DateTimeOffset now)
    {
        if (existing is not null)
        {
            return IsSameSale(existing, request)
                ? new SaleDecision(existing, null, Replayed: true)
                : throw StockWatchException.Conflict(
                    $"Sale {request.Id} was already recorded for a different sale ({existing.Quantity} × {existing.ProductId}).", "sale_id");
        }

        if (product is null)
        {
            throw StockWatchException.NotFound($"Product {request.ProductId} does not exist.");
        }

        var stock = (long)product.Stock - request.Quantity;
        if (stock < 0)
        {
            throw StockWatchException.Conflict(
                $"Not enough stock: product {product.Id} has {product.Stock}, the sale needs {request.Quantity}.", "quantity");
        }

        if (stock > int.MaxValue)
        {
            throw StockWatchException.Invalid("quantity", $"The return would take the stock of product {product.Id} above {int.MaxValue}.");
        }

        var sale = new Sale(request.Id, product.Id, request.Date ?? now, request.Quantity, request.Price ?? product.Price)
        {
            StockAfter = (int)stock,
        };
        return new SaleDecision(sale, product with { Stock = (int)stock }, Replayed: false);
    }

    private static bool IsSameSale(Sale existing, SaleRequest request) =>
        existing.ProductId == request.ProductId
        && existing.Quantity == request.Quantity
        && (request.Price is not { } price || price == existing.CurrentPrice)
        && (request.Date is not { } date || date == existing.SaleDate);
}
