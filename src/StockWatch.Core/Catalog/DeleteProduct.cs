namespace StockWatch.Core.Catalog;

/// <summary>Removes a product from the catalogue; its sales history stays.</summary>
public sealed class DeleteProduct(IInventoryStore store, TimeProvider time)
{
    public Task<ProductWrite> HandleAsync(ProductId id, long? expectedVersion, string cause) =>
        store.WriteProductAsync(id, new ChangeStamp(time.GetUtcNow(), cause), current =>
        {
            Versions.Check(current, id, expectedVersion);
            return current is null ? throw StockWatchException.NotFound($"Product {id} does not exist.") : null;
        });
}
