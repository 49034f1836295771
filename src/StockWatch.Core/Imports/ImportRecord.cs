namespace StockWatch.Core.Imports;

public enum ImportStatus
{
    Queued,
    Running,
    Done,
    Failed,
}

/// <summary>An import as the ledger knows it.</summary>
public sealed record ImportRecord(string ImportId, ImportStatus Status, string Source, DateTimeOffset CreatedAt)
{
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The summary once done.</summary>
    public ImportSummary? Summary { get; init; }

    /// <summary>Why it failed (a file that cannot be read as CSV of products or sales).</summary>
    public string? Error { get; init; }
}

/// <summary>The import ledger port.</summary>
public interface IImportLedger
{
    /// <summary>Adds the import unless its id is known already.</summary>
    Task AddAsync(ImportRecord record);

    ImportRecord? Find(string importId);

    /// <summary>The latest <paramref name="limit"/> imports, newest first; with <paramref name="before"/>, those created before that time.</summary>
    IReadOnlyList<ImportRecord> List(int limit, DateTimeOffset? before = null);

    /// <summary>Moves an import that is not done yet to <paramref name="status"/>; a dry run's summary is recorded here.</summary>
    Task MarkAsync(string importId, ImportStatus status, DateTimeOffset? finishedAt = null, string? error = null, ImportSummary? summary = null);
}

/// <summary>Writes CSV cells that are safe to open in a spreadsheet.</summary>
public static class CsvCells
{
    /// <summary>
    /// Quotes a cell when needed and neutralises formula injection: a text cell starting with <c>= + - @</c>, a tab or a
    /// carriage return is prefixed with <c>'</c>, so a spreadsheet shows it as text instead of running it. A number
    /// (<c>-0.1</c>) runs nothing and stays a number.
    /// </summary>
    public static string Escape(string? value)
    {
        var text = value ?? string.Empty;
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !IsNumber(text))
        {
            text = "'" + text;
        }

        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
    }

    public static string Row(params string?[] cells) => string.Join(',', cells.Select(Escape));

    private static bool IsNumber(string text) =>
        text.Length > 1 && decimal.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign | System.Globalization.NumberStyles.AllowDecimalPoint,
            System.Globalization.CultureInfo.InvariantCulture, out _);
}

/// <summary>The <c>StockWatch:Imports</c> settings.</summary>
public sealed class ImportOptions
{
    public const string Section = "StockWatch:Imports";

    /// <summary>Largest upload to <c>POST /api/imports</c>.</summary>
    public long MaxUploadBytes { get; set; } = 1L << 30;

    /// <summary>
    /// How long an import's job stays hidden from other workers after its worker's last heartbeat (one every third of
    /// it, while the import runs); a job whose process died is received again within this.
    /// </summary>
    public TimeSpan JobVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The folder <c>serve</c> watches for CSV files to import, relative to the data folder unless absolute; empty turns
    /// the inbox off.
    /// </summary>
    public string InboxFolder { get; set; } = "inbox";

    /// <summary>How often the inbox is looked at. A file is taken once it is unchanged between two looks.</summary>
    public TimeSpan InboxScanInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How far in the future a sale may be dated, on every path (a till whose clock runs ahead).</summary>
    public TimeSpan FutureTolerance { get; set; } = Sales.RecordSale.DefaultFutureTolerance;

    /// <summary>The decimal separator of files dropped in the inbox (<c>.</c> or <c>,</c>); detected when empty.</summary>
    public string? InboxDecimalSeparator { get; set; }

    /// <summary>The sale date formats of files dropped in the inbox, tried in order; ISO-8601 when empty.</summary>
    public string[] InboxDateFormats { get; set; } = [];

    /// <summary>How files dropped in the inbox are read.</summary>
    public ImportSettings InboxSettings() => new()
    {
        DecimalSeparator = string.IsNullOrEmpty(InboxDecimalSeparator) ? null : ImportOptionText.DecimalSeparator(InboxDecimalSeparator),
        DateFormats = InboxDateFormats,
    };
}

public sealed class ImportOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<ImportOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ImportOptions options)
    {
        List<string> failures = [];
        if (options.MaxUploadBytes is < 1024 or > 1L << 40)
        {
            failures.Add($"{ImportOptions.Section}:MaxUploadBytes must be from 1024 to {1L << 40} (got {options.MaxUploadBytes}).");
        }

        if (options.JobVisibilityTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{ImportOptions.Section}:JobVisibilityTimeout must be at least 00:00:01 (got {options.JobVisibilityTimeout}).");
        }

        if (options.InboxScanInterval < TimeSpan.FromMilliseconds(10) || options.InboxScanInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{ImportOptions.Section}:InboxScanInterval must be from 00:00:00.01 to 01:00:00 (got {options.InboxScanInterval}).");
        }

        if (options.FutureTolerance < TimeSpan.Zero || options.FutureTolerance > TimeSpan.FromDays(3650))
        {
            failures.Add($"{ImportOptions.Section}:FutureTolerance must be from 00:00:00 to 3650.00:00:00 (got {options.FutureTolerance}).");
        }

        if (options.InboxDecimalSeparator is { Length: > 0 } separator && separator is not ("." or ","))
        {
            failures.Add($"{ImportOptions.Section}:InboxDecimalSeparator must be '.' or ',' (got {Text.Quote(separator)}).");
        }

        if (options.InboxFolder.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"{ImportOptions.Section}:InboxFolder is not a usable folder path (got {Text.Quote(options.InboxFolder)}).");
        }

        return failures.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(failures);
    }
}
