using StockWatch.Core.Queues;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

public sealed class SqliteWorkQueueTests : IDisposable
{
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(5);
    private readonly TestStore _db = new();
    private readonly SqliteWorkQueue _queue;

    public SqliteWorkQueueTests() => _queue = new SqliteWorkQueue(_db.Database, _db.Time);

    public void Dispose() => _db.Dispose();

    private Task<IReadOnlyList<QueueMessage>> Receive(int max = 10, int maxReceiveCount = 5) =>
        _queue.ReceiveAsync("imports", max, Visibility, maxReceiveCount);

    [Fact]
    public async Task Receive_HidesTheMessageUntilItIsDeleted()
    {
        var id = await _queue.SendAsync("imports", "job-1");

        var first = await Receive();
        var second = await Receive();

        first.Should().ContainSingle().Which.Should().Match<QueueMessage>(m => m.MessageId == id && m.Body == "job-1" && m.ReceiveCount == 1);
        second.Should().BeEmpty("the message is in flight");
        (await _queue.DeleteAsync("imports", first[0].ReceiptHandle)).Should().BeTrue();
        _db.Time.Advance(Visibility * 2);
        (await Receive()).Should().BeEmpty("a deleted message never comes back");
    }

    [Fact]
    public async Task DeleteBatch_DeletesTheCurrentReceipts_AndSkipsStaleOnes()
    {
        await _queue.SendAsync("imports", "a");
        await _queue.SendAsync("imports", "b");
        await _queue.SendAsync("imports", "c");
        var first = await Receive();
        _db.Time.Advance(Visibility);
        var again = await Receive(max: 1);

        var deleted = await _queue.DeleteBatchAsync("imports", [.. first.Select(m => m.ReceiptHandle)]);

        deleted.Should().Be(2, "the message received again has a new receipt; the first one is stale");
        _db.Time.Advance(Visibility);
        (await Receive()).Select(m => m.Body).Should().Equal(again.Single().Body);
        (await _queue.DeleteBatchAsync("imports", [])).Should().Be(0);
    }

    [Fact]
    public async Task ChangeVisibility_AndDeadLetter_WorkOnTheCurrentReceiptOnly()
    {
        await _queue.SendAsync("imports", "a");
        var received = (await Receive()).Single();

        (await _queue.ChangeVisibilityAsync("imports", received.ReceiptHandle, TimeSpan.FromSeconds(10))).Should().BeTrue();
        _db.Time.Advance(TimeSpan.FromSeconds(10));
        var again = (await Receive()).Single();
        (await _queue.DeadLetterAsync("imports", received.ReceiptHandle)).Should().BeFalse("that receipt is stale");
        (await _queue.DeadLetterAsync("imports", again.ReceiptHandle)).Should().BeTrue();

        _queue.Stats(Queues.DeadLetter("imports")).Visible.Should().Be(1);
        _queue.Stats("imports").Should().Be(new QueueStats(0, 0, null));
    }

    [Fact]
    public async Task VisibilityTimeout_Expired_TheMessageIsReceivedAgainAndTheOldReceiptIsStale()
    {
        await _queue.SendAsync("imports", "job-1");
        var first = (await Receive()).Single();

        _db.Time.Advance(Visibility - TimeSpan.FromSeconds(1));
        (await Receive()).Should().BeEmpty("one second before the timeout it is still hidden");
        _db.Time.Advance(TimeSpan.FromSeconds(1));
        var again = (await Receive()).Single();

        again.ReceiveCount.Should().Be(2);
        again.ReceiptHandle.Should().NotBe(first.ReceiptHandle);
        (await _queue.DeleteAsync("imports", first.ReceiptHandle)).Should().BeFalse("the first consumer lost the message when it timed out");
        (await _queue.DeleteAsync("imports", again.ReceiptHandle)).Should().BeTrue();
    }

    [Fact]
    public async Task Receive_PastMaxReceiveCount_MovesTheMessageToTheDeadLetterQueueAndRedriveBringsItBack()
    {
        await _queue.SendAsync("imports", "poison");
        for (var i = 1; i <= 3; i++)
        {
            (await Receive(maxReceiveCount: 3)).Single().ReceiveCount.Should().Be(i);
            _db.Time.Advance(Visibility);
        }

        (await Receive(maxReceiveCount: 3)).Should().BeEmpty();
        _queue.Stats(Queues.DeadLetter("imports")).Visible.Should().Be(1);
        _queue.Stats("imports").Should().Be(new QueueStats(0, 0, null));

        (await _queue.RedriveAsync("imports")).Should().Be(1);
        (await Receive(maxReceiveCount: 3)).Single().Should().Match<QueueMessage>(m => m.Body == "poison" && m.ReceiveCount == 1);
    }

    [Fact]
    public async Task Stats_CountVisibleAndInFlightMessagesAndTheOldestAge()
    {
        await _queue.SendAsync("imports", "a");
        _db.Time.Advance(TimeSpan.FromMinutes(2));
        await _queue.SendAsync("imports", "b");
        await Receive(max: 1);

        _db.Time.Advance(TimeSpan.FromMinutes(1));

        _queue.Stats("imports").Should().Be(new QueueStats(Visible: 1, InFlight: 1, OldestAge: TimeSpan.FromMinutes(3)));
    }

    [Fact]
    public async Task Queues_AreSeparate()
    {
        await _queue.SendAsync("deliveries", "d");

        (await Receive()).Should().BeEmpty();
        (await _queue.ReceiveAsync("deliveries", 10, Visibility, 5)).Should().ContainSingle();
    }

    [Fact]
    public async Task ConcurrentConsumers_EachMessageIsReceivedByExactlyOne()
    {
        for (var i = 0; i < 200; i++)
        {
            await _queue.SendAsync("imports", $"job-{i}");
        }

        var consumers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            List<string> mine = [];
            while (await Receive(max: 7) is { Count: > 0 } batch)
            {
                foreach (var message in batch)
                {
                    mine.Add(message.Body);
                    (await _queue.DeleteAsync("imports", message.ReceiptHandle)).Should().BeTrue();
                }
            }

            return mine;
        }, TestContext.Current.CancellationToken));
        var received = (await Task.WhenAll(consumers)).SelectMany(m => m).ToList();

        received.Should().HaveCount(200).And.OnlyHaveUniqueItems();
        _queue.Stats("imports").Should().Be(new QueueStats(0, 0, null));
    }

    [Fact]
    public async Task Messages_SurviveReopeningTheDatabase()
    {
        await _queue.SendAsync("imports", "durable");

        using var reopened = new TestStore(_db.Folder);
        var messages = await new SqliteWorkQueue(reopened.Database, _db.Time).ReceiveAsync("imports", 10, Visibility, 5);

        messages.Should().ContainSingle().Which.Body.Should().Be("durable");
    }
}
