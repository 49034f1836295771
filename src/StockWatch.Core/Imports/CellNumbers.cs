using System.Buffers;
using System.Globalization;
using System.Text;
using StockWatch.Core.Catalog;

namespace StockWatch.Core.Imports;

/// <summary>
/// Reads the numbers of a spreadsheet export as its owner wrote them: with a decimal point (<c>1,234.56</c>) or a
/// decimal comma (<c>1.234,56</c>, <c>1 234,56</c>), thousands grouped in threes, a price with a currency sign or ISO
/// code before or after it (<c>£3.50</c>, <c>$4.50 </c>, <c>0,99 €</c>, <c>EUR 4.50</c>). A cell that fits neither
/// is refused with a reason naming the decimal separator option, never read at another magnitude.
/// </summary>
public sealed class CellNumbers
{
    public static readonly CellNumbers Point = new('.');
    public static readonly CellNumbers Comma = new(',');

    // What makes a cell more than plain invariant digits: anything but digits, a sign and the decimal point.
    private static readonly SearchValues<char> Plain = SearchValues.Create("0123456789-+.");

    private readonly char _decimal;
    private readonly string _groups;

    private CellNumbers(char decimalSeparator)
    {
        _decimal = decimalSeparator;
        _groups = decimalSeparator == '.' ? "," : ". \u00A0\u202F'";
    }

    public char DecimalSeparator => _decimal;

    public static CellNumbers For(char separator) => separator switch
    {
        '.' => Point,
        ',' => Comma,
        _ => throw StockWatchException.Invalid("decimal_separator", $"decimal_separator must be '.' or ',' (got {Text.Quote(separator.ToString())})."),
    };

    /// <summary>A price: the number with an optional currency sign or code, at most 4 decimals (<see cref="Money"/>).</summary>
    public Money Price(string text, string field) => Money.Parse(Normalize(StripCurrency(text), field, decimals: true), field);

    /// <summary>A count from 0 (stock, threshold): thousands may be grouped.</summary>
    public int Count(string text, string field) => Values.ParseCount(Normalize(text, field, decimals: false), field);

    /// <summary>A non-zero quantity, negative for a return.</summary>
    public int Quantity(string text, string field) => Values.ParseQuantity(Normalize(text, field, decimals: false), field);

    /// <summary>True when the cell reads as a number with this separator (a price may carry a currency).</summary>
    public bool Fits(string text) => Read(StripCurrency(text), decimals: true) is not null;

    /// <summary>
    /// The invariant form of a cell (sign, digits, <c>.</c> before the decimals). A cell that would read with the other
    /// separator is refused naming the option; any other that does not read is left to the field's own message.
    /// </summary>
    private string Normalize(string text, string field, bool decimals)
    {
        if (Read(text, decimals) is { } read)
        {
            return read;
        }

        var other = _decimal == '.' ? Comma : Point;
        if (other.Read(text, decimals) is null)
        {
            return text;
        }

        throw StockWatchException.Invalid(field,
            $"{field} {Text.Quote(text)} is not a number written with a decimal {Name(_decimal)}; if the file writes numbers with a decimal "
            + $"{Name(other._decimal)}, set the decimal separator to '{other._decimal}' (--decimal-separator {other._decimal}).");
    }

    private static string Name(char separator) => separator == '.' ? "point" : "comma";

    /// <summary>The invariant form, or null when the cell is not a number written with this separator.</summary>
    private string? Read(string text, bool decimals)
    {
        var trimmed = text.AsSpan().Trim();
        if (_decimal == '.' && !trimmed.ContainsAnyExcept(Plain) && (decimals || !trimmed.Contains('.')))
        {
            return text;
        }

        var builder = new StringBuilder(trimmed.Length);
        var rest = trimmed;
        if (rest.Length > 0 && rest[0] is '-' or '+')
        {
            builder.Append(rest[0]);
            rest = rest[1..];
        }

        var decimalAt = rest.LastIndexOf(_decimal);
        var whole = decimalAt < 0 ? rest : rest[..decimalAt];
        var fraction = decimalAt < 0 ? [] : rest[(decimalAt + 1)..];
        if (whole.Length == 0 || !AppendWhole(whole, builder) || (decimalAt >= 0 && !(decimals && AllDigits(fraction))))
        {
            return null;
        }

        return decimalAt >= 0 ? builder.Append('.').Append(fraction).ToString() : builder.ToString();
    }

    /// <summary>Digits, either plain or grouped in threes by one of the group separators (the same one throughout).</summary>
    private bool AppendWhole(ReadOnlySpan<char> whole, StringBuilder builder)
    {
        var groupAt = whole.IndexOfAny(_groups);
        if (groupAt < 0)
        {
            builder.Append(whole);
            return AllDigits(whole);
        }

        var separator = whole[groupAt];
        if (groupAt is 0 or > 3)
        {
            return false;
        }

        var parts = whole.ToString().Split(separator);
        for (var i = 0; i < parts.Length; i++)
        {
            if (!AllDigits(parts[i]) || (i > 0 && parts[i].Length != 3))
            {
                return false;
            }

            builder.Append(parts[i]);
        }

        return true;
    }

    private static bool AllDigits(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExceptInRange('0', '9');

    /// <summary>The cell without a currency sign or a three-letter code before or after the number.</summary>
    private static string StripCurrency(string text)
    {
        var cell = text.AsSpan().Trim();
        if (cell.Length > 0 && CharUnicodeInfo.GetUnicodeCategory(cell[0]) == UnicodeCategory.CurrencySymbol)
        {
            cell = cell[1..].TrimStart();
        }
        else if (cell.Length > 3 && IsCode(cell[..3]) && !char.IsLetter(cell[3]))
        {
            cell = cell[3..].TrimStart();
        }

        if (cell.Length > 0 && CharUnicodeInfo.GetUnicodeCategory(cell[^1]) == UnicodeCategory.CurrencySymbol)
        {
            cell = cell[..^1].TrimEnd();
        }
        else if (cell.Length > 3 && IsCode(cell[^3..]) && !char.IsLetter(cell[^4]))
        {
            cell = cell[..^3].TrimEnd();
        }

        return cell.Length == text.Length ? text : cell.ToString();
    }

    private static bool IsCode(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('A', 'Z');
}
