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
/// original sale and changes nothing; a different sale under a used id is a conflict. The same decision is made for
/// each row of a sales import (<see cref="Imports.ImportFile"/>), so both paths refuse and move alike.
/// </summary>
public sealed class RecordSale(IInventoryStore store, TimeProvider time, Microsoft.Extensions.Options.IOptions<Imports.ImportOptions> options)
{
    /// <summary>The earliest sale date: the start of the first week a report covers (<see cref="Reports.WeeklyReports.FirstPeriodEnd"/> less 7 days).</summary>
    public static readonly DateTimeOffset EarliestDate = Reports.WeeklyReports.FirstPeriodEnd - TimeSpan.FromDays(7);

    /// <summary>How far in the future a sale may be dated by default (a till whose clock runs ahead).</summary>
    public static readonly TimeSpan DefaultFutureTolerance = TimeSpan.FromDays(1);

    public Task<SaleDecision> HandleAsync(SaleRequest request)
    {
        var now = time.GetUtcNow();
        var tolerance = options.Value.FutureTolerance;
        return store.RecordSaleAsync(request.Id, request.ProductId, new ChangeStamp(now, $"sale: {request.Id}"),
            (existing, product) => Decide(existing, product, request, now, tolerance));
    }

    internal static SaleDecision Decide(Sale? existing, Product? product, SaleRequest request, DateTimeOffset now) =>
        Decide(existing, product, request, now, DefaultFutureTolerance);

    /// <summary>
    /// The sale to store and the product after it. Refuses (<see cref="StockWatchException"/>): a used id for another
    /// sale (conflict), a missing product (not found), a date more than <paramref name="futureTolerance"/> after
    /// <paramref name="now"/> or before <see cref="EarliestDate"/> (invalid), more units than in stock (conflict), a return taking stock above
    /// <see cref="int.MaxValue"/> (invalid). With <paramref name="movesStock"/> false (a history import), or for a
    /// product whose stock is not counted yet, the sale is only recorded: no stock check, no product write.
    /// </summary>
    public static SaleDecision Decide(Sale? existing, Product? product, SaleRequest request, DateTimeOffset now, TimeSpan futureTolerance, bool movesStock = true)
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

        if (request.Date is { } early && early < EarliestDate)
        {
            throw StockWatchException.Invalid("sale_date",
                $"sale_date {Timestamp.Format(early)} is before {Timestamp.Format(EarliestDate)}: no report could ever show it; fix the date.");
        }

        if (request.Date is { } date && date > now + futureTolerance)
        {
            throw StockWatchException.Invalid("sale_date",
                $"sale_date {Timestamp.Format(date)} is more than {Describe(futureTolerance)} in the future (now {Timestamp.Format(now)}); " +
                "fix the date, or raise StockWatch:Imports:FutureTolerance for a till whose clock runs ahead.");
        }

        if (!movesStock || !product.StockCounted)
        {
            // The product as it is: no stock moves, nothing of it changes (null would remove it).
            return new SaleDecision(new Sale(request.Id, product.Id, request.Date ?? now, request.Quantity, request.Price ?? product.Price), product, Replayed: false);
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

    private static string Describe(TimeSpan span) =>
        span.Ticks % TimeSpan.TicksPerDay == 0 ? $"{span.Days} day{(span.Days == 1 ? "" : "s")}" : span.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
}
