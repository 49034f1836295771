using System.Text.Json;
using StockWatch.Aws;
using StockWatch.Contracts;
using StockWatch.Core.Notifications;

namespace StockWatch.Notifications;

/// <summary>Makes the channels <c>StockWatch:Channels</c> names (checked at start by <see cref="ChannelsOptionsValidator"/>).</summary>
public static class Channels
{
    public static IAlertChannel Create(ChannelOptions options, IServiceProvider services)
    {
        var name = options.Name!;
        return options.Type!.Trim().ToLowerInvariant() switch
        {
            ChannelOptions.Webhook => new WebhookChannel(name, options.Filter, new Uri(options.Url!), options.Secret!, services.GetRequiredService<TimeProvider>()),
            ChannelOptions.Email => new EmailChannel(name, options.Filter, options),
            ChannelOptions.Sns => new SnsChannel(name, options.Filter, Sns.FromEnvironment(), options.TopicArn!),
            _ => new LogChannel(name, options.Filter, services.GetRequiredService<ILogger<LogChannel>>()),
        };
    }

    /// <summary>The JSON a webhook receives: the message and its alerts as the API shows them.</summary>
    public static string Payload(string deliveryId, Announcement message) => JsonSerializer.Serialize(
        new MessagePayload(deliveryId, message.Kind, message.Subject, message.Text, message.Link?.AbsoluteUri, [.. message.Alerts.Select(AlertResponse.From)]),
        Wire.Compact);

    private sealed record MessagePayload(string DeliveryId, string Kind, string Subject, string Text, string? Link, List<AlertResponse> Alerts);
}
