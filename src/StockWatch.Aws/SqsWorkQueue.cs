using System.Collections.Concurrent;
using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;
using StockWatch.Core.Queues;

namespace StockWatch.Aws;

/// <summary>
/// The work queue port on SQS: queues by name (each with its dead-letter queue <c>NAME-dlq</c>, both made by
/// <c>local-setup</c> or the template), at-least-once delivery with SQS's visibility timeout and receive count. A
/// message received more than <c>maxReceiveCount</c> times is moved to the dead-letter queue by the receive that sees
/// it, so the port's limit holds whatever the queue's redrive policy says. A message is dead-lettered on demand, or its
/// visibility changed, by the process that received it (SQS cannot read a message back by its receipt). SQS reports
/// the age of the oldest message only to CloudWatch, so <see cref="Stats"/> leaves it out. The sync member waits on
/// the SDK's async call.
/// </summary>
public sealed class SqsWorkQueue(IAmazonSQS sqs) : IWorkQueue
{
    /// <summary>SQS's most messages per receive and per batch.</summary>
    private const int Batch = 10;

    private readonly ConcurrentDictionary<string, Task<string>> _urls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, QueueMessage> _received = new(StringComparer.Ordinal);

    public async Task<string> SendAsync(string queue, string body) =>
        (await sqs.SendMessageAsync(await UrlAsync(queue), body)).MessageId;

    public async Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int max, TimeSpan visibilityTimeout, int maxReceiveCount)
    {
        var url = await UrlAsync(queue);
        var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = url,
            MaxNumberOfMessages = Math.Clamp(max, 1, Batch),
            VisibilityTimeout = (int)Math.Ceiling(visibilityTimeout.TotalSeconds),
            MessageSystemAttributeNames = ["ApproximateReceiveCount", "SentTimestamp"],
        });
        List<QueueMessage> messages = [];
        foreach (var message in response.Messages ?? [])
        {
            var received = new QueueMessage(message.MessageId, message.Body, message.ReceiptHandle,
                int.Parse(message.Attributes["ApproximateReceiveCount"], CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(message.Attributes["SentTimestamp"], CultureInfo.InvariantCulture)));
            if (received.ReceiveCount > maxReceiveCount)
            {
                await MoveAsync(url, await UrlAsync(Queues.DeadLetter(queue)), received.Body, received.ReceiptHandle);
                continue;
            }

            _received[received.ReceiptHandle] = received;
            messages.Add(received);
        }

        return messages;
    }

    public async Task<bool> DeleteAsync(string queue, string receiptHandle) => await DeleteBatchAsync(queue, [receiptHandle]) == 1;

    /// <summary>Deletes in batches of 10; a handle SQS refuses (not a handle of this queue) is not counted.</summary>
    public async Task<int> DeleteBatchAsync(string queue, IReadOnlyCollection<string> receiptHandles)
    {
        var url = await UrlAsync(queue);
        var deleted = 0;
        foreach (var chunk in receiptHandles.Chunk(Batch))
        {
            var response = await sqs.DeleteMessageBatchAsync(url, [.. chunk.Select((handle, i) => new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), handle))]);
            deleted += response.Successful?.Count ?? 0;
            foreach (var handle in chunk)
            {
                _received.TryRemove(handle, out _);
            }
        }

        return deleted;
    }

    public async Task<bool> ChangeVisibilityAsync(string queue, string receiptHandle, TimeSpan timeout)
    {
        try
        {
            await sqs.ChangeMessageVisibilityAsync(await UrlAsync(queue), receiptHandle, (int)Math.Ceiling(timeout.TotalSeconds));
            return true;
        }
        catch (Exception e) when (e is ReceiptHandleIsInvalidException or MessageNotInflightException)
        {
            return false;
        }
    }

    public async Task<bool> DeadLetterAsync(string queue, string receiptHandle)
    {
        if (!_received.TryRemove(receiptHandle, out var message))
        {
            return false;
        }

        await MoveAsync(await UrlAsync(queue), await UrlAsync(Queues.DeadLetter(queue)), message.Body, receiptHandle);
        return true;
    }

    public async Task<int> RedriveAsync(string queue)
    {
        var url = await UrlAsync(queue);
        var deadLetters = await UrlAsync(Queues.DeadLetter(queue));
        var moved = 0;
        while (true)
        {
            var page = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = deadLetters, MaxNumberOfMessages = Batch, VisibilityTimeout = 60 });
            if (page.Messages is not { Count: > 0 } messages)
            {
                return moved;
            }

            foreach (var message in messages)
            {
                await MoveAsync(deadLetters, url, message.Body, message.ReceiptHandle);
                moved++;
            }
        }
    }

    public QueueStats Stats(string queue)
    {
        var attributes = sqs.GetQueueAttributesAsync(UrlAsync(queue).GetAwaiter().GetResult(), ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
            .GetAwaiter().GetResult();
        return new QueueStats(attributes.ApproximateNumberOfMessages, attributes.ApproximateNumberOfMessagesNotVisible, OldestAge: null);
    }

    /// <summary>Sends the body to the target queue, then deletes it from the source: at least once, never lost.</summary>
    private async Task MoveAsync(string from, string to, string body, string receiptHandle)
    {
        await sqs.SendMessageAsync(to, body);
        await sqs.DeleteMessageAsync(from, receiptHandle);
    }

    private Task<string> UrlAsync(string queue) =>
        _urls.GetOrAdd(queue, async name => (await sqs.GetQueueUrlAsync(name)).QueueUrl);
}
