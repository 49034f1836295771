using Microsoft.Extensions.Options;
using StockWatch.Core.Alerts;
using StockWatch.Core.Stream;

namespace StockWatch.Core.Notifications;

/// <summary>
/// Turns what should be told into durable deliveries, one per message per channel whose filter passes it. Any process
/// stores alerts (the stream processor) and records announcements (reports, alarms); <c>serve</c>, which owns the
/// channels, plans them after checkpoints that move in the same transaction that queues the deliveries, so a crash
/// in between loses nothing, and delivery ids follow from what they tell, so planning again plans nothing twice.
/// </summary>
public sealed class Notifier(IDeliveryStore store, ChannelSet channels, IOptions<SiteOptions>? site = null)
{
    private readonly SiteOptions _site = site?.Value ?? new SiteOptions();

    /// <summary>Alerts planned per transaction. An import whose alerts span more than one batch is told in one digest per batch.</summary>
    public const int PlanBatch = 5000;

    /// <summary>Plans what is not planned yet: alerts, then announcements.</summary>
    public async Task PlanAsync(CancellationToken cancellationToken)
    {
        await PlanAlertsAsync(cancellationToken);
        await PlanAnnouncementsAsync(cancellationToken);
    }

    /// <summary>Each stored alert on its own, except an import's, which go as one digest.</summary>
    private async Task PlanAlertsAsync(CancellationToken cancellationToken)
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
                    planned.Add(new PlannedDelivery($"alert-{alert.Id}-{channel.Name}", channel.Name, Announcement.ForAlert(alert, _site)));
                }

                foreach (var import in alerts.Where(a => ImportOf(a) is not null).GroupBy(a => ImportOf(a)!))
                {
                    if (import.Where(channel.Filter.Accepts).ToList() is [var first, ..] told)
                    {
                        planned.Add(new PlannedDelivery($"import-{import.Key}-{first.Id}-{channel.Name}", channel.Name, Announcement.ForImport(import.Key, told, _site)));
                    }
                }
            }

            await store.PlanAsync(planned, new PlanMark(AlertsUpTo: alerts[^1].Id));
        }
    }

    /// <summary>Each announcement for every channel that wants its topic.</summary>
    private async Task PlanAnnouncementsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var announcements = store.AnnouncementsToPlan(PlanBatch);
            if (announcements.Count == 0)
            {
                return;
            }

            var planned = announcements
                .SelectMany(a => channels.All
                    .Where(channel => a.Message.Topic is not { } topic || channel.Filter.Accepts(topic))
                    .Select(channel => new PlannedDelivery($"announcement-{a.Id}-{channel.Name}", channel.Name, a.Message)))
                .ToList();
            await store.PlanAsync(planned, new PlanMark(AnnouncementsUpTo: announcements[^1].Id));
        }
    }

    /// <summary>The import that caused the alert (change cause <c>import: ID</c>), if an import did.</summary>
    private static string? ImportOf(Alert alert) =>
        alert.Cause is { } cause && cause.StartsWith(ChangeRecord.ImportCause, StringComparison.Ordinal) ? cause[ChangeRecord.ImportCause.Length..].Trim() : null;
}
