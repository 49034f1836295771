using System.Text;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Sales;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests.Imports;

/// <summary>
/// The kinds of real-world file that must import as their owners read them (issue 15), on a real SQLite file: each
/// sale once, every line accounted for, the same alerts as the rows one by one.
/// </summary>
public sealed class ImportFileTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private readonly TestStore _db = new();
    private int _imports;

    public ImportFileTests() => _db.Time.SetUtcNow(Now);

    public void Dispose() => _db.Dispose();

    // ---- 1. A sale is counted once, however the file was saved or cut ------------------------------------------------

    [Fact]
    public async Task SalesWithoutIds_SavedAgainWithCrlfOrExportedForAnOverlappingPeriod_AreRecordedOnce()
    {
        _db.Create("P1", stock: 100);
        const string S1 = "product_id,sale_date,quantity\nP1,2026-11-20T10:00:00Z,2\nP1,2026-11-21T10:00:00Z,3\nP1,2026-11-21T10:00:00Z,3\n";

        var first = await Import(S1);
        var crlf = await Import(S1.Replace("\n", "\r\n", StringComparison.Ordinal));
        var overlap = await Import("product_id,sale_date,quantity\nP1,2026-11-21T10:00:00Z,3\nP1,2026-11-21T10:00:00Z,3\nP1,2026-11-22T10:00:00Z,1\n");

        Stock("P1").Should().Be(100 - 2 - 3 - 3 - 1);
        (first.Accepted, crlf.Unchanged, overlap.Unchanged, overlap.Accepted).Should().Be((3L, 3L, 2L, 1L));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task SalesWithoutIds_ReencodedReorderedOrWithOtherColumns_AreTheSameSales(int seed)
    {
        _db.Create("P1", stock: 10_000);
        _db.Create("P2", stock: 10_000);
        var random = new Random(seed);
        var rows = Enumerable.Range(0, 60).Select(_ =>
            (Product: random.Next(2) == 0 ? "P1" : "P2", Day: 10 + random.Next(3), Quantity: 1 + random.Next(3), Price: random.Next(2) == 0 ? "2.50" : "3.00")).ToList();
        string File(IEnumerable<(string Product, int Day, int Quantity, string Price)> lines, bool extra, string newline) =>
            (extra ? "till,product_id,sale_date,quantity,current_price,note" : "product_id,sale_date,quantity,current_price") + newline
            + string.Concat(lines.Select(r => (extra ? $"T{random.Next(9)}," : "") + $"{r.Product},2026-11-{r.Day}T09:30:00Z,{r.Quantity},{r.Price}" + (extra ? ",x" : "") + newline));

        await Import(File(rows, extra: false, "\n"));
        var stock = (Stock("P1"), Stock("P2"));
        var again = await Import(File(rows.OrderBy(_ => random.Next()), extra: true, "\r\n"), encoding: seed % 2 == 0 ? Encoding.Latin1 : new UTF8Encoding(true));

        (again.Accepted, again.Unchanged).Should().Be((0L, 60L));
        (Stock("P1"), Stock("P2")).Should().Be(stock);
        _db.Scalar("SELECT COUNT(*) FROM sales").Should().Be(60);
    }

    [Fact]
    public async Task SalesWithoutIds_ImportedByTheVersionThatNamedThemByFileAndLine_ImportAgainAsNoOps()
    {
        _db.Create("P1", stock: 100);
        var file = Encoding.UTF8.GetBytes("product_id,sale_date,quantity\nP1,2026-11-20T10:00:00Z,2\nP1,2026-11-21T10:00:00Z,3\n");
        var fileId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file))[..16];
        // What that version stored: the sales under <file hash>-<line>.
        _db.Sell("P1", 2, $"{fileId}-2", new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));
        _db.Sell("P1", 3, $"{fileId}-3", new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero));

        var again = await Import(file);

        (again.Accepted, again.Unchanged).Should().Be((0L, 2L));
        Stock("P1").Should().Be(95);
    }

    [Fact]
    public async Task SalesWithoutDates_ImportedAgainLater_AreAlreadyRecorded()
    {
        _db.Create("P1", stock: 10);
        const string File = "product_id,quantity\nP1,2\nP1,1\n";

        await Import(File);
        _db.Time.Advance(TimeSpan.FromHours(5));
        var again = await Import(File);

        (again.Accepted, again.Rejected, again.Unchanged).Should().Be((0L, 0L, 2L));
        Stock("P1").Should().Be(7);
    }

    // ---- 2. Every line of the file is accounted for ------------------------------------------------------------------

    [Fact]
    public async Task BrokenQuote_RejectsItsLineAndImportsTheTenAfterIt()
    {
        var file = new StringBuilder("product_id,product_name,product_category,stock_count,product_price\nG1,Good,Misc,20,1.00\nG2,\"Broken quote,Misc,20,1.00\n");
        for (var i = 3; i <= 12; i++)
        {
            file.Append($"G{i},Good {i},Misc,20,1.00\n");
        }

        var summary = await Import(file.ToString());

        (summary.Total, summary.Accepted, summary.Rejected).Should().Be((12L, 11L, 1L));
        summary.Errors.Single().Line.Should().Be(3);
        _db.Scalar("SELECT COUNT(*) FROM products").Should().Be(11);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task BrokenQuote_AnywhereInARandomFile_EveryOtherRowIsImported(int seed)
    {
        var random = new Random(seed);
        var rows = 20 + random.Next(60);
        var broken = random.Next(rows);
        var lines = new List<string>();
        for (var i = 0; i < rows; i++)
        {
            string[] cells = [$"R{i}", random.Next(3) == 0 ? $"\"Name, {i}\"" : $"Name {i}", random.Next(4) == 0 ? "\"Cat \"\"A\"\"\"" : "Misc",
                random.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture), "1.50"];
            if (i == broken)
            {
                var column = 1 + random.Next(cells.Length - 1);
                cells[column] = "\"" + cells[column].Trim('"') + (random.Next(2) == 0 ? "" : "\"tail");
            }

            lines.Add(string.Join(',', cells));
        }

        var newline = random.Next(2) == 0 ? "\n" : "\r\n";
        var summary = await Import("product_id,product_name,product_category,stock_count,product_price" + newline + string.Join(newline, lines) + newline);

        summary.Total.Should().Be(rows, "every data line is counted");
        (summary.Accepted, summary.Rejected).Should().Be((rows - 1L, 1L));
        summary.Errors.Single().Line.Should().Be(broken + 2);
        _db.Scalar("SELECT COUNT(*) FROM products").Should().Be(rows - 1);
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 25)];

    [Fact]
    public async Task BrokenQuote_ClosedFurtherDownByAnInchMark_DoesNotSwallowTheLinesBetween()
    {
        _db.Create("P1", stock: 100);
        _db.Create("P2", stock: 100);

        var summary = await Import("product_id,product_name,quantity,sale_date\nP1,\"Mug,1,2026-11-20T10:00:00Z\nP2,Cafe,1,2026-11-20T10:01:00Z\n"
            + "P1,Plate 12\",1,2026-11-20T10:02:00Z\nP1,Mug,1,2026-11-20T10:05:00Z\n");

        (summary.Total, summary.Accepted, summary.Rejected).Should().Be((4L, 3L, 1L));
        summary.Errors.Single().Line.Should().Be(2);
        (Stock("P1"), Stock("P2")).Should().Be((98, 99));
    }

    [Fact]
    public async Task LineBreaksAndTabsInAQuotedName_AreOneSpaceWithAWarning_OtherControlCharactersRefused()
    {
        var summary = await Import("product_id,product_name,product_category\nA,\"Mug\r\nred\",\"Kitchen\tware\"\nB,\"Two\nlines\",Misc\nC,Bell\u0007,Misc\n");

        (summary.Total, summary.Accepted, summary.Rejected).Should().Be((3L, 2L, 1L));
        Product("A").Should().Match<Product>(p => p.Name == "Mug red" && p.Category == "Kitchen ware");
        Product("B").Name.Should().Be("Two lines");
        summary.Warnings.Select(w => (w.Line, w.Column)).Should().Equal((2, "product_name"), (2, "product_category"), (4, "product_name"));
        summary.Errors.Single().Line.Should().Be(6);
    }

    // ---- 3. An import raises the alerts its rows would raise one by one ----------------------------------------------

    [Fact]
    public async Task SellOutAndReturnInOneFile_RaiseLowOutAndBackInStock_AsOneByOne()
    {
        await Import("product_id,product_name,product_category,stock_count,product_price,low_stock_threshold\nR1,Bottle,Drinks,5,2.00,2\n");
        await _db.Processor.DrainAsync(CancellationToken.None);

        await Import("sale_id,product_id,sale_date,quantity,current_price\nt1,R1,2026-11-24T10:00:00Z,5,2.00\nt2,R1,2026-11-24T15:00:00Z,-3,2.00\n");
        var alerts = await _db.Processor.DrainAsync(CancellationToken.None);

        alerts.Select(a => a.Type.ToWire()).Should().Equal("LOW_STOCK", "OUT_OF_STOCK", "BACK_IN_STOCK");
        Stock("R1").Should().Be(3);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task AnyProductsAndSalesFiles_RaiseTheAlertsAndLeaveTheStock_OfTheSameRowsOneByOne(int seed)
    {
        var (products, sales) = GeneratedFiles(new Random(seed));
        using var oneByOne = new TestStore();
        oneByOne.Time.SetUtcNow(Now);

        await Import(products);
        await Import(sales);
        var imported = await _db.Processor.DrainAsync(CancellationToken.None);

        foreach (var row in Rows(products))
        {
            await Try(() => oneByOne.SetProduct.HandleAsync(new SetProductRequest(ProductId.Parse(row[0]))
            {
                Name = row[1],
                Stock = int.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture),
                Price = Money.Parse(row[3], "product_price"),
                LowStockThreshold = int.Parse(row[4], System.Globalization.CultureInfo.InvariantCulture),
            }, "import: one by one"));
        }

        foreach (var row in Rows(sales))
        {
            await Try(() => oneByOne.RecordSale.HandleAsync(new SaleRequest(SaleId.Parse(row[0]), ProductId.Parse(row[1]), int.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture))
            {
                Date = Timestamp.Parse(row[2], "sale_date"),
                Price = Money.Parse(row[4], "current_price"),
            }));
        }

        var single = await oneByOne.Processor.DrainAsync(CancellationToken.None);

        imported.Should().NotBeEmpty("the generated files sell out, restock and change prices");
        imported.Select(Fingerprint).Should().Equal(single.Select(Fingerprint));
        foreach (var id in Rows(products).Select(r => r[0]).Distinct())
        {
            Stock(id).Should().Be(oneByOne.Store.FindProduct(ProductId.Parse(id))!.Stock, id);
        }
    }

    [Fact]
    public async Task AReturnBeyondTheLargestStock_IsRefusedAsASingleSaleIs()
    {
        _db.Create("BIG", stock: int.MaxValue - 1);

        var summary = await Import("sale_id,product_id,sale_date,quantity\nx1,BIG,2026-11-24,-5\n");

        summary.Rejected.Should().Be(1);
        summary.Errors.Single().Message.Should().Contain($"above {int.MaxValue}");
        Stock("BIG").Should().Be(int.MaxValue - 1);
    }

    [Fact]
    public async Task SalesDatedInTheFuture_AreRefusedOnEveryPath_WithinTheToleranceAccepted()
    {
        _db.Create("F1", stock: 50);

        var summary = await Import("sale_id,product_id,sale_date,quantity\nf1,F1,2030-01-01,1\nf2,F1,2026-11-30T20:00:00Z,1\n");
        var single = () => _db.Sell("F1", 1, "f3", new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero));

        (summary.Accepted, summary.Rejected).Should().Be((1L, 1L));
        summary.Errors.Single().Message.Should().StartWith("sale_date 2030-01-01T00:00:00Z is more than 1 day in the future");
        single.Should().Throw<StockWatchException>().Where(e => e.Field == "sale_date");
        Stock("F1").Should().Be(49);
    }

    // ---- 4. and 5. What the file says, read as its owner means it -----------------------------------------------------

    [Fact]
    public async Task SalesFileWithoutDates_IsDatedNowAndSaysSo_RefusedAsHistory()
    {
        _db.Create("D1", stock: 10);

        var summary = await Import("product_id,quantity\nD1,2\n");
        var history = () => Import("product_id,quantity\nD1,2\n", new ImportSettings { Stock = StockMode.Ignore });

        summary.Notes.Should().ContainSingle().Which.Should().Contain("no sale_date column");
        _db.Text("SELECT sale_date FROM sales").Should().Be(Timestamp.FormatSortable(Now));
        (await history.Should().ThrowAsync<StockWatchException>()).Which.Field.Should().Be("sale_date");
        _db.Scalar("SELECT COUNT(*) FROM sales").Should().Be(1);
    }

    [Fact]
    public async Task EuropeanSpreadsheet_SemicolonsAndDecimalCommas_IsDetectedAndReadAsWritten()
    {
        var summary = await Import("sep=;\r\nproduct_id;product_name;product_price;stock_count\r\nE1;Mug;2,55;1.200\r\nE2;Lamp;\"1.234,56\";3\r\nE3;Pen;0,99 €;7\r\n");

        (summary.Accepted, summary.Rejected).Should().Be((3L, 0L));
        summary.Notes.Should().ContainSingle().Which.Should().Contain("decimal comma");
        (Product("E1").Price.Value, Product("E1").Stock, Product("E2").Price.Value, Product("E3").Price.Value).Should().Be((2.55m, 1200, 1234.56m, 0.99m));
    }

    [Fact]
    public async Task EuropeanSpreadsheet_WithATypoInOneCell_IsStillReadWithItsDecimalComma_AndOnlyThatRowRefused()
    {
        var summary = await Import("product_id;product_name;product_price;stock_count\nE1;Mug;2,55;12\nE2;Lamp;1.234,56;x\nE3;Pen;0,99 €;7\n");

        (summary.Accepted, summary.Rejected).Should().Be((2L, 1L));
        summary.Errors.Single().Should().Match<RowProblem>(e => e.Line == 3 && e.Column == "stock_count");
        (Product("E1").Price.Value, Product("E3").Price.Value).Should().Be((2.55m, 0.99m));
    }

    [Theory]
    [InlineData("£3.50", 3.50)]
    [InlineData("$4.50 ", 4.50)]
    [InlineData("EUR 4.50", 4.50)]
    [InlineData("4.50 USD", 4.50)]
    [InlineData("\"$1,234.50\"", 1234.50)]
    public async Task PriceWithACurrency_IsRead(string cell, decimal price)
    {
        var summary = await Import($"product_id,product_name,product_price\nC1,Cup,{cell}\n");

        summary.Rejected.Should().Be(0);
        Product("C1").Price.Value.Should().Be(price);
    }

    [Theory]
    [InlineData(',', "2.55", "not a number written with a decimal comma")]
    [InlineData('.', "2,55", "not a number written with a decimal point")]
    [InlineData(',', "1.5", "not a number written with a decimal comma")]
    public async Task ACellThatFitsNeitherReading_IsRejectedNamingTheOption_NeverReadAtAnotherMagnitude(char separator, string cell, string reason)
    {
        var summary = await Import($"product_id;product_name;product_price\nC1;Cup;{cell}\n", new ImportSettings { DecimalSeparator = separator });

        summary.Rejected.Should().Be(1);
        summary.Errors.Single().Message.Should().Contain(reason).And.Contain("--decimal-separator");
        _db.Scalar("SELECT COUNT(*) FROM products").Should().Be(0);
    }

    [Fact]
    public async Task SeveralDateFormats_AreTriedInOrder()
    {
        _db.Create("85123A", stock: 100);

        var summary = await Import("product_id,sale_date,quantity\n85123A,12/06/2010 10:08,1\n85123A,2/20/11 11:39,2\n85123A,2011-02-20,3\n",
            new ImportSettings { DateFormats = ["MM/dd/yyyy HH:mm", "M/d/yy HH:mm"] });

        (summary.Accepted, summary.Rejected).Should().Be((2L, 1L));
        summary.Errors.Single().Message.Should().Contain("MM/dd/yyyy HH:mm or M/d/yy HH:mm");
        _db.Text("SELECT group_concat(sale_date, ' ') FROM (SELECT sale_date FROM sales ORDER BY sale_date)")
            .Should().Be("2010-12-06T10:08:00.0000000Z 2011-02-20T11:39:00.0000000Z");
    }

    // ---- 6. A history import leaves a usable catalogue ---------------------------------------------------------------

    [Fact]
    public async Task HistoryWithNewProducts_TakesTheLatestNameAndPrice_RaisesNoStockAlert_UntilStockIsSet()
    {
        var summary = await Import("product_id,product_name,sale_date,quantity,current_price\n"
            + "85123A,WHITE HANGING HEART,2010-12-01T08:26:00Z,6,2.55\n85123A,WHITE HANGING HEART T-LIGHT HOLDER,2011-12-09T12:00:00Z,4,2.95\n"
            + "85123A,OLD NAME,2011-06-01T00:00:00Z,1,2.40\n",
            new ImportSettings { Stock = StockMode.Ignore, CreateProducts = true });
        var history = await _db.Processor.DrainAsync(CancellationToken.None);

        (summary.Accepted, summary.CreatedProducts).Should().Be((3L, 1L));
        Product("85123A").Should().Match<Product>(p => p.Name == "WHITE HANGING HEART T-LIGHT HOLDER" && p.Price.Value == 2.95m && !p.StockCounted);
        history.Should().BeEmpty("nothing is known of its stock");
        _db.Store.Summary(Now).Should().Match<CatalogSummary>(s => s.LowStock == 0 && s.OutOfStock == 0);
        Product("85123A").StockStatus(10).Should().Be("not_counted");

        _db.Set(new SetProductRequest(ProductId.Parse("85123A")) { Stock = 3 });
        var counted = await _db.Processor.DrainAsync(CancellationToken.None);

        counted.Select(a => a.Type.ToWire()).Should().Equal("LOW_STOCK");
        Product("85123A").StockStatus(10).Should().Be("low");
    }

    [Fact]
    public async Task ASingleSaleOfAProductWhoseStockIsNotCounted_RecordsTheSale_AndKeepsTheProduct()
    {
        await Import("product_id,product_name,sale_date,quantity,current_price\nNEW1,New thing,2026-11-20T10:00:00Z,2,3.00\n",
            new ImportSettings { Stock = StockMode.Ignore, CreateProducts = true });

        var sale = _db.Sell("NEW1", 1, "x1");
        var alerts = await _db.Processor.DrainAsync(CancellationToken.None);

        sale.Sale.StockAfter.Should().BeNull();
        Product("NEW1").Should().Match<Product>(p => !p.StockCounted && p.Name == "New thing");
        alerts.Should().BeEmpty();
        _db.Scalar("SELECT COUNT(*) FROM sales").Should().Be(2);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------------

    private static (string Products, string Sales) GeneratedFiles(Random random)
    {
        var products = new StringBuilder("product_id,product_name,stock_count,product_price,low_stock_threshold\n");
        var ids = Enumerable.Range(0, 1 + random.Next(4)).Select(i => $"G{i}").ToList();
        foreach (var _ in Enumerable.Range(0, ids.Count + random.Next(3)))
        {
            // Repeated ids in one file: the last row wins, one change per row.
            products.Append($"{ids[random.Next(ids.Count)]},Name {random.Next(2)},{random.Next(12)},{1 + random.Next(3)}.50,{random.Next(5)}\n");
        }

        var sales = new StringBuilder("sale_id,product_id,sale_date,quantity,current_price\n");
        for (var i = 0; i < 10 + random.Next(30); i++)
        {
            var quantity = random.Next(10) == 0 ? -(1 + random.Next(8)) : 1 + random.Next(4);
            var saleId = random.Next(8) == 0 ? $"s{random.Next(Math.Max(1, i))}" : $"s{i}";
            sales.Append($"{saleId},{ids[random.Next(ids.Count)]},2026-11-{10 + random.Next(19)}T{random.Next(24):D2}:00:00Z,{quantity},{1 + random.Next(3)}.50\n");
        }

        return (products.ToString(), sales.ToString());
    }

    private static IEnumerable<string[]> Rows(string file) => file.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Split(','));

    private static string Fingerprint(Alert alert) => $"{alert.ProductId} {alert.Type.ToWire()} {System.Text.Json.JsonSerializer.Serialize(alert.Details)}";

    private static async Task Try(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (StockWatchException)
        {
        }
    }

    private int Stock(string id) => Product(id).Stock;

    private Product Product(string id) => _db.Store.FindProduct(ProductId.Parse(id))!;

    // ---- Parts: an import that pauses after every batch and continues from its checkpoint -----------------------------

    [Theory]
    [InlineData("products")]
    [InlineData("sales")]
    public async Task AFileImportedInParts_FromCheckpointsThroughJson_GivesTheSummaryAndDataOfOneRun(string kind)
    {
        // Repeats across batches of 256 rows: a product named again (a warning naming its first line), identical unnamed
        // sales (each its own sale), products to create from sales history whose latest row comes late.
        var file = new StringBuilder(kind == "products" ? "product_id,product_name,stock_count,product_price\n" : "product_id,product_name,sale_date,quantity,current_price\n");
        for (var i = 0; i < 900; i++)
        {
            file.Append(kind == "products"
                ? $"P{i % 700:D4},Name {i},{i % 50},{(i % 7 == 0 ? "x" : "1.50")}\n"
                : $"P{i % 30:D2},Name {i},2026-11-{10 + (i % 7):D2}T09:00:00Z,{(i % 11 == 0 ? "many" : (1 + (i % 2)).ToString(System.Globalization.CultureInfo.InvariantCulture))},2.50\n");
        }

        var bytes = Encoding.UTF8.GetBytes(file.ToString());
        var settings = kind == "products" ? new ImportSettings() : new ImportSettings { CreateProducts = true, Stock = StockMode.Ignore };
        using var whole = new TestStore();
        whole.Time.SetUtcNow(Now);
        var once = await new ImportFile(whole.Store, whole.Time, whole.ImportOptions).HandleAsync(new MemoryStream(bytes), settings, "imp-1", "file.csv");

        var importFile = new ImportFile(_db.Store, _db.Time, _db.ImportOptions);
        ImportCheckpoint? checkpoint = null;
        var parts = 0;
        ImportPart part;
        do
        {
            part = await importFile.HandlePartAsync(new MemoryStream(bytes), settings, "imp-1", "file.csv", checkpoint, pause: () => true);
            parts++;
            if (part.Next is { } next)
            {
                // Through its JSON, as the Import function keeps it between invocations.
                var json = new MemoryStream();
                await next.WriteAsync(json, TestContext.Current.CancellationToken);
                json.Position = 0;
                checkpoint = await ImportCheckpoint.ReadAsync(json, TestContext.Current.CancellationToken);
            }
        }
        while (part.Next is not null);

        parts.Should().Be(4, "900 rows are four batches of 256");
        System.Text.Json.JsonSerializer.Serialize(part.Summary, ImportSummary.Json).Should().Be(System.Text.Json.JsonSerializer.Serialize(once, ImportSummary.Json));
        (once.Rejected, once.Warned > 0 || kind == "sales").Should().Be((kind == "products" ? 129L : 82L, true));
        string Catalogue(TestStore store) => string.Join("\n", store.Store.ListProducts(new ProductQuery()).Select(p =>
            $"{p.Id}|{p.Name}|{p.Price}|{p.Stock}|{p.StockCounted}|{string.Join(",", store.Store.ListSales(new SaleQuery(p.Id, Limit: 1000)).Select(sale => sale.Id.Value).Order(StringComparer.Ordinal))}"));
        Catalogue(_db).Should().Be(Catalogue(whole), "the same products, and the same sales under the same ids");
    }

    private Task<ImportSummary> Import(string csv, ImportSettings? settings = null, Encoding? encoding = null) =>
        Import((encoding ?? new UTF8Encoding(false)).GetBytes(csv), settings, encoding);

    private Task<ImportSummary> Import(byte[] file, ImportSettings? settings = null, Encoding? encoding = null)
    {
        var bytes = encoding is UTF8Encoding { Preamble.Length: > 0 } ? [.. encoding.Preamble, .. file] : file;
        return new ImportFile(_db.Store, _db.Time, _db.ImportOptions).HandleAsync(new MemoryStream(bytes), settings ?? new ImportSettings(), $"imp-{++_imports}", "file.csv");
    }
}
