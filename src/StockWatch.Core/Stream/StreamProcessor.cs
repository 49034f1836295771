using Microsoft.Extensions.Options;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;
using StockWatch.Core.Telemetry;

namespace StockWatch.Core.Stream;

/// <summary>
/// Reads the change stream, applies the alert rules, stores alerts and moves the checkpoint. The stored alerts'
/// deliveries are planned by <c>serve</c> (<see cref="Notifier"/>) once the stream is drained.
/// </summary>
public sealed class StreamProcessor(
    IChangeStream stream,
    IOptions<AlertOptions> options)
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
            foreach (var alert in batch.Alerts)
            {
                Instruments.Alerts.Add(1, Instruments.Tag("type", alert.Type.ToWire()));
            }
        }

        return stored;
    }

    private AlertDecision Evaluate(ChangeRecord change, AlertState state, ISalesHistory sales) => Decide(change, state, sales, _options);

    /// <summary>
    /// The alerts of one change: the alert rules with the product's sales rate over the forecast window before the
    /// change. Every consumer of a change stream decides with this (the SQLite stream here, DynamoDB Streams on AWS).
    /// </summary>
    public static AlertDecision Decide(ChangeRecord change, AlertState state, ISalesHistory sales, AlertOptions options)
    {
        var window = TimeSpan.FromDays(options.ForecastWindowDays);
        var units = change.NewImage is null ? 0 : sales.NetUnitsSold(change.ProductId, change.ChangedAt - window, change.ChangedAt);
        return AlertRules.Evaluate(change, state, StockCover.Rate(units, options), options);
    }
}
