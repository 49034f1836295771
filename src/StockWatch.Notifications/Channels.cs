using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StockWatch.Aws;
using StockWatch.Contracts;
using StockWatch.Core.Notifications;

namespace StockWatch.Notifications;

/// <summary>
/// The channels <c>StockWatch:Channels</c> names (checked by <see cref="ChannelsOptionsValidator"/>), for <c>serve</c>'s
/// deliveries and the <c>AlertCreated</c> function alike.
/// </summary>
public static class Channels
{
    /// <summary>
    /// Binds <c>StockWatch:Channels</c>, each channel on its own: the binder skips list items it cannot convert, which
    /// would drop a channel with, say, an unparsable Port silently; bound one by one, the error names the setting.
    /// </summary>
    /// <param name="validateOnStart">Check the channels at start (a host that sends; a CLI command runs without the secrets).</param>
    public static IServiceCollection AddChannelsOptions(this IServiceCollection services, bool validateOnStart)
    {
        var channels = services.AddOptions<ChannelsOptions>().Configure<IConfiguration>((options, configuration) => options.Channels =
            [.. configuration.GetSection(ChannelsOptions.Section).GetChildren().Select(section =>
            {
                var channel = new ChannelOptions();
                section.Bind(channel);
                return channel;
            })]);
        if (validateOnStart)
        {
            channels.ValidateOnStart();
        }

        services.AddSingleton<IValidateOptions<ChannelsOptions>, ChannelsOptionsValidator>();
        return services;
    }

    /// <summary>The channel one validated entry describes. SNS's region, endpoint and credentials come from the standard AWS settings.</summary>
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

    /// <summary>
    /// The JSON a webhook and an SNS subscriber receive: <c>{"delivery_id", "kind", "subject", "text", "link"?, "alerts": [...]}</c>,
    /// each alert as the API shows it (<see cref="AlertResponse"/>).
    /// </summary>
    public static string Payload(string deliveryId, Announcement message) => JsonSerializer.Serialize(
        new MessagePayload(deliveryId, message.Kind, message.Subject, message.Text, message.Link?.AbsoluteUri, [.. message.Alerts.Select(AlertResponse.From)]),
        Wire.Compact);

    private sealed record MessagePayload(string DeliveryId, string Kind, string Subject, string Text, string? Link, List<AlertResponse> Alerts);
}
