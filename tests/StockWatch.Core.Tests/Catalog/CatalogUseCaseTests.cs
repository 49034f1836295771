using StockWatch.Core.Catalog;
using static StockWatch.Testing.Builders;

namespace StockWatch.Core.Tests.Catalog;

public sealed class CatalogUseCaseTests
{
    private static readonly ProductId Id = ProductId.Parse("85123A");

    [Fact]
    public void SetProductApply_NewProductWithoutName_IsRefused() =>
        FluentActions.Invoking(() => SetProduct.Apply(null, new SetProductRequest(Id) { Stock = 3 }))
            .Should().Throw<StockWatchException>().WithMessage("product_name is required to create product 85123A.");

    [Fact]
    public void SetProductApply_NewProduct_GetsDefaults()
    {
        var product = SetProduct.Apply(null, new SetProductRequest(Id) { Name = "Heart" });

        product.Should().BeEquivalentTo(new { Category = "Uncategorized", Stock = 0, Price = Money.Zero, LowStockThreshold = (int?)null });
    }

    [Fact]
    public void SetProductApply_OmittedFields_KeepTheirValues()
    {
        var current = Product(stock: 7, price: 3m, threshold: 4, category: "Home");

        var updated = SetProduct.Apply(current, new SetProductRequest(Id) { Price = Money.From(4m, "p") });

        updated.Should().Be(current with { Price = Money.From(4m, "p") });
    }

    [Fact]
    public void SetProductApply_StaleExpectedVersion_FailsThePrecondition() =>
        FluentActions.Invoking(() => SetProduct.Apply(Product() with { Version = 3 }, new SetProductRequest(Id) { Name = "x", ExpectedVersion = 2 }))
            .Should().Throw<StockWatchException>().Where(e => e.Kind == ErrorKind.PreconditionFailed)
            .WithMessage("Product 85123A is at version 3, not 2*");

    [Theory]
    [InlineData(10, -3, 7)]
    [InlineData(10, -10, 0)]
    [InlineData(0, 5, 5)]
    public void MoveStockApply_Delta_MovesStock(int stock, int delta, int expected) =>
        MoveStock.Apply(Product(stock: stock), StockMovement.By(delta, "count")).Should().Be(expected);

    [Fact]
    public void MoveStockApply_DeltaBelowZero_IsAConflict() =>
        FluentActions.Invoking(() => MoveStock.Apply(Product(stock: 2), StockMovement.By(-3, null)))
            .Should().Throw<StockWatchException>().Where(e => e.Kind == ErrorKind.Conflict)
            .WithMessage("Not enough stock: product 85123A has 2, cannot remove 3.");

    [Fact]
    public void MoveStockApply_Set_ReplacesStock() => MoveStock.Apply(Product(stock: 2), StockMovement.To(42, "count")).Should().Be(42);

    [Fact]
    public void StockMovement_NegativeSet_IsInvalid() =>
        FluentActions.Invoking(() => StockMovement.To(-1, null)).Should().Throw<StockWatchException>().Where(e => e.Field == "set");

    [Fact]
    public void MoveStockApply_PastIntMax_IsInvalid() =>
        FluentActions.Invoking(() => MoveStock.Apply(Product(stock: int.MaxValue), StockMovement.By(1, null)))
            .Should().Throw<StockWatchException>().Where(e => e.Kind == ErrorKind.Invalid);
}
