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

    /// <summary>Each stored alert on its own, except an import's and a reminder sweep's, which go as one digest each.</summary>
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
                foreach (var alert in alerts.Where(a => DigestOf(a) is null && channel.Filter.Accepts(a)))
                {
                    planned.Add(new PlannedDelivery($"alert-{alert.Id}-{channel.Name}", channel.Name, Announcement.ForAlert(alert, _site)));
                }

                foreach (var digest in alerts.Where(a => DigestOf(a) is not null).GroupBy(a => DigestOf(a)!.Value))
                {
                    if (digest.Where(channel.Filter.Accepts).ToList() is [var first, ..] told)
                    {
                        var (kind, key) = digest.Key;
                        planned.Add(kind == Announcement.ImportDigest
                            ? new PlannedDelivery($"import-{key}-{first.Id}-{channel.Name}", channel.Name, Announcement.ForImport(key, told, _site))
                            : new PlannedDelivery(ReminderDeliveryId(key, first, channel.Name), channel.Name, Announcement.ForReminders(told, _site)));
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

    /// <summary>A reminder digest's delivery id: the sweep (<c>sweep-…</c>), the first reminder it tells and the channel.</summary>
    public static string ReminderDeliveryId(string sweep, Alert first, string channel) => $"reminders-{sweep}-{first.Id}-{channel}";

    /// <summary>
    /// The digest an alert is told in: the import that caused it (change cause <c>import: ID</c>), or the reminder sweep
    /// that raised it (<c>reminder: sweep-…</c>); <c>null</c> for an alert told on its own.
    /// </summary>
    public static (string Kind, string Key)? DigestOf(Alert alert) => alert.Cause switch
    {
        { } cause when cause.StartsWith(ChangeRecord.ImportCause, StringComparison.Ordinal) => (Announcement.ImportDigest, cause[ChangeRecord.ImportCause.Length..].Trim()),
        { } cause when cause.StartsWith(ReminderSweep.Cause, StringComparison.Ordinal) => (Announcement.ReminderDigest, cause[ReminderSweep.Cause.Length..].Trim()),
        _ => null,
    };
}
