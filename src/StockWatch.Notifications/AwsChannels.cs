using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Aws;
using StockWatch.Core.Notifications;
using StockWatch.Core.Storage;
using StockWatch.Core.Telemetry;

namespace StockWatch.Notifications;

/// <summary>
/// The channels the AWS shape tells (its functions, and the CLI on <c>StockWatch:Store=dynamodb</c>): the SNS topic (<c>StockWatch:Aws:TopicArn</c>, every message) and the webhook,
/// e-mail and SNS channels of <c>StockWatch:Channels</c> (each with its filter; <c>log</c> channels are <c>serve</c>'s,
/// here the function's log is CloudWatch's). There is no delivery queue on this side: a send that fails throws, and
/// a function's retry tells every channel again, with the same delivery id for receivers to drop repeats. An
/// announcement (a weekly report) is told at once, its <c>s3://</c> link turned into a presigned HTTPS link valid for almost 7 days.
/// </summary>
public sealed class AwsChannels : IAnnouncements
{
    /// <summary>
    /// SigV4's longest presigned link (7 days) less an hour: the SDK measures from its own clock, corrected for skew,
    /// and past 7 days it would sign with SigV2 where a region still accepts it.
    /// </summary>
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromDays(7) - TimeSpan.FromHours(1);

    private readonly S3ObjectStore _objects;
    private readonly TimeProvider _time;

    public AwsChannels(IServiceProvider services, IOptions<AwsOptions> aws, IOptions<ChannelsOptions> channels, S3ObjectStore objects, TimeProvider time)
    {
        _objects = objects;
        _time = time;
        IEnumerable<IAlertChannel> topic = aws.Value.TopicArn is { } arn ? [new SnsChannel("sns", new ChannelFilter([], []), Sns.FromEnvironment(), arn)] : [];
        All = [.. topic, .. channels.Value.Channels
            .Where(channel => !string.Equals(channel.Type?.Trim(), ChannelOptions.Log, StringComparison.OrdinalIgnoreCase))
            .Select(channel => Channels.Create(channel, services))];
    }

    public IReadOnlyList<IAlertChannel> All { get; }

    /// <summary>Sends to one channel and counts the delivery by channel and outcome.</summary>
    public async Task SendAsync(IAlertChannel channel, string deliveryId, Announcement message)
    {
        var outcome = "failed";
        try
        {
            await channel.SendAsync(deliveryId, message, CancellationToken.None);
            outcome = "delivered";
        }
        finally
        {
            Instruments.Deliveries.Add(1, Instruments.Tag("channel", channel.Name), Instruments.Tag("outcome", outcome));
        }
    }

    public Task AnnounceAsync(Announcement announcement)
    {
        var message = announcement.Link is { Scheme: "s3" } link && link.AbsolutePath.TrimStart('/') is { Length: > 0 } key
            ? announcement with { Link = _objects.PresignedUrl(ObjectKey.Parse(key), LinkLifetime, _time.GetUtcNow()) }
            : announcement;
        return Task.WhenAll(All.Where(channel => message.Topic is not { } topic || channel.Filter.Accepts(topic))
            .Select(channel => SendAsync(channel, $"{message.Key ?? message.Kind}-{channel.Name}", message)));
    }
}

public static class AwsChannelsRegistration
{
    /// <summary>Registers <see cref="AwsChannels"/>, which also takes the announcements (<see cref="IAnnouncements"/>).</summary>
    public static IServiceCollection AddAwsChannels(this IServiceCollection services)
    {
        services.AddSingleton<AwsChannels>();
        services.AddSingleton<IAnnouncements>(provider => provider.GetRequiredService<AwsChannels>());
        return services;
    }
}
