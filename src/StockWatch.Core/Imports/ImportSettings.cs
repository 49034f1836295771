using System.Text.Json;
using System.Text.Json.Serialization;

namespace StockWatch.Core.Imports;

public enum ImportKind
{
    Products,
    Sales,
}

/// <summary>Whether a sales import moves stock (<c>apply</c>) or only records history (<c>ignore</c>).</summary>
public enum StockMode
{
    Apply,
    Ignore,
}

/// <summary>How to read and apply one file; what the <c>import</c> command's options say.</summary>
public sealed record ImportSettings
{
    /// <summary>Detected from the header when <c>null</c>.</summary>
    public ImportKind? Kind { get; init; }

    /// <summary>Header name (case-insensitive) → StockWatch field, for files with other names (<c>StockCode=product_id</c>).</summary>
    public IReadOnlyDictionary<string, string> Map { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// .NET date formats for <c>sale_date</c> (UTC), each tried in order (real exports mix <c>12/06/2010 10:08</c> and
    /// <c>2/20/11 11:39</c> in one column); ISO-8601 when empty.
    /// </summary>
    public IReadOnlyList<string> DateFormats { get; init; } = [];

    /// <summary>
    /// The decimal separator of the file's numbers: <c>.</c> (with <c>,</c> grouping thousands) or <c>,</c> (with
    /// <c>.</c> or a space grouping thousands). When <c>null</c>, a <c>;</c>-separated file whose numbers are all
    /// written with a decimal comma is read with <c>,</c>, any other with <c>.</c>.
    /// </summary>
    public char? DecimalSeparator { get; init; }

    /// <summary>Detected from the header when <c>null</c>.</summary>
    public char? Delimiter { get; init; }

    public StockMode Stock { get; init; } = StockMode.Apply;

    public bool CreateProducts { get; init; }

    /// <summary>Validate and report everything, write nothing.</summary>
    public bool DryRun { get; init; }
}

/// <summary>A rejected row or a warning: where it is and why.</summary>
public sealed record RowProblem(int Line, string? Column, string? Value, string Message)
{
    public static readonly string[] CsvHeader = ["line", "column", "value", "message"];

    public string ToCsv() => CsvCells.Row(Line.ToString(System.Globalization.CultureInfo.InvariantCulture), Column, Value, Message);
}

/// <summary>What an import did. Its JSON (snake_case) is the shape the CLI, the API and the ledger share.</summary>
public sealed class ImportSummary
{
    public const int MaxListed = 1000;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public required ImportKind Kind { get; init; }
    public bool DryRun { get; init; }

    /// <summary>What people must know about how the whole file was read (a detected decimal comma, sales dated now).</summary>
    public List<string> Notes { get; init; } = [];

    public long Total { get; set; }
    public long Accepted { get; set; }
    public long Rejected { get; set; }
    /// <summary>Rows that change nothing: a product as stored, a sale already recorded.</summary>
    public long Unchanged { get; set; }
    public long Warned { get; set; }
    public long CreatedProducts { get; set; }

    /// <summary>The first <see cref="MaxListed"/> rejected rows, in file order.</summary>
    public List<RowProblem> Errors { get; init; } = [];

    /// <summary>The first <see cref="MaxListed"/> warnings, in file order.</summary>
    public List<RowProblem> Warnings { get; init; } = [];

    /// <summary>The first <see cref="MaxListed"/> products the import created (listed here instead of one alert each).</summary>
    public List<string> NewProducts { get; init; } = [];

    /// <summary>Told every rejected row's problems, beyond the first <see cref="MaxListed"/> kept here (errors.csv).</summary>
    internal Action<RowProblem>? OnError { get; init; }

    /// <summary>This summary, told rejected rows from now on through <paramref name="onError"/>: a paused import's, continued.</summary>
    internal ImportSummary Continued(Action<RowProblem>? onError) => new()
    {
        Kind = Kind, DryRun = DryRun, Notes = Notes, Total = Total, Accepted = Accepted, Rejected = Rejected, Unchanged = Unchanged, Warned = Warned,
        CreatedProducts = CreatedProducts, Errors = Errors, Warnings = Warnings, NewProducts = NewProducts, OnError = onError,
    };

    /// <summary>Rejects one row, with every problem found in it.</summary>
    internal void Reject(IEnumerable<RowProblem> problems)
    {
        Rejected++;
        foreach (var problem in problems)
        {
            OnError?.Invoke(problem);
            if (Errors.Count < MaxListed)
            {
                Errors.Add(problem);
            }
        }
    }

    internal void Warn(RowProblem problem)
    {
        Warned++;
        if (Warnings.Count < MaxListed)
        {
            Warnings.Add(problem);
        }
    }
}

/// <summary>
/// The first rows of a file as an import would read them (<see cref="ImportFile.PreviewAsync"/>): its kind, its
/// delimiter, which field each column holds (<c>null</c>: ignored), the notes on how it is read, and each row's values
/// by field, or the reasons it would be refused.
/// </summary>
public sealed record ImportPreview(ImportKind Kind, string Delimiter, List<ImportPreview.Column> Columns, List<string> Notes, List<ImportPreview.Row> Rows)
{
    /// <summary>The delimiter the file is read with, once known.</summary>
    public string Delimiter { get; set; } = Delimiter;

    /// <summary>How many rows the preview asks for (not part of the answer).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Wanted { get; init; }

    public sealed record Column(string Name, string? Field);

    public sealed record Row(int Line, Dictionary<string, string?> Values, List<string> Problems);
}
