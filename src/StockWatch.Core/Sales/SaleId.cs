namespace StockWatch.Core.Sales;

/// <summary>A sale's identity and idempotency key: 1–128 printable characters without surrounding spaces.</summary>
public readonly record struct SaleId
{
    public const int MaxLength = 128;

    private SaleId(string value) => Value = value;

    public string Value { get; }

    public static SaleId Parse(string? value) => new(Identifier.Require(value, "sale_id", MaxLength));

    /// <summary>A fresh id for a sale recorded without one.</summary>
    public static SaleId New() => new($"sale-{Guid.CreateVersion7():N}");

    public override string ToString() => Value ?? string.Empty;
}
