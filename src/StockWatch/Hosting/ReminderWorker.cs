using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;

namespace StockWatch.Hosting;

/// <summary>Runs the <see cref="ReminderSweep"/> at start and then once an hour, and plans the digests of its reminders at once.</summary>
public sealed class ReminderWorker(ReminderSweep sweep, Notifier notifier, TimeProvider time, ILogger<ReminderWorker> logger)
    : RepeatingService("reminders", time, logger, TimeSpan.FromMinutes(1))
{
    protected override async Task WorkAsync(CancellationToken stoppingToken)
    {
        if ((await sweep.RunAsync(stoppingToken)).Count > 0)
        {
            await notifier.PlanAsync(stoppingToken);
        }
    }

    protected override Task WaitAsync(CancellationToken stoppingToken) => Task.Delay(ReminderSweep.Interval, Time, stoppingToken);
}
