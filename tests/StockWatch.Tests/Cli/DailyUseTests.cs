using System.Text.Json;
using Microsoft.Data.Sqlite;
using StockWatch.Core.Catalog;
using StockWatch.Testing;

namespace StockWatch.Tests.Cli;

/// <summary>What a shop does daily from the CLI: stock deliveries and counts, finding products, reading sales, backups.</summary>
public sealed class DailyUseTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    private Task<Cli.Result> Run(params string[] args) => Cli.RunAsync(_data.Path, args);

    private async Task<JsonElement> Json(params string[] args)
    {
        var result = await Run([.. args, "--json"]);
        result.ExitCode.Should().Be(0, result.Error);
        return JsonDocument.Parse(result.Output).RootElement.Clone();
    }

    [Fact]
    public async Task StockAdjust_AddsAndRemovesUnits_RecordsTheReasonAndRaisesTheAlerts()
    {
        await Run("products", "set", "A", "--name", "Tea", "--stock", "12");

        var delivery = await Run("stock", "adjust", "A", "--by", "+30", "--reason", "delivery 4711");
        var damaged = await Run("stock", "adjust", "A", "--by", "-35", "--reason", "water damage");

        delivery.Output.Should().StartWith("Stock of A +30 (delivery 4711): now 42.");
        damaged.Output.Should().Be("Stock of A -35 (water damage): now 7." + Environment.NewLine
            + "  alert LOW_STOCK: Low stock: A has 7 in stock (threshold 10)" + Environment.NewLine);
        var shown = await Json("products", "show", "A");
        shown.GetProperty("latest_changes").EnumerateArray().Select(c => c.GetProperty("cause").GetString())
            .Should().Equal("stock: water damage", "stock: delivery 4711", "cli");
    }

    [Theory]
    [InlineData(1, "Not enough stock: product A has 5, cannot remove 6.", "A", "--by", "-6")]
    [InlineData(1, "Product B does not exist.", "B", "--by", "1")]
    [InlineData(2, "--by must be a non-zero whole number", "A", "--by", "0")]
    [InlineData(2, "--by must be a non-zero whole number", "A", "--by", "1.5")]
    [InlineData(2, "Option '--by' is required", "A")]
    [InlineData(2, "reason must be at most 200 characters", "A", "--by", "1", "--reason", "a201")]
    public async Task StockAdjust_Refused_SaysWhyAndChangesNothing(int exitCode, string message, params string[] args)
    {
        await Run("products", "set", "A", "--name", "Tea", "--stock", "5");
        args = [.. args.Select(a => a == "a201" ? new string('a', 201) : a)];

        var result = await Run(["stock", "adjust", .. args]);

        (result.ExitCode, result.Error).Should().Match<(int Code, string Error)>(r => r.Code == exitCode && r.Error.Contains(message), result.Error);
        (await Json("products", "show", "A")).GetProperty("stock_count").GetInt32().Should().Be(5);
    }

    [Fact]
    public async Task StockAdjust_OnStockNotCountedYet_AsksForACountFirst()
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "history.csv"), "product_id,quantity,sale_date\nH,2,2026-11-01\n", TestContext.Current.CancellationToken);
        (await Run("import", Path.Combine(_data.Path, "history.csv"), "--create-products", "--stock", "ignore")).ExitCode.Should().Be(0);

        var result = await Run("stock", "adjust", "H", "--by", "3");

        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain("The stock of product H is not counted yet; set its level first (products set H --stock N).");
    }

    [Fact]
    public async Task SalesList_FiltersByProductAndPeriod_NewestFirst()
    {
        await Run("products", "set", "A", "--name", "Tea", "--stock", "100");
        await Run("products", "set", "B", "--name", "Coffee", "--stock", "100");
        foreach (var (id, product, date) in new[] { ("S1", "A", "2026-11-01"), ("S2", "B", "2026-11-02"), ("S3", "A", "2026-11-03T12:00:00Z"), ("S4", "A", "2026-11-05") })
        {
            (await Run("sales", "record", "--product", product, "--quantity", "1", "--sale-id", id, "--date", date)).ExitCode.Should().Be(0);
        }

        static IEnumerable<string?> Ids(JsonElement sales) => sales.EnumerateArray().Select(s => s.GetProperty("sale_id").GetString());
        Ids(await Json("sales", "list")).Should().Equal("S4", "S3", "S2", "S1");
        Ids(await Json("sales", "list", "--product", "A")).Should().Equal("S4", "S3", "S1");
        Ids(await Json("sales", "list", "--since", "2026-11-02", "--until", "2026-11-05")).Should().Equal(new[] { "S3", "S2" }, "until is exclusive");
        Ids(await Json("sales", "list", "--product", "A", "--since", "2026-11-03T12:00:00Z")).Should().Equal(new[] { "S4", "S3" }, "since is inclusive");
        Ids(await Json("sales", "list", "--limit", "2")).Should().Equal("S4", "S3");
        (await Run("sales", "list", "--product", "A")).Output.Should().Contain("S3").And.Contain("2026-11-03T12:00:00Z");
    }

    [Theory]
    [InlineData("--since must be", "--since", "yesterday")]
    [InlineData("--until (2026-11-01T00:00:00Z) must be after --since (2026-11-02T00:00:00Z)", "--since", "2026-11-02", "--until", "2026-11-01")]
    [InlineData("--limit must be at most 10000", "--limit", "10001")]
    [InlineData("--limit must be a whole number", "--limit", "-1")]
    [InlineData("product_id must not start or end with a space", "--product", " ")]
    public async Task SalesList_BadFilters_ExitTwoNamingTheOption(string message, params string[] args)
    {
        await Run("products", "set", "A", "--name", "Tea", "--stock", "1");

        var result = await Run(["sales", "list", .. args]);

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain(message);
    }

    [Fact]
    public async Task ProductsList_SearchesIdAndNameAndMatchesCategoriesRegardlessOfCase()
    {
        await Run("products", "set", "85123A", "--name", "WHITE HANGING HEART T-LIGHT HOLDER", "--category", "Home & Garden");
        await Run("products", "set", "22423", "--name", "REGENCY CAKESTAND 3 TIER", "--category", "Kitchen");
        await Run("products", "set", "HEART-2", "--name", "Card", "--category", "home & garden");

        static IEnumerable<string?> Ids(JsonElement products) => products.EnumerateArray().Select(p => p.GetProperty("product_id").GetString());
        Ids(await Json("products", "list", "--search", "heart")).Should().Equal("85123A", "HEART-2");
        Ids(await Json("products", "list", "--search", "242")).Should().Equal("22423");
        Ids(await Json("products", "list", "--search", "50%")).Should().BeEmpty("% is text, not a wildcard");
        Ids(await Json("products", "list", "--category", "HOME & GARDEN")).Should().Equal("85123A", "HEART-2");
        (await Run("products", "list", "--search", "a\u0001")).Should().Match<Cli.Result>(r => r.ExitCode == 2 && r.Error.Contains("--search must not contain control characters."));
    }

    [Fact]
    public async Task ProductsList_StopsAtItsLimitSayingThereAreMore_AndItsJsonCarriesTheStatus()
    {
        foreach (var (id, stock) in new[] { ("A", 0), ("B", 5), ("C", 50) })
        {
            await Run("products", "set", id, "--name", id, "--stock", stock.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var two = await Run("products", "list", "--limit", "2", "--json");
        var all = await Run("products", "list", "--json");

        JsonDocument.Parse(two.Output).RootElement.EnumerateArray().Select(p => p.GetProperty("product_id").GetString()).Should().Equal("A", "B");
        two.Error.Should().Contain("Showing the first 2 products by id; there are more");
        all.Error.Should().BeEmpty();
        JsonDocument.Parse(all.Output).RootElement.EnumerateArray().Select(p => (p.GetProperty("status").GetString(), p.GetProperty("effective_threshold").GetInt32()))
            .Should().Equal(("out", 10), ("low", 10), ("ok", 10));
        (await Run("products", "list", "--limit", "0")).Should().Match<Cli.Result>(r => r.ExitCode == 2 && r.Error.Contains("--limit"));
        (await Run("products", "list", "--limit", "100001")).Should().Match<Cli.Result>(r => r.ExitCode == 2 && r.Error.Contains("--limit must be at most 100000"));
    }

    [Fact]
    public async Task WriteCommand_AfterChangesLeftUnprocessed_AnswersOnlyItsOwnAlertsAndCountsTheOthersOnStderr()
    {
        await Run("products", "set", "B", "--name", "Tea", "--stock", "40");
        using (var store = new TestStore(_data.Path))
        {
            // Changes committed and never processed, as an import killed after its commit leaves them: one of another
            // product, one of the product the command then writes (earlier than the command, by the store's clock).
            store.Create("A", stock: 40, threshold: 10);
            store.Move(ProductId.Parse("A"), StockMovement.To(3, "count"));
            store.Move(ProductId.Parse("B"), StockMovement.To(3, "count"));
        }

        var adjust = await Run("stock", "adjust", "B", "--by", "20", "--reason", "delivery");

        adjust.ExitCode.Should().Be(0, adjust.Error);
        adjust.Output.Should().Contain("alert BACK_IN_STOCK: ").And.NotContain("LOW_STOCK").And.NotContain("PRODUCT_ADDED");
        adjust.Error.Should().Be("Also stored 3 alerts of other changes that were waiting to be processed (see 'stockwatch alerts list')." + Environment.NewLine);
        var alerts = await Json("alerts", "list");
        alerts.EnumerateArray().Select(a => (a.GetProperty("alert_type").GetString(), a.GetProperty("product_id").GetString())).Should().BeEquivalentTo(
            [("PRODUCT_ADDED", "B"), ("PRODUCT_ADDED", "A"), ("LOW_STOCK", "A"), ("LOW_STOCK", "B"), ("BACK_IN_STOCK", "B")]);
        var sale = await Run("sales", "record", "--product", "B", "--quantity", "20");
        sale.Output.Should().Contain("alert LOW_STOCK: Low stock: B has 3");
        sale.Error.Should().BeEmpty("nothing else was waiting this time");
    }

    [Fact]
    public async Task Import_WithMoreProblemsAndNewProductsThanListed_SaysWhereEachListIsCut()
    {
        // 1,200 new products and 1,100 rows rejected (a bad stock count each), imported into two empty databases.
        var rows = Enumerable.Range(0, 1200).Select(i => $"N{i},New {i},5")
            .Concat(Enumerable.Range(0, 1100).Select(i => $"B{i},Bad {i},many"));
        var file = Path.Combine(_data.Path, "big.csv");
        await File.WriteAllTextAsync(file, "product_id,product_name,stock_count\n" + string.Join('\n', rows) + "\n", TestContext.Current.CancellationToken);

        var text = await Run("import", file);
        using var other = new TempFolder();
        var json = await Cli.RunAsync(other.Path, ["import", file, "--json"]);

        text.ExitCode.Should().Be(1);
        text.Output.Should().Contain("Rejected (1,100):").And.Contain("… and 1,050 more (the first 1,000 with --json).");
        json.ExitCode.Should().Be(1);
        var summary = JsonDocument.Parse(json.Output).RootElement.GetProperty("summary");
        summary.GetProperty("errors").GetArrayLength().Should().Be(1000);
        summary.GetProperty("new_products").GetArrayLength().Should().Be(1000);
        json.Error.Should().Contain("The JSON lists the first 1,000 of each list; this import had more: errors (1,100 rows rejected), new products (1,200).");
    }

    [Fact]
    public async Task ProductsShow_GivesStatusDaysOfCoverAndTheLatestChangesAndSales()
    {
        await Run("products", "set", "A", "--name", "Tea", "--stock", "30", "--threshold", "5");
        for (var i = 0; i < 7; i++)
        {
            await Run("sales", "record", "--product", "A", "--quantity", "4", "--sale-id", $"S{i}");
        }

        var shown = await Json("products", "show", "A");
        var text = (await Run("products", "show", "A")).Output;

        (shown.GetProperty("status").GetString(), shown.GetProperty("stock_count").GetInt32(), shown.GetProperty("days_of_cover").GetDecimal())
            .Should().Be(("low", 2, 2.0m), "28 units in the 28-day window sell 1 a day");
        shown.GetProperty("latest_changes").GetArrayLength().Should().Be(5);
        shown.GetProperty("latest_sales").EnumerateArray().Select(s => s.GetProperty("sale_id").GetString()).Should().Equal("S6", "S5", "S4", "S3", "S2");
        text.Should().Contain("status:              low").And.Contain("days_of_cover:       2" + Environment.NewLine).And.Contain("Latest changes:").And.Contain("Latest sales:");
    }

    [Fact]
    public async Task Backup_WhileWritesGoOn_IsAConsistentDatabaseThatNeverOverwrites()
    {
        await Run("products", "set", "A", "--name", "Tea", "--stock", "1000");
        var copy = Path.Combine(_data.Path, "copies", "backup.db");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        var writes = Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                (await Run("sales", "record", "--product", "A", "--quantity", "1", "--sale-id", $"W{i}")).ExitCode.Should().Be(0);
            }
        }, TestContext.Current.CancellationToken);

        var backup = await Run("backup", copy);
        await writes;

        backup.ExitCode.Should().Be(0, backup.Error);
        using (var connection = new SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            check.ExecuteScalar().Should().Be("ok");
            check.CommandText = "SELECT (SELECT COUNT(*) FROM sales), (SELECT stock_count FROM products WHERE product_id = 'A')";
            using var reader = check.ExecuteReader();
            reader.Read();
            (reader.GetInt64(1) + reader.GetInt64(0)).Should().Be(1000, "every sale in the copy is in its stock, and no other");
        }

        var again = await Run("backup", copy);
        again.ExitCode.Should().Be(1);
        again.Error.Should().Contain("exists already");
        (await Run("backup", Path.Combine(_data.Path, "missing", "b.db"))).Should().Match<Cli.Result>(r => r.ExitCode == 2 && r.Error.Contains("does not exist"));
        Directory.GetFiles(Path.GetDirectoryName(copy)!).Should().Equal(copy);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("   ", "must not be empty")]
    [InlineData("a\nb.db", "control characters")]
    [InlineData("/proc/self/x.db", "The backup cannot be written to /proc/self/x.db")]
    [InlineData("DATA/stockwatch.db-wal", "is the database's own file")]
    [InlineData("DATA/stockwatch.db-journal", "is the database's own file")]
    [InlineData("LONG", "The backup cannot be written to")]
    public async Task Backup_ToAnUnusableName_ExitsTwoNamingItAndWritesNothing(string file, string message)
    {
        await Run("products", "set", "A", "--name", "Tea", "--stock", "1");
        file = file == "LONG" ? Path.Combine(_data.Path, new string('b', 5000) + ".db") : file.Replace("DATA", _data.Path, StringComparison.Ordinal);

        var result = await Run("backup", file);

        result.ExitCode.Should().Be(2, result.Error);
        result.Error.Should().Contain(message).And.NotContain("unexpectedly");
        (await Run("products", "show", "A")).ExitCode.Should().Be(0);
        File.Exists(Path.Combine(_data.Path, "stockwatch.db-journal")).Should().BeFalse();
    }

    [Fact]
    public async Task AnyCommand_OnAFileThatIsNoDatabase_ExitsTwoSayingSoAndPointsAtRestore()
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "stockwatch.db"), "product_id,product_name\nnot,a database\n", TestContext.Current.CancellationToken);

        var result = await Run("products", "list");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("is not a StockWatch database or is damaged").And.Contain("restore a backup");
    }
}
