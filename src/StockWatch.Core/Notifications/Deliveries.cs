using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StockWatch.Core.Queues;
using StockWatch.Core.Telemetry;

namespace StockWatch.Core.Notifications;

/// <summary>
/// Makes queued deliveries: each message is sent to its channel; a success is recorded and never repeated, a failure
/// is retried after an exponential backoff with jitter, and a delivery still failing after
/// <see cref="DeliveryOptions.MaxAge"/> is dead-lettered. Messages are sent side by side, so a channel that is down or
/// slow never holds up the others.
/// </summary>
public sealed partial class Deliveries(
    IWorkQueue queue,
    IDeliveryStore store,
    ChannelSet channels,
    ChannelHealth health,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<Deliveries> logger)
{
    public const string Queue = "deliveries";
    private const int BatchSize = 32;

    private readonly DeliveryOptions _options = options.Value;

    /// <summary>Makes the deliveries due now; returns how many messages were received.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        // A message is hidden for one attempt's timeout and a margin; a process that dies mid-attempt leaves it to
        // reappear then. The receive count never dead-letters a delivery: MaxAge does.
        var messages = await queue.ReceiveAsync(Queue, BatchSize, _options.Timeout + TimeSpan.FromSeconds(5), int.MaxValue);
        await Task.WhenAll(messages.Select(message => DeliverAsync(message, cancellationToken)));
        return messages.Count;
    }

    /// <summary>
    /// The wait before attempt <paramref name="failures"/> + 1: the initial backoff doubled per failure up to the
    /// maximum, of which a random half (<paramref name="jitter"/> in [0, 1)) is waited on top of the other half.
    /// </summary>
    public static TimeSpan Backoff(int failures, double jitter, DeliveryOptions options)
    {
        var exponent = Math.Min(Math.Max(failures - 1, 0), 30);
        var full = TimeSpan.FromTicks((long)Math.Min(options.MaxBackoff.Ticks, options.InitialBackoff.Ticks * Math.Pow(2, exponent)));
        return full / 2 + full / 2 * jitter;
    }

    private async Task DeliverAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var deliveryId = message.Body;
        if (store.Find(deliveryId) is not { } found || found.Record.Status == DeliveryStatus.Delivered)
        {
            await queue.DeleteAsync(Queue, message.ReceiptHandle);
            return;
        }

        var (record, content) = found;
        if (channels.Find(record.Channel) is not { } channel)
        {
            await GiveUpAsync(message, record, $"channel '{record.Channel}' is not configured any more");
            return;
        }

        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(_options.Timeout);
            await channel.SendAsync(deliveryId, content, attempt.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var error = ex is OperationCanceledException ? $"no answer within {_options.Timeout}" : ex.Message;
            health.Failed(channel.Name, time.GetUtcNow(), error);
            if (time.GetUtcNow() - message.SentAt >= _options.MaxAge)
            {
                await GiveUpAsync(message, record, error);
                return;
            }

            await store.RecordAttemptAsync(deliveryId, DeliveryStatus.Pending, error, time.GetUtcNow());
            // The last attempt is made when MaxAge is reached, not a backoff after it.
            var giveUpAt = message.SentAt + _options.MaxAge - time.GetUtcNow();
            var wait = TimeSpan.FromTicks(Math.Min(Backoff(record.Attempts + 1, Random.Shared.NextDouble(), _options).Ticks, giveUpAt.Ticks));
            await queue.ChangeVisibilityAsync(Queue, message.ReceiptHandle, wait);
            Count(channel.Name, "failed");
            LogFailed(deliveryId, channel.Name, record.Attempts + 1, error, wait);
            return;
        }

        await store.RecordAttemptAsync(deliveryId, DeliveryStatus.Delivered, null, time.GetUtcNow());
        health.Succeeded(channel.Name);
        await queue.DeleteAsync(Queue, message.ReceiptHandle);
        Count(channel.Name, "delivered");
    }

    private async Task GiveUpAsync(QueueMessage message, DeliveryRecord record, string error)
    {
        await store.RecordAttemptAsync(record.DeliveryId, DeliveryStatus.Dead, error, time.GetUtcNow());
        await queue.DeadLetterAsync(Queue, message.ReceiptHandle);
        Count(record.Channel, "dead_lettered");
        LogGaveUp(record.DeliveryId, record.Channel, record.Attempts + 1, error);
    }

    private static void Count(string channel, string outcome) =>
        Instruments.Deliveries.Add(1, Instruments.Tag("channel", channel), Instruments.Tag("outcome", outcome));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to {Channel} failed (attempt {Attempt}): {Error}; next attempt in {Wait}")]
    private partial void LogFailed(string deliveryId, string channel, int attempt, string error, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery {DeliveryId} to {Channel} given up after {Attempts} attempts and dead-lettered: {Error}")]
    private partial void LogGaveUp(string deliveryId, string channel, int attempts, string error);
}

/// <summary>Since when each channel has been failing: its first failure after its last success (for DELIVERY_FAILING).</summary>
public sealed class ChannelHealth
{
    private readonly Dictionary<string, (DateTimeOffset Since, string Error)> _failing = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, (DateTimeOffset Since, string Error)> Failing
    {
        get
        {
            lock (_failing)
            {
                return new Dictionary<string, (DateTimeOffset, string)>(_failing, StringComparer.Ordinal);
            }
        }
    }

    public void Failed(string channel, DateTimeOffset at, string error)
    {
        lock (_failing)
        {
            _failing[channel] = _failing.TryGetValue(channel, out var failing) ? (failing.Since, error) : (at, error);
        }
    }

    public void Succeeded(string channel)
    {
        lock (_failing)
        {
            _failing.Remove(channel);
        }
    }
}
