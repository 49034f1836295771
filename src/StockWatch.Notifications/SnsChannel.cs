using StockWatch.Aws;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;

namespace StockWatch.Notifications;

/// <summary>
/// The <c>sns</c> channel: each message published to a topic, with the message attributes subscribers filter on
/// (<c>alert_type</c>, <c>product_category</c>) and drop repeats with (<c>alert_id</c>; for a message that is not one
/// alert, its delivery id). The body is the webhook's JSON (<see cref="Channels.Payload"/>). Used by <c>AlertCreated</c>
/// on AWS and as <c>Type: sns</c> in <c>StockWatch:Channels</c>.
/// </summary>
public sealed class SnsChannel(string name, ChannelFilter filter, Sns sns, string topicArn) : IAlertChannel, IDisposable
{
    public string Name => name;

    public ChannelFilter Filter => filter;

    public Task SendAsync(string deliveryId, Announcement message, CancellationToken cancellationToken)
    {
        var single = message.Alerts is [var only] && message.Kind == Announcement.SingleAlert ? only : null;
        Dictionary<string, string> attributes = new()
        {
            ["alert_type"] = single?.Type.ToWire() ?? message.Topic ?? message.Kind,
            ["alert_id"] = single?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? deliveryId,
        };
        if (single?.Category is { } category)
        {
            attributes["product_category"] = category;
        }

        // SNS subjects are at most 100 printable ASCII characters.
        var subject = new string([.. message.Subject.Select(c => c is >= ' ' and <= '~' ? c : '?').Take(100)]);
        return sns.PublishAsync(topicArn, subject, Channels.Payload(deliveryId, message), attributes, cancellationToken);
    }

    public void Dispose() => sns.Dispose();
}
