using Microsoft.Extensions.Logging;
using StockWatch.Core.Alerts;

namespace StockWatch.Core.Notifications;

/// <summary>Writes each alert, and each import's digest, as one structured log event.</summary>
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

    public Task AnnounceAsync(AlertDigest digest, CancellationToken cancellationToken)
    {
        LogDigest(digest.ImportId, digest.Alerts.Count, digest.Describe());
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Import digest for {ImportId} ({AlertCount} alerts): {Summary}")]
    private partial void LogDigest(string importId, int alertCount, string summary);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} {AlertType} for {ProductId}: {Summary}")]
    private partial void LogAlert(long alertId, string alertType, string productId, string summary);
}
