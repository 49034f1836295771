namespace StockWatch.Core.Catalog;

/// <summary>
/// Changes the given fields of a product, creating it when it does not exist (a name is then required).
/// Fields left <c>null</c> keep their stored value.
/// </summary>
public sealed record SetProductRequest(ProductId Id)
{
    public string? Name { get; init; }
    public string? Category { get; init; }
    public int? Stock { get; init; }
    public Money? Price { get; init; }
    public int? LowStockThreshold { get; init; }

    /// <summary>When set, the write only happens if the stored version is this one.</summary>
    public long? ExpectedVersion { get; init; }
}

public sealed class SetProduct(IInventoryStore store, TimeProvider time)
{
    public Task<ProductWrite> HandleAsync(SetProductRequest request, string cause) =>
        store.WriteProductAsync(request.Id, new ChangeStamp(time.GetUtcNow(), cause), current => Apply(current, request));

    internal static Product Apply(Product? current, SetProductRequest request)
    {
        Versions.Check(current, request.Id, request.ExpectedVersion);
        if (current is null)
        {
            return new Product
            {
                Id = request.Id,
                Name = request.Name ?? throw StockWatchException.Invalid("product_name", $"product_name is required to create product {request.Id}."),
                Category = request.Category ?? Product.DefaultCategory,
                Stock = request.Stock ?? 0,
                Price = request.Price ?? Money.Zero,
                LowStockThreshold = request.LowStockThreshold,
            };
        }

        return current with
        {
            Name = request.Name ?? current.Name,
            Category = request.Category ?? current.Category,
            Stock = request.Stock ?? current.Stock,
            Price = request.Price ?? current.Price,
            LowStockThreshold = request.LowStockThreshold ?? current.LowStockThreshold,
        };
    }
}

/// <summary>Optimistic concurrency: the caller's expected version against the stored one.</summary>
internal static class Versions
{
    public static void Check(Product? current, ProductId id, long? expected)
    {
        if (expected is not { } version || current?.Version == version)
        {
            return;
        }

        throw StockWatchException.PreconditionFailed(current is null
            ? $"Product {id} does not exist, so it is not at version {version}."
            : $"Product {id} is at version {current.Version}, not {version}; read it again and retry.");
    }
}
