using Amazon.SQS;

namespace StockWatch.Aws.Tests;

/// <summary>An import queue of the test's own, with its dead-letter queue after 3 receives (the template's redrive policy).</summary>
public sealed class ImportQueue : IAsyncDisposable
{
    private readonly IAmazonSQS _sqs = new AmazonSQSClient();

    public string Url { get; private set; } = string.Empty;
    public string DeadLetterUrl { get; private set; } = string.Empty;
    public string? LastETag { get; set; }

    public static async Task<ImportQueue> CreateAsync()
    {
        var queue = new ImportQueue();
        var name = $"imports-{Guid.NewGuid():N}"[..24];
        queue.DeadLetterUrl = (await queue._sqs.CreateQueueAsync($"{name}-dlq")).QueueUrl;
        var arn = (await queue._sqs.GetQueueAttributesAsync(queue.DeadLetterUrl, ["QueueArn"])).QueueARN;
        queue.Url = (await queue._sqs.CreateQueueAsync(new Amazon.SQS.Model.CreateQueueRequest
        {
            QueueName = name,
            Attributes = new() { ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"{arn}\",\"maxReceiveCount\":\"3\"}}", ["VisibilityTimeout"] = "1800" },
        })).QueueUrl;
        return queue;
    }

    public async Task<int> DeadLettersAsync() =>
        (await _sqs.GetQueueAttributesAsync(DeadLetterUrl, ["ApproximateNumberOfMessages"])).ApproximateNumberOfMessages;

    public async ValueTask DisposeAsync()
    {
        await _sqs.DeleteQueueAsync(Url);
        await _sqs.DeleteQueueAsync(DeadLetterUrl);
        _sqs.Dispose();
    }
}
