using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Monitoring;
using StockWatch.Core.Notifications;
using StockWatch.Core.Queues;
using StockWatch.Core.Stream;
using StockWatch.Testing;

namespace StockWatch.Tests.Monitoring;

/// <summary>Durable deliveries on a real SQLite file with a fake clock: retries, backoff, give-up, filters, alarms.</summary>
public sealed class DeliveryTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    private readonly RecordingChannel _up = new("up");
    private readonly RecordingChannel _down = new("down") { Down = true };
    private readonly RecordingChannel _tools = new("tools") { Filter = new ChannelFilter(["LOW_STOCK"], ["Tools"]) };
    private readonly ServiceProvider _services;
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    public DeliveryTests() => _services = Composed.Services(_data.Path,
        new Dictionary<string, string?>
        {
            ["StockWatch:Delivery:MaxAge"] = "00:10:00",
            ["StockWatch:Alarms:ChannelFailingFor"] = "00:05:00",
        },
        services =>
        {
            services.AddSingleton<TimeProvider>(_clock);
            services.AddSingleton<IAlertChannel>(_up);
            services.AddSingleton<IAlertChannel>(_down);
            services.AddSingleton<IAlertChannel>(_tools);
        });

    public void Dispose()
    {
        _services.Dispose();
        _data.Dispose();
    }

    private T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>Two products created low (PRODUCT_ADDED and LOW_STOCK each), their alerts stored and planned.</summary>
    private async Task<IReadOnlyList<Alert>> TwoLowProducts()
    {
        await Get<SetProduct>().HandleAsync(new SetProductRequest(ProductId.Parse("HAMMER")) { Name = "Hammer", Category = "Tools", Stock = 2, LowStockThreshold = 5 }, "test");
        await Get<SetProduct>().HandleAsync(new SetProductRequest(ProductId.Parse("ROSE")) { Name = "Rose", Category = "Garden", Stock = 1, LowStockThreshold = 5 }, "test");
        var alerts = await Get<StreamProcessor>().DrainAsync(_cancel);
        await Get<Notifier>().PlanAsync(_cancel);
        alerts.Should().HaveCount(4);
        return alerts;
    }

    /// <summary>What serve's workers do in a round: plan what was stored or announced, make the deliveries due.</summary>
    private async Task<int> Deliver()
    {
        await Get<Notifier>().PlanAsync(_cancel);
        return await Get<Deliveries>().RunOnceAsync(_cancel);
    }

    private DeliveryRecord LogOf(long alertId, string channel) =>
        Get<IDeliveryStore>().ForAlert(alertId).Should().ContainSingle(d => d.Channel == channel).Subject;

    [Fact]
    public async Task ChannelDown_IsRetriedWithBackoff_WhileTheOthersAreServed_AndEachAlertArrivesOnceWhenItIsBack()
    {
        var alerts = await TwoLowProducts();

        await Deliver();

        _up.Messages.Select(m => m.Alerts.Single().Id).Should().BeEquivalentTo(alerts.Select(a => a.Id), "a channel that is down holds up no other");
        _down.Messages.Should().BeEmpty();
        var failed = LogOf(alerts[0].Id, "down");
        (failed.Status, failed.Attempts, failed.LastError).Should().Be((DeliveryStatus.Pending, 1, "down is down"));

        // The first backoff is between half the initial 5 s and all of it.
        _clock.Advance(TimeSpan.FromSeconds(2));
        (await Deliver()).Should().Be(0, "nothing is due before the backoff ends");
        _clock.Advance(TimeSpan.FromSeconds(3));
        (await Deliver()).Should().Be(4, "each of the down channel's deliveries is tried again");
        LogOf(alerts[0].Id, "down").Attempts.Should().Be(2);

        _down.Down = false;
        _clock.Advance(TimeSpan.FromSeconds(10));
        await Deliver();
        _clock.Advance(TimeSpan.FromMinutes(5));
        await Deliver();

        _down.Messages.Select(m => m.Alerts.Single().Id).Should().BeEquivalentTo(alerts.Select(a => a.Id), "each alert arrives exactly once");
        _up.Messages.Should().HaveCount(4, "a delivery that succeeded is never made again");
        var delivered = LogOf(alerts[0].Id, "down");
        (delivered.Status, delivered.Attempts, delivered.LastError, delivered.DeliveredAt).Should().Be((DeliveryStatus.Delivered, 3, null, _clock.GetUtcNow() - TimeSpan.FromMinutes(5)));
        Get<IWorkQueue>().Stats(Deliveries.QueueFor("down")).Should().Be(new QueueStats(0, 0, null));
        Get<IWorkQueue>().Stats(Deliveries.QueueFor("up")).Should().Be(new QueueStats(0, 0, null));
    }

    [Fact]
    public async Task Filters_SendAChannelOnlyTheTypesAndCategoriesItAsksFor()
    {
        var alerts = await TwoLowProducts();

        await Deliver();

        var told = _tools.Messages.Should().ContainSingle().Subject;
        told.Alerts.Single().Should().Be(alerts.Single(a => a.Type == AlertType.LowStock && a.ProductId.Value == "HAMMER"));
        told.Subject.Should().Be("LOW_STOCK: HAMMER");
        told.Text.Should().Be("Low stock: HAMMER has 2 in stock (threshold 5)");
        Get<IDeliveryStore>().ForAlert(alerts.Single(a => a.ProductId.Value == "ROSE" && a.Type == AlertType.LowStock).Id)
            .Select(d => d.Channel).Should().BeEquivalentTo(["log", "up", "down"], "the Garden alert is not planned for the Tools channel");
    }

    [Fact]
    public async Task PlanningAgain_AfterACrashBeforeTheCheckpointMoved_PlansNothingTwice()
    {
        var alerts = await TwoLowProducts();
        var planned = TestStore.ScalarIn(Path.Combine(_data.Path, "stockwatch.db"), "SELECT COUNT(*) FROM deliveries");
        planned.Should().Be(4 * 3 + 1, "every alert for log, up and down; the Tools channel's one LOW_STOCK");

        // As if the process died after queueing the deliveries but before the checkpoint moved.
        TestStore.ScalarIn(Path.Combine(_data.Path, "stockwatch.db"), "UPDATE stream_checkpoints SET last_seq = 0 WHERE consumer = 'deliveries' RETURNING 0");
        await Deliver();

        TestStore.ScalarIn(Path.Combine(_data.Path, "stockwatch.db"), "SELECT COUNT(*) FROM deliveries").Should().Be(planned);
        _up.Messages.Select(m => m.Alerts.Single().Id).Should().BeEquivalentTo(alerts.Select(a => a.Id));
    }

    [Fact]
    public async Task DeliveryFailingPastMaxAge_IsDeadLettered_AndTheAlarmsRaiseAndClear()
    {
        var alerts = await TwoLowProducts();
        var alarms = Get<Alarms>();
        for (var minute = 0; minute <= 10; minute++)
        {
            await Deliver();
            await alarms.EvaluateAsync(_cancel);
            _clock.Advance(TimeSpan.FromMinutes(1));
        }

        await Deliver();
        var dead = LogOf(alerts[0].Id, "down");
        dead.Status.Should().Be(DeliveryStatus.Dead, "it still failed 10 minutes after it was queued");
        dead.LastError.Should().Be("down is down");
        Get<IWorkQueue>().Stats(Queues.DeadLetter(Deliveries.QueueFor("down"))).Visible.Should().Be(4);
        await alarms.EvaluateAsync(_cancel);
        alarms.Active.Select(a => (a.Type, a.Subject)).Should().BeEquivalentTo([
            (Alarms.DeliveryFailing, "channel down"),
            (Alarms.QueueStuck, "deliveries-down-dlq"),
        ]);
        alarms.Active.Single(a => a.Type == Alarms.DeliveryFailing).Reason.Should().StartWith("channel down has failed every delivery for");

        _down.Down = false;
        (await Get<IWorkQueue>().RedriveAsync(Deliveries.QueueFor("down"))).Should().Be(4);
        await Deliver();
        await alarms.EvaluateAsync(_cancel);
        await Deliver();

        alarms.Active.Should().BeEmpty();
        _down.Messages.Where(m => m.Kind == Announcement.SingleAlert).Should().HaveCount(4, "redriven, each dead delivery is made once");
        LogOf(alerts[0].Id, "down").Status.Should().Be(DeliveryStatus.Delivered);
        _up.Messages.Where(m => m.Kind == Announcement.OperationalAlert).Select(m => m.Subject).Should().BeEquivalentTo([
            "DELIVERY_FAILING: channel down", "QUEUE_STUCK: deliveries-down-dlq",
            "DELIVERY_FAILING cleared: channel down", "QUEUE_STUCK cleared: deliveries-down-dlq",
        ]);
    }
}
