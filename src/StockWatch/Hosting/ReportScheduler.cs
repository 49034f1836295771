using StockWatch.Core.Reports;

namespace StockWatch.Hosting;

/// <summary>
/// Makes the weekly report at each time of <c>StockWatch:Reports:Schedule</c> (UTC). At start it makes the report of
/// the latest scheduled time if that one is missing (a run missed while StockWatch was down); making a report that
/// exists does nothing, so a restart mid-run or a second process never makes two.
/// </summary>
public sealed class ReportScheduler(WeeklyReports reports, TimeProvider time, ILogger<ReportScheduler> logger)
    : RepeatingService("reports", time, logger, TimeSpan.FromMinutes(1))
{
    protected override Task WorkAsync(CancellationToken stoppingToken) => reports.MakeDueAsync(stoppingToken);

    protected override Task WaitAsync(CancellationToken stoppingToken)
    {
        var now = Time.GetUtcNow();
        return Task.Delay(reports.Schedule.Next(now) is { } next ? next - now : Timeout.InfiniteTimeSpan, Time, stoppingToken);
    }
}
