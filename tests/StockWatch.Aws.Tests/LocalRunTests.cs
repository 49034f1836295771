using Microsoft.Extensions.Time.Testing;
using StockWatch.Core.Reports;
using StockWatch.Lambda.Events;
using StockWatch.Lambda.Local;

namespace StockWatch.Aws.Tests;

/// <summary>local-run's EventBridge schedule, on a fake clock.</summary>
public sealed class LocalRunTests
{
    [Fact]
    public async Task TheSchedule_FiresAtEachOccurrence_WithAScheduledEventOfThatTime_AndOnceAtStartWhenAsked()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 19, 16, 59, 0, TimeSpan.Zero));
        var fired = System.Threading.Channels.Channel.CreateUnbounded<DateTimeOffset>();
        using var stop = new CancellationTokenSource();
        var schedule = LocalCommands.FireScheduleAsync("weekly-report", input =>
        {
            fired.Writer.TryWrite(ScheduledEvent.Read(input, "weekly-report").Time);
            return Task.FromResult<Stream>(new MemoryStream("{}"u8.ToArray()));
        }, ReportSchedule.Parse("0 17 * * THU").Next, now: true, time, stop.Token);

        (await fired.Reader.ReadAsync(TestContext.Current.CancellationToken)).Should().Be(new DateTimeOffset(2026, 11, 19, 16, 59, 0, TimeSpan.Zero));
        fired.Reader.TryRead(out _).Should().BeFalse();
        time.Advance(TimeSpan.FromMinutes(1));
        (await fired.Reader.ReadAsync(TestContext.Current.CancellationToken)).Should().Be(new DateTimeOffset(2026, 11, 19, 17, 0, 0, TimeSpan.Zero));
        time.Advance(TimeSpan.FromDays(7));
        (await fired.Reader.ReadAsync(TestContext.Current.CancellationToken)).Should().Be(new DateTimeOffset(2026, 11, 26, 17, 0, 0, TimeSpan.Zero));

        await stop.CancelAsync();
        await FluentActions.Awaiting(() => schedule).Should().ThrowAsync<OperationCanceledException>();
    }
}
