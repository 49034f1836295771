using StockWatch.Core.Reports;

namespace StockWatch.Hosting;

/// <summary>
/// Makes the weekly report at each time of <c>StockWatch:Reports:Schedule</c> (UTC). At start it makes the report of
/// the latest scheduled time if that one is missing (a run missed while StockWatch was down); making a report that
/// exists does nothing, so a restart mid-run or a second process never makes two.
/// </summary>
public sealed partial class ReportScheduler(WeeklyReports reports, TimeProvider time, ILogger<ReportScheduler> logger) : BackgroundService
{
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await reports.MakeDueAsync(stoppingToken);
                var now = time.GetUtcNow();
                if (reports.Schedule.Next(now) is not { } next)
                {
                    return;
                }

                await Task.Delay(next - now, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(ex, RetryAfterError);
                await Task.Delay(RetryAfterError, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The weekly report could not be made; trying again in {Delay}")]
    private partial void LogFailed(Exception exception, TimeSpan delay);
}
