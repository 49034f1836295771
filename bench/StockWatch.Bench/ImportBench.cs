using System.Diagnostics;
using System.Globalization;
using System.Text;
using StockWatch.Core.Imports;
using StockWatch.Sqlite;

namespace StockWatch.Bench;

/// <summary>
/// CSV imports (issue 4): the same generated files imported by StockWatch, by the <c>sqlite3</c> command-line tool's
/// <c>.import</c> into an equivalent table and by a plain Python <c>csv</c> + <c>executemany</c> script, in one run.
/// </summary>
public static class ImportBench
{
    /// <summary>The share of products the "changed" file changes.</summary>
    public const double ChangedShare = 0.13;

    public const int SaleProducts = 10_000;

    public sealed record Timing(double Seconds, double? PeakMb = null);

    /// <summary>The product imports of one run: StockWatch's three, and the baselines'.</summary>
    public sealed record Products(
        int Count,
        Timing StockWatchNew,
        Timing StockWatchAgain,
        Timing StockWatchChanged,
        long ChangedRows,
        Timing CliNew,
        Timing CliChanged,
        Timing PythonNew,
        string SqliteVersion);

    public sealed record Sales(string Folder, int Count, Timing StockWatch, Timing Cli);

    /// <param name="Runs">How many runs <see cref="Products"/> is the median of.</param>
    public sealed record Result(Products Products, Sales? Sales, int Runs);

    /// <summary>Runs of the product imports the full run takes the median of, each in a process of its own.</summary>
    public const int ProductRuns = 3;

    /// <summary>One run of the product imports, in a folder of its own under <paramref name="work"/>.</summary>
    /// <param name="scale">1 for the sizes (1M products); smaller for a quick look.</param>
    public static async Task<Products> ProductsAsync(string work, double scale)
    {
        var products = (int)(1_000_000 * scale);
        var files = Directory.CreateDirectory(Path.Combine(work, "import-files")).FullName;
        var productsFile = Path.Combine(files, "products.csv");
        var changedFile = Path.Combine(files, "products-changed.csv");
        WriteProducts(productsFile, products, changed: false);
        WriteProducts(changedFile, products, changed: true);

        // StockWatch: validation, upsert by product_id, a change record per written product, one transaction per file.
        var folder = Path.Combine(work, "import-stockwatch");
        using var database = SqliteDatabase.InFolder(folder, manualCheckpoints: false);
        database.Migrate();
        var import = new ImportFile(new SqliteInventoryStore(database, Seeding.Options), TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new StockWatch.Core.Imports.ImportOptions()));
        var (swNew, first) = await ImportAsync(import, productsFile);
        var (swAgain, again) = await ImportAsync(import, productsFile);
        var (swChanged, changed) = await ImportAsync(import, changedFile);
        Check(first.Accepted == products && again.Unchanged == products && changed.Accepted + changed.Unchanged == products,
            $"StockWatch imported {first.Accepted}, then {again.Unchanged} unchanged, then {changed.Accepted} changed of {products}.");

        // sqlite3: .import into an equivalent table; the changed file as a staging-table diff and one upsert.
        var cliDb = Path.Combine(work, "import-cli.db");
        Sqlite3(cliDb, Pragmas + ProductsTable("products"));
        var cliNew = Measure("sqlite3", cliDb, Script(work, "cli-new.sql", $".import --csv --skip 1 {productsFile} products"));
        var cliChanged = Measure("sqlite3", cliDb, Script(work, "cli-changed.sql", StagingDiff(changedFile)));
        var cliChangedRows = long.Parse(Sqlite3(cliDb, "SELECT COUNT(*) FROM product_changes;"), CultureInfo.InvariantCulture);
        Check(cliChangedRows == changed.Accepted, $"The sqlite3 diff found {cliChangedRows} changed rows, StockWatch {changed.Accepted}.");

        var pythonDb = Path.Combine(work, "import-python.db");
        var pythonNew = Measure("python3", Path.Combine(AppContext.BaseDirectory, "import_csv.py"), pythonDb, productsFile);
        return new Products(products, swNew, swAgain, swChanged, changed.Accepted, cliNew, cliChanged, pythonNew, Sqlite3(cliDb, "SELECT sqlite_version();"));
    }

    /// <summary>Each figure's median over the runs (each figure on its own: the runs measure the same files).</summary>
    public static Products Median(IReadOnlyList<Products> runs)
    {
        Timing Of(Func<Products, Timing> figure) => runs.Select(figure).OrderBy(t => t.Seconds).ElementAt(runs.Count / 2);
        return runs[0] with
        {
            StockWatchNew = Of(r => r.StockWatchNew),
            StockWatchAgain = Of(r => r.StockWatchAgain),
            StockWatchChanged = Of(r => r.StockWatchChanged),
            CliNew = Of(r => r.CliNew),
            CliChanged = Of(r => r.CliChanged),
            PythonNew = Of(r => r.PythonNew),
        };
    }

    /// <summary>
    /// 10M sales: StockWatch's import command as its own process (peak memory is the process's), against .import into a
    /// sales table with the same keys and indexes as StockWatch's.
    /// </summary>
    public static Sales MeasureSales(string work, double scale)
    {
        var sales = (int)(10_000_000 * scale);
        var files = Directory.CreateDirectory(Path.Combine(work, "import-files")).FullName;
        var saleProductsFile = Path.Combine(files, "sale-products.csv");
        var salesFile = Path.Combine(files, "sales.csv");
        WriteProducts(saleProductsFile, SaleProducts, changed: false, stock: 1_000_000_000);
        WriteSales(salesFile, sales);

        var salesFolder = Path.Combine(work, "import-sales");
        Measure("dotnet", Executable, "import", saleProductsFile, "--data", salesFolder);
        var swSales = Measure("dotnet", Executable, "import", salesFile, "--data", salesFolder);
        var swSalesCount = long.Parse(Sqlite3(Path.Combine(salesFolder, "stockwatch.db"), "SELECT COUNT(*) FROM sales;"), CultureInfo.InvariantCulture);
        Check(swSalesCount == sales, $"StockWatch stored {swSalesCount} of {sales} sales.");
        var cliSalesDb = Path.Combine(work, "import-cli-sales.db");
        Sqlite3(cliSalesDb, Pragmas + SalesTable);
        var cliSales = Measure("sqlite3", cliSalesDb, Script(work, "cli-sales.sql", $".import --csv --skip 1 {salesFile} sales"));
        return new Sales(salesFolder, sales, swSales, cliSales);
    }

    private static string Executable => Path.Combine(AppContext.BaseDirectory, "stockwatch.dll");

    public const string Pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;\n";

    public static string ProductsTable(string name) => $"""
        CREATE TABLE {name} (
            product_id TEXT PRIMARY KEY, product_name TEXT, product_category TEXT,
            stock_count INTEGER, low_stock_threshold INTEGER, product_price REAL) WITHOUT ROWID;
        """;

    public const string SalesTable = """
        CREATE TABLE sales (sale_id TEXT NOT NULL UNIQUE, product_id TEXT, sale_date TEXT, quantity INTEGER, current_price REAL);
        CREATE INDEX sales_by_product_date ON sales (product_id, sale_date);
        CREATE INDEX sales_for_reports ON sales (sale_date, product_id, quantity, current_price);
        """;

    private static string StagingDiff(string file)
    {
        string[] columns = ["product_name", "product_category", "stock_count", "low_stock_threshold", "product_price"];
        return $"""
            {Pragmas}
            BEGIN;
            {ProductsTable("temp.staging")}
            .import --csv --skip 1 {file} staging
            CREATE TABLE product_changes AS SELECT * FROM staging WHERE 0;
            INSERT INTO product_changes SELECT s.* FROM staging s LEFT JOIN products p USING (product_id)
            WHERE p.product_id IS NULL OR {string.Join(" OR ", columns.Select(c => $"s.{c} IS NOT p.{c}"))};
            INSERT INTO products SELECT * FROM product_changes WHERE true
            ON CONFLICT (product_id) DO UPDATE SET {string.Join(", ", columns.Select(c => $"{c} = excluded.{c}"))};
            COMMIT;
            """;
    }

    private static async Task<(Timing, ImportSummary)> ImportAsync(ImportFile import, string path)
    {
        await using var file = File.OpenRead(path);
        Quiesce();
        var clock = Stopwatch.StartNew();
        var summary = await import.HandleAsync(file, new ImportSettings(), $"bench-{Guid.NewGuid():N}"[..20], Path.GetFileName(path));
        return (new Timing(clock.Elapsed.TotalSeconds), summary);
    }

    public static void WriteProducts(string path, int count, bool changed, int? stock = null)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        writer.Write("product_id,product_name,product_category,stock_count,low_stock_threshold,product_price\n");
        var random = new Random(11);
        for (var i = 0; i < count; i++)
        {
            var units = stock ?? random.Next(0, 500);
            var cents = random.Next(50, 99_999);
            // The changed file moves stock or price on about 13 % of the products, spread through the file.
            if (changed && (i * 2_654_435_761u % 1000) < ChangedShare * 1000)
            {
                (units, cents) = i % 2 == 0 ? (units + 7, cents) : (units, cents + 100);
            }

            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"SKU{i:D7},Product number {i},Category {i % 40},{units},{5 + i % 16},{cents / 100}.{cents % 100:D2}\n"));
        }
    }

    public static void WriteSales(string path, int count)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        writer.Write("sale_id,product_id,sale_date,quantity,current_price\n");
        var random = new Random(13);
        var start = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < count; i++)
        {
            var date = start.AddSeconds(i * 3L);
            var cents = random.Next(50, 9_999);
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"S{i:D9},SKU{random.Next(SaleProducts):D7},{date:yyyy-MM-ddTHH:mm:ssZ},{random.Next(1, 6)},{cents / 100}.{cents % 100:D2}\n"));
        }
    }

    public static string Script(string work, string name, string text)
    {
        var path = Path.Combine(work, name);
        File.WriteAllText(path, text.Contains("PRAGMA", StringComparison.Ordinal) ? text : Pragmas + text);
        return $".read {path}";
    }

    private static string Sqlite3(string db, string sql) => Processes.Sqlite3(db, sql);

    private static Timing Measure(params string[] command)
    {
        Quiesce();
        var (seconds, peakMb) = Processes.Measure(command);
        return new Timing(seconds, peakMb);
    }

    /// <summary>
    /// Writes back everything written so far (the generated files, the databases before), so that a measurement pays
    /// only for its own writes.
    /// </summary>
    public static void Quiesce() => Processes.Output("sync");

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
