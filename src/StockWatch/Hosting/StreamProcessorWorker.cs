using StockWatch.Core.Notifications;
using StockWatch.Core.Stream;

namespace StockWatch.Hosting;

/// <summary>
/// Runs the stream processor continuously, woken by in-process commits, polling for other processes' writes; after each
/// drain it plans the deliveries of what was stored or announced (by this process or another), so an import's alerts,
/// all read by then, go out as one digest.
/// </summary>
public sealed partial class StreamProcessorWorker(
    StreamProcessor processor,
    Notifier notifier,
    IChangeStream stream,
    TimeProvider time,
    ILogger<StreamProcessorWorker> logger) : RepeatingService("stream", time, logger, TimeSpan.FromSeconds(5))
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    protected override async Task WorkAsync(CancellationToken stoppingToken)
    {
        await processor.DrainAsync(stoppingToken);
        await notifier.PlanAsync(stoppingToken);
    }

    protected override Task WaitAsync(CancellationToken stoppingToken) => stream.WaitForChangesAsync(PollInterval, stoppingToken);

    /// <summary>
    /// Stopping: process what is pending, so the checkpoint is current when the process exits (bounded by the host's
    /// shutdown timeout; anything left is processed at the next start).
    /// </summary>
    protected override async Task StoppedAsync()
    {
        await WorkAsync(CancellationToken.None);
        LogStopped();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The stream processor stopped with every change processed")]
    private partial void LogStopped();
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
