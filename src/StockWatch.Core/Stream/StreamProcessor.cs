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

    /// <summary>
    /// Changes per transaction of the backlog: a few milliseconds of work, so that single writes, which queue behind a
    /// step, wait little, while the per-transaction costs (the commit, the batch's reads) spread over many changes. 4,096
    /// drained 1M held changes about 5 % faster, but its imports end to end measured slower (docs/decisions/0017).
    /// </summary>
    public const int BatchSize = 2048;

    /// <summary>Changes per step of the lane that serves new single writes between the backlog's batches.</summary>
    public const int LaneSize = 256;

    private readonly AlertOptions _options = options.Value;

    /// <summary>Processes every pending change; returns the alerts stored on the way.</summary>
    public async Task<IReadOnlyList<Alert>> DrainAsync(CancellationToken cancellationToken)
    {
        List<Alert> stored = [];
        while (!cancellationToken.IsCancellationRequested)
        {
            var step = await StepAsync();
            if (step.Processed == 0)
            {
                break;
            }

            stored.AddRange(step.Alerts);
            foreach (var alert in step.Alerts)
            {
                Instruments.Alerts.Add(1, Instruments.Tag("type", alert.Type.ToWire()));
            }
        }

        return stored;
    }

    /// <summary>
    /// One round of the drain: the next batch of the backlog, in order; when the batch was full (more waits behind it),
    /// then the single writes committed meanwhile, ahead of the backlog's remainder (docs/decisions/0017), so that a
    /// large backlog never keeps a sale's alert waiting for more than a round.
    /// </summary>
    /// <returns>The changes processed (0: nothing was pending) and the alerts stored.</returns>
    public async Task<StreamBatch> StepAsync()
    {
        var batch = await stream.ProcessNextAsync(Consumer, BatchSize, Evaluate, WindowOf);
        if (batch.Processed < BatchSize)
        {
            return batch;
        }

        var newest = await stream.ProcessNewestAsync(Consumer, LaneSize, Evaluate, WindowOf);
        return newest.Processed == 0 ? batch : new StreamBatch(batch.Processed + newest.Processed, [.. batch.Alerts, .. newest.Alerts]);
    }

    private AlertDecision Evaluate(ChangeRecord change, AlertState state, ISalesHistory sales) => Decide(change, state, sales, _options);

    private SalesWindow? WindowOf(ChangeRecord change) => Window(change, _options);

    /// <summary>
    /// The forecast window the rules read for <paramref name="change"/>: the <see cref="AlertOptions.ForecastWindowDays"/>
    /// before it; <c>null</c> when the images decide alone (<see cref="AlertRules.NeedsSalesRate"/>).
    /// </summary>
    public static SalesWindow? Window(ChangeRecord change, AlertOptions options) =>
        AlertRules.NeedsSalesRate(change, options)
            ? new SalesWindow(change.ChangedAt - TimeSpan.FromDays(options.ForecastWindowDays), change.ChangedAt)
            : null;

    /// <summary>
    /// The alerts of one change: the alert rules with the product's sales rate over the forecast window before the
    /// change, read only when the decision depends on it. Every consumer of a change stream decides with this (the
    /// SQLite stream here, DynamoDB Streams on AWS).
    /// </summary>
    public static AlertDecision Decide(ChangeRecord change, AlertState state, ISalesHistory sales, AlertOptions options)
    {
        var units = Window(change, options) is { } window ? sales.NetUnitsSold(change.ProductId, window.From, window.To) : 0;
        return AlertRules.Evaluate(change, state, StockCover.Rate(units, options), options);
    }
}
