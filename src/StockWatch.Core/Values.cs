using System.Globalization;

namespace StockWatch.Core;

/// <summary>Parsing of the numeric and time fields every input path shares, with one-sentence errors.</summary>
public static class Values
{
    /// <summary>A query flag: <c>true</c> or <c>false</c> (any case); missing or empty is false.</summary>
    /// <exception cref="StockWatchException">Invalid (<paramref name="field"/>) for anything else.</exception>
    public static bool ParseFlag(string? text, string field) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" => false,
        "true" => true,
        _ => throw StockWatchException.Invalid(field, $"{field} must be true or false (got {Text.Quote(text)})."),
    };

    /// <summary>A whole number from <paramref name="min"/> to <see cref="int.MaxValue"/>.</summary>
    public static int ParseCount(string? text, string field, int min = 0)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw StockWatchException.Invalid(field, $"{field} must not be empty.");
        }

        if (!long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > int.MaxValue)
        {
            throw StockWatchException.Invalid(field, $"{field} must be a whole number from {min} to {int.MaxValue} (got {Text.Quote(text)}).");
        }

        return (int)value;
    }

    /// <summary>A stored record's id: a whole number from 1 to <see cref="long.MaxValue"/> (the AWS shape's alert ids are 64-bit).</summary>
    public static long ParseId(string? text, string field)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw StockWatchException.Invalid(field, $"{field} must not be empty.");
        }

        if (!long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw StockWatchException.Invalid(field, $"{field} must be a whole number from 1 to {long.MaxValue} (got {Text.Quote(text)}).");
        }

        return value;
    }

    /// <summary>A non-zero whole number; negative means a return.</summary>
    public static int ParseQuantity(string? text, string field = "quantity")
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw StockWatchException.Invalid(field, $"{field} must not be empty.");
        }

        if (!int.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value == 0 || value == int.MinValue)
        {
            throw StockWatchException.Invalid(field, $"{field} must be a non-zero whole number between -{int.MaxValue} and {int.MaxValue} (got {Text.Quote(text)}).");
        }

        return value;
    }

    public static int RequireQuantity(int value, string field = "quantity") =>
        value is 0 or int.MinValue
            ? throw StockWatchException.Invalid(field, $"{field} must be a non-zero whole number (got {value}).")
            : value;

    public static int RequireCount(int value, string field) =>
        value < 0 ? throw StockWatchException.Invalid(field, $"{field} must not be negative (got {value}).") : value;
}

/// <summary>UTC instants: parsed from ISO-8601 (a bare date means 00:00 UTC), written with <c>Z</c>.</summary>
public static class Timestamp
{
    private static readonly string[] DateOnlyFormats = ["yyyy-MM-dd"];

    public static DateTimeOffset Parse(string? text, string field)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw StockWatchException.Invalid(field, $"{field} must not be empty.");
        }

        if (DateTime.TryParseExact(trimmed, DateOnlyFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
        {
            return new DateTimeOffset(date, TimeSpan.Zero);
        }

        // A time without a zone is UTC, as every StockWatch time is.
        if (trimmed.Length > 10 && trimmed[10] is 'T' or 't' or ' '
            && DateTime.TryParseExact(trimmed[..10], DateOnlyFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            && DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return instant.ToUniversalTime();
        }

        throw StockWatchException.Invalid(field, $"{field} must be an ISO-8601 date such as 2026-11-24 or a UTC time such as 2026-11-24T17:00:00Z (got {Text.Quote(text)}).");
    }

    /// <summary>The wire form: ISO-8601 with <c>Z</c>, fractional seconds only when present.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>The stored form: fixed width, so text order is time order.</summary>
    public static string FormatSortable(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseStored(string value) =>
        DateTimeOffset.ParseExact(value, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}

/// <summary>Times in JSON as ISO-8601 with <c>Z</c>, as the data dictionary says, never <c>+00:00</c>.</summary>
public sealed class UtcTimestampConverter : System.Text.Json.Serialization.JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        Timestamp.Parse(reader.GetString(), "time");

    public override void Write(System.Text.Json.Utf8JsonWriter writer, DateTimeOffset value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(Timestamp.Format(value));
}

/// <summary>Checks settings share, with messages that name the setting.</summary>
public static class Settings
{
    /// <summary>A message for each duration that is zero or negative: <c>Section:Setting must be a positive duration such as …</c>.</summary>
    public static IEnumerable<string> NonPositiveDurations(string section, string example, params (string Setting, TimeSpan Value)[] durations) =>
        durations.Where(d => d.Value <= TimeSpan.Zero)
            .Select(d => $"{section}:{d.Setting} must be a positive duration such as {example} (got {d.Value}).");
}
