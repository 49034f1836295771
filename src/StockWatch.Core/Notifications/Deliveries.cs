using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StockWatch.Core.Queues;
using StockWatch.Core.Telemetry;

namespace StockWatch.Core.Notifications;

/// <summary>
/// Makes queued deliveries. Each channel has a queue of its own (<c>deliveries-&lt;channel&gt;</c>, as SNS fans out to
/// one SQS queue per subscriber), worked by a loop of its own, so a channel that is down or hangs holds up no other.
/// Each message is sent to its channel; a success is recorded and never repeated, a failure is retried after an
/// exponential backoff with jitter, and a delivery still failing after <see cref="DeliveryOptions.MaxAge"/> is
/// dead-lettered.
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
    private const int BatchSize = 16;

    private readonly DeliveryOptions _options = options.Value;

    /// <summary>The queue of a channel's deliveries.</summary>
    public static string QueueFor(string channel) => $"deliveries-{channel}";

    /// <summary>Makes the deliveries due now on every channel, each channel's side by side; returns how many messages were received.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken) =>
        (await Task.WhenAll(channels.All.Select(channel => RunOnceAsync(channel, cancellationToken)))).Sum();

    /// <summary>
    /// Makes the deliveries due now on one channel; returns how many messages were received. The messages are sent
    /// side by side, then the round's attempts are recorded in one transaction and its finished messages deleted in
    /// another, so an alert storm costs the store a few writes a round rather than several per alert.
    /// </summary>
    public async Task<int> RunOnceAsync(IAlertChannel channel, CancellationToken cancellationToken)
    {
        // A message is hidden for one attempt's timeout and a margin; a process that dies mid-attempt leaves it to
        // reappear then. The receive count never dead-letters a delivery: MaxAge does.
        var queueName = QueueFor(channel.Name);
        var messages = await queue.ReceiveAsync(queueName, BatchSize, _options.Timeout + TimeSpan.FromSeconds(5), int.MaxValue);
        if (messages.Count == 0)
        {
            return 0;
        }

        var outcomes = await Task.WhenAll(messages.Select(message => SendAsync(channel, message, cancellationToken)));

        // Recorded before the messages go: a crash in between leaves delivered rows whose messages are just deleted.
        var attempts = outcomes.Select(o => o.Attempt).OfType<DeliveryAttempt>().ToList();
        if (attempts.Count > 0)
        {
            await store.RecordAttemptsAsync(attempts);
        }

        await queue.DeleteBatchAsync(queueName, [.. outcomes.Where(o => o.Attempt is null or { Status: DeliveryStatus.Delivered }).Select(o => o.Message.ReceiptHandle)]);
        foreach (var outcome in outcomes)
        {
            if (outcome.Attempt is not { } attempt)
            {
                continue;
            }

            if (attempt.Status == DeliveryStatus.Dead)
            {
                await queue.DeadLetterAsync(queueName, outcome.Message.ReceiptHandle);
                LogGaveUp(attempt.DeliveryId, channel.Name, outcome.Attempts, attempt.Error!);
            }
            else if (outcome.RetryAfter is { } wait)
            {
                await queue.ChangeVisibilityAsync(queueName, outcome.Message.ReceiptHandle, wait);
                LogFailed(attempt.DeliveryId, channel.Name, outcome.Attempts, attempt.Error!, wait);
            }

            Instruments.Deliveries.Add(1, Instruments.Tag("channel", channel.Name), Instruments.Tag("outcome", attempt.Status switch
            {
                DeliveryStatus.Delivered => "delivered",
                DeliveryStatus.Dead => "dead_lettered",
                _ => "failed",
            }));
        }

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

    /// <summary>One attempt: no attempt for a delivery that is gone or made already (its message is just deleted).</summary>
    private sealed record Outcome(QueueMessage Message, DeliveryAttempt? Attempt, int Attempts = 0, TimeSpan? RetryAfter = null);

    private async Task<Outcome> SendAsync(IAlertChannel channel, QueueMessage message, CancellationToken cancellationToken)
    {
        var deliveryId = message.Body;
        if (store.Find(deliveryId) is not { } found || found.Record.Status == DeliveryStatus.Delivered)
        {
            return new Outcome(message, null);
        }

        var (record, content) = found;
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(_options.Timeout);
            await channel.SendAsync(deliveryId, content, attempt.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var error = ex is OperationCanceledException ? $"no answer within {_options.Timeout}" : ex.Message;
            var now = time.GetUtcNow();
            health.Failed(channel.Name, now, error);
            if (now - message.SentAt >= _options.MaxAge)
            {
                return new Outcome(message, new DeliveryAttempt(deliveryId, DeliveryStatus.Dead, error, now), record.Attempts + 1);
            }

            // The last attempt is made when MaxAge is reached, not a backoff after it.
            var giveUpAt = message.SentAt + _options.MaxAge - now;
            var wait = TimeSpan.FromTicks(Math.Min(Backoff(record.Attempts + 1, Random.Shared.NextDouble(), _options).Ticks, giveUpAt.Ticks));
            return new Outcome(message, new DeliveryAttempt(deliveryId, DeliveryStatus.Pending, error, now), record.Attempts + 1, wait);
        }

        health.Succeeded(channel.Name);
        return new Outcome(message, new DeliveryAttempt(deliveryId, DeliveryStatus.Delivered, null, time.GetUtcNow()), record.Attempts + 1);
    }

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
