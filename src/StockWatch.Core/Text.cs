using System.Globalization;
using System.Text;

namespace StockWatch.Core;

/// <summary>Validation of free text fields shared by every input path (CLI, API, CSV).</summary>
public static class Text
{
    /// <summary>Quotes a raw value for an error message, shortened so a 10 MB field does not become a 10 MB message.</summary>
    public static string Quote(string? value)
    {
        if (value is null)
        {
            return "nothing";
        }

        const int Max = 40;
        var shown = value.Length <= Max ? value : string.Concat(value.AsSpan(0, Max), "…");
        var builder = new StringBuilder(shown.Length + 2).Append('"');
        foreach (var c in shown)
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return builder.Append('"').ToString();
    }

    /// <summary>Trims and checks a name-like field: 1 to <paramref name="maxLength"/> characters, no control characters.</summary>
    public static string RequireName(string? value, string field, int maxLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw StockWatchException.Invalid(field, $"{field} must not be empty.");
        }

        var length = CountCharacters(trimmed, field);
        if (length > maxLength)
        {
            throw StockWatchException.Invalid(field, $"{field} must be at most {maxLength} characters (got {length}).");
        }

        return trimmed;
    }

    /// <summary>Counts Unicode scalar values, refusing control characters and broken surrogate pairs.</summary>
    internal static int CountCharacters(string value, string field)
    {
        // Printable ASCII, most names and ids, has one character per char and nothing to refuse.
        if (!value.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            return value.Length;
        }

        var count = 0;
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                throw StockWatchException.Invalid(field, $"{field} contains an invalid character at position {value.Length - rest.Length + 1}.");
            }

            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format && rune.Value != 0x200D)
            {
                throw StockWatchException.Invalid(field, $"{field} must not contain control characters (found U+{rune.Value:X4} at position {value.Length - rest.Length + 1}).");
            }

            rest = rest[consumed..];
            count++;
        }

        return count;
    }
}
