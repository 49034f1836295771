using StockWatch.Core.Catalog;
using StockWatch.Core.Stream;

namespace StockWatch.Core.Alerts;

/// <summary>What the rules remember about a product between changes.</summary>
/// <param name="LastAlertTime">When the last alert about the product was stored.</param>
/// <param name="LowStockAlertedAt">When the current low-stock episode last alerted; <c>null</c> when not low.</param>
/// <param name="StockoutEpisode">True while days of cover stay below the lead time.</param>
public sealed record AlertState(DateTimeOffset? LastAlertTime, DateTimeOffset? LowStockAlertedAt, bool StockoutEpisode)
{
    public static readonly AlertState None = new(null, null, false);
}

/// <summary>The alerts a change raises and the state the product is left in.</summary>
public readonly record struct AlertDecision(IReadOnlyList<NewAlert> Alerts, AlertState State);

/// <summary>
/// The alert rules: a pure function of the change (old and new image), the product's alert state, its recent sales
/// rate and the options. The change's own time is "now", so replaying a change decides the same thing.
/// </summary>
public static class AlertRules
{
    /// <summary>
    /// Whether the decision of <paramref name="change"/> depends on the sales rate. It does wherever days of cover enter:
    /// the stockout episode of a product whose stock is counted (evaluated at every change, as the rate moves with
    /// sales and with time even when the stock does not), and the details of a stock-level alert. A removal, and a
    /// product whose stock is not counted and was not low, are decided from the images alone: the same decision at
    /// any rate.
    /// </summary>
    public static bool NeedsSalesRate(ChangeRecord change, AlertOptions options) =>
        change.NewImage is { } current && (current.StockCounted || change.OldImage?.IsLow(options.DefaultLowStockThreshold) == true);

    public static AlertDecision Evaluate(ChangeRecord change, AlertState state, decimal averageDailyUnits, AlertOptions options)
    {
        var now = change.ChangedAt;
        var (old, current) = (change.OldImage, change.NewImage);
        if (current is null)
        {
            var removed = Raise(change, AlertType.ProductRemoved, new AlertDetails { OldValue = old?.Name, Stock = old?.Stock });
            return new AlertDecision([removed], AlertState.None with { LastAlertTime = now });
        }

        // Most changes raise no alert and leave the state as it was: they allocate neither (a drain decides millions).
        List<NewAlert>? alerts = null;
        if (old is null)
        {
            if (!change.IsFromImport)
            {
                Add(ref alerts, Raise(change, AlertType.ProductAdded, new AlertDetails { NewValue = current.Name, Stock = current.Stock }));
            }
        }
        else
        {
            AddFieldChanges(change, old, current, ref alerts);
        }

        var cover = StockCover.Days(current.Stock, averageDailyUnits);
        var lowStockAlertedAt = AddStockLevelAlerts(change, state, cover, options, ref alerts);
        var stockoutEpisode = AddStockoutPrediction(change, state, cover, options, ref alerts);

        if (alerts is null)
        {
            return new AlertDecision([], lowStockAlertedAt == state.LowStockAlertedAt && stockoutEpisode == state.StockoutEpisode
                ? state
                : state with { LowStockAlertedAt = lowStockAlertedAt, StockoutEpisode = stockoutEpisode });
        }

        return new AlertDecision(alerts, new AlertState(now, lowStockAlertedAt, stockoutEpisode));
    }

    private static void Add(ref List<NewAlert>? alerts, NewAlert alert) => (alerts ??= []).Add(alert);

    private static void AddFieldChanges(ChangeRecord change, Product old, Product current, ref List<NewAlert>? alerts)
    {
        if (old.Price != current.Price)
        {
            decimal? percent = old.Price.Value == 0
                ? null
                : decimal.Round((current.Price.Value - old.Price.Value) / old.Price.Value * 100, 2);
            Add(ref alerts, Raise(change, AlertType.PriceChanged, new AlertDetails
            {
                OldValue = old.Price.ToString(),
                NewValue = current.Price.ToString(),
                PercentChange = percent,
            }));
        }

        if (old.Name != current.Name)
        {
            Add(ref alerts, Raise(change, AlertType.NameChanged, new AlertDetails { OldValue = old.Name, NewValue = current.Name }));
        }

        if (old.Category != current.Category)
        {
            Add(ref alerts, Raise(change, AlertType.CategoryChanged, new AlertDetails { OldValue = old.Category, NewValue = current.Category }));
        }
    }

    /// <summary>LOW_STOCK on the edge (or as a reminder), OUT_OF_STOCK at 0, BACK_IN_STOCK above the threshold.</summary>
    /// <returns>When the current low-stock episode last alerted.</returns>
    private static DateTimeOffset? AddStockLevelAlerts(
        ChangeRecord change, AlertState state, decimal? cover, AlertOptions options, ref List<NewAlert>? alerts)
    {
        var (old, current) = (change.OldImage, change.NewImage!);
        var threshold = current.ThresholdOr(options.DefaultLowStockThreshold);
        var wasLow = old is not null && old.IsLow(options.DefaultLowStockThreshold);
        var isLow = current.IsLow(options.DefaultLowStockThreshold);
        if (wasLow && !isLow)
        {
            Add(ref alerts, Raise(change, AlertType.BackInStock, Details()));
            return null;
        }

        if (!isLow)
        {
            return null;
        }

        var now = change.ChangedAt;
        if (!wasLow)
        {
            Add(ref alerts, Raise(change, AlertType.LowStock, Details()));
        }

        var reachedZero = current.Stock == 0 && (old is null || old.Stock > 0);
        if (reachedZero)
        {
            Add(ref alerts, Raise(change, AlertType.OutOfStock, Details()));
            return now;
        }

        if (wasLow && (state.LowStockAlertedAt is not { } last || now - last >= options.ReminderCooldown))
        {
            Add(ref alerts, Raise(change, AlertType.LowStock, Details() with { Reminder = true }));
            return now;
        }

        return wasLow ? state.LowStockAlertedAt : now;

        // Made only for an alert: most changes raise none.
        AlertDetails Details() => new() { Stock = current.Stock, Threshold = threshold, DaysOfCover = cover };
    }

    /// <summary>STOCKOUT_PREDICTED once per episode of days of cover below the lead time.</summary>
    /// <returns>Whether the product is in such an episode after this change.</returns>
    private static bool AddStockoutPrediction(
        ChangeRecord change, AlertState state, decimal? cover, AlertOptions options, ref List<NewAlert>? alerts)
    {
        var current = change.NewImage!;
        var inEpisode = current.StockCounted && cover is { } days && days < options.LeadTimeDays;
        if (inEpisode && !state.StockoutEpisode && current.Stock > 0)
        {
            Add(ref alerts, Raise(change, AlertType.StockoutPredicted, new AlertDetails
            {
                Stock = current.Stock,
                Threshold = current.ThresholdOr(options.DefaultLowStockThreshold),
                DaysOfCover = cover,
            }));
        }

        return inEpisode;
    }

    private static NewAlert Raise(ChangeRecord change, AlertType type, AlertDetails details) =>
        new(change.ProductId, type, change.ChangedAt, details);
}
