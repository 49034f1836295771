using StockWatch.Core.Imports;

namespace StockWatch.Hosting;

/// <summary>Runs queued imports one at a time; a job that fails for other reasons than its file is retried from the queue.</summary>
public sealed partial class ImportWorker(ImportJobs jobs, TimeProvider time, ILogger<ImportWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AfterError = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await jobs.RunNextAsync(stoppingToken))
                {
                    await Task.Delay(Idle, time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(ex, AfterError);
                await Task.Delay(AfterError, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An import failed; its job returns to the queue; next attempt in {Delay}")]
    private partial void LogFailed(Exception exception, TimeSpan delay);
}
