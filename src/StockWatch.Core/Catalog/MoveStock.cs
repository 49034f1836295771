namespace StockWatch.Core.Catalog;

/// <summary>A stock movement: either a relative <see cref="Delta"/> or an absolute <see cref="Set"/>, with a reason.</summary>
public sealed record StockMovement
{
    public const int MaxReasonLength = 200;

    private StockMovement(int? delta, int? set, string reason)
    {
        Delta = delta;
        Set = set;
        Reason = reason;
    }

    public int? Delta { get; }
    public int? Set { get; }
    public string Reason { get; }

    public static StockMovement By(int delta, string? reason) =>
        delta == 0 ? throw StockWatchException.Invalid("delta", "delta must not be 0.") : new(delta, null, CheckReason(reason));

    public static StockMovement To(int set, string? reason) => new(null, Values.RequireCount(set, "set"), CheckReason(reason));

    private static string CheckReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? "adjustment" : Text.RequireName(reason, "reason", MaxReasonLength);
}

/// <summary>Moves a product's stock. Stock never goes below 0: a movement that would is refused.</summary>
public sealed class MoveStock(IInventoryStore store, TimeProvider time)
{
    public Task<ProductWrite> HandleAsync(ProductId id, StockMovement movement, long? expectedVersion = null) =>
        store.WriteProductAsync(id, new ChangeStamp(time.GetUtcNow(), $"stock: {movement.Reason}"), current =>
        {
            Versions.Check(current, id, expectedVersion);
            return current is null
                ? throw StockWatchException.NotFound($"Product {id} does not exist.")
                : current with { Stock = Apply(current, movement), StockCounted = true };
        });

    internal static int Apply(Product current, StockMovement movement)
    {
        if (movement.Set is { } set)
        {
            return set;
        }

        if (!current.StockCounted)
        {
            throw StockWatchException.Conflict($"The stock of product {current.Id} is not counted yet; set its level first (products set {current.Id} --stock N).", "delta");
        }

        var stock = (long)current.Stock + movement.Delta!.Value;
        return stock switch
        {
            < 0 => throw StockWatchException.Conflict($"Not enough stock: product {current.Id} has {current.Stock}, cannot remove {-movement.Delta}.", "delta"),
            > int.MaxValue => throw StockWatchException.Invalid("delta", $"Stock of product {current.Id} would exceed {int.MaxValue}."),
            _ => (int)stock,
        };
    }
}
