using StockWatch.Core.Notifications;
using StockWatch.Core.Stream;

namespace StockWatch.Hosting;

/// <summary>
/// Makes queued deliveries as they come, with one loop per channel on the channel's own queue, so a channel that hangs
/// holds up no other. Each loop is woken by in-process commits (new deliveries) and polls for retries and for other
/// processes' deliveries.
/// </summary>
public sealed class DeliveryWorker(Deliveries deliveries, ChannelSet channels, IChangeStream stream, TimeProvider time, ILogger<DeliveryWorker> logger)
    : IHostedService, IDisposable
{
    private readonly List<ChannelLoop> _loops = [.. channels.All.Select(channel => new ChannelLoop(channel, deliveries, stream, time, logger))];

    public Task StartAsync(CancellationToken cancellationToken) => Task.WhenAll(_loops.Select(loop => loop.StartAsync(cancellationToken)));

    public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(_loops.Select(loop => loop.StopAsync(cancellationToken)));

    public void Dispose()
    {
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }

    private sealed class ChannelLoop(IAlertChannel channel, Deliveries deliveries, IChangeStream stream, TimeProvider time, ILogger logger)
        : RepeatingService("deliveries", time, logger, TimeSpan.FromSeconds(5))
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
        private int _received;

        protected override async Task WorkAsync(CancellationToken stoppingToken) => _received = await deliveries.RunOnceAsync(channel, stoppingToken);

        protected override Task WaitAsync(CancellationToken stoppingToken) =>
            _received > 0 ? Task.CompletedTask : stream.WaitForChangesAsync(PollInterval, stoppingToken);
    }
}
