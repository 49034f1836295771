namespace StockWatch.Hosting;

/// <summary>
/// A background service that repeats one step until the host stops: each step does its work and its own waiting; a
/// step that fails is logged and retried after <paramref name="retryAfterError"/>, so one bad moment never stops
/// <c>serve</c>.
/// </summary>
public abstract partial class RepeatingService(TimeProvider time, ILogger logger, TimeSpan retryAfterError) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    /// <summary>One round of work, then the wait until the next.</summary>
    protected abstract Task StepAsync(CancellationToken stoppingToken);

    /// <summary>Runs once the host stops (the stream processor drains what is pending).</summary>
    protected virtual Task StoppedAsync() => Task.CompletedTask;

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await StepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogFailed(ex, GetType().Name, retryAfterError);
                await Task.Delay(retryAfterError, Time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        await StoppedAsync();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service} failed; trying again in {Delay}")]
    private partial void LogFailed(Exception exception, string service, TimeSpan delay);
}
