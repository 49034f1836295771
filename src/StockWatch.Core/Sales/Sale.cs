using StockWatch.Core.Catalog;

namespace StockWatch.Core.Sales;

/// <summary>A recorded sale line. A negative quantity is a return.</summary>
public sealed record Sale(SaleId Id, ProductId ProductId, DateTimeOffset SaleDate, int Quantity, Money CurrentPrice)
{
    /// <summary>The product's stock right after this sale moved it; <c>null</c> for history that moved no stock.</summary>
    public int? StockAfter { get; init; }

    public decimal Revenue => Quantity * CurrentPrice.Value;
}
