using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StockWatch.Core.Notifications;
using StockWatch.Core.Reports;
using StockWatch.Hosting;
using StockWatch.Testing;

namespace StockWatch.Tests.Reports;

public sealed class ReportSchedulerTests : IDisposable
{
    private static readonly DateTimeOffset Wednesday = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ThursdayAt17 = new(2026, 11, 26, 17, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LastThursdayAt17 = ThursdayAt17.AddDays(-7);

    private readonly TempFolder _data = new();
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    public void Dispose() => _data.Dispose();

    private ServiceProvider Services(TimeProvider time, IAlertChannel channel) => Composed.Services(_data.Path, configure: services =>
    {
        services.AddSingleton(time);
        services.AddSingleton(channel);
    });

    /// <summary>Makes the deliveries planned so far; returns what the channel has been sent in all.</summary>
    private async Task<IReadOnlyList<Announcement>> Delivered(ServiceProvider services, RecordingChannel channel)
    {
        await services.GetRequiredService<Notifier>().PlanAsync(_cancel);
        await services.GetRequiredService<Deliveries>().RunOnceAsync(_cancel);
        return channel.Messages;
    }

    [Fact]
    public async Task Scheduler_CatchesUpTheMissedRunAtStart_ThenFiresAtThursday17AndNotBefore()
    {
        var clock = new WatchedClock(Wednesday);
        var channel = new RecordingChannel();
        using var services = Services(clock, channel);
        var ledger = services.GetRequiredService<IReportLedger>();
        using var scheduler = new ReportScheduler(services.GetRequiredService<WeeklyReports>(), clock, NullLogger<ReportScheduler>.Instance);

        await scheduler.StartAsync(_cancel);
        await clock.TimerCreated(_cancel);
        (await Delivered(services, channel)).Select(m => m.Subject).Should().Equal([$"Weekly report {WeeklyReports.IdFor(LastThursdayAt17)}"], "last Thursday's run was missed");
        clock.Advance(ThursdayAt17 - Wednesday - TimeSpan.FromSeconds(1));

        ledger.List(10).Select(r => r.PeriodEnd).Should().Equal(LastThursdayAt17);
        (await Delivered(services, channel)).Should().HaveCount(1, "nothing is due at 16:59:59");

        clock.Advance(TimeSpan.FromSeconds(1));
        await clock.TimerCreated(_cancel);
        var announced = (await Delivered(services, channel)).Should().HaveCount(2).And.Subject.Last();

        announced.Subject.Should().Be($"Weekly report {WeeklyReports.IdFor(ThursdayAt17)}");
        announced.Link.Should().BeNull("without StockWatch:PublicUrl a message names the file on the server instead of a file: link");
        announced.Text.Should().Contain("Saved on the server at " + _data.Path).And.NotContain("file:");
        ledger.List(10).Select(r => (r.PeriodStart, r.PeriodEnd)).Should().Equal((ThursdayAt17.AddDays(-7), ThursdayAt17), (LastThursdayAt17.AddDays(-7), LastThursdayAt17));
        await scheduler.StopAsync(_cancel);
    }

    [Fact]
    public async Task Scheduler_RestartedAfterTheReportWasMade_MakesNoSecond()
    {
        var clock = new WatchedClock(ThursdayAt17.AddMinutes(5));
        var channel = new RecordingChannel();
        using var services = Services(clock, channel);
        for (var start = 0; start < 2; start++)
        {
            using var scheduler = new ReportScheduler(services.GetRequiredService<WeeklyReports>(), clock, NullLogger<ReportScheduler>.Instance);
            await scheduler.StartAsync(_cancel);
            await clock.TimerCreated(_cancel);
            await scheduler.StopAsync(_cancel);
        }

        services.GetRequiredService<IReportLedger>().List(10).Should().ContainSingle().Which.PeriodEnd.Should().Be(ThursdayAt17);
        (await Delivered(services, channel)).Should().ContainSingle();
    }

    [Fact]
    public async Task TwoProcessesRacing_ForTheSamePeriod_MakeOneReport()
    {
        var clock = new FakeTimeProvider(ThursdayAt17.AddSeconds(1));
        var channel = new RecordingChannel();
        using var first = Services(clock, channel);
        using var second = Services(clock, channel);
        first.GetRequiredService<Sqlite.SqliteDatabase>(); // the schema in place before the race, as a running serve has it

        var made = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            (i % 2 == 0 ? first : second).GetRequiredService<WeeklyReports>().MakeAsync(ThursdayAt17, _cancel), _cancel)));

        made.Count(m => m.Created).Should().Be(1);
        made.Select(m => m.Report.ReportId).Distinct().Should().ContainSingle();
        (await Delivered(first, channel)).Should().ContainSingle("the makers' announcements share the report's key, so it is recorded once");
        TestStore.ScalarIn(Path.Combine(_data.Path, "stockwatch.db"), "SELECT COUNT(*) FROM reports").Should().Be(1);
    }
}
