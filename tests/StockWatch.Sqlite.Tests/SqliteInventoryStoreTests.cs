using System.Text;
using Microsoft.Data.Sqlite;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Sales;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

public sealed class SqliteInventoryStoreTests : IDisposable
{
    private readonly TestStore _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void RecordSale_SameSaleIdTwice_ReturnsTheOriginalAndChangesNothing()
    {
        _db.Create(stock: 5);
        var first = _db.Sell("85123A", 2, "S1");
        _db.Time.Advance(TimeSpan.FromMinutes(5));

        var again = _db.Sell("85123A", 2, "S1");

        again.Replayed.Should().BeTrue();
        again.Sale.Should().Be(first.Sale);
        _db.Store.FindProduct(ProductId.Parse("85123A"))!.Stock.Should().Be(3);
        _db.Scalar("SELECT COUNT(*) FROM sales").Should().Be(1);
        _db.Scalar("SELECT COUNT(*) FROM changes").Should().Be(2, "one for the create, one for the sale");
    }

    [Fact]
    public void RecordSale_ShortStock_IsRefusedAndWritesNothing()
    {
        _db.Create(stock: 2);

        var act = () => _db.Sell("85123A", 3, "S1");

        act.Should().Throw<StockWatchException>().Where(e => e.Kind == ErrorKind.Conflict);
        _db.Store.FindProduct(ProductId.Parse("85123A"))!.Stock.Should().Be(2);
        _db.Scalar("SELECT COUNT(*) FROM sales").Should().Be(0);
        _db.Scalar("SELECT COUNT(*) FROM changes").Should().Be(1);
    }

    [Fact]
    public void RecordSale_Return_PutsStockBackAndIsStoredNegative()
    {
        _db.Create(stock: 0);

        var decision = _db.Sell("85123A", -4, "R1");

        decision.ProductAfter!.Stock.Should().Be(4);
        _db.Scalar("SELECT quantity FROM sales WHERE sale_id = 'R1'").Should().Be(-4);
    }

    [Fact]
    public void WriteProduct_StaleExpectedVersion_IsRefusedAndWritesNothing()
    {
        var created = _db.Create();
        _db.Move(created.Id, StockMovement.By(-1, "count"));

        var act = () => _db.Set(new SetProductRequest(created.Id) { Name = "Renamed", ExpectedVersion = created.Version }, "test");

        act.Should().Throw<StockWatchException>().Where(e => e.Kind == ErrorKind.PreconditionFailed);
        _db.Store.FindProduct(created.Id)!.Should().Match<Product>(p => p.Name == created.Name && p.Version == 2);
    }

    [Fact]
    public void WriteProduct_MatchingExpectedVersion_WritesTheNextVersion()
    {
        var created = _db.Create();

        var write = _db.Set(new SetProductRequest(created.Id) { Name = "Renamed", ExpectedVersion = 1 }, "test");

        write.After!.Version.Should().Be(2);
        _db.Store.FindProduct(created.Id)!.Name.Should().Be("Renamed");
    }

    [Fact]
    public void WriteProduct_UnchangedContent_WritesNoChangeRecordAndKeepsTheVersion()
    {
        var created = _db.Create(price: 2.55m);

        var write = _db.Set(new SetProductRequest(created.Id) { Price = Money.From(2.5500m, "p"), Name = created.Name }, "test");

        write.Changed.Should().BeFalse();
        _db.Store.FindProduct(created.Id)!.Version.Should().Be(1);
        _db.Scalar("SELECT COUNT(*) FROM changes").Should().Be(1);
    }

    [Fact]
    public void EveryKindOfWrite_AppendsExactlyOneStampedChangeRecordInOrder()
    {
        var id = _db.Create(stock: 20).Id;
        _db.Time.Advance(TimeSpan.FromSeconds(1));
        _db.Set(new SetProductRequest(id) { Price = Money.From(3m, "p") }, "api");
        _db.Move(id, StockMovement.To(15, "count"));
        _db.Sell(id.Value, 5, "S1");
        _db.Delete(id, "cli");

        using var connection = new SqliteConnection($"Data Source={_db.Database.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        // Only the old image is stored; the new one is the next change's old image, or the product's row.
        command.CommandText = $"""
            SELECT c.kind, c.cause, c.changed_at, json_extract(c.old_image, '$.stock_count'), json_extract({Rows.NewImage}, '$.stock_count'),
                c.new_image IS NULL
            FROM changes c ORDER BY c.seq
            """;
        using var reader = command.ExecuteReader();
        List<string> rows = [];
        while (reader.Read())
        {
            reader.GetBoolean(5).Should().BeTrue("no change stores its new image");
            rows.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)} {(reader.IsDBNull(3) ? "-" : reader.GetInt64(3))} {(reader.IsDBNull(4) ? "-" : reader.GetInt64(4))}");
        }

        rows.Should().Equal(
            "INSERT test 2026-11-19T17:00:00.0000000Z - 20",
            "MODIFY api 2026-11-19T17:00:01.0000000Z 20 20",
            "MODIFY stock: count 2026-11-19T17:00:01.0000000Z 20 15",
            "MODIFY sale: S1 2026-11-19T17:00:01.0000000Z 15 10",
            "REMOVE cli 2026-11-19T17:00:01.0000000Z 10 -");
    }

    [Fact]
    public void ChangeTrigger_AWriteThatBypassesTheStore_FailsInsteadOfLeavingAnUnstampedChange()
    {
        _db.Create(stock: 20);

        using var connection = new SqliteConnection($"Data Source={_db.Database.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE products SET stock_count = 0";
        var act = () => command.ExecuteNonQuery();

        act.Should().Throw<SqliteException>().WithMessage("*sw_change_time*");
        _db.Scalar("SELECT stock_count FROM products").Should().Be(20);
    }

    [Fact]
    public async Task MoveStock_ConcurrentWritersOnTheirOwnConnections_LoseNoUpdate()
    {
        var id = _db.Create(stock: 400).Id;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                _db.Move(id, StockMovement.By(-1, "pick"));
            }
        }, TestContext.Current.CancellationToken)));

        _db.Store.FindProduct(id)!.Should().Match<Product>(p => p.Stock == 0 && p.Version == 401);
        _db.Scalar("SELECT COUNT(*) FROM changes").Should().Be(401);
    }

    [Fact]
    public void ListProducts_LowStockOnly_UsesEachThresholdOrTheDefault()
    {
        _db.Create("A", stock: 5, threshold: 4);
        _db.Create("B", stock: 5, threshold: null);
        _db.Create("C", stock: 11, threshold: null);
        _db.Create("D", stock: 0, threshold: 0);

        var low = _db.Store.ListProducts(new ProductQuery(LowStockOnly: true));

        low.Select(p => p.Id.Value).Should().Equal("B", "D");
    }

    [Fact]
    public void ListProducts_Paged_VisitsEveryProductOnceInIdOrder()
    {
        foreach (var id in new[] { "b", "a", "BANK CHARGES", "85123A", "c" })
        {
            _db.Create(id);
        }

        var first = _db.Store.ListProducts(new ProductQuery(Limit: 2));
        var second = _db.Store.ListProducts(new ProductQuery(Limit: 2, After: first[^1].Id));
        var third = _db.Store.ListProducts(new ProductQuery(Limit: 2, After: second[^1].Id));

        first.Concat(second).Concat(third).Select(p => p.Id.Value).Should().Equal("85123A", "BANK CHARGES", "a", "b", "c");
    }

    public static TheoryData<ProductSort, bool> Sorts() => new()
    {
        { ProductSort.Id, false }, { ProductSort.Id, true }, { ProductSort.Name, false }, { ProductSort.Name, true },
        { ProductSort.Category, false }, { ProductSort.Stock, false }, { ProductSort.Stock, true }, { ProductSort.Price, false }, { ProductSort.Price, true },
    };

    [Theory]
    [MemberData(nameof(Sorts))]
    public void ListProducts_PagedInAnySort_VisitsEveryProductOnceInThatOrder(ProductSort sort, bool descending)
    {
        // Ties in every sort column, mixed case in the names: the id breaks ties and each page starts after the last.
        var random = new Random(7);
        List<Product> all = [];
        for (var i = 0; i < 23; i++)
        {
            all.Add(_db.Set(new SetProductRequest(ProductId.Parse($"P{random.Next(1000):D3}-{i}"))
            {
                Name = (i % 3) switch { 0 => "apple", 1 => "Apple", _ => $"Zed {i % 4}" },
                Category = i % 2 == 0 ? "Tools" : "garden",
                Stock = random.Next(4),
                Price = Money.From(random.Next(3), "product_price"),
            }).After!);
        }

        List<Product> seen = [];
        Product? last = null;
        do
        {
            var page = _db.Store.ListProducts(new ProductQuery(Limit: 4, After: last?.Id) { Sort = sort, Descending = descending, AfterValue = last is null ? null : sort.ValueOf(last) });
            seen.AddRange(page);
            last = page.Count == 4 ? page[^1] : null;
        }
        while (last is not null);

        IComparer<Product> order = Comparer<Product>.Create((a, b) =>
        {
            var bySort = sort switch
            {
                ProductSort.Name => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase),
                ProductSort.Category => string.Compare(a.Category, b.Category, StringComparison.OrdinalIgnoreCase),
                ProductSort.Stock => a.Stock.CompareTo(b.Stock),
                ProductSort.Price => a.Price.Value.CompareTo(b.Price.Value),
                _ => 0,
            };
            var compared = bySort != 0 ? bySort : string.CompareOrdinal(a.Id.Value, b.Id.Value);
            return descending ? -compared : compared;
        });
        seen.Select(p => p.Id.Value).Should().Equal(all.Order(order).Select(p => p.Id.Value));
    }

    [Fact]
    public void ListProducts_Search_MatchesPartOfTheIdOrName_WithLikeCharactersTakenLiterally()
    {
        _db.Create("MUG-1");
        _db.Set(new SetProductRequest(ProductId.Parse("X-2")) { Name = "Coffee mug, 100% porcelain", Stock = 1 });
        _db.Set(new SetProductRequest(ProductId.Parse("X-3")) { Name = "Teapot_large", Stock = 1 });
        _db.Create("X-4");

        Ids(new ProductQuery { Search = "mug" }).Should().Equal("MUG-1", "X-2");
        Ids(new ProductQuery { Search = "100%" }).Should().Equal("X-2");
        Ids(new ProductQuery { Search = "%" }).Should().Equal("X-2");
        Ids(new ProductQuery { Search = "a_g" }).Should().BeEmpty("_ is a character here, not a wildcard (it would match \"arg\")");
        Ids(new ProductQuery { Search = "pot_" }).Should().Equal("X-3");
    }

    private List<string> Ids(ProductQuery query) => [.. _db.Store.ListProducts(query).Select(p => p.Id.Value)];

    [Fact]
    public void CatalogViews_SummaryHistoryAndSales_ReadWhatWasWritten()
    {
        _db.Create("A", stock: 3, threshold: 5, price: 2.5m);
        _db.Create("B", stock: 0, threshold: 5, price: 1m);
        _db.Create("C", stock: 40, threshold: null, price: 0.25m);
        _db.Sell("A", 2, "S1");
        _db.Time.Advance(TimeSpan.FromDays(8));
        _db.Sell("C", 4, "S2");
        _db.Sell("C", 1, "S3");

        var summary = _db.Store.Summary(_db.Time.GetUtcNow());
        (summary.Products, summary.LowStock, summary.OutOfStock, summary.InventoryValue, summary.UnitsSoldLast7Days)
            .Should().Be((3, 1, 1, 1 * 2.5m + 35 * 0.25m, 5), "A at 1 is low, B at 0 is out (not also low); S1 is older than 7 days");
        summary.Categories.Should().Equal(new CategoryCount("Uncategorized", 3));

        _db.Store.History(ProductId.Parse("C"), 10).Select(p => (p.Kind, p.Stock, p.Price)).Should().Equal(
            ("INSERT", 40, 0.25m), ("MODIFY", 36, 0.25m), ("MODIFY", 35, 0.25m));
        _db.Store.History(ProductId.Parse("C"), 2).Select(p => p.Stock).Should().Equal(36, 35);
        _db.Store.ListSales(new SaleQuery(ProductId.Parse("C"), Limit: 10)).Select(s => s.Id.Value).Should().Equal("S3", "S2");
        _db.Store.UnitsSold([ProductId.Parse("A"), ProductId.Parse("C"), ProductId.Parse("B")], _db.Time.GetUtcNow() - TimeSpan.FromDays(28), _db.Time.GetUtcNow())
            .Should().BeEquivalentTo(new Dictionary<ProductId, long> { [ProductId.Parse("A")] = 2, [ProductId.Parse("C")] = 5 });
    }

    [Fact]
    public async Task ListAlerts_FiltersByTimeProductAndType_PagesBackByIdAndCountsEachType()
    {
        _db.Create("A", stock: 20, threshold: 10);
        _db.Create("B", stock: 20, threshold: 10);
        _db.Sell("A", 15);                                   // A: LOW_STOCK
        _db.Time.Advance(TimeSpan.FromDays(1));
        var dayTwo = _db.Time.GetUtcNow();
        _db.Sell("B", 20);                                   // B: LOW_STOCK and OUT_OF_STOCK
        _db.Sell("A", 5);                                    // A: OUT_OF_STOCK
        _db.Time.Advance(TimeSpan.FromDays(1));
        var dayThree = _db.Time.GetUtcNow();
        _db.Move(ProductId.Parse("A"), StockMovement.By(30, "delivery")); // A: BACK_IN_STOCK
        await _db.Processor.DrainAsync(TestContext.Current.CancellationToken);

        static string[] Of(IEnumerable<Alert> alerts) => [.. alerts.Select(a => $"{a.ProductId}:{a.Type.ToWire()}")];
        var all = _db.Store.ListAlerts(new AlertQuery(Since: Builders.T0));
        Of(all).Should().Contain(["A:PRODUCT_ADDED", "A:LOW_STOCK", "B:OUT_OF_STOCK", "A:OUT_OF_STOCK", "A:BACK_IN_STOCK"]);
        Of(_db.Store.ListAlerts(new AlertQuery(Since: dayTwo) { Until = dayThree })).Should().Equal("B:LOW_STOCK", "B:OUT_OF_STOCK", "A:OUT_OF_STOCK");
        Of(_db.Store.ListAlerts(new AlertQuery(ProductId: ProductId.Parse("A"), Type: AlertType.OutOfStock))).Should().Equal("A:OUT_OF_STOCK");
        var newestTwo = _db.Store.ListAlerts(new AlertQuery(Limit: 2));
        var olderTwo = _db.Store.ListAlerts(new AlertQuery(Limit: 2) { BeforeId = newestTwo[0].Id });
        Of(olderTwo.Concat(newestTwo)).Should().Equal(Of(all.TakeLast(4)), "the page before ends where the newest began");

        var counts = _db.Store.CountAlerts(new AlertQuery(Type: AlertType.LowStock, Limit: 1) { Until = dayThree });
        counts.Should().BeEquivalentTo(new Dictionary<AlertType, long>
        {
            [AlertType.ProductAdded] = 2, [AlertType.LowStock] = 2, [AlertType.OutOfStock] = 2,
        }, "type and limit are ignored; the time filter is not");
        _db.Store.CountAlerts(new AlertQuery(ProductId: ProductId.Parse("B"))).Values.Sum().Should().Be(3);
    }

    [Fact]
    public void ListSales_FiltersByProductAndPeriod_NewestFirstWithinTheLimit()
    {
        _db.Create("A", stock: 100);
        _db.Create("B", stock: 100);
        var t = Builders.T0;
        _db.Sell("A", 1, "S1", t.AddDays(-3));
        _db.Sell("B", 1, "S2", t.AddDays(-2));
        _db.Sell("A", 1, "S3", t.AddDays(-1));
        _db.Sell("A", 1, "S4", t.AddDays(-1));

        static string[] Ids(IEnumerable<Sale> sales) => [.. sales.Select(s => s.Id.Value)];
        Ids(_db.Store.ListSales(new SaleQuery())).Should().Equal("S4", "S3", "S2", "S1");
        Ids(_db.Store.ListSales(new SaleQuery(ProductId.Parse("A"), Since: t.AddDays(-3), Until: t.AddDays(-1)))).Should().Equal("S1");
        Ids(_db.Store.ListSales(new SaleQuery(Since: t.AddDays(-2)))).Should().Equal("S4", "S3", "S2");
        Ids(_db.Store.ListSales(new SaleQuery(Limit: 1))).Should().Equal(new[] { "S4" }, "the later recorded of two at the same time comes first");
    }

    [Fact]
    public void Product_RoundTripsEveryField()
    {
        var written = _db.Set(new SetProductRequest(ProductId.Parse("Ünïcödé 日本 💡"))
        {
            Name = "Café \"quoted\", with comma",
            Category = "Home & Garden",
            Stock = int.MaxValue,
            Price = Money.From(1_000_000_000m, "p"),
            LowStockThreshold = 0,
        }, "test").After!;

        _db.Store.FindProduct(written.Id).Should().Be(written);
    }

    [Fact]
    public async Task Import_WritesTheChangeRecordsTheTriggersWould_AndLeavesTheTriggersOnForLaterWrites()
    {
        _db.Create("A", stock: 5);
        var file = "product_id,product_name,stock_count\nA,Apple,7\nB,\"Bread, \"\"brown\"\"\",3\nA,Apple,8\n"u8.ToArray();

        await new ImportFile(_db.Store, _db.Time, _db.ImportOptions).HandleAsync(new MemoryStream(file), new ImportSettings(), "imp-1", "f.csv");
        _db.Move(ProductId.Parse("A"), StockMovement.By(-1, "count"));

        _db.Text("SELECT group_concat(kind || ' ' || cause, '; ') FROM (SELECT * FROM change_log WHERE product_id = 'A' ORDER BY seq)")
            .Should().Be("INSERT test; MODIFY import: imp-1; MODIFY import: imp-1; MODIFY stock: count");

        // The old image an import writes is the text the triggers' json_object writes for the same row.
        var asTheTriggersWrite = _db.Text("""
            SELECT json_object('product_id', product_id, 'product_name', product_name, 'product_category', product_category,
                'stock_count', stock_count, 'product_price_e4', product_price_e4, 'low_stock_threshold', low_stock_threshold,
                'version', version, 'updated_at', updated_at, 'stock_counted', stock_counted) FROM products WHERE product_id = 'B'
            """);
        await new ImportFile(_db.Store, _db.Time, _db.ImportOptions).HandleAsync(new MemoryStream("product_id,stock_count\nB,4\n"u8.ToArray()), new ImportSettings(), "imp-2", "g.csv");
        _db.Text("SELECT old_image FROM changes WHERE product_id = 'B' AND kind = 'MODIFY'").Should().Be(asTheTriggersWrite);
        _db.Scalar("SELECT COUNT(*) FROM changes WHERE new_image IS NOT NULL").Should().Be(0);
    }

    [Fact]
    public async Task Import_IdsInAnyOrderWithRepeats_WritesEachProductWithItsLastRow()
    {
        // Ids above every stored one are not looked up; a repeat, a lower id or a non-ASCII one always is.
        _db.Create("M", stock: 5);
        var file = "product_id,product_name,stock_count\nZ1,Zed,1\nA1,Ay,2\nZ1,Zed,3\nÄ1,Umlaut,4\nM,Em,6\nÄ1,Umlaut,7\nZ2,Zed two,8\n"u8.ToArray();

        var summary = await new ImportFile(_db.Store, _db.Time, _db.ImportOptions).HandleAsync(new MemoryStream(file), new ImportSettings(), "imp-order", "order.csv");

        summary.Rejected.Should().Be(0);
        summary.CreatedProducts.Should().Be(4);
        _db.Text("SELECT group_concat(product_id || '=' || stock_count, ' ') FROM (SELECT * FROM products ORDER BY product_id)")
            .Should().Be("A1=2 M=6 Z1=3 Z2=8 Ä1=7");
        _db.Text("SELECT group_concat(product_id || ' ' || kind, ', ') FROM (SELECT * FROM change_log WHERE cause = 'import: imp-order' ORDER BY seq)")
            .Should().Be("Z1 INSERT, A1 INSERT, Z1 MODIFY, Ä1 INSERT, M MODIFY, Ä1 MODIFY, Z2 INSERT");
    }

    [Fact]
    public async Task Import_StoresItsTimeAndCauseOnce_AndEveryChangeReadsThemThroughTheChangeLog()
    {
        _db.Create("A", stock: 5);
        var import = new ImportFile(_db.Store, _db.Time, _db.ImportOptions);
        var file = "product_id,product_name,stock_count\nA,Apple,7\nB,Bread,3\nC,Cake,1\n"u8.ToArray();
        _db.Time.Advance(TimeSpan.FromMinutes(5));

        await import.HandleAsync(new MemoryStream(file), new ImportSettings(), "imp-1", "f.csv");
        await import.HandleAsync(new MemoryStream(file), new ImportSettings(), "imp-again", "f.csv");

        _db.Text("SELECT group_concat(changed_at || ' ' || cause, '; ') FROM change_stamps")
            .Should().Be("2026-11-19T17:05:00.0000000Z import: imp-1", "one stamp per import that changed something");
        _db.Scalar("SELECT COUNT(*) FROM changes WHERE stamp IS NOT NULL AND changed_at IS NULL AND cause IS NULL").Should().Be(3);
        _db.Text("SELECT group_concat(product_id || ' ' || kind || ' ' || changed_at || ' ' || cause, '; ') FROM (SELECT * FROM change_log ORDER BY seq)")
            .Should().Be("A INSERT 2026-11-19T17:00:00.0000000Z test; A MODIFY 2026-11-19T17:05:00.0000000Z import: imp-1; "
                + "B INSERT 2026-11-19T17:05:00.0000000Z import: imp-1; C INSERT 2026-11-19T17:05:00.0000000Z import: imp-1");
        _db.Store.History(ProductId.Parse("A"), 10).Select(p => $"{p.Cause} {p.Stock}").Should().Equal("test 5", "import: imp-1 7");

        // A change names either its own time and cause or a stamp, never both nor neither.
        var both = () => _db.Scalar("INSERT INTO changes (product_id, kind, changed_at, cause, stamp, sales_mark) VALUES ('A', 'MODIFY', 't', 'c', 1, 0)");
        both.Should().Throw<Microsoft.Data.Sqlite.SqliteException>().WithMessage("*CHECK constraint failed*");
        var neither = () => _db.Scalar("INSERT INTO changes (product_id, kind, sales_mark) VALUES ('A', 'MODIFY', 0)");
        neither.Should().Throw<Microsoft.Data.Sqlite.SqliteException>().WithMessage("*CHECK constraint failed*");
    }

    [Fact]
    public async Task Import_LargeSalesFileWithoutSaleIds_NamesEachSaleByWhatItSays_AndImportedAgainChangesNothing()
    {
        // The file is hashed for its name after the reader has read ahead: every row must still be read, once.
        _db.Create("A", stock: 1_000_000);
        var rows = 30_000;
        var bytes = Encoding.UTF8.GetBytes("product_id,quantity,sale_date\n" + string.Concat(Enumerable.Range(0, rows).Select(i => $"A,1,2026-11-{1 + (i % 18):D2}\n")));
        var import = new ImportFile(_db.Store, _db.Time, _db.ImportOptions);

        var first = await import.HandleAsync(new MemoryStream(bytes), new ImportSettings(), "imp-s1", "sales.csv");
        var again = await import.HandleAsync(new MemoryStream(bytes), new ImportSettings(), "imp-s2", "sales.csv");

        (first.Accepted, again.Unchanged, again.Accepted).Should().Be((rows, rows, 0));
        _db.Scalar("SELECT COUNT(*) FROM sales").Should().Be(rows);
        _db.Scalar("SELECT COUNT(*) FROM sales WHERE sale_id GLOB 'row-*-*'").Should().Be(rows, "each sale is named by what it says");
        _db.Store.FindProduct(ProductId.Parse("A"))!.Stock.Should().Be(1_000_000 - rows);
    }

    [Fact]
    public async Task Import_RepeatsOfIdsInAndOutOfOrder_EachWarnedWithTheLineThatNamedItFirst()
    {
        // B, D, F and H come in ascending order; A and C do not. A repeat of either kind is found, and so is a repeat
        // of an id that sorts between two ascending ones without being one of them.
        var file = "product_id,product_name,stock_count\nB,Bee,1\nD,Dee,2\nA,Ay,3\nF,Eff,4\nD,Dee,5\nA,Ay,6\nC,Cee,7\nH,Aitch,8\nC,Cee,9\nB,Bee,10\n"u8.ToArray();

        var summary = await new ImportFile(_db.Store, _db.Time, _db.ImportOptions).HandleAsync(new MemoryStream(file), new ImportSettings(), "imp-rep", "rep.csv");

        summary.Warnings.Select(w => (w.Line, w.Message)).Should().Equal(
            (6, "Product D appears again (first on line 3); each row is applied in turn (with its alerts), so the last one stays."),
            (7, "Product A appears again (first on line 4); each row is applied in turn (with its alerts), so the last one stays."),
            (10, "Product C appears again (first on line 8); each row is applied in turn (with its alerts), so the last one stays."),
            (11, "Product B appears again (first on line 2); each row is applied in turn (with its alerts), so the last one stays."));
        summary.CreatedProducts.Should().Be(6);
        _db.Text("SELECT group_concat(product_id || '=' || stock_count, ' ') FROM (SELECT * FROM products ORDER BY product_id)")
            .Should().Be("A=6 B=10 C=9 D=5 F=4 H=8");
    }

    [Fact]
    public async Task Import_SortedIdsSpreadOverALargerCatalogue_FindsEveryStoredProduct()
    {
        // A batch's ascending ids are read in one scan of at most twice as many rows; here the span holds ten times as
        // many, so the scan stops early and the ids past it are looked up one by one.
        var import = new ImportFile(_db.Store, _db.Time, _db.ImportOptions);
        var all = string.Concat(Enumerable.Range(0, 10_000).Select(i => $"P{i:D5},Product {i},{i % 90}\n"));
        await import.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes("product_id,product_name,stock_count\n" + all)), new ImportSettings(), "imp-all", "all.csv");
        var every10th = string.Concat(Enumerable.Range(0, 1_000).Select(i => i * 10).Select(i => $"P{i:D5},Product {i},{(i % 20 == 0 ? 500 : i % 90)}\n"));

        var summary = await import.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes("product_id,product_name,stock_count\n" + every10th)), new ImportSettings(), "imp-some", "some.csv");

        (summary.Accepted, summary.Unchanged, summary.CreatedProducts).Should().Be((500, 500, 0));
        _db.Scalar("SELECT COUNT(*) FROM products WHERE stock_count = 500").Should().Be(500);
        _db.Scalar("SELECT COUNT(*) FROM change_log WHERE cause = 'import: imp-some' AND kind = 'MODIFY'").Should().Be(500);
    }

    [Fact]
    public async Task Import_SortedIdsAmongStoredOnesTheFileLeavesOut_TouchesOnlyItsOwn()
    {
        // The scan of A1..B1 also meets A2 and AÄ (sorted after Az, as SQLite sorts UTF-8), which the file does not name.
        var import = new ImportFile(_db.Store, _db.Time, _db.ImportOptions);
        await import.HandleAsync(new MemoryStream("product_id,product_name,stock_count\nA1,One,1\nA2,Two,2\nAÄ,Umlaut,3\nB1,Bee,4\n"u8.ToArray()),
            new ImportSettings(), "imp-1", "first.csv");

        var summary = await import.HandleAsync(new MemoryStream("product_id,product_name,stock_count\nA1,One,10\nAz,Zed,5\nB1,Bee,4\n"u8.ToArray()),
            new ImportSettings(), "imp-2", "second.csv");

        (summary.Accepted, summary.Unchanged, summary.CreatedProducts).Should().Be((2, 1, 1));
        _db.Text("SELECT group_concat(product_id || '=' || stock_count, ' ') FROM (SELECT * FROM products ORDER BY product_id)")
            .Should().Be("A1=10 A2=2 Az=5 AÄ=3 B1=4");
    }

    [Fact]
    public async Task Import_FileThatFailsToReadMidway_FailsWholeAndWritesNothing()
    {
        var rows = string.Concat(Enumerable.Range(0, 5000).Select(i => $"P{i},Product {i},{i % 50}\n"));
        var file = new FailingStream(Encoding.UTF8.GetBytes("product_id,product_name,stock_count\n" + rows), failAt: 60_000);

        var act = () => new ImportFile(_db.Store, _db.Time, _db.ImportOptions).HandleAsync(file, new ImportSettings(), "imp-broken", "broken.csv");

        (await act.Should().ThrowAsync<IOException>()).WithMessage("*disk went away*");
        _db.Scalar("SELECT COUNT(*) FROM products").Should().Be(0, "the batches applied before the failure are rolled back with it");
        _db.Scalar("SELECT COUNT(*) FROM changes").Should().Be(0);
        _db.Scalar("SELECT COUNT(*) FROM imports").Should().Be(0);
    }

    [Fact]
    public async Task Import_WriteSqliteRejectsMidStatement_FailsWholeAndWritesNothing()
    {
        // New products go 32 to a statement; the second statement's ninth row is a product already stored (the import's
        // look-ups would have found it; this stands for any write SQLite refuses). The rows before it, in both
        // statements, are undone with the import.
        _db.Create("P40", stock: 5);
        var act = () => _db.Store.ImportAsync(new ChangeStamp(_db.Time.GetUtcNow(), "import: refused"), dryRun: false, session =>
        {
            for (var i = 0; i < 64; i++)
            {
                session.WriteProduct(null, new Product { Id = ProductId.Parse($"P{i:D2}"), Name = $"Product {i}", Category = "c", Stock = i });
            }

            return 0;
        });

        (await act.Should().ThrowAsync<Microsoft.Data.Sqlite.SqliteException>()).WithMessage("*UNIQUE constraint failed: products.product_id*");
        _db.Text("SELECT group_concat(product_id || '=' || stock_count) FROM products").Should().Be("P40=5");
        _db.Scalar("SELECT COUNT(*) FROM change_log WHERE cause = 'import: refused'").Should().Be(0);
    }

    /// <summary>A file whose reads fail past <c>failAt</c> once it is read for the import itself (after hashing and sniffing).</summary>
    private sealed class FailingStream(byte[] content, int failAt) : MemoryStream(content)
    {
        private int _rewinds;

        public override long Position
        {
            get => base.Position;
            set
            {
                _rewinds += value == 0 ? 1 : 0;
                base.Position = value;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Fail() ?? base.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => Fail() ?? base.Read(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        // Fails once the rows are read: after the reader's look at the file's start, which rewinds it.
        private int? Fail() => _rewinds >= 1 && Position >= failAt ? throw new IOException("The disk went away.") : null;
    }
}
