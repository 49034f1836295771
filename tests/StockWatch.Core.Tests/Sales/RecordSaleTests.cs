using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;
using static StockWatch.Testing.Builders;

namespace StockWatch.Core.Tests.Sales;

public sealed class RecordSaleTests
{
    private static readonly SaleRequest Request = new(SaleId.Parse("S1"), ProductId.Parse("85123A"), 3);

    [Fact]
    public void Decide_EnoughStock_TakesItOutAtTheProductsPrice()
    {
        var decision = RecordSale.Decide(null, Product(stock: 5, price: 2.55m), Request, T0);

        decision.Replayed.Should().BeFalse();
        decision.ProductAfter!.Stock.Should().Be(2);
        decision.Sale.Should().Be(new Sale(Request.Id, Request.ProductId, T0, 3, Money.From(2.55m, "p")) { StockAfter = 2 });
    }

    [Fact]
    public void Decide_ShortStock_IsAConflictNamingBoth()
    {
        var act = () => RecordSale.Decide(null, Product(stock: 2), Request, T0);

        act.Should().Throw<StockWatchException>().Where(e => e.Kind == ErrorKind.Conflict)
            .WithMessage("Not enough stock: product 85123A has 2, the sale needs 3.");
    }

    [Fact]
    public void Decide_Return_PutsStockBack()
    {
        var decision = RecordSale.Decide(null, Product(stock: 0), Request with { Quantity = -4 }, T0);

        decision.ProductAfter!.Stock.Should().Be(4);
        decision.Sale.Revenue.Should().Be(-4 * 2.55m);
    }

    [Fact]
    public void Decide_SameSaleAgain_ReplaysTheOriginal()
    {
        var original = new Sale(Request.Id, Request.ProductId, T0.AddDays(-1), 3, Money.From(2m, "p")) { StockAfter = 9 };

        var decision = RecordSale.Decide(original, Product(stock: 1), Request, T0);

        decision.Should().Be(new SaleDecision(original, null, Replayed: true));
    }

    [Fact]
    public void Decide_DifferentSaleUnderAUsedId_IsAConflict()
    {
        var original = new Sale(Request.Id, Request.ProductId, T0, 1, Money.From(2m, "p"));

        FluentActions.Invoking(() => RecordSale.Decide(original, Product(), Request, T0))
            .Should().Throw<StockWatchException>().Where(e => e.Kind == ErrorKind.Conflict && e.Field == "sale_id");
    }

    [Fact]
    public void Decide_UnknownProduct_IsNotFound() =>
        FluentActions.Invoking(() => RecordSale.Decide(null, null, Request, T0))
            .Should().Throw<StockWatchException>().Where(e => e.Kind == ErrorKind.NotFound)
            .WithMessage("Product 85123A does not exist.");
}
