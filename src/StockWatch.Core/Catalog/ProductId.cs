namespace StockWatch.Core.Catalog;

/// <summary>
/// A product's identity: 1–64 printable characters without leading or trailing spaces, case-sensitive.
/// Real SKUs such as <c>85123A</c> or <c>BANK CHARGES</c> are valid.
/// </summary>
public readonly record struct ProductId : IComparable<ProductId>
{
    public const int MaxLength = 64;

    private ProductId(string value) => Value = value;

    public string Value { get; }

    public static ProductId Parse(string? value) => new(Identifier.Require(value, "product_id", MaxLength));

    public int CompareTo(ProductId other) => string.CompareOrdinal(Value, other.Value);

    public override string ToString() => Value ?? string.Empty;
}
