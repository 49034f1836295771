using StockWatch.Core.Notifications;
using StockWatch.Core.Stream;

namespace StockWatch.Hosting;

/// <summary>Makes queued deliveries as they come: woken by in-process commits (new deliveries), polling for retries and other processes.</summary>
public sealed class DeliveryWorker(Deliveries deliveries, IChangeStream stream, TimeProvider time, ILogger<DeliveryWorker> logger)
    : RepeatingService("deliveries", time, logger, TimeSpan.FromSeconds(5))
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private int _received;

    protected override async Task WorkAsync(CancellationToken stoppingToken) => _received = await deliveries.RunOnceAsync(stoppingToken);

    protected override Task WaitAsync(CancellationToken stoppingToken) =>
        _received > 0 ? Task.CompletedTask : stream.WaitForChangesAsync(PollInterval, stoppingToken);
}
