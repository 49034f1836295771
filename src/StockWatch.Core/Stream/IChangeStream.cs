using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;

namespace StockWatch.Core.Stream;

/// <summary>Recent sales of a product, as the forecast rule needs them.</summary>
public interface ISalesHistory
{
    /// <summary>Σ quantity of the product's sales dated in (<paramref name="from"/>, <paramref name="to"/>]; returns count negative.</summary>
    long NetUnitsSold(ProductId id, DateTimeOffset from, DateTimeOffset to);
}

/// <summary>Decides the alerts of one change, given the product's alert state and its sales history.</summary>
public delegate AlertDecision ChangeHandler(ChangeRecord change, AlertState state, ISalesHistory sales);

/// <summary>A product's forecast window as of a change: its net units sold dated in (<see cref="From"/>, <see cref="To"/>].</summary>
public readonly record struct SalesWindow(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// The window a <see cref="ChangeHandler"/> reads for <paramref name="change"/>; <c>null</c> when it decides from the
/// images and the state alone. A stream reads the windows of a whole batch together, before the handler runs.
/// </summary>
public delegate SalesWindow? SalesWindowOf(ChangeRecord change);

/// <summary>What one step of a consumer did: how many changes it took and the alerts it stored.</summary>
public sealed record StreamBatch(int Processed, IReadOnlyList<Alert> Alerts);

/// <summary>
/// The change stream port. A consumer reads changes after its checkpoint in order; each step stores the alerts, the
/// alert state and the moved checkpoint atomically, so a crash anywhere replays the step and never doubles an alert.
/// A product's changes are always decided in their order; changes of different products are independent.
/// </summary>
public interface IChangeStream
{
    /// <summary>
    /// Decides the next <paramref name="maxChanges"/> changes after the consumer's checkpoint (skipping those processed
    /// ahead) in one transaction: their states and the sales <paramref name="windows"/> they need read together, the
    /// alerts, the states and the checkpoint written together. Without <paramref name="windows"/> each change reads
    /// the sales it asks for.
    /// </summary>
    Task<StreamBatch> ProcessNextAsync(string consumer, int maxChanges, ChangeHandler handler, SalesWindowOf? windows = null);

    /// <summary>
    /// Fair scheduling while a backlog drains (docs/decisions/0017): decides, ahead of the backlog, the next single
    /// writes (not an import's) after the lane's mark, each with its product's earlier unprocessed changes (at most
    /// <paramref name="maxChanges"/> changes), and records them as processed ahead. The lane looks at a few thousand
    /// changes a call; over a run of an import's changes it moves on to the newest import's end.
    /// </summary>
    Task<StreamBatch> ProcessNewestAsync(string consumer, int maxChanges, ChangeHandler handler, SalesWindowOf? windows = null);

    /// <summary>How many changes the consumer has not processed yet.</summary>
    long Pending(string consumer);

    /// <summary>Completes when a change may have been written, or after <paramref name="pollInterval"/> at the latest.</summary>
    Task WaitForChangesAsync(TimeSpan pollInterval, CancellationToken cancellationToken);
}
