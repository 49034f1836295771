using System.Globalization;
using StockWatch.Core.Catalog;

namespace StockWatch.Core.Alerts;

/// <summary>What an alert says beyond its type; each type fills the fields that matter to it.</summary>
public sealed record AlertDetails
{
    public string? OldValue { get; init; }
    public string? NewValue { get; init; }
    public decimal? PercentChange { get; init; }
    public int? Stock { get; init; }
    public int? Threshold { get; init; }
    public decimal? DaysOfCover { get; init; }

    /// <summary>True for a LOW_STOCK reminder while the product stays low.</summary>
    public bool Reminder { get; init; }
}

/// <summary>An alert decided by the rules, before it is stored.</summary>
public sealed record NewAlert(ProductId ProductId, AlertType Type, DateTimeOffset Time, AlertDetails Details);

/// <summary>A stored alert, with the change that caused it.</summary>
public sealed record Alert(long Id, ProductId ProductId, AlertType Type, DateTimeOffset Time, AlertDetails Details)
{
    public long? ChangeSequence { get; init; }
    public string? Cause { get; init; }

    /// <summary>The product's category when the alert was raised (channels filter on it).</summary>
    public string? Category { get; init; }

    /// <summary>One line for people: logs, the CLI, messages.</summary>
    /// <param name="currency">The ISO 4217 code printed after each amount (<c>StockWatch:Currency</c>), if any.</param>
    public string Describe(string? currency = null)
    {
        var d = Details;
        var product = ProductId.Value;
        return Type switch
        {
            AlertType.LowStock when d.Reminder => $"Still low: {product} has {d.Stock} in stock (threshold {d.Threshold})",
            AlertType.LowStock => $"Low stock: {product} has {d.Stock} in stock (threshold {d.Threshold})",
            AlertType.OutOfStock => $"Out of stock: {product}",
            AlertType.BackInStock => $"Back in stock: {product} has {d.Stock} (threshold {d.Threshold})",
            AlertType.PriceChanged => $"Price of {product} changed from {Amount(d.OldValue, currency)} to {Amount(d.NewValue, currency)}" + Percent(d.PercentChange),
            AlertType.NameChanged => $"{product} renamed from \"{d.OldValue}\" to \"{d.NewValue}\"",
            AlertType.CategoryChanged => $"{product} moved from {d.OldValue} to {d.NewValue}",
            AlertType.ProductAdded => $"Product added: {product} \"{d.NewValue}\"",
            AlertType.ProductRemoved => $"Product removed: {product} \"{d.OldValue}\"",
            AlertType.InvalidItem => $"Item {product} does not fit the data dictionary and was skipped: {d.NewValue}",
            AlertType.StockoutPredicted => $"Stock-out predicted: {product} has {d.Stock}, about {d.DaysOfCover?.ToString(CultureInfo.InvariantCulture)} days of cover",
            _ => $"{Type.ToWire()}: {product}",
        };
    }

    /// <summary>A price as money is read (<c>2.50</c>, never <c>2.5</c>), with the currency's code when there is one.</summary>
    private static string Amount(string? amount, string? currency)
    {
        var text = decimal.TryParse(amount, NumberStyles.Number, CultureInfo.InvariantCulture, out var value)
            ? value.ToString("0.00##", CultureInfo.InvariantCulture)
            : amount ?? string.Empty;
        return currency is null ? text : $"{text} {currency}";
    }

    private static string Percent(decimal? percent) =>
        percent is { } p ? $" ({(p > 0 ? "+" : string.Empty)}{p.ToString("0.##", CultureInfo.InvariantCulture)} %)" : string.Empty;
}
