using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Notifications;
using StockWatch.Core.Stream;
using StockWatch.Hosting;
using StockWatch.Testing;

namespace StockWatch.Tests.Monitoring;

/// <summary>The hourly sweep reminds of products that stay low with nothing changing: once per cooldown, one digest per channel.</summary>
public sealed class ReminderSweepTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _data = new();
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;
    private readonly RecordingChannel _shop = new("shop");
    private readonly RecordingChannel _warehouse = new("warehouse");

    public void Dispose() => _data.Dispose();

    private ServiceProvider Services(TimeProvider clock) => Composed.Services(_data.Path,
        new Dictionary<string, string?> { ["StockWatch:PublicUrl"] = "https://stock.example.com" },
        services =>
        {
            services.AddSingleton(clock);
            services.AddSingleton<IAlertChannel>(_shop);
            services.AddSingleton<IAlertChannel>(_warehouse);
        });

    /// <summary>Two low products and one that is not, their first alerts told.</summary>
    private async Task SeedAsync(ServiceProvider services)
    {
        var set = services.GetRequiredService<SetProduct>();
        await set.HandleAsync(new SetProductRequest(ProductId.Parse("LOW-A")) { Name = "Mug", Price = Money.From(3m, "product_price"), Stock = 3, LowStockThreshold = 10 }, "test");
        await set.HandleAsync(new SetProductRequest(ProductId.Parse("LOW-B")) { Name = "Vase", Price = Money.From(9m, "product_price"), Stock = 0, LowStockThreshold = 5 }, "test");
        await set.HandleAsync(new SetProductRequest(ProductId.Parse("FINE-1")) { Name = "Lamp", Price = Money.From(20m, "product_price"), Stock = 50, LowStockThreshold = 5 }, "test");
        await services.GetRequiredService<StreamProcessor>().DrainAsync(_cancel);
        await DeliverAsync(services);
    }

    private async Task<IReadOnlyList<Announcement>> DeliverAsync(ServiceProvider services)
    {
        await services.GetRequiredService<Notifier>().PlanAsync(_cancel);
        await services.GetRequiredService<Deliveries>().RunOnceAsync(_cancel);
        return [.. _shop.Messages.Where(m => m.Kind == Announcement.ReminderDigest)];
    }

    [Fact]
    public async Task Sweep_RemindsOfEachProductLowForACooldown_OncePerCooldown_AsOneDigestPerChannel()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start);
        using var services = Services(clock);
        await SeedAsync(services);
        var sweep = services.GetRequiredService<ReminderSweep>();

        clock.Advance(TimeSpan.FromHours(23));
        (await sweep.RunAsync(_cancel)).Should().BeEmpty("the cooldown (24 h) has not passed since the first alerts");

        clock.Advance(TimeSpan.FromHours(1));
        var reminded = await sweep.RunAsync(_cancel);
        var again = await sweep.RunAsync(_cancel);

        reminded.Select(a => (a.ProductId.Value, a.Type, a.Details.Reminder, a.Details.Stock)).Should().Equal(
            ("LOW-A", AlertType.LowStock, true, 3), ("LOW-B", AlertType.LowStock, true, 0));
        reminded.Should().AllSatisfy(a => a.Time.Should().Be(Start.AddHours(24)));
        again.Should().BeEmpty("once per cooldown");
        var digest = (await DeliverAsync(services)).Should().ContainSingle().Subject;
        digest.Subject.Should().Be("2 products are still low");
        digest.Text.Split('\n').Should().Equal(
            "2 products are still low: 2 LOW_STOCK",
            $"- Still low: LOW-A has 3 in stock (threshold 10) https://stock.example.com/#/alerts/{reminded[0].Id}",
            $"- Still low: LOW-B has 0 in stock (threshold 5) https://stock.example.com/#/alerts/{reminded[1].Id}");
        _warehouse.Messages.Where(m => m.Kind == Announcement.ReminderDigest).Should().ContainSingle("each channel gets one digest");

        clock.Advance(TimeSpan.FromHours(23));
        (await sweep.RunAsync(_cancel)).Should().BeEmpty();
        clock.Advance(TimeSpan.FromHours(1));
        (await sweep.RunAsync(_cancel)).Select(a => a.ProductId.Value).Should().Equal("LOW-A", "LOW-B");
        (await DeliverAsync(services)).Should().HaveCount(2);
    }

    [Fact]
    public async Task Sweep_SkipsAProductBackInStock_AndSharesTheCooldownWithTheRemindersOfChanges()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start);
        using var services = Services(clock);
        await SeedAsync(services);
        var processor = services.GetRequiredService<StreamProcessor>();
        var set = services.GetRequiredService<SetProduct>();
        clock.Advance(TimeSpan.FromHours(20));
        await services.GetRequiredService<MoveStock>().HandleAsync(ProductId.Parse("LOW-B"), StockMovement.By(40, "delivery"));
        await set.HandleAsync(new SetProductRequest(ProductId.Parse("LOW-A")) { Stock = 2 }, "count");
        (await processor.DrainAsync(_cancel)).Should().NotContain(a => a.Details.Reminder, "20 h is within the cooldown");
        clock.Advance(TimeSpan.FromHours(4));

        var reminded = await services.GetRequiredService<ReminderSweep>().RunAsync(_cancel);
        clock.Advance(TimeSpan.FromHours(6));
        await set.HandleAsync(new SetProductRequest(ProductId.Parse("LOW-A")) { Stock = 1 }, "count");
        var changed = await processor.DrainAsync(_cancel);

        reminded.Select(a => (a.ProductId.Value, a.Details.Stock)).Should().Equal([("LOW-A", 2)], "LOW-B is back in stock; LOW-A's change reminded of nothing");
        changed.Should().NotContain(a => a.Details.Reminder, "the sweep's reminder 6 h ago started a new cooldown for changes too");
    }

    [Fact]
    public async Task ReminderWorker_SweepsAtStartAndThenEveryHour_OnAFakeClock()
    {
        var clock = new WatchedClock(Start);
        using var services = Services(clock);
        await SeedAsync(services);
        clock.Advance(TimeSpan.FromHours(23.5));
        using var worker = new ReminderWorker(services.GetRequiredService<ReminderSweep>(), services.GetRequiredService<Notifier>(), clock,
            NullLogger<ReminderWorker>.Instance);

        await worker.StartAsync(_cancel);
        await clock.TimerCreated(_cancel);
        (await DeliverAsync(services)).Should().BeEmpty("at start nothing has been low for 24 h");
        clock.Advance(TimeSpan.FromMinutes(59));
        (await DeliverAsync(services)).Should().BeEmpty("the next sweep is an hour after the first");
        clock.Advance(TimeSpan.FromMinutes(1));
        await clock.TimerCreated(_cancel);

        (await DeliverAsync(services)).Should().ContainSingle().Which.Alerts.Select(a => a.ProductId.Value).Should().Equal("LOW-A", "LOW-B");
        await worker.StopAsync(_cancel);
    }
}
