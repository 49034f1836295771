using Amazon.SQS;
using StockWatch.Core.Queues;

namespace StockWatch.Aws.Tests;

/// <summary>The work queue port on SQS (fauxqs), each test with queues of its own.</summary>
public sealed class SqsWorkQueueTests
{
    private static readonly TimeSpan Hidden = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task AReceivedMessage_IsHiddenUntilDeleted_AndStatsCountIt()
    {
        var (queue, name) = await CreateAsync();
        var id = await queue.SendAsync(name, "job-1");

        var received = (await queue.ReceiveAsync(name, 10, Hidden, 3)).Should().ContainSingle().Subject;
        received.MessageId.Should().Be(id);
        received.Body.Should().Be("job-1");
        received.ReceiveCount.Should().Be(1);
        (await queue.ReceiveAsync(name, 10, Hidden, 3)).Should().BeEmpty();
        queue.Stats(name).Should().Be(new QueueStats(0, 1, null));
        (await queue.DeleteAsync(name, received.ReceiptHandle)).Should().BeTrue();
        queue.Stats(name).Should().Be(new QueueStats(0, 0, null));
    }

    [Fact]
    public async Task AMessageReceivedMoreThanTheLimit_GoesToTheDeadLetterQueue_AndRedriveBringsItBack()
    {
        var (queue, name) = await CreateAsync();
        await queue.SendAsync(name, "poison");

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var message = (await queue.ReceiveAsync(name, 1, Hidden, maxReceiveCount: 2)).Should().ContainSingle().Subject;
            message.ReceiveCount.Should().Be(attempt);
            (await queue.ChangeVisibilityAsync(name, message.ReceiptHandle, TimeSpan.Zero)).Should().BeTrue();
        }

        (await queue.ReceiveAsync(name, 1, Hidden, maxReceiveCount: 2)).Should().BeEmpty();
        queue.Stats(Queues.DeadLetter(name)).Visible.Should().Be(1);
        (await queue.RedriveAsync(name)).Should().Be(1);
        (await queue.ReceiveAsync(name, 1, Hidden, maxReceiveCount: 2)).Should().ContainSingle().Which.Body.Should().Be("poison");
    }

    [Fact]
    public async Task DeadLetterAsync_MovesAMessageItsConsumerGaveUpOn_AndAnUnknownReceiptIsRefused()
    {
        var (queue, name) = await CreateAsync();
        await queue.SendAsync(name, "give-up");
        var message = (await queue.ReceiveAsync(name, 1, Hidden, 5)).Single();

        (await queue.DeadLetterAsync(name, message.ReceiptHandle)).Should().BeTrue();
        (await queue.DeadLetterAsync(name, message.ReceiptHandle)).Should().BeFalse();
        queue.Stats(name).Should().Be(new QueueStats(0, 0, null));
        queue.Stats(Queues.DeadLetter(name)).Visible.Should().Be(1);
    }

    private static async Task<(SqsWorkQueue Queue, string Name)> CreateAsync()
    {
        var sqs = new AmazonSQSClient();
        var name = $"jobs-{Guid.NewGuid():N}";
        await sqs.CreateQueueAsync(name, TestContext.Current.CancellationToken);
        await sqs.CreateQueueAsync(Queues.DeadLetter(name), TestContext.Current.CancellationToken);
        return (new SqsWorkQueue(sqs), name);
    }
}
