using Microsoft.Extensions.Logging;

namespace StockWatch.Core.Notifications;

/// <summary>Writes each message as one structured log event.</summary>
public sealed partial class LogChannel(string name, ChannelFilter filter, ILogger<LogChannel> logger) : IAlertChannel
{
    public string Name => name;

    public ChannelFilter Filter => filter;

    public Task SendAsync(string deliveryId, Announcement message, CancellationToken cancellationToken)
    {
        LogMessage(message.Kind, message.Subject, message.Alerts.Count, message.Text, deliveryId);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} {Subject} ({AlertCount} alerts): {Text} [delivery {DeliveryId}]")]
    private partial void LogMessage(string kind, string subject, int alertCount, string text, string deliveryId);
}
