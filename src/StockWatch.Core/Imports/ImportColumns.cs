namespace StockWatch.Core.Imports;

/// <summary>Which column of the file holds which StockWatch field, resolved once from the header.</summary>
public sealed class ImportColumns
{
    public static readonly string[] ProductFields = ["product_id", "product_name", "product_category", "stock_count", "product_price", "low_stock_threshold"];
    public static readonly string[] SaleFields = ["sale_id", "product_id", "sale_date", "quantity", "current_price", "product_name"];

    // Each field the file holds and its column, named by the field lists' own strings: the literals the readers ask
    // with, so a look at these few finds them by reference, for less than hashing the name of every cell of every row.
    private readonly (string Field, int Column)[] _columns;

    private ImportColumns(ImportKind kind, Dictionary<string, int> index, IReadOnlyList<string> header, List<string> ignored)
    {
        Kind = kind;
        _columns = [.. ProductFields.Union(SaleFields).Where(index.ContainsKey).Select(field => (field, index[field]))];
        Header = header;
        Ignored = ignored;
    }

    public ImportKind Kind { get; }

    public IReadOnlyList<string> Header { get; }

    /// <summary>Columns that are no StockWatch field: ignored, with a warning.</summary>
    public IReadOnlyList<string> Ignored { get; }

    public bool Has(string field) => ColumnOf(field) >= 0;

    /// <summary>The cell of <paramref name="field"/> in a record, or <c>null</c> when the file has no such column.</summary>
    public string? Cell(IReadOnlyList<string> record, string field) => ColumnOf(field) is var i and >= 0 ? record[i] : null;

    /// <summary>The field the column at <paramref name="column"/> (0-based) holds, or <c>null</c> for an ignored column.</summary>
    public string? FieldAt(int column)
    {
        foreach (var (name, at) in _columns)
        {
            if (at == column)
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The header name of the column holding <paramref name="field"/>, for error messages.</summary>
    public string NameOf(string field) => ColumnOf(field) is var i and >= 0 ? Header[i] : field;

    /// <summary>The column holding <paramref name="field"/>; -1 when the file has none.</summary>
    private int ColumnOf(string field)
    {
        foreach (var (name, column) in _columns)
        {
            if (ReferenceEquals(name, field) || name == field)
            {
                return column;
            }
        }

        return -1;
    }

    /// <summary>Resolves a header: names match case-insensitively after trimming; <c>--map</c> renames first.</summary>
    public static ImportColumns Resolve(IReadOnlyList<string> header, ImportSettings settings)
    {
        var map = settings.Map.ToDictionary(pair => pair.Key.Trim(), pair => pair.Value.Trim().ToLowerInvariant(), StringComparer.OrdinalIgnoreCase);
        foreach (var (column, field) in map)
        {
            if (!ProductFields.Contains(field) && !SaleFields.Contains(field))
            {
                throw StockWatchException.Invalid("map", $"--map {column}={field}: {field} is not a StockWatch field (fields: {string.Join(", ", ProductFields.Union(SaleFields))}).");
            }
        }

        foreach (var column in map.Keys)
        {
            if (!header.Any(name => string.Equals(name.Trim(), column, StringComparison.OrdinalIgnoreCase)))
            {
                var closest = header.MinBy(name => Distance(name.Trim().ToLowerInvariant(), column.ToLowerInvariant()));
                throw StockWatchException.Invalid("map",
                    $"--map {column}={map[column]}: the header has no column {column}" +
                    (closest is null ? "" : $" (did you mean {closest.Trim()}?)") +
                    $"; its columns are {string.Join(", ", header.Select(name => name.Trim()))}. Nothing was imported.");
            }
        }

        var fields = header.Select(name => map.TryGetValue(name.Trim(), out var mapped) ? mapped : name.Trim().ToLowerInvariant()).ToList();
        var kind = settings.Kind ?? Detect(fields);
        var known = kind == ImportKind.Products ? ProductFields : SaleFields;
        Dictionary<string, int> index = [];
        List<string> ignored = [];
        for (var i = 0; i < fields.Count; i++)
        {
            if (!known.Contains(fields[i]))
            {
                ignored.Add(header[i]);
            }
            else if (!index.TryAdd(fields[i], i))
            {
                throw StockWatchException.Invalid("header",
                    $"Columns {index[fields[i]] + 1} ({header[index[fields[i]]]}) and {i + 1} ({header[i]}) both hold {fields[i]}; keep one or map the other away.");
            }
        }

        foreach (var required in kind == ImportKind.Products ? ["product_id"] : new[] { "product_id", "quantity" })
        {
            if (!index.ContainsKey(required))
            {
                throw StockWatchException.Invalid("header",
                    $"A {kind.ToString().ToLowerInvariant()} file needs a {required} column (the header has {string.Join(", ", header)}); name it so or use --map COLUMN={required}.");
            }
        }

        return new ImportColumns(kind, index, header, ignored);
    }

    /// <summary>The Levenshtein distance: how many characters to insert, delete or replace to turn one name into the other.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    private static ImportKind Detect(List<string> fields) =>
        fields.Contains("quantity") || fields.Contains("sale_date") || fields.Contains("sale_id") ? ImportKind.Sales
        : fields.Contains("product_id") ? ImportKind.Products
        : throw StockWatchException.Invalid("header",
            "The header names neither products (product_id, product_name, …) nor sales (sale_id, product_id, quantity, …); use --kind and --map.");
}
