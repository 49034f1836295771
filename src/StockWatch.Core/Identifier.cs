namespace StockWatch.Core;

/// <summary>The rule shared by product and sale ids: printable, no surrounding spaces, bounded length.</summary>
internal static class Identifier
{
    public static string Require(string? value, string field, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw StockWatchException.Invalid(field, $"{field} must not be empty.");
        }

        if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            throw StockWatchException.Invalid(field, $"{field} must not start or end with a space (got {Text.Quote(value)}).");
        }

        var length = Text.CountCharacters(value, field);
        return length > maxLength
            ? throw StockWatchException.Invalid(field, $"{field} must be at most {maxLength} characters (got {length}).")
            : value;
    }
}
