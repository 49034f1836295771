using Microsoft.Extensions.Logging;
using StockWatch.Core.Alerts;
using StockWatch.Core.Telemetry;

namespace StockWatch.Core.Notifications;

/// <summary>A way to tell people about alerts: the log, a webhook, e-mail, SNS.</summary>
public interface IAlertChannel
{
    string Name { get; }

    /// <summary>Tells of each alert on its own.</summary>
    Task DeliverAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken);

    /// <summary>Tells of one event in one message: an import's alerts together, a weekly report made.</summary>
    Task AnnounceAsync(Announcement announcement, CancellationToken cancellationToken);
}

/// <summary>One message about many alerts or about a report; <see cref="Alerts"/> are stored alerts it speaks for.</summary>
public sealed record Announcement(string Kind, string Subject, string Text, Uri? Link, IReadOnlyList<Alert> Alerts)
{
    public const string ImportDigest = "import_digest";
    public const string WeeklyReport = "weekly_report";
    public const string OperationalAlert = "operational_alert";

    /// <summary>The alerts one import caused: <c>Import imp-… raised 3 alerts: 2 LOW_STOCK, 1 OUT_OF_STOCK</c>.</summary>
    public static Announcement ForImport(string importId, IReadOnlyList<Alert> alerts)
    {
        var subject = $"Import {importId} raised {alerts.Count} alert{(alerts.Count == 1 ? string.Empty : "s")}";
        var counts = string.Join(", ", alerts.GroupBy(a => a.Type).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToWire()}"));
        return new Announcement(ImportDigest, subject, $"{subject}: {counts}", null, alerts);
    }

    public static Announcement ForReport(string reportId, string text, Uri link) =>
        new(WeeklyReport, $"Weekly report {reportId}", text, link, []);
}

/// <summary>Hands alerts and announcements to every channel; one failing channel never keeps the others from hearing.</summary>
public sealed partial class Notifier(IEnumerable<IAlertChannel> channels, ILogger<Notifier> logger)
{
    public Task DeliverAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken) =>
        alerts.Count == 0 ? Task.CompletedTask : ToEveryChannelAsync((channel, cancel) => channel.DeliverAsync(alerts, cancel), $"{alerts.Count} alerts", cancellationToken);

    public Task AnnounceAsync(Announcement announcement, CancellationToken cancellationToken) =>
        ToEveryChannelAsync((channel, cancel) => channel.AnnounceAsync(announcement, cancel), announcement.Subject, cancellationToken);

    private async Task ToEveryChannelAsync(Func<IAlertChannel, CancellationToken, Task> send, string what, CancellationToken cancellationToken)
    {
        foreach (var channel in channels)
        {
            try
            {
                await send(channel, cancellationToken);
                Instruments.Deliveries.Add(1, Instruments.Tag("channel", channel.Name), Instruments.Tag("outcome", "delivered"));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Instruments.Deliveries.Add(1, Instruments.Tag("channel", channel.Name), Instruments.Tag("outcome", "failed"));
                LogFailed(ex, channel.Name, what);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Channel {Channel} failed to deliver {What}")]
    private partial void LogFailed(Exception exception, string channel, string what);
}
