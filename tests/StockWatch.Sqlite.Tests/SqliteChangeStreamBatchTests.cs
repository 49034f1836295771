using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Stream;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

/// <summary>
/// The batch processor against the rules applied change by change, and the lane that serves new single writes ahead
/// of a backlog (docs/decisions/0017).
/// </summary>
public sealed class SqliteChangeStreamBatchTests : IDisposable
{
    private const string Consumer = StreamProcessor.Consumer;
    private static readonly AlertOptions Options = new();
    private static readonly ChangeHandler Handler = (change, state, sales) => StreamProcessor.Decide(change, state, sales, Options);
    private static readonly SalesWindowOf Windows = change => StreamProcessor.Window(change, Options);

    private readonly TestStore _db = new();

    public void Dispose() => _db.Dispose();

    /// <param name="sameProcess">
    /// True: the stream shares the importing process's database, so an import's changes are decided from the images it
    /// handed over (<see cref="ImportedChanges"/>); false: as another process, reading every change back.
    /// </param>
    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(5, true)]
    public async Task Process_RandomWritesImportsAndSalesInRandomBatchesAndLanes_StoresWhatTheRulesDecideChangeByChange(int seed, bool sameProcess)
    {
        var random = new Random(seed);
        using var other = new SqliteDatabase(_db.Database.Path);
        var stream = sameProcess ? _db.Stream : new SqliteChangeStream(other, _db.Time);
        for (var step = 0; step < 400; step++)
        {
            await RandomWrite(random, step);
            switch (random.Next(12))
            {
                case 0:
                    await stream.ProcessNextAsync(Consumer, random.Next(1, 60), Handler, Windows);
                    break;
                case 1:
                    await stream.ProcessNewestAsync(Consumer, random.Next(1, 30), Handler, Windows);
                    break;
                case 2:
                    // The per-change path: each change reads the sales it asks for.
                    await stream.ProcessNextAsync(Consumer, random.Next(1, 10), Handler);
                    break;
            }
        }

        while ((await stream.ProcessNextAsync(Consumer, random.Next(1, 200), Handler, Windows)).Processed > 0)
        {
        }

        var (alerts, states) = ChangeByChange(_db.Database.Path);
        alerts.Should().HaveCountGreaterThan(100);
        TestStore.AlertFingerprints(_db.Database.Path).Should().Equal(alerts);
        StoredStates().Should().Equal(states);
        _db.Stream.Pending(Consumer).Should().Be(0);
        _db.Scalar("SELECT COUNT(*) FROM stream_ahead").Should().Be(0, "the checkpoint passed every change processed ahead");
    }

    [Fact]
    public async Task Step_NewSaleBehindABacklog_IsProcessedBeforeTheBacklogsRemainder()
    {
        _db.Create("SOLD", stock: 11, threshold: 10);
        await _db.Processor.DrainAsync(TestContext.Current.CancellationToken);
        await ImportProducts(Enumerable.Range(0, (3 * StreamProcessor.BatchSize) + 5).Select(i => $"B{i:D5},{100 + i}"));
        var backlog = _db.Stream.Pending(Consumer);

        var first = await _db.Processor.StepAsync();             // the backlog's first batch; the lane marks where new writes begin
        _db.Sell("SOLD", 1, "S1");                               // a new single write, behind the backlog's remainder
        var second = await _db.Processor.StepAsync();

        first.Processed.Should().Be(StreamProcessor.BatchSize);
        second.Alerts.Should().ContainSingle(a => a.Cause == "sale: S1").Which.Type.Should().Be(AlertType.LowStock);
        _db.Stream.Pending(Consumer).Should().Be(backlog - (2 * StreamProcessor.BatchSize), "the backlog's remainder still waits; the sale went ahead of it");
        await _db.Processor.DrainAsync(TestContext.Current.CancellationToken);
        _db.Stream.Pending(Consumer).Should().Be(0);
        TestStore.AlertFingerprints(_db.Database.Path).Should().Equal(ChangeByChange(_db.Database.Path).Alerts);
    }

    [Fact]
    public async Task Step_NewSaleOfAProductWithChangesInTheBacklog_TakesThoseFirstInTheirOrder()
    {
        _db.Create("HOT", stock: 30, threshold: 10);
        await _db.Processor.DrainAsync(TestContext.Current.CancellationToken);
        // The backlog: many products, and HOT's stock set to 12 and then 11 by two imports in its middle.
        await ImportProducts(Enumerable.Range(0, (2 * StreamProcessor.BatchSize) + 5).Select(i => $"B{i:D5},{100 + i}"));
        await ImportProducts(["HOT,12"]);
        await ImportProducts(Enumerable.Range(0, StreamProcessor.BatchSize + 5).Select(i => $"C{i:D5},{100 + i}"));
        await ImportProducts(["HOT,11"]);
        await ImportProducts(Enumerable.Range(0, StreamProcessor.BatchSize + 5).Select(i => $"D{i:D5},{100 + i}"));

        await _db.Processor.StepAsync();
        _db.Sell("HOT", 2, "S1");                                 // 11 → 9: LOW_STOCK, decided after 30 → 12 → 11
        var step = await _db.Processor.StepAsync();

        step.Alerts.Should().ContainSingle(a => a.Cause == "sale: S1").Which.Details.Stock.Should().Be(9);
        _db.Scalar("SELECT COUNT(*) FROM stream_ahead").Should().Be(3, "HOT's two import changes, then its sale, went ahead of the backlog");
        _db.Stream.Pending(Consumer).Should().BePositive();
        await _db.Processor.DrainAsync(TestContext.Current.CancellationToken);
        TestStore.AlertFingerprints(_db.Database.Path).Should().Equal(ChangeByChange(_db.Database.Path).Alerts);
    }

    [Fact]
    public async Task Step_SaleCommittedRightAfterAnImport_GoesAheadOfTheImportsChanges()
    {
        _db.Create("SOLD", stock: 11, threshold: 10);
        await _db.Processor.DrainAsync(TestContext.Current.CancellationToken);
        await ImportProducts(Enumerable.Range(0, (3 * StreamProcessor.BatchSize) + 5).Select(i => $"B{i:D5},{100 + i}"));
        _db.Sell("SOLD", 1, "S1");                               // before the stream saw the import's backlog

        var first = await _db.Processor.StepAsync();

        first.Alerts.Should().ContainSingle(a => a.Cause == "sale: S1");
        _db.Stream.Pending(Consumer).Should().BeGreaterThan(2 * StreamProcessor.BatchSize, "the import's changes after the first batch still wait");
    }

    [Fact]
    public async Task Drain_OfImportsInThisProcess_DecidesFromTheirImagesWhatTheRulesDecideChangeByChange()
    {
        // Products with states and sales before the imports, so that their changes meet stored states and sales windows.
        _db.Create("LOW", stock: 12, threshold: 10);
        _db.Create("SOLD", stock: 400, threshold: 5);
        _db.Sell("SOLD", 30, "S1", _db.Time.GetUtcNow().AddDays(-2));
        _db.Move(ProductId.Parse("LOW"), StockMovement.To(9, "count"));
        // Low products among the next import's first batch: their stored states (read in the span of the batch's ids)
        // hold back a second LOW_STOCK within the reminder cooldown.
        await ImportProducts(Enumerable.Range(26, 10).Select(i => $"N{i:D5},2"));
        await _db.Processor.DrainAsync(TestContext.Current.CancellationToken);
        _db.Time.Advance(TimeSpan.FromHours(1));

        // New products (some low or out), LOW back up, SOLD down to days of its sales; then a sales import on top.
        await ImportProducts(Enumerable.Range(0, (2 * StreamProcessor.BatchSize) + 7).Select(i => $"N{i:D5},{i % 25}").Append("LOW,30").Append("SOLD,6"));
        await DrainHeld();
        var sales = Enumerable.Range(0, 300).Select(i => $"i{i},{(i % 3 == 0 ? "SOLD" : $"N{i:D5}")},{Timestamp.FormatSortable(_db.Time.GetUtcNow().AddHours(-i))},1");
        await Import($"sale_id,product_id,sale_date,quantity\n{string.Join('\n', sales)}\n", new ImportSettings());
        await DrainHeld();

        var alerts = TestStore.AlertFingerprints(_db.Database.Path);
        alerts.Should().Contain(a => a.Contains(" STOCKOUT_PREDICTED ", StringComparison.Ordinal) && a.Contains("\"stock\":6,", StringComparison.Ordinal),
            "the products import's change of SOLD is decided with its sales rate");
        alerts.Should().Contain(a => a.Contains(" BACK_IN_STOCK ", StringComparison.Ordinal)).And.Contain(a => a.Contains(" OUT_OF_STOCK ", StringComparison.Ordinal));
        alerts.Should().NotContain(a => a.Contains("\"reminder\":true", StringComparison.Ordinal), "the low products' states were read with their changes");
        alerts.Should().Equal(ChangeByChange(_db.Database.Path).Alerts);
        StoredStates().Should().Equal(ChangeByChange(_db.Database.Path).States);

        async Task DrainHeld()
        {
            var first = _db.Scalar("SELECT MIN(seq) FROM changes WHERE stamp = (SELECT MAX(stamp) FROM change_stamps)");
            _db.Database.Imported.Holding(first).Should().NotBeNull("the import handed its changes over");
            _db.Stream.Pending(Consumer).Should().Be(_db.Scalar("SELECT MAX(seq) FROM changes") - first + 1, "the import's changes are all that is pending");
            await _db.Processor.DrainAsync(TestContext.Current.CancellationToken);
            _db.Database.Imported.Holding(first).Should().BeNull("the checkpoint passed the changes held");
        }
    }

    [Fact]
    public async Task Step_FailingMidBatchOverHeldImages_IsDecidedAgainInFullByTheNext()
    {
        // Low and out-of-stock products all through the import, so that every batch stores alerts and states.
        await ImportProducts(Enumerable.Range(0, (3 * StreamProcessor.BatchSize) + 11).Select(i => $"N{i:D5},{i % 25}"));
        var first = _db.Scalar("SELECT MIN(seq) FROM changes");
        var failAt = first + StreamProcessor.BatchSize + 700;
        await _db.Stream.ProcessNextAsync(Consumer, StreamProcessor.BatchSize, Handler, Windows);

        // The second batch fails part-way (after the next one's images were decoded ahead): nothing of it is stored.
        ChangeHandler failing = (change, state, sales) =>
            change.Sequence == failAt ? throw new InvalidOperationException("fails mid-batch") : Handler(change, state, sales);
        var failed = () => _db.Stream.ProcessNextAsync(Consumer, StreamProcessor.BatchSize, failing, Windows);
        await failed.Should().ThrowAsync<InvalidOperationException>();
        _db.Stream.Pending(Consumer).Should().Be((2 * StreamProcessor.BatchSize) + 11);

        // Batches of another size from there (the images decoded ahead are for other changes), then the rest.
        await _db.Stream.ProcessNextAsync(Consumer, 1000, Handler, Windows);
        await _db.Processor.DrainAsync(TestContext.Current.CancellationToken);

        var (alerts, states) = ChangeByChange(_db.Database.Path);
        alerts.Should().HaveCountGreaterThan(3 * StreamProcessor.BatchSize / 25);
        TestStore.AlertFingerprints(_db.Database.Path).Should().Equal(alerts);
        StoredStates().Should().Equal(states);
        _db.Database.Imported.Holding(first).Should().BeNull("the checkpoint passed the changes held");
    }

    [Fact]
    public async Task Drain_OfHeldImagesTheDatabaseDoesNotHold_ReadsItsOwnChangesBack()
    {
        await ImportProducts(Enumerable.Range(0, StreamProcessor.BatchSize + 30).Select(i => $"N{i:D5},{i % 25}"));
        var first = _db.Scalar("SELECT MIN(seq) FROM changes");
        _db.Database.Imported.Holding(first).Should().NotBeNull();

        // The stored changes become another import's (as in a data folder deleted and made anew by another import of the
        // same rows under the running process): what is held is not theirs.
        _db.Scalar("UPDATE change_stamps SET cause = 'import: another' RETURNING 0");
        await _db.Processor.DrainAsync(TestContext.Current.CancellationToken);

        var alerts = TestStore.AlertFingerprints(_db.Database.Path);
        alerts.Should().HaveCountGreaterThan(StreamProcessor.BatchSize / 25).And.Equal(ChangeByChange(_db.Database.Path).Alerts);
        _db.Scalar("SELECT COUNT(*) FROM alerts WHERE cause <> 'import: another'").Should().Be(0, "every alert is the stored import's");
        _db.Database.Imported.Holding(first).Should().BeNull("the run held was let go");
    }

    [Fact]
    public async Task Import_DryRun_HandsNothingOver()
    {
        var before = _db.Scalar("SELECT IFNULL(MAX(seq), 0) FROM changes");
        var csv = "product_id,product_name,stock_count\nD1,Dry,5\n";
        await new ImportFile(_db.Store, _db.Time, _db.ImportOptions).HandleAsync(
            new MemoryStream(Encoding.UTF8.GetBytes(csv)), new ImportSettings { DryRun = true }, "dry", "f.csv");

        _db.Scalar("SELECT IFNULL(MAX(seq), 0) FROM changes").Should().Be(before);
        _db.Database.Imported.Holding(before + 1).Should().BeNull("a dry run is rolled back");
    }

    private async Task RandomWrite(Random random, int step)
    {
        _db.Time.Advance(TimeSpan.FromMinutes(random.Next(1, 60 * 24 * 3)));
        var id = $"P{random.Next(12)}";
        var product = _db.Store.FindProduct(ProductId.Parse(id));
        switch (random.Next(14))
        {
            case < 4 when product is { Stock: > 3 }:
                _db.Sell(id, random.Next(1, 4), date: _db.Time.GetUtcNow().AddDays(-random.Next(0, 40)));
                break;
            case 4 when product is not null:
                _db.Sell(id, -random.Next(1, 3), date: _db.Time.GetUtcNow());
                break;
            case 5 when product is not null:
                _db.Move(product.Id, StockMovement.To(random.Next(0, 30), "count"));
                break;
            case 6 when product is not null:
                _db.Set(new SetProductRequest(product.Id) { Price = Money.From(random.Next(1, 900) / 100m, "p") });
                break;
            case 7 when product is not null:
                _db.Delete(product.Id);
                break;
            case 8:
                await ImportProducts(Enumerable.Range(0, random.Next(1, 8)).Select(_ => $"P{random.Next(12)},{random.Next(0, 30)}").DistinctBy(r => r.Split(',')[0]));
                break;
            case 9:
            case 10:
                // Sales of several products, some new (not counted), some recorded without moving stock.
                var rows = Enumerable.Range(0, random.Next(1, 25)).Select(i =>
                    $"s{step}-{i},P{random.Next(14)},{Timestamp.FormatSortable(_db.Time.GetUtcNow().AddHours(-random.Next(0, 24 * 35)))},{random.Next(1, 4)}");
                await Import($"sale_id,product_id,sale_date,quantity\n{string.Join('\n', rows)}\n",
                    new ImportSettings { CreateProducts = true, Stock = random.Next(3) == 0 ? StockMode.Ignore : StockMode.Apply });
                break;
            default:
                if (product is null)
                {
                    _db.Create(id, stock: random.Next(0, 30), threshold: random.Next(3) == 0 ? null : random.Next(0, 12));
                }
                else
                {
                    _db.Move(product.Id, StockMovement.To(product.Stock + random.Next(1, 10), "delivery"));
                }

                break;
        }
    }

    /// <summary>Imports products from rows of <c>id,stock</c>.</summary>
    private async Task ImportProducts(IEnumerable<string> rows)
    {
        var csv = $"product_id,product_name,stock_count\n{string.Join('\n', rows.Select(r => $"{r.Split(',')[0]},Product {r}"))}\n";
        (await Import(csv, new ImportSettings())).Errors.Select(e => e.ToString()).Should().BeEmpty();
    }

    /// <summary>Imports a file; a sale of more than the stock is refused, as it would be one by one.</summary>
    private Task<ImportSummary> Import(string csv, ImportSettings settings) =>
        new ImportFile(_db.Store, _db.Time, _db.ImportOptions).HandleAsync(
            new MemoryStream(Encoding.UTF8.GetBytes(csv)), settings, $"imp-{Guid.NewGuid():N}"[..12], "f.csv");

    private List<string> StoredStates()
    {
        using var connection = new SqliteConnection($"Data Source={_db.Database.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT product_id, last_alert_time, low_stock_alerted_at, stockout_episode FROM alert_state ORDER BY product_id";
        using var reader = command.ExecuteReader();
        List<string> rows = [];
        while (reader.Read())
        {
            var state = new AlertState(
                reader.IsDBNull(1) ? null : Timestamp.ParseStored(reader.GetString(1)),
                reader.IsDBNull(2) ? null : Timestamp.ParseStored(reader.GetString(2)),
                reader.GetInt64(3) != 0);
            if (state != AlertState.None)
            {
                rows.Add($"{reader.GetString(0)} {state}");
            }
        }

        return rows;
    }

    /// <summary>
    /// The reference: every change read on its own (its new image by the SQL the stream read it with before batches),
    /// the pure rules applied in sequence order with each change's sales read directly as of its mark.
    /// </summary>
    private static (List<string> Alerts, List<string> States) ChangeByChange(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT c.seq, c.product_id, c.kind, c.old_image, {Rows.NewImage}, c.changed_at, c.cause, c.sales_mark FROM change_log c ORDER BY c.seq
            """;
        Dictionary<ProductId, AlertState> states = [];
        List<(long Seq, string Type, string Details)> alerts = [];
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                Product? Image(int column) => reader.IsDBNull(column) ? null : Rows.ReadImage(Encoding.UTF8.GetBytes(reader.GetString(column)));
                var change = new ChangeRecord(
                    reader.GetInt64(0),
                    ProductId.Parse(reader.GetString(1)),
                    reader.GetString(2) switch { "INSERT" => ChangeKind.Insert, "MODIFY" => ChangeKind.Modify, _ => ChangeKind.Remove },
                    Image(3),
                    Image(4),
                    Timestamp.ParseStored(reader.GetString(5)),
                    reader.GetString(6));
                var decision = StreamProcessor.Decide(change, states.GetValueOrDefault(change.ProductId, AlertState.None),
                    new DirectSales(path, reader.GetInt64(7)), Options);
                alerts.AddRange(decision.Alerts.Select(a => (change.Sequence, a.Type.ToWire(), Rows.WriteDetails(a.Details))));
                states[change.ProductId] = decision.State;
            }
        }

        return (
            [.. alerts.OrderBy(a => a.Seq).ThenBy(a => a.Type, StringComparer.Ordinal).Select(a => $"{a.Seq} {a.Type} {a.Details}")],
            [.. states.Where(s => s.Value != AlertState.None).OrderBy(s => s.Key.Value, StringComparer.Ordinal).Select(s => $"{s.Key.Value} {s.Value}")]);
    }

    private sealed class DirectSales(string path, long mark) : ISalesHistory
    {
        public long NetUnitsSold(ProductId id, DateTimeOffset from, DateTimeOffset to)
        {
            using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT IFNULL(SUM(quantity), 0) FROM sales WHERE product_id = $id AND sale_date > $from AND sale_date <= $to AND rowid <= $mark";
            command.Parameters.AddWithValue("$id", id.Value);
            command.Parameters.AddWithValue("$from", Timestamp.FormatSortable(from));
            command.Parameters.AddWithValue("$to", Timestamp.FormatSortable(to));
            command.Parameters.AddWithValue("$mark", mark);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }
}
