using Microsoft.Extensions.Logging.Abstractions;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Notifications;
using StockWatch.Core.Stream;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

public sealed class SqliteChangeStreamTests : IDisposable
{
    private readonly TestStore _db = new();

    public void Dispose() => _db.Dispose();

    private Task<IReadOnlyList<Alert>> Drain() => _db.Processor.DrainAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task Drain_AfterWrites_StoresAlertsAndMovesTheCheckpointToTheEnd()
    {
        _db.Create(stock: 12);
        _db.Sell("85123A", 3, "S1");

        var alerts = await Drain();

        alerts.Select(a => a.Type).Should().Equal(AlertType.ProductAdded, AlertType.LowStock);
        alerts[1].Cause.Should().Be("sale: S1");
        _db.Stream.Pending(StreamProcessor.Consumer).Should().Be(0);
        _db.Scalar("SELECT last_seq FROM stream_checkpoints").Should().Be(_db.Scalar("SELECT MAX(seq) FROM changes"));
        _db.Store.ListAlerts(new AlertQuery()).Should().BeEquivalentTo(alerts);
    }

    [Fact]
    public async Task Drain_StoresLastAlertTimeOnTheProduct()
    {
        _db.Create(stock: 12);
        _db.Time.Advance(TimeSpan.FromHours(1));
        _db.Sell("85123A", 3);

        await Drain();

        _db.Store.FindProduct(ProductId.Parse("85123A"))!.LastAlertTime.Should().Be(Builders.T0.AddHours(1));
    }

    [Fact]
    public async Task Drain_ReplayedFromAnOldCheckpoint_NeverStoresASecondAlert()
    {
        _db.Create(stock: 12);
        _db.Sell("85123A", 3);
        _db.Sell("85123A", 9);
        var first = await Drain();

        _db.Scalar("UPDATE stream_checkpoints SET last_seq = 0");
        var replayed = await Drain();

        first.Should().HaveCount(3);
        replayed.Should().BeEmpty();
        _db.Scalar("SELECT COUNT(*) FROM alerts").Should().Be(3);
    }

    [Fact]
    public async Task Drain_LowStockReminder_FollowsTheCooldownOnTheChangeClock()
    {
        _db.Create(stock: 12);
        _db.Sell("85123A", 3);                          // LOW_STOCK
        _db.Time.Advance(TimeSpan.FromHours(23));
        _db.Sell("85123A", 1);                          // still low, 23 h: nothing
        _db.Time.Advance(TimeSpan.FromHours(1));
        _db.Sell("85123A", 1);                          // 24 h after the first: reminder

        var alerts = await Drain();

        alerts.Where(a => a.Type == AlertType.LowStock).Select(a => (a.Details.Reminder, a.Details.Stock))
            .Should().Equal((false, 9), (true, 7));
    }

    [Fact]
    public async Task Drain_SalesFasterThanTheLeadTime_PredictsTheStockoutOnce()
    {
        _db.Create(stock: 300, threshold: 5);
        for (var day = 10; day >= 1; day--)
        {
            _db.Sell("85123A", 25, date: Builders.T0.AddDays(-day));
        }

        var predictions = (await Drain()).Where(a => a.Type == AlertType.StockoutPredicted).ToList();

        // 250 units over the 28-day window is 8.93 a day: 50 left is 5.6 days of cover, below the 7-day lead time.
        predictions.Should().ContainSingle().Which.Details.Should().Match<AlertDetails>(d => d.Stock < 63 && d.DaysOfCover < 7);
    }

    [Fact]
    public async Task Drain_TwoProcessorsOnTheSameFileWhileWritesContinue_ProcessEachChangeOnce()
    {
        using var otherDatabase = SqliteDatabase.InFolder(_db.Folder);
        var other = new StreamProcessor(
            new SqliteChangeStream(otherDatabase, TimeProvider.System),
            Microsoft.Extensions.Options.Options.Create(new AlertOptions()));
        for (var i = 0; i < 20; i++)
        {
            _db.Create($"P{i}", stock: 30);
        }

        var cancellation = TestContext.Current.CancellationToken;
        var writer = Task.Run(() =>
        {
            for (var round = 0; round < 25; round++)
            {
                for (var i = 0; i < 20; i++)
                {
                    _db.Sell($"P{i}", 1);
                }
            }
        }, cancellation);
        var mine = Task.Run(async () => { List<Alert> all = []; while (!writer.IsCompleted) { all.AddRange(await _db.Processor.DrainAsync(cancellation)); } all.AddRange(await _db.Processor.DrainAsync(cancellation)); return all; }, cancellation);
        var theirs = Task.Run(async () => { List<Alert> all = []; while (!writer.IsCompleted) { all.AddRange(await other.DrainAsync(cancellation)); } return all; }, cancellation);
        await writer;
        var stored = (await mine).Concat(await theirs).ToList();

        stored.Select(a => a.Id).Should().OnlyHaveUniqueItems();
        stored.Should().HaveCount((int)_db.Scalar("SELECT COUNT(*) FROM alerts"));
        _db.Stream.Pending(StreamProcessor.Consumer).Should().Be(0);
        TestStore.AlertFingerprints(_db.Database.Path).Should().Equal(TestStore.ReferenceAlerts(_db.Database.Path));
    }

    [Fact]
    public async Task Drain_AlertsAnImportCaused_AreStoredEachButAnnouncedAsOneDigest()
    {
        _db.Create("KEEP", stock: 50);
        foreach (var id in new[] { "A", "B", "C" })
        {
            _db.Create(id, stock: 40);
        }

        await Drain();
        var deliveryStore = new SqliteDeliveryStore(_db.Database, _db.Time);
        await new Notifier(deliveryStore, new ChannelSet([])).PlanAsync(TestContext.Current.CancellationToken); // the products' own alerts told of already
        var channel = new RecordingChannel();
        var channels = new ChannelSet([channel]);
        var processor = new StreamProcessor(_db.Stream, Microsoft.Extensions.Options.Options.Create(new AlertOptions()));
        var notifier = new Notifier(deliveryStore, channels);
        var deliveries = new Deliveries(new SqliteWorkQueue(_db.Database, _db.Time), deliveryStore, channels, new ChannelHealth(),
            Microsoft.Extensions.Options.Options.Create(new DeliveryOptions()), _db.Time, NullLogger<Deliveries>.Instance);
        var file = "product_id,stock_count\nA,5\nB,0\nC,3\nNEW,2\n"u8.ToArray();
        await new ImportFile(_db.Store, _db.Time, _db.ImportOptions).HandleAsync(new MemoryStream(file), new ImportSettings { CreateProducts = true }, "imp-1", "f.csv");
        _db.Sell("KEEP", 45, "S1");

        var alerts = await processor.DrainAsync(TestContext.Current.CancellationToken);
        await notifier.PlanAsync(TestContext.Current.CancellationToken);
        await deliveries.RunOnceAsync(TestContext.Current.CancellationToken);

        alerts.Where(a => a.Cause == "import: imp-1").Select(a => (a.ProductId.Value, a.Type)).Should().BeEquivalentTo(new[]
        {
            ("A", AlertType.LowStock), ("B", AlertType.LowStock), ("B", AlertType.OutOfStock), ("C", AlertType.LowStock),
        }, "each alert is stored; the new product is listed in the import's summary instead");
        var single = channel.Messages.Where(m => m.Kind == Announcement.SingleAlert).ToList();
        single.Should().NotBeEmpty().And.OnlyContain(m => m.Alerts.Single().Cause == "sale: S1", "only alerts from outside an import go one by one");
        var digest = channel.Messages.Should().ContainSingle(m => m.Kind != Announcement.SingleAlert).Subject;
        digest.Kind.Should().Be(Announcement.ImportDigest);
        digest.Alerts.Should().HaveCount(4);
        var lines = digest.Text.Split('\n');
        lines[0].Should().Be("Import imp-1 raised 4 alerts: 3 LOW_STOCK, 1 OUT_OF_STOCK");
        lines.Skip(1).Should().Equal(digest.Alerts.Select(a => $"- {a.Describe()}"), "then a line per alert");
    }
}
