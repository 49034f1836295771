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

/// <summary>What one step of a consumer did: how many changes it took and the alerts it stored.</summary>
public sealed record StreamBatch(int Processed, IReadOnlyList<Alert> Alerts);

/// <summary>
/// The change stream port. A consumer reads changes after its checkpoint in order; each step stores the alerts, the
/// alert state and the moved checkpoint atomically, so a crash anywhere replays the step and never doubles an alert.
/// </summary>
public interface IChangeStream
{
    Task<StreamBatch> ProcessNextAsync(string consumer, int maxChanges, ChangeHandler handler);

    /// <summary>How many changes the consumer has not processed yet.</summary>
    long Pending(string consumer);

    /// <summary>Completes when a change may have been written, or after <paramref name="pollInterval"/> at the latest.</summary>
    Task WaitForChangesAsync(TimeSpan pollInterval, CancellationToken cancellationToken);
}
