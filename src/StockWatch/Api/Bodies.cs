using System.Text.Json;
using StockWatch.Core;

namespace StockWatch.Api;

/// <summary>A product's fields in a PUT or PATCH body; what is left out depends on the method.</summary>
public sealed record ProductBody
{
    public string? ProductName { get; init; }
    public string? ProductCategory { get; init; }
    public int? StockCount { get; init; }
    public decimal? ProductPrice { get; init; }

    /// <summary>A whole number ≥ 0; in a PATCH, <c>null</c> drops the product's own threshold for the default.</summary>
    public JsonElement LowStockThreshold { get; init; }

    /// <summary>The threshold given (<c>Set</c>), or that it was cleared with null.</summary>
    internal (int? Set, bool Clear) Threshold() => LowStockThreshold.ValueKind switch
    {
        JsonValueKind.Undefined => (null, false),
        JsonValueKind.Null => (null, true),
        JsonValueKind.Number when LowStockThreshold.TryGetInt32(out var value) => (Values.RequireCount(value, "low_stock_threshold"), false),
        _ => throw StockWatchException.Invalid("low_stock_threshold", "low_stock_threshold must be a whole number from 0 to 2147483647, or null."),
    };
}

/// <summary>A stock movement: exactly one of <see cref="Delta"/> or <see cref="Set"/>.</summary>
public sealed record StockBody(int? Delta, int? Set, string? Reason);

/// <summary>A sale; <see cref="SaleId"/> is its idempotency key.</summary>
public sealed record SaleBody(string? SaleId, string? ProductId, int? Quantity, decimal? CurrentPrice, string? SaleDate);

/// <summary>A page of products; pass <see cref="NextCursor"/> as <c>cursor</c> for the next one.</summary>
public sealed record ProductPage(IReadOnlyList<Contracts.ProductResponse> Items, string? NextCursor);

internal static class Required
{
    public static T Value<T>(T? value, string field) where T : struct =>
        value ?? throw StockWatchException.Invalid(field, $"{field} is required.");

    public static string Value(string? value, string field) =>
        value ?? throw StockWatchException.Invalid(field, $"{field} is required.");
}
