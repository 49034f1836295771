using StockWatch.Core.Stream;

namespace StockWatch.Hosting;

/// <summary>Runs the stream processor continuously: woken by in-process commits, polling for other processes' writes.</summary>
public sealed partial class StreamProcessorWorker(
    StreamProcessor processor,
    IChangeStream stream,
    TimeProvider time,
    ILogger<StreamProcessorWorker> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await processor.DrainAsync(stoppingToken);
                await stream.WaitForChangesAsync(PollInterval, stoppingToken);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "The stream processor failed; retrying in {Delay}")]
    private partial void LogFailed(Exception exception, TimeSpan delay);
}

/// <summary>Checkpoints the WAL in the background, so commits never pay for it.</summary>
public sealed class WalCheckpointWorker(Sqlite.SqliteDatabase database, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                database.Checkpoint();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
