namespace StockWatch.Core.Catalog;

/// <summary>How a request treats the fields it leaves out.</summary>
public enum SetMode
{
    /// <summary>Change the given fields; create the product when missing (CLI <c>products set</c>).</summary>
    Upsert,
    /// <summary>Change the given fields of an existing product (HTTP PATCH).</summary>
    Patch,
    /// <summary>Create or replace: fields left out take their defaults (HTTP PUT).</summary>
    Replace,
}

/// <summary>
/// Changes the given fields of a product, creating it when it does not exist (a name is then required).
/// Fields left <c>null</c> keep their stored value, unless <see cref="Mode"/> says otherwise.
/// </summary>
public sealed record SetProductRequest(ProductId Id)
{
    public SetMode Mode { get; init; } = SetMode.Upsert;

    /// <summary>Drops the product's own threshold, so the configured default applies.</summary>
    public bool ClearThreshold { get; init; }

    public string? Name { get; init; }
    public string? Category { get; init; }
    public int? Stock { get; init; }
    public Money? Price { get; init; }
    public int? LowStockThreshold { get; init; }

    /// <summary>
    /// When set, the write only happens if the stored version is this one; <see cref="Versions.AnyExisting"/> asks
    /// only that the product exists (<c>If-Match: *</c>).
    /// </summary>
    public long? ExpectedVersion { get; init; }
}

public sealed class SetProduct(IInventoryStore store, TimeProvider time)
{
    public Task<ProductWrite> HandleAsync(SetProductRequest request, string cause) =>
        store.WriteProductAsync(request.Id, new ChangeStamp(time.GetUtcNow(), cause), current => Apply(current, request));

    internal static Product Apply(Product? current, SetProductRequest request)
    {
        Versions.Check(current, request.Id, request.ExpectedVersion);
        if (current is null && request.Mode == SetMode.Patch)
        {
            throw StockWatchException.NotFound($"Product {request.Id} does not exist.");
        }

        if (current is null || request.Mode == SetMode.Replace)
        {
            return new Product
            {
                Id = request.Id,
                Name = request.Name ?? throw StockWatchException.Invalid("product_name", current is null
                    ? $"product_name is required to create product {request.Id}."
                    : $"product_name is required to replace product {request.Id}."),
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
            StockCounted = current.StockCounted || request.Stock is not null,
            Price = request.Price ?? current.Price,
            LowStockThreshold = request.ClearThreshold ? null : request.LowStockThreshold ?? current.LowStockThreshold,
        };
    }
}

/// <summary>Optimistic concurrency: the caller's expected version against the stored one.</summary>
/// <summary>The expected-version check every conditional write makes (versions start at 1).</summary>
public static class Versions
{
    /// <summary>The expected version that any existing version of the product meets.</summary>
    public const long AnyExisting = 0;

    /// <summary>The expected version that only a product that does not exist meets (create, never replace).</summary>
    public const long NoneExisting = -1;

    internal static void Check(Product? current, ProductId id, long? expected)
    {
        if (expected is not { } version || current?.Version == version || (version == AnyExisting && current is not null)
            || (version == NoneExisting && current is null))
        {
            return;
        }

        throw StockWatchException.PreconditionFailed(version == NoneExisting
            ? $"Product {id} exists already; open it to change it."
            : current is null
            ? $"Product {id} does not exist, so If-Match cannot match it."
            : $"Product {id} is at version {current.Version}, not {version}; read it again and retry.");
    }
}
