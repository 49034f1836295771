using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StockWatch.Core.Catalog;

namespace StockWatch.Core.Alerts;

/// <summary>A product at or below its reorder point whose low-stock episode last alerted at <see cref="LowStockAlertedAt"/>.</summary>
/// <param name="UnitsInWindow">Net units sold in the <see cref="AlertOptions.ForecastWindowDays"/> days before the sweep.</param>
public sealed record LowProduct(ProductId ProductId, string? Category, int Stock, int Threshold, long UnitsInWindow, DateTimeOffset LowStockAlertedAt);

/// <summary>Where the reminder sweep reads low products and stores their reminders (SQLite; DynamoDB on the AWS shape).</summary>
public interface IReminderStore
{
    /// <summary>
    /// Counted products at or below their threshold whose low-stock episode last alerted at or before
    /// <paramref name="alertedBy"/>, each with its net units sold in [<paramref name="windowStart"/>, <paramref name="now"/>).
    /// </summary>
    IReadOnlyList<LowProduct> LowSince(int defaultThreshold, DateTimeOffset alertedBy, DateTimeOffset windowStart, DateTimeOffset now);

    /// <summary>
    /// In one transaction: stores each reminder whose product still last alerted when <see cref="LowProduct.LowStockAlertedAt"/>
    /// says (a change that alerted meanwhile wins), with <paramref name="cause"/>, and moves the product's alert state to
    /// the reminder's time. Returns the alerts stored: running the same sweep twice stores them once.
    /// </summary>
    Task<IReadOnlyList<Alert>> StoreRemindersAsync(IReadOnlyList<(NewAlert Reminder, LowProduct Product)> reminders, string cause);
}

/// <summary>
/// The hourly reminder sweep: a product that stays low with nothing changing is never re-evaluated by the alert rules,
/// so each one low for longer than <see cref="AlertOptions.ReminderCooldown"/> since its last low-stock alert gets a
/// LOW_STOCK reminder, once per cooldown. One sweep's reminders share the cause <c>reminder: sweep-…</c>, so the
/// channels hear of them as one digest each. <c>serve</c> runs it every <see cref="Interval"/>; the AWS shape runs
/// the same from its <c>ReminderSweep</c> function (<c>rate(1 hour)</c>) over the <see cref="IReminderStore"/> on its tables.
/// </summary>
public sealed partial class ReminderSweep(IReminderStore store, IOptions<AlertOptions> options, TimeProvider time, ILogger<ReminderSweep> logger)
{
    public const string Cause = "reminder:";
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>Sweeps once, now; returns the reminders stored.</summary>
    public Task<IReadOnlyList<Alert>> RunAsync(CancellationToken cancellationToken) => RunAsync(time.GetUtcNow(), cancellationToken);

    /// <summary>
    /// Sweeps once as of <paramref name="now"/> (a scheduled event's time: a retry of the same event is the same sweep,
    /// of the same cause); returns the reminders stored.
    /// </summary>
    public async Task<IReadOnlyList<Alert>> RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var low = store.LowSince(settings.DefaultLowStockThreshold, now - settings.ReminderCooldown, now - TimeSpan.FromDays(settings.ForecastWindowDays), now);
        cancellationToken.ThrowIfCancellationRequested();
        var due = Due(low, now, settings);
        if (due.Count == 0)
        {
            return [];
        }

        var stored = await store.StoreRemindersAsync(due, $"{Cause} sweep-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture)}");
        LogReminded(stored.Count);
        return stored;
    }

    /// <summary>The reminders due at <paramref name="now"/>: one per product whose last low-stock alert is a cooldown or more ago.</summary>
    public static IReadOnlyList<(NewAlert Reminder, LowProduct Product)> Due(IEnumerable<LowProduct> products, DateTimeOffset now, AlertOptions options) =>
        [.. products
            .Where(p => p.Stock <= p.Threshold && now - p.LowStockAlertedAt >= options.ReminderCooldown)
            .OrderBy(p => p.ProductId.Value, StringComparer.Ordinal)
            .Select(p => (new NewAlert(p.ProductId, AlertType.LowStock, now, new AlertDetails
            {
                Stock = p.Stock,
                Threshold = p.Threshold,
                DaysOfCover = StockCover.Of(p.Stock, p.Threshold, p.UnitsInWindow, options).DaysOfCover,
                Reminder = true,
            }), p))];

    [LoggerMessage(Level = LogLevel.Information, Message = "Reminder sweep: {Count} products still low")]
    private partial void LogReminded(int count);
}
