using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;

namespace StockWatch.Core.Stream;

/// <summary>
/// Reads the change stream, applies the alert rules, stores alerts and moves the checkpoint, then hands the stored
/// alerts to the notification channels.
/// </summary>
public sealed class StreamProcessor(
    IChangeStream stream,
    IEnumerable<IAlertChannel> channels,
    IOptions<AlertOptions> options,
    ILogger<StreamProcessor> logger)
{
    public const string Consumer = "alerts";
    private const int BatchSize = 256;

    private readonly AlertOptions _options = options.Value;

    /// <summary>Processes every pending change; returns the alerts stored on the way.</summary>
    public async Task<IReadOnlyList<Alert>> DrainAsync(CancellationToken cancellationToken)
    {
        List<Alert> stored = [];
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = await stream.ProcessNextAsync(Consumer, BatchSize, Evaluate);
            if (batch.Processed == 0)
            {
                break;
            }

            stored.AddRange(batch.Alerts);
            await PublishAsync(batch.Alerts, cancellationToken);
        }

        return stored;
    }

    private AlertDecision Evaluate(ChangeRecord change, AlertState state, ISalesHistory sales)
    {
        var window = TimeSpan.FromDays(_options.ForecastWindowDays);
        var units = change.NewImage is null ? 0 : sales.NetUnitsSold(change.ProductId, change.ChangedAt - window, change.ChangedAt);
        var daily = Math.Max(0, units) / (decimal)_options.ForecastWindowDays;
        return AlertRules.Evaluate(change, state, daily, _options);
    }

    private async Task PublishAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0)
        {
            return;
        }

        foreach (var channel in channels)
        {
            try
            {
                await channel.DeliverAsync(alerts, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Channel {Channel} failed to deliver {Count} alerts", channel.Name, alerts.Count);
            }
        }
    }
}
