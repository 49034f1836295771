namespace StockWatch.Core.Queues;

/// <summary>A received message: invisible to other consumers until its visibility timeout ends or it is deleted.</summary>
/// <param name="ReceiptHandle">Proves this receive; deleting with the handle of an earlier receive does nothing.</param>
public sealed record QueueMessage(string MessageId, string Body, string ReceiptHandle, int ReceiveCount, DateTimeOffset SentAt);

/// <summary>What a queue holds now, for metrics and alarms.</summary>
public sealed record QueueStats(long Visible, long InFlight, TimeSpan? OldestAge);

/// <summary>
/// A durable work queue with SQS semantics: at-least-once delivery, a visibility timeout, a receive count, and a
/// dead-letter queue (<c>&lt;queue&gt;-dlq</c>) for messages received <c>maxReceiveCount</c> times without being deleted.
/// Consumers must be idempotent.
/// </summary>
public interface IWorkQueue
{
    Task<string> SendAsync(string queue, string body);

    /// <summary>
    /// Up to <paramref name="max"/> visible messages, oldest first, each hidden for <paramref name="visibilityTimeout"/>.
    /// A message already received <paramref name="maxReceiveCount"/> times moves to the dead-letter queue instead.
    /// </summary>
    Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int max, TimeSpan visibilityTimeout, int maxReceiveCount);

    /// <summary>Deletes a received message; false when the receipt is stale (the message was received again) or unknown.</summary>
    Task<bool> DeleteAsync(string queue, string receiptHandle);

    /// <summary>Deletes received messages in one go (SQS's DeleteMessageBatch); returns how many were deleted.</summary>
    Task<int> DeleteBatchAsync(string queue, IReadOnlyCollection<string> receiptHandles);

    /// <summary>
    /// Hides a received message for <paramref name="timeout"/> from now (SQS's ChangeMessageVisibility): a retry's
    /// backoff, or a worker's heartbeat while it works; false when the receipt is stale.
    /// </summary>
    Task<bool> ChangeVisibilityAsync(string queue, string receiptHandle, TimeSpan timeout);

    /// <summary>Moves a received message to the dead-letter queue now (its consumer gave up); false when the receipt is stale.</summary>
    Task<bool> DeadLetterAsync(string queue, string receiptHandle);

    /// <summary>Moves every message of the queue's dead-letter queue back to it, with a fresh receive count and age.</summary>
    Task<int> RedriveAsync(string queue);

    QueueStats Stats(string queue);
}

public static class Queues
{
    public static string DeadLetter(string queue) => $"{queue}-dlq";
}
