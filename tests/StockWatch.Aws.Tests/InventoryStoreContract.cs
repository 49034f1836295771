using Microsoft.Extensions.Time.Testing;
using StockWatch.Core;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary>
/// The inventory store port's contract: the same inputs give the same results on SQLite (the embedded default) and on
/// DynamoDB (the AWS shape), through the same use cases.
/// </summary>
public abstract class InventoryStoreContract
{
    private static readonly ProductId Id = ProductId.Parse("85123A");

    public sealed record Subject(IInventoryStore Store, TimeProvider Time, IAsyncDisposable Owner)
    {
        public SetProduct SetProduct => new(Store, Time);
        public MoveStock MoveStock => new(Store, Time);
        public DeleteProduct DeleteProduct => new(Store, Time);
        public RecordSale RecordSale => new(Store, Time, Microsoft.Extensions.Options.Options.Create(new StockWatch.Core.Imports.ImportOptions()));

        public Task<ProductWrite> CreateAsync(string id = "85123A", int stock = 20, string category = "Home") =>
            SetProduct.HandleAsync(new SetProductRequest(ProductId.Parse(id))
            {
                Name = $"Product {id}",
                Stock = stock,
                Price = Money.From(2.55m, "product_price"),
                LowStockThreshold = 10,
                Category = category,
            }, "test");
    }

    protected abstract Task<Subject> CreateSubjectAsync();

    [Fact]
    public async Task SetProduct_New_StoredAtVersion1WithTheWriteTime()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;

        var write = await subject.CreateAsync();

        write.Changed.Should().BeTrue();
        write.Before.Should().BeNull();
        write.After!.Version.Should().Be(1);
        write.After.UpdatedAt.Should().Be(Builders.T0);
        subject.Store.FindProduct(Id).Should().BeEquivalentTo(write.After);
    }

    [Fact]
    public async Task SetProduct_SameContent_WritesNothing()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync();

        var write = await subject.SetProduct.HandleAsync(new SetProductRequest(Id) { Stock = 20, Name = "Product 85123A" }, "test");

        write.Changed.Should().BeFalse();
        subject.Store.FindProduct(Id)!.Version.Should().Be(1);
    }

    [Fact]
    public async Task SetProduct_ChangedFields_NextVersionKeepsTheRest()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync();

        var write = await subject.SetProduct.HandleAsync(new SetProductRequest(Id) { Price = Money.From(3.1m, "p"), ClearThreshold = true }, "test");

        write.After!.Version.Should().Be(2);
        var stored = subject.Store.FindProduct(Id)!;
        stored.Price.Value.Should().Be(3.1m);
        stored.LowStockThreshold.Should().BeNull();
        stored.Name.Should().Be("Product 85123A");
        stored.Category.Should().Be("Home");
    }

    [Fact]
    public async Task SetProduct_StaleVersion_PreconditionFailed()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync();

        var stale = () => subject.SetProduct.HandleAsync(new SetProductRequest(Id) { Stock = 3, ExpectedVersion = 7 }, "test");

        (await stale.Should().ThrowAsync<StockWatchException>()).Which.Kind.Should().Be(ErrorKind.PreconditionFailed);
    }

    [Fact]
    public async Task MoveStock_BelowZero_ConflictAndNothingWritten()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync(stock: 2);

        var move = () => subject.MoveStock.HandleAsync(Id, StockMovement.By(-3, "count"));

        (await move.Should().ThrowAsync<StockWatchException>()).Which.Kind.Should().Be(ErrorKind.Conflict);
        subject.Store.FindProduct(Id)!.Stock.Should().Be(2);
    }

    [Fact]
    public async Task DeleteProduct_Existing_Removed_Missing_NotFound()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync();

        var write = await subject.DeleteProduct.HandleAsync(Id, null, "test");
        var again = () => subject.DeleteProduct.HandleAsync(Id, null, "test");

        write.After.Should().BeNull();
        subject.Store.FindProduct(Id).Should().BeNull();
        (await again.Should().ThrowAsync<StockWatchException>()).Which.Kind.Should().Be(ErrorKind.NotFound);
    }

    [Fact]
    public async Task RecordSale_New_StoresTheSaleAndMovesStock()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync(stock: 20);

        var decision = await subject.RecordSale.HandleAsync(new SaleRequest(SaleId.Parse("536365-1"), Id, 3));

        decision.Replayed.Should().BeFalse();
        decision.Sale.Should().BeEquivalentTo(new Sale(SaleId.Parse("536365-1"), Id, Builders.T0, 3, Money.From(2.55m, "p")) { StockAfter = 17 });
        decision.ProductAfter!.Stock.Should().Be(17);
        decision.ProductAfter.Version.Should().Be(2);
        subject.Store.FindProduct(Id)!.Stock.Should().Be(17);
    }

    [Fact]
    public async Task RecordSale_SameIdAgain_ReturnsTheOriginalAndChangesNothing()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync(stock: 20);
        var first = await subject.RecordSale.HandleAsync(new SaleRequest(SaleId.Parse("536365-1"), Id, 3));

        var again = await subject.RecordSale.HandleAsync(new SaleRequest(SaleId.Parse("536365-1"), Id, 3));

        again.Replayed.Should().BeTrue();
        again.Sale.Should().BeEquivalentTo(first.Sale);
        subject.Store.FindProduct(Id)!.Stock.Should().Be(17);
    }

    [Fact]
    public async Task RecordSale_SameIdForAnotherSale_Conflict()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync(stock: 20);
        await subject.RecordSale.HandleAsync(new SaleRequest(SaleId.Parse("536365-1"), Id, 3));

        var other = () => subject.RecordSale.HandleAsync(new SaleRequest(SaleId.Parse("536365-1"), Id, 4));

        (await other.Should().ThrowAsync<StockWatchException>()).Which.Kind.Should().Be(ErrorKind.Conflict);
    }

    [Fact]
    public async Task RecordSale_NotEnoughStock_ConflictAndNoSale()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync(stock: 2);

        var sale = () => subject.RecordSale.HandleAsync(new SaleRequest(SaleId.Parse("s-1"), Id, 3));

        (await sale.Should().ThrowAsync<StockWatchException>()).Which.Kind.Should().Be(ErrorKind.Conflict);
        var retried = await subject.MoveStock.HandleAsync(Id, StockMovement.By(5, "delivery"));
        (await subject.RecordSale.HandleAsync(new SaleRequest(SaleId.Parse("s-1"), Id, 3))).Replayed.Should().BeFalse();
        retried.After!.Stock.Should().Be(7);
    }

    [Fact]
    public async Task ConcurrentMoves_EveryOneApplied()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync(stock: 0);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => subject.MoveStock.HandleAsync(Id, StockMovement.By(1, "delivery")))));

        var stored = subject.Store.FindProduct(Id)!;
        stored.Stock.Should().Be(10);
        stored.Version.Should().Be(11);
    }

    [Fact]
    public async Task ListProducts_FiltersSortsAndPages()
    {
        var subject = await CreateSubjectAsync();
        await using var _ = subject.Owner;
        await subject.CreateAsync("A1", stock: 5, category: "Home");
        await subject.CreateAsync("B2", stock: 50, category: "Garden");
        await subject.CreateAsync("C3", stock: 8, category: "Home");

        subject.Store.ListProducts(new ProductQuery(LowStockOnly: true)).Select(p => p.Id.Value).Should().Equal("A1", "C3");
        subject.Store.ListProducts(new ProductQuery(Category: "Garden")).Select(p => p.Id.Value).Should().Equal("B2");
        subject.Store.ListProducts(new ProductQuery { Search = "c3" }).Select(p => p.Id.Value).Should().Equal("C3");
        subject.Store.ListProducts(new ProductQuery(Limit: 2) { Sort = ProductSort.Stock, Descending = true }).Select(p => p.Id.Value).Should().Equal("B2", "C3");
        subject.Store.ListProducts(new ProductQuery(Limit: 2, After: ProductId.Parse("A1"))).Select(p => p.Id.Value).Should().Equal("B2", "C3");
    }
}

public sealed class SqliteInventoryStoreContract : InventoryStoreContract
{
    protected override Task<Subject> CreateSubjectAsync()
    {
        var store = new TestStore();
        return Task.FromResult(new Subject(store.Store, store.Time, new Owned(store)));
    }

    private sealed class Owned(IDisposable owned) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            owned.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class DynamoInventoryStoreContract : InventoryStoreContract
{
    protected override async Task<Subject> CreateSubjectAsync()
    {
        var stack = await AwsStack.CreateAsync();
        return new Subject(stack.Store, stack.Time, stack);
    }
}
