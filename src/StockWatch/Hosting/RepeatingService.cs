using StockWatch.Core.Telemetry;

namespace StockWatch.Hosting;

/// <summary>
/// A background service that repeats work and a wait until the host stops. A round of work that fails is logged and
/// retried after <paramref name="retryAfterError"/>, so one bad moment never stops <c>serve</c>. Each round is
/// counted and timed as processor <paramref name="processor"/> (<c>stockwatch_processor_…</c>).
/// </summary>
public abstract partial class RepeatingService(string processor, TimeProvider time, ILogger logger, TimeSpan retryAfterError) : BackgroundService
{
    private readonly KeyValuePair<string, object?> _processor = Instruments.Tag("processor", processor);

    protected TimeProvider Time { get; } = time;

    /// <summary>One round of work.</summary>
    protected abstract Task WorkAsync(CancellationToken stoppingToken);

    /// <summary>The wait until the next round.</summary>
    protected abstract Task WaitAsync(CancellationToken stoppingToken);

    /// <summary>Runs once the host stops (the stream processor drains what is pending).</summary>
    protected virtual Task StoppedAsync() => Task.CompletedTask;

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var started = Time.GetTimestamp();
                Instruments.ProcessorInvocations.Add(1, _processor);
                try
                {
                    await WorkAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    Instruments.ProcessorErrors.Add(1, _processor);
                    throw;
                }
                finally
                {
                    Instruments.ProcessorDuration.Record(Time.GetElapsedTime(started).TotalSeconds, _processor);
                }

                await WaitAsync(stoppingToken);
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
