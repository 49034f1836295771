using StockWatch.Core.Reports;

namespace StockWatch.Hosting;

/// <summary>
/// Makes the weekly report at each time of <c>StockWatch:Reports:Schedule</c> (UTC). At start it makes the report of
/// the latest scheduled time if that one is missing (a run missed while StockWatch was down); making a report that
/// exists does nothing, so a restart mid-run or a second process never makes two.
/// </summary>
public sealed class ReportScheduler(WeeklyReports reports, TimeProvider time, ILogger<ReportScheduler> logger)
    : RepeatingService(time, logger, TimeSpan.FromMinutes(1))
{
    protected override async Task StepAsync(CancellationToken stoppingToken)
    {
        await reports.MakeDueAsync(stoppingToken);
        var now = Time.GetUtcNow();
        await Task.Delay(reports.Schedule.Next(now) is { } next ? next - now : Timeout.InfiniteTimeSpan, Time, stoppingToken);
    }
}
