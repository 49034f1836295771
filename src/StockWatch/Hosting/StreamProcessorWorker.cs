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
                break;
            }
            catch (Exception ex)
            {
                LogFailed(ex, RetryAfterError);
                await Task.Delay(RetryAfterError, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        // Stopping: process what is pending, so the checkpoint is current when the process exits (bounded by the
        // host's shutdown timeout; anything left is processed at the next start).
        await processor.DrainAsync(CancellationToken.None);
        LogStopped();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The stream processor stopped with every change processed")]
    private partial void LogStopped();

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
