using StockWatch.Core.Alerts;
using StockWatch.Core.Stream;

namespace StockWatch.Core.Notifications;

/// <summary>
/// Turns what should be told into durable deliveries, one per message per channel whose filter passes it. Stored
/// alerts are planned after a checkpoint in the same transaction that queues them, so a crash between storing an alert
/// and planning it loses nothing; delivery ids follow from what they tell, so planning again plans nothing twice.
/// </summary>
public sealed class Notifier(IDeliveryStore store, ChannelSet channels)
{
    /// <summary>Alerts planned per transaction. An import whose alerts span more than one batch is told in one digest per batch.</summary>
    public const int PlanBatch = 5000;

    /// <summary>Plans every stored alert not planned yet: each on its own, except an import's, which go as one digest.</summary>
    public async Task PlanAlertsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var alerts = store.AlertsToPlan(PlanBatch);
            if (alerts.Count == 0)
            {
                return;
            }

            List<PlannedDelivery> planned = [];
            foreach (var channel in channels.All)
            {
                foreach (var alert in alerts.Where(a => ImportOf(a) is null && channel.Filter.Accepts(a)))
                {
                    planned.Add(new PlannedDelivery($"alert-{alert.Id}-{channel.Name}", channel.Name, Announcement.ForAlert(alert)));
                }

                foreach (var import in alerts.Where(a => ImportOf(a) is not null).GroupBy(a => ImportOf(a)!))
                {
                    if (import.Where(channel.Filter.Accepts).ToList() is [var first, ..] told)
                    {
                        planned.Add(new PlannedDelivery($"import-{import.Key}-{first.Id}-{channel.Name}", channel.Name, Announcement.ForImport(import.Key, told)));
                    }
                }
            }

            await store.PlanAsync(planned, alerts[^1].Id);
        }
    }

    /// <summary>Plans a message that is not about stored alerts (a report made, an alarm) for every channel that wants its topic.</summary>
    public Task AnnounceAsync(Announcement announcement, CancellationToken cancellationToken)
    {
        var key = announcement.Key ?? $"{announcement.Kind}-{Guid.CreateVersion7():N}";
        var planned = channels.All
            .Where(channel => announcement.Topic is not { } topic || channel.Filter.Accepts(topic))
            .Select(channel => new PlannedDelivery($"{key}-{channel.Name}", channel.Name, announcement))
            .ToList();
        return planned.Count == 0 ? Task.CompletedTask : store.PlanAsync(planned, alertsPlannedUpTo: null);
    }

    /// <summary>The import that caused the alert (change cause <c>import: ID</c>), if an import did.</summary>
    private static string? ImportOf(Alert alert) =>
        alert.Cause is { } cause && cause.StartsWith(ChangeRecord.ImportCause, StringComparison.Ordinal) ? cause[ChangeRecord.ImportCause.Length..].Trim() : null;
}
