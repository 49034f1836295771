using Microsoft.Extensions.Logging;
using StockWatch.Core.Alerts;

namespace StockWatch.Core.Notifications;

/// <summary>Writes each alert, and each announcement, as one structured log event.</summary>
public sealed partial class LogChannel(ILogger<LogChannel> logger) : IAlertChannel
{
    public string Name => "log";

    public Task DeliverAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        foreach (var alert in alerts)
        {
            LogAlert(alert.Id, alert.Type.ToWire(), alert.ProductId.Value, alert.Describe());
        }

        return Task.CompletedTask;
    }

    public Task AnnounceAsync(Announcement announcement, CancellationToken cancellationToken)
    {
        LogAnnouncement(announcement.Kind, announcement.Alerts.Count, announcement.Text);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Announcement {Kind} ({AlertCount} alerts): {Text}")]
    private partial void LogAnnouncement(string kind, int alertCount, string text);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} {AlertType} for {ProductId}: {Summary}")]
    private partial void LogAlert(long alertId, string alertType, string productId, string summary);
}
