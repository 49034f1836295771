using StockWatch.Core.Alerts;

namespace StockWatch.Core.Notifications;

/// <summary>A way to tell people about alerts: the log, a webhook, e-mail, SNS.</summary>
public interface IAlertChannel
{
    string Name { get; }

    Task DeliverAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken);
}
