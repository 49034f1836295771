using System.IO.Compression;
using System.Text;
using System.Text.Json;
using StockWatch.Testing;

namespace StockWatch.Tests.Imports;

public sealed class ImportTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    private string Db => Path.Combine(_data.Path, "stockwatch.db");

    private async Task<(int Code, JsonElement Summary, string Error)> Import(byte[] content, params string[] options)
    {
        var file = Path.Combine(_data.Path, $"{Guid.NewGuid():N}.csv");
        await File.WriteAllBytesAsync(file, content, TestContext.Current.CancellationToken);
        return await ImportFile(file, options);
    }

    private Task<(int Code, JsonElement Summary, string Error)> Import(string content, params string[] options) =>
        Import(Encoding.UTF8.GetBytes(content), options);

    private async Task<(int Code, JsonElement Summary, string Error)> ImportFile(string file, params string[] options)
    {
        var result = await Cli.Cli.RunAsync(_data.Path, ["import", file, "--json", .. options]);
        var summary = result.Output.Length > 0 ? JsonDocument.Parse(result.Output).RootElement.GetProperty("summary").Clone() : default;
        return (result.ExitCode, summary, result.Error);
    }

    private static long Count(JsonElement summary, string name) => summary.GetProperty(name).GetInt64();

    private static IEnumerable<string> Messages(JsonElement summary, string list = "errors") =>
        summary.GetProperty(list).EnumerateArray().Select(e => $"line {e.GetProperty("line").GetInt32()}: {e.GetProperty("message").GetString()}");

    private long Scalar(string sql) => TestStore.ScalarIn(Db, sql);

    [Fact]
    public async Task Import_CountsTheAlertsItsOwnRowsCaused_NotOthersDrainedWithThem()
    {
        using (var other = new TestStore(_data.Path))
        {
            // Another command's write, not processed yet (serve was down): its LOW_STOCK is not the import's.
            other.Create("ELSEWHERE", stock: 1, threshold: 5);
        }

        var file = Path.Combine(_data.Path, "stock.csv");
        await File.WriteAllTextAsync(file, "product_id,product_name,stock_count,low_stock_threshold\nMINE-1,Mine,2,5\nMINE-2,Mine,0,5\nMINE-3,Mine,50,5\n", TestContext.Current.CancellationToken);
        var result = await Cli.Cli.RunAsync(_data.Path, "import", file, "--json");

        var alerts = JsonDocument.Parse(result.Output).RootElement.GetProperty("alerts");
        alerts.EnumerateObject().ToDictionary(a => a.Name, a => a.Value.GetInt64()).Should().BeEquivalentTo(new Dictionary<string, long>
        {
            ["LOW_STOCK"] = 2, ["OUT_OF_STOCK"] = 1,
        }, "MINE-1 is low and MINE-2 low and out; ELSEWHERE's alerts are its own (an import lists the products it adds, not an alert each)");
        Scalar("SELECT COUNT(*) FROM alerts WHERE product_id = 'ELSEWHERE' AND alert_type = 'LOW_STOCK'").Should().Be(1, "the other write's alert was made too");
    }

    [Fact]
    public async Task RetailFile_AsHistory_AcceptsEveryLineButTheTwoNegativePricesAndAgainIsANoOp()
    {
        var file = Path.Combine(_data.Path, "online-retail.csv");
        await using (var gz = new GZipStream(File.OpenRead(RealData.PathOf("online-retail-uci.csv.gz")), CompressionMode.Decompress))
        await using (var csv = File.Create(file))
        {
            await gz.CopyToAsync(csv, TestContext.Current.CancellationToken);
        }

        string[] options = ["--map", "StockCode=product_id", "--map", "Description=product_name", "--map", "Quantity=quantity",
            "--map", "InvoiceDate=sale_date", "--map", "UnitPrice=current_price", "--create-products", "--stock", "ignore"];
        var first = await ImportFile(file, options);
        var (changes, alerts) = (Scalar("SELECT COUNT(*) FROM changes"), Scalar("SELECT COUNT(*) FROM alerts"));
        var again = await ImportFile(file, options);

        first.Code.Should().Be(1, "two rows are rejected");
        (Count(first.Summary, "total"), Count(first.Summary, "accepted"), Count(first.Summary, "rejected")).Should().Be((541_909L, 541_907L, 2L));
        Messages(first.Summary).Should().Equal(
            "line 299985: current_price must not be negative (got -11062.06).",
            "line 299986: current_price must not be negative (got -11062.06).");
        Count(first.Summary, "created_products").Should().Be(DistinctStockCodesWithAValidPrice(file));
        Scalar("SELECT COUNT(*) FROM sales").Should().Be(541_907);
        Scalar("SELECT SUM(quantity) FROM sales").Should().Be(QuantitySumWithAValidPrice(file));
        alerts.Should().Be(0, "history says nothing of stock: no stock alert, nothing shown as out");
        Scalar("SELECT COUNT(*) FROM products WHERE stock_counted = 0").Should().Be(Count(first.Summary, "created_products"));
        Scalar("SELECT product_price_e4 FROM products WHERE product_id = '85123A'").Should().Be(LatestPriceE4(file, "85123A"), "the price of its most recent row");

        (Count(again.Summary, "accepted"), Count(again.Summary, "unchanged"), Count(again.Summary, "created_products")).Should().Be((0L, 541_907L, 0L));
        Scalar("SELECT COUNT(*) FROM sales").Should().Be(541_907);
        (Scalar("SELECT COUNT(*) FROM changes"), Scalar("SELECT COUNT(*) FROM alerts")).Should().Be((changes, alerts), "importing again raises nothing");
    }

    /// <summary>Computed from the raw lines, independently of the importer (StockCode and UnitPrice are never quoted).</summary>
    private static long DistinctStockCodesWithAValidPrice(string file) =>
        RetailLines(file).Where(l => !l.Price.StartsWith('-')).Select(l => l.Code).Distinct(StringComparer.Ordinal).LongCount();

    private static long QuantitySumWithAValidPrice(string file) =>
        RetailLines(file).Where(l => !l.Price.StartsWith('-')).Sum(l => long.Parse(l.Quantity, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The price of the product's most recent line (the first of equal dates), from the raw lines.</summary>
    private static long LatestPriceE4(string file, string code) =>
        File.ReadLines(file).Skip(1).Select(line => line.Split(','))
            .Where(cells => cells[1] == code && !cells[^3].StartsWith('-'))
            .Select((cells, order) => (Date: cells[^4], Order: order, Price: decimal.Parse(cells[^3], System.Globalization.CultureInfo.InvariantCulture)))
            .OrderByDescending(line => line.Date, StringComparer.Ordinal).ThenBy(line => line.Order)
            .Select(line => (long)(line.Price * 10_000)).First();

    private static IEnumerable<(string Code, string Quantity, string Price)> RetailLines(string file) =>
        File.ReadLines(file).Skip(1).Select(line =>
        {
            // InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country; only Description is ever quoted.
            var head = line.Split(',', 3);
            var tail = line.Split(',');
            return (head[1], tail[^5], tail[^3]);
        });

    public static TheoryData<string, string, int, int, string[]> Corpus() => new()
    {
        { "unterminated quote", "product_id,product_name,stock_count\nA,Alpha,5\nB,\"Beta,6\nC,Gamma,7\n", 2, 1,
            ["line 3: column 2 opens a quote that runs past the end of line 3 without making a whole record (column 2 opens a quote on line 3 that is never closed); the line is rejected and reading resumes on line 4."] },
        { "ragged rows", "product_id,product_name,stock_count\nA,Alpha,5\nB,Beta\nC,Gamma,7,extra\nD,Delta,8\n", 2, 2, ["line 3: the row has 2 fields; the header has 3.", "line 4: the row has 4 fields; the header has 3."] },
        { "header only", "product_id,product_name\n", 0, 0, [] },
        { "NUL byte", "product_id,product_name\nA,Al\0pha\nB,Beta\n", 1, 1, ["line 2: column 2 contains a NUL character."] },
        { "thousands separators", "product_id,product_name,product_price,stock_count\nA,Alpha,\"1,234.50\",5\nB,Beta,2.5,\"1,000\"\nC,Gamma,3,4\nD,Delta,\"2,55\",1\n", 3, 1,
            ["line 5: product_price \"2,55\" is not a number written with a decimal point; if the file writes numbers with a decimal comma, set the decimal separator to ',' (--decimal-separator ,)."] },
        { "negative stock", "product_id,product_name,stock_count\nA,Alpha,-5\nB,Beta,5\n", 1, 1, ["line 2: stock_count must be a whole number from 0 to 2147483647 (got \"-5\")."] },
        { "huge integers", "product_id,product_name,stock_count,product_price\nA,Alpha,99999999999999999999,1\nB,Beta,1,1e30\nC,Gamma,1,1\n", 1, 2,
            ["line 2: stock_count must be a whole number from 0 to 2147483647 (got \"99999999999999999999\").", "line 3: product_price must be a number such as 12.50 (got \"1e30\")."] },
        { "formula-like cells", "product_id,product_name\nA,\"=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\"\nB,+SUM(1)\nC,@cmd\n", 3, 0, [] },
        { "ids with spaces", "product_id,product_name\nBANK CHARGES,Bank charges\n X,Leading space\nY ,Trailing space\n", 1, 2,
            ["line 3: product_id must not start or end with a space (got \" X\").", "line 4: product_id must not start or end with a space (got \"Y \")."] },
        { "several problems in one row", "product_id,product_name,stock_count,product_price\nA,,-1,abc\n", 0, 1,
            ["line 2: stock_count must be a whole number from 0 to 2147483647 (got \"-1\").", "line 2: product_price must be a number such as 12.50 (got \"abc\")."] },
        { "new product without a name", "product_id,stock_count\nNEW,3\n", 0, 1, ["line 2: product_name is required to create product NEW."] },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task ProductsFile_Malformed_RejectsTheBadRowsPreciselyAndImportsTheRest(string name, string content, int accepted, int rejected, string[] errors)
    {
        var (code, summary, _) = await Import(content);

        code.Should().Be(rejected == 0 ? 0 : 1, name);
        (Count(summary, "accepted"), Count(summary, "rejected")).Should().Be((accepted, rejected), name);
        Messages(summary).Should().Equal(errors);
        Scalar("SELECT COUNT(*) FROM products").Should().Be(accepted);
    }

    [Fact]
    public async Task ProductsFile_TenMegabyteField_IsRejectedAndTheOtherRowsImported()
    {
        var (code, summary, _) = await Import($"product_id,product_name\nA,{new string('x', 10 * 1024 * 1024)}\nB,Beta\n");

        code.Should().Be(1);
        Messages(summary).Should().Equal("line 2: column 2 is longer than 1,048,576 characters.");
        Scalar("SELECT COUNT(*) FROM products WHERE product_id = 'B'").Should().Be(1);
    }

    [Fact]
    public async Task ProductsFile_FormulaLikeNames_AreKeptAsText()
    {
        await Import("product_id,product_name\nA,\"=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\"\n");

        (await Cli.Cli.RunAsync(_data.Path, "products", "show", "A", "--json")).Output
            .Should().Contain("\"product_name\": \"=HYPERLINK(\\\"http://evil\\\",\\\"click\\\")\"");
    }

    [Theory]
    [InlineData("", "The file is empty")]
    [InlineData("product_id,PRODUCT_ID,product_name\nA,A,x\n", "Columns 1 (product_id) and 2 (PRODUCT_ID) both hold product_id")]
    [InlineData("sku,title\nA,x\n", "The header names neither products")]
    [InlineData("sale_id,quantity\nS1,1\n", "A sales file needs a product_id column")]
    public async Task File_Unusable_ExitsTwoAndWritesNothing(string content, string error)
    {
        var (code, _, stderr) = await Import(content);

        code.Should().Be(2);
        stderr.Should().Contain(error);
        File.Exists(Db).Should().BeTrue();
        Scalar("SELECT COUNT(*) FROM products").Should().Be(0);
    }

    [Fact]
    public async Task ProductsFile_SameIdTwice_LastRowWinsWithAWarning()
    {
        var (_, summary, _) = await Import("product_id,product_name,stock_count\nA,First,1\nA,Second,2\n");

        Messages(summary, "warnings").Should().Equal("line 3: Product A appears again (first on line 2); each row is applied in turn (with its alerts), so the last one stays.");
        Scalar("SELECT stock_count FROM products WHERE product_id = 'A'").Should().Be(2);
    }

    [Fact]
    public async Task ProductsFile_Reimported_WritesNothingAndLeftOutColumnsKeepTheirValues()
    {
        await Import("product_id,product_name,product_category,stock_count,product_price\nA,Alpha,Home,5,2.50\nB,Beta,Garden,7,1\n");
        var changes = Scalar("SELECT COUNT(*) FROM changes");

        var (_, same, _) = await Import("product_id,product_name,product_category,stock_count,product_price\nA,Alpha,Home,5,2.50\nB,Beta,Garden,7,1\n");
        var (_, partial, _) = await Import("product_id,stock_count\nA,9\n");

        (Count(same, "accepted"), Count(same, "unchanged")).Should().Be((0L, 2L));
        Scalar("SELECT COUNT(*) FROM changes").Should().Be(changes + 1, "only the partial file changed something");
        Count(partial, "accepted").Should().Be(1);
        Scalar("SELECT COUNT(*) FROM products WHERE product_id = 'A' AND product_name = 'Alpha' AND product_category = 'Home' AND stock_count = 9 AND product_price_e4 = 25000").Should().Be(1);
    }

    [Fact]
    public async Task SalesFile_MovesStockAsSingleSalesDo_RefusingASaleBeyondTheStock()
    {
        await Import("product_id,product_name,stock_count\nA,Alpha,5\nB,Beta,1\n");

        var (code, summary, _) = await Import("sale_id,product_id,sale_date,quantity,current_price\nS1,A,2026-11-20,3,2.5\nS2,A,2026-11-20,4,2.5\nS3,B,2026-11-21,-2,1\n");

        code.Should().Be(1);
        (Count(summary, "accepted"), Count(summary, "rejected")).Should().Be((2L, 1L));
        Messages(summary).Should().Equal("line 3: Not enough stock: product A has 2, the sale needs 4.");
        (Scalar("SELECT stock_count FROM products WHERE product_id = 'A'"), Scalar("SELECT stock_count FROM products WHERE product_id = 'B'")).Should().Be((2L, 3L));
        Scalar("SELECT COUNT(*) FROM change_log WHERE cause LIKE 'import:%' AND kind = 'MODIFY'").Should().Be(2, "one change per recorded sale, as single sales make");
    }

    [Fact]
    public async Task SalesFile_WithoutSaleIds_ImportedTwice_RecordsEachSaleOnce()
    {
        await Import("product_id,product_name,stock_count\nA,Alpha,50\n");
        const string Sales = "product_id,quantity,sale_date\nA,1,2026-11-20\nA,1,2026-11-20\n";

        var (_, first, _) = await Import(Sales);
        var (_, again, _) = await Import(Sales);

        (Count(first, "accepted"), Count(again, "unchanged")).Should().Be((2L, 2L), "two identical lines are two sales, once each");
        Scalar("SELECT stock_count FROM products").Should().Be(48);
    }

    [Fact]
    public async Task SalesFile_UnknownProduct_IsRejectedWithAHintUnlessCreateProducts()
    {
        var (_, refused, _) = await Import("product_id,quantity\nNEW,1\n");
        var (_, created, _) = await Import("product_id,product_name,quantity,current_price\nNEW,Fresh thing,1,3.5\n", "--create-products");

        Messages(refused).Should().Equal("line 2: Product NEW does not exist; add it first or import with --create-products.");
        Count(created, "created_products").Should().Be(1);
        Scalar("SELECT COUNT(*) FROM products WHERE product_id = 'NEW' AND product_name = 'Fresh thing' AND stock_count = 0 AND product_price_e4 = 35000").Should().Be(1);
    }

    [Fact]
    public async Task SalesFile_DateFormat_ReadsDayFirstDates()
    {
        await Import("product_id,product_name,stock_count\nA,Alpha,50\n");

        await Import("product_id,quantity,sale_date\nA,1,24/11/2026 17:30\n", "--date-format", "dd/MM/yyyy HH:mm");
        var (_, bad, _) = await Import("product_id,quantity,sale_date\nA,1,2026-11-24\n", "--date-format", "dd/MM/yyyy HH:mm");

        Scalar("SELECT COUNT(*) FROM sales WHERE sale_date = '2026-11-24T17:30:00.0000000Z'").Should().Be(1);
        Messages(bad).Should().Equal("line 2: sale_date must match the date format dd/MM/yyyy HH:mm (got \"2026-11-24\").");
    }

    [Fact]
    public async Task DryRun_ReportsLikeARealImportAndWritesNothing()
    {
        var (code, summary, _) = await Import("product_id,product_name,stock_count\nA,Alpha,5\nB,,x\n", "--dry-run");

        code.Should().Be(1);
        (Count(summary, "accepted"), Count(summary, "rejected")).Should().Be((1L, 1L));
        summary.GetProperty("dry_run").GetBoolean().Should().BeTrue();
        Scalar("SELECT COUNT(*) FROM products").Should().Be(0);
        Scalar("SELECT COUNT(*) FROM changes").Should().Be(0);
    }

    [Fact]
    public async Task ProductsFile_SemicolonsCrlfAndByteOrderMark_AreRead()
    {
        var (_, summary, _) = await Import([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("Product_ID;Product_Name;Product_Price\r\nA;Crème brûlée;2,5\r\nB;Tea;3.5\r\n")]);

        Count(summary, "accepted").Should().Be(1);
        Messages(summary).Should().Equal(
            "line 2: product_price \"2,5\" is not a number written with a decimal point; if the file writes numbers with a decimal comma, set the decimal separator to ',' (--decimal-separator ,).");
        Scalar("SELECT COUNT(*) FROM products WHERE product_name = 'Tea'").Should().Be(1);
    }

    [Fact]
    public async Task ProductsFile_Windows1252_IsReadAsSuch()
    {
        await Import([.. "product_id,product_name\nV5,"u8, 0xA3, .. "5 VOUCHER\n"u8]);

        Scalar("SELECT COUNT(*) FROM products WHERE product_name = '£5 VOUCHER'").Should().Be(1);
    }

    [Theory]
    [InlineData("kind must be products or sales", "--kind", "orders")]
    [InlineData("stock must be apply or ignore", "--stock", "maybe")]
    [InlineData("delimiter must be ',', ';' or 'tab'", "--delimiter", "|")]
    [InlineData("map takes COLUMN=field", "--map", "StockCode")]
    [InlineData("colour is not a StockWatch field", "--map", "Colour=colour")]
    [InlineData("decimal_separator must be '.' or ','", "--decimal-separator", ";")]
    [InlineData("date_format must not be empty", "--date-format", "")]
    public async Task Options_Invalid_ExitTwo(string error, params string[] options)
    {
        var (code, _, stderr) = await Import("product_id,product_name\nA,Alpha\n", options);

        code.Should().Be(2);
        stderr.Should().Contain(error);
    }

    [Theory]
    [InlineData("InvoiceDat=sale_date", "InvoiceDat", "InvoiceDate")]
    [InlineData("Descripton=product_name", "Descripton", "Description")]
    public async Task MapOfAColumnTheHeaderLacks_ExitsTwoNamingTheClosestColumn_AndWritesNothing(string map, string typo, string closest)
    {
        const string Sales = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice\n536365,85123A,WHITE HANGING HEART,6,2010-12-01T08:26:00Z,2.55\n";

        var (code, _, stderr) = await Import(Sales, "--map", "StockCode=product_id", "--map", "Quantity=quantity", "--map", map, "--create-products");

        code.Should().Be(2);
        stderr.Should().Contain($"the header has no column {typo} (did you mean {closest}?)").And.Contain("InvoiceNo, StockCode, Description");
        (Scalar("SELECT COUNT(*) FROM sales"), Scalar("SELECT COUNT(*) FROM products")).Should().Be((0L, 0L));
    }

    [Fact]
    public async Task MissingFile_ExitsTwo()
    {
        var result = await Cli.Cli.RunAsync(_data.Path, "import", Path.Combine(_data.Path, "nope.csv"));

        result.ExitCode.Should().Be(2);
        result.Error.Should().StartWith($"Cannot read {Path.Combine(_data.Path, "nope.csv")}");
    }
}
