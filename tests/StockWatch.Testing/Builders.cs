using StockWatch.Core.Catalog;
using StockWatch.Core.Stream;

namespace StockWatch.Testing;

/// <summary>Small builders for test data; each test states only what matters to it.</summary>
public static class Builders
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 19, 17, 0, 0, TimeSpan.Zero);

    public static Product Product(string id = "85123A", int stock = 50, decimal price = 2.55m, int? threshold = 10, string name = "WHITE HANGING HEART T-LIGHT HOLDER", string category = "Home") => new()
    {
        Id = ProductId.Parse(id),
        Name = name,
        Category = category,
        Stock = stock,
        Price = Money.From(price, "product_price"),
        LowStockThreshold = threshold,
        Version = 1,
        UpdatedAt = T0,
    };

    public static ChangeRecord Created(Product product, DateTimeOffset? at = null, string cause = "cli") =>
        new(1, product.Id, ChangeKind.Insert, null, product, at ?? T0, cause);

    public static ChangeRecord Modified(Product before, Product after, DateTimeOffset? at = null, string cause = "cli") =>
        new(2, after.Id, ChangeKind.Modify, before, after, at ?? T0, cause);

    public static ChangeRecord Removed(Product product, DateTimeOffset? at = null) =>
        new(3, product.Id, ChangeKind.Remove, product, null, at ?? T0, "cli");
}
