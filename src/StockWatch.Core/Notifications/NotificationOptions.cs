using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using StockWatch.Core.Alerts;

namespace StockWatch.Core.Notifications;

/// <summary>One entry of <c>StockWatch:Channels</c>: its name, type, filters and the keys of its type.</summary>
public sealed class ChannelOptions
{
    public const string Log = "log";
    public const string Webhook = "webhook";
    public const string Email = "email";
    public const string Sns = "sns";

    public string? Name { get; set; }
    public string? Type { get; set; }

    /// <summary>Alert types (and <c>WEEKLY_REPORT</c>) the channel hears of; empty: all.</summary>
    public List<string> AlertTypes { get; set; } = [];

    /// <summary>Product categories the channel hears of; empty: all.</summary>
    public List<string> Categories { get; set; } = [];

    // webhook
    public string? Url { get; set; }
    public string? Secret { get; set; }

    // email
    public string? Host { get; set; }
    public int Port { get; set; } = 25;
    public bool UseTls { get; set; }
    public string? User { get; set; }
    public string? Password { get; set; }
    public string? From { get; set; }

    /// <summary>One or more recipients' addresses.</summary>
    public List<string> To { get; set; } = [];

    // sns: region and credentials from the standard AWS settings
    public string? TopicArn { get; set; }

    public ChannelFilter Filter => new(AlertTypes, Categories);

    /// <summary>Whether the text is an SNS topic's ARN: <c>arn:aws:sns:REGION:ACCOUNT:NAME</c> (any AWS partition).</summary>
    public static bool IsTopicArn(string? text) => text is not null && ChannelsOptionsValidator.TopicArn().IsMatch(text);
}

/// <summary>The <c>StockWatch:Channels</c> list. None configured: one <c>log</c> channel.</summary>
public sealed class ChannelsOptions
{
    public const string Section = "StockWatch:Channels";

    public List<ChannelOptions> Channels { get; set; } = [];

    public IReadOnlyList<ChannelOptions> Effective => Channels.Count > 0 ? Channels : [new ChannelOptions { Name = ChannelOptions.Log, Type = ChannelOptions.Log }];
}

/// <summary>Checks every channel at start, so a typo stops <c>serve</c> with the setting named instead of losing alerts later.</summary>
public sealed partial class ChannelsOptionsValidator : IValidateOptions<ChannelsOptions>
{
    private static readonly string[] Types = [ChannelOptions.Log, ChannelOptions.Webhook, ChannelOptions.Email, ChannelOptions.Sns];

    /// <summary>What a channel's <c>AlertTypes</c> may name: every alert type, and the weekly report.</summary>
    private static readonly string[] Topics = [.. AlertTypes.All, Announcement.WeeklyReportTopic];

    public ValidateOptionsResult Validate(string? name, ChannelsOptions options)
    {
        List<string> failures = [];
        HashSet<string> names = new(StringComparer.Ordinal);
        for (var i = 0; i < options.Channels.Count; i++)
        {
            var channel = options.Channels[i];
            var at = $"{ChannelsOptions.Section}:{i}";
            if (channel.Name is not { } channelName || !ChannelName().IsMatch(channelName))
            {
                failures.Add($"{at}:Name must be 1 to 64 letters, digits, '-' or '_' (got {Text.Quote(channel.Name)}).");
            }
            else if (!names.Add(channelName))
            {
                failures.Add($"{at}:Name '{channelName}' is used by another channel; names must be unique.");
            }

            foreach (var type in channel.AlertTypes.Where(t => !Topics.Contains(t, StringComparer.OrdinalIgnoreCase)))
            {
                failures.Add($"{at}:AlertTypes has {Text.Quote(type)}; each must be one of {string.Join(", ", Topics)}.");
            }

            switch (channel.Type?.Trim().ToLowerInvariant())
            {
                case ChannelOptions.Log:
                    break;
                case ChannelOptions.Webhook:
                    if (!Uri.TryCreate(channel.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                    {
                        failures.Add($"{at}:Url must be an absolute http:// or https:// URL (got {Text.Quote(channel.Url)}).");
                    }

                    if (string.IsNullOrEmpty(channel.Secret))
                    {
                        failures.Add($"{at}:Secret is required: webhooks are signed with it (set it as the environment variable StockWatch__Channels__{i}__Secret).");
                    }

                    break;
                case ChannelOptions.Email:
                    if (string.IsNullOrWhiteSpace(channel.Host))
                    {
                        failures.Add($"{at}:Host is required for an email channel (the SMTP server).");
                    }

                    if (channel.Port is < 1 or > 65535)
                    {
                        failures.Add($"{at}:Port must be from 1 to 65535 (got {channel.Port}).");
                    }

                    if (!Address(channel.From))
                    {
                        failures.Add($"{at}:From must be an e-mail address (got {Text.Quote(channel.From)}).");
                    }

                    if (channel.To.Count == 0 || !channel.To.All(Address))
                    {
                        failures.Add($"{at}:To must be one or more e-mail addresses, as a list or separated by ',' (got {Text.Quote(string.Join(",", channel.To))}).");
                    }

                    break;
                case ChannelOptions.Sns:
                    if (!ChannelOptions.IsTopicArn(channel.TopicArn))
                    {
                        failures.Add($"{at}:TopicArn must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:stockwatch-alerts (got {Text.Quote(channel.TopicArn)}).");
                    }

                    break;
                default:
                    failures.Add($"{at}:Type must be one of {string.Join(", ", Types)} (got {Text.Quote(channel.Type)}).");
                    break;
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool Address(string? text) => text is not null && EmailAddress().IsMatch(text);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ChannelName();

    [GeneratedRegex(@"^[^@\s<>,;]+@[^@\s<>,;]+$")]
    private static partial Regex EmailAddress();

    [GeneratedRegex(@"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$")]
    internal static partial Regex TopicArn();
}

/// <summary>The <c>StockWatch:Delivery</c> settings: how failed deliveries are retried.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "StockWatch:Delivery";

    /// <summary>The wait after the first failure; each further failure doubles it (with jitter).</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A delivery still failing this long after it was queued is given up and dead-lettered.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long one attempt may take (a webhook's response, an SMTP conversation).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var failures = Settings.NonPositiveDurations(DeliveryOptions.Section, "00:00:05",
            (nameof(DeliveryOptions.InitialBackoff), options.InitialBackoff),
            (nameof(DeliveryOptions.MaxBackoff), options.MaxBackoff),
            (nameof(DeliveryOptions.MaxAge), options.MaxAge),
            (nameof(DeliveryOptions.Timeout), options.Timeout)).ToList();

        if (failures.Count == 0 && options.MaxBackoff < options.InitialBackoff)
        {
            failures.Add($"{DeliveryOptions.Section}:MaxBackoff ({options.MaxBackoff}) must not be shorter than InitialBackoff ({options.InitialBackoff}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
