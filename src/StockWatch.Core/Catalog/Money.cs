using System.Globalization;

namespace StockWatch.Core.Catalog;

/// <summary>An amount of money: a decimal from 0 to <see cref="MaxValue"/> with at most four decimals.</summary>
public readonly record struct Money : IComparable<Money>
{
    public const int Scale = 4;
    public const decimal MaxValue = 1_000_000_000m;
    private const long Factor = 10_000;

    private Money(decimal value) => Value = value;

    public static Money Zero => default;

    public decimal Value { get; }

    /// <summary>The amount in ten-thousandths, as stored: exact and summable as an integer.</summary>
    public long TenThousandths => (long)(Value * Factor);

    public static Money From(decimal value, string field)
    {
        if (value < 0)
        {
            throw StockWatchException.Invalid(field, $"{field} must not be negative (got {value.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (value > MaxValue)
        {
            throw StockWatchException.Invalid(field, $"{field} must be at most {MaxValue.ToString(CultureInfo.InvariantCulture)} (got {value.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (decimal.Round(value, Scale) != value)
        {
            throw StockWatchException.Invalid(field, $"{field} must have at most {Scale} decimals (got {value.ToString(CultureInfo.InvariantCulture)}).");
        }

        return new Money(value);
    }

    /// <summary>Parses <c>12</c>, <c>12.5</c> or <c>0.0001</c>: invariant culture, no thousands separators, no exponent.</summary>
    public static Money Parse(string? text, string field)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw StockWatchException.Invalid(field, $"{field} must not be empty.");
        }

        if (!decimal.TryParse(trimmed, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            throw StockWatchException.Invalid(field, $"{field} must be a number such as 12.50 (got {Text.Quote(text)}).");
        }

        return From(value, field);
    }

    /// <summary>
    /// The amount of a stored count of ten-thousandths: the decimal that <c>value / 10000m</c> gives (the smallest scale
    /// that holds it exactly), made from the integer directly; a decimal division costs more than reading the row.
    /// </summary>
    public static Money FromTenThousandths(long value)
    {
        var magnitude = value < 0 ? (ulong)-value : (ulong)value;
        byte scale = Scale;
        while (scale > 0 && magnitude % 10 == 0)
        {
            magnitude /= 10;
            scale--;
        }

        return new Money(new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, value < 0, scale));
    }

    public int CompareTo(Money other) => Value.CompareTo(other.Value);

    public override string ToString() => Value.ToString("0.####", CultureInfo.InvariantCulture);
}
