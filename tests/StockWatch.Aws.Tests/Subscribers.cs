using Amazon.SQS;
using Amazon.SQS.Model;

namespace StockWatch.Aws.Tests;

/// <summary>SQS queues subscribed to an SNS topic on fauxqs, as a topic's subscribers would be.</summary>
public static class Subscribers
{
    /// <summary>A new queue subscribed with raw message delivery and, if given, a filter policy; returns its URL.</summary>
    public static async Task<string> SubscribeQueueAsync(IAmazonSQS sqs, Sns sns, string topic, string? filterPolicy)
    {
        var cancel = TestContext.Current.CancellationToken;
        var queue = (await sqs.CreateQueueAsync($"subscriber-{Guid.NewGuid():N}", cancel)).QueueUrl;
        var arn = (await sqs.GetQueueAttributesAsync(queue, ["QueueArn"], cancel)).QueueARN;
        Dictionary<string, string> attributes = new() { ["RawMessageDelivery"] = "true" };
        if (filterPolicy is not null)
        {
            attributes["FilterPolicy"] = filterPolicy;
        }

        await sns.SubscribeAsync(topic, "sqs", arn, attributes, cancel);
        return queue;
    }

    /// <summary>Receives until <paramref name="count"/> messages came (deleting them), within a deadline.</summary>
    public static async Task<List<Message>> ReceiveAsync(IAmazonSQS sqs, string queue, int count)
    {
        List<Message> received = [];
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (received.Count < count && DateTimeOffset.UtcNow < deadline)
        {
            var page = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queue,
                MaxNumberOfMessages = 10,
                WaitTimeSeconds = 1,
                MessageAttributeNames = ["All"],
            }, TestContext.Current.CancellationToken);
            foreach (var message in page.Messages ?? [])
            {
                received.Add(message);
                await sqs.DeleteMessageAsync(queue, message.ReceiptHandle, TestContext.Current.CancellationToken);
            }
        }

        received.Should().HaveCount(count);
        return received;
    }
}
