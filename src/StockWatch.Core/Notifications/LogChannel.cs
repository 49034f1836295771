using Microsoft.Extensions.Logging;
using StockWatch.Core.Alerts;

namespace StockWatch.Core.Notifications;

/// <summary>Writes each alert as one structured log event.</summary>
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} {AlertType} for {ProductId}: {Summary}")]
    private partial void LogAlert(long alertId, string alertType, string productId, string summary);
}
