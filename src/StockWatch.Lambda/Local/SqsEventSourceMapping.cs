using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace StockWatch.Lambda.Local;

/// <summary>
/// Does what Lambda's event source mapping does with an SQS queue, on one machine: receives up to
/// <paramref name="batchSize"/> messages (the queue's visibility timeout hides them meanwhile), invokes the function with
/// the SQS event Lambda builds, deletes the messages it did not name in <c>batchItemFailures</c> (an invocation that
/// throws fails them all), and leaves the failed ones to come back after <paramref name="retryDelay"/> (Lambda: the
/// visibility timeout). The queue's own redrive policy moves a message received more than its <c>maxReceiveCount</c>
/// times to the dead-letter queue, as on AWS.
/// </summary>
public sealed class SqsEventSourceMapping(
    string functionName, Handler handler, IAmazonSQS sqs, string queueUrl, int batchSize = 10, TimeSpan retryDelay = default)
{
    private string? _queueArn;

    /// <summary>Invocations so far.</summary>
    public int Invocations { get; private set; }

    /// <summary>Delivers messages until the queue has none visible; returns how many were done with (deleted).</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken = default)
    {
        _queueArn ??= (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"], cancellationToken)).QueueARN;
        var done = 0;
        while (true)
        {
            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl,
                MaxNumberOfMessages = Math.Clamp(batchSize, 1, 10),
                MessageSystemAttributeNames = ["All"],
                MessageAttributeNames = ["All"],
            }, cancellationToken);
            if (received.Messages is not { Count: > 0 } messages)
            {
                return done;
            }

            var failed = await InvokeAsync(messages, cancellationToken);
            var succeeded = messages.Where(message => !failed.Contains(message.MessageId)).ToList();
            foreach (var chunk in succeeded.Chunk(10))
            {
                await sqs.DeleteMessageBatchAsync(queueUrl, [.. chunk.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.ReceiptHandle))],
                    cancellationToken);
            }

            foreach (var message in messages.Where(message => failed.Contains(message.MessageId)))
            {
                await sqs.ChangeMessageVisibilityAsync(queueUrl, message.ReceiptHandle, (int)Math.Ceiling(retryDelay.TotalSeconds), cancellationToken);
            }

            done += succeeded.Count;
        }
    }

    /// <summary>Drains the queue, then waits <paramref name="pollInterval"/>, until cancelled.</summary>
    public async Task RunAsync(TimeSpan pollInterval, TimeProvider time, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await DrainAsync(cancellationToken);
            await Task.Delay(pollInterval, time, cancellationToken);
        }
    }

    /// <returns>The ids of the messages that failed.</returns>
    private async Task<HashSet<string>> InvokeAsync(List<Message> messages, CancellationToken cancellationToken)
    {
        var records = new JsonArray([.. messages.Select(message => (JsonNode)new JsonObject
        {
            ["messageId"] = message.MessageId,
            ["receiptHandle"] = message.ReceiptHandle,
            ["body"] = message.Body,
            ["attributes"] = new JsonObject([.. (message.Attributes ?? []).Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))]),
            ["messageAttributes"] = new JsonObject(),
            ["md5OfBody"] = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(message.Body))),
            ["eventSource"] = "aws:sqs",
            ["eventSourceARN"] = _queueArn,
            ["awsRegion"] = _queueArn?.Split(':') is { Length: > 3 } parts ? parts[3] : "us-east-1",
        })]);
        Invocations++;
        HashSet<string> all = [.. messages.Select(message => message.MessageId)];
        try
        {
            await using var response = await handler(new MemoryStream(Encoding.UTF8.GetBytes(new JsonObject { ["Records"] = records }.ToJsonString())));
            var failures = (await JsonNode.ParseAsync(response, cancellationToken: cancellationToken))?["batchItemFailures"]?.AsArray() ?? [];
            HashSet<string> failed = [.. failures.Select(failure => (string?)failure?["itemIdentifier"] ?? string.Empty)];
            // As Lambda does: an identifier that is no message of the batch fails the whole batch.
            return failed.All(all.Contains) ? failed : all;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"{functionName}: the invocation failed, the whole batch is retried: {e.GetType().Name}: {e.Message}");
            return all;
        }
    }
}
