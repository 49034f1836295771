using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StockWatch.Core.Monitoring;
using StockWatch.Core.Notifications;
using StockWatch.Core.Queues;
using StockWatch.Testing;

namespace StockWatch.Tests.Monitoring;

public sealed class QueueAlarmTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    private readonly RecordingChannel _announced = new();
    private readonly ServiceProvider _services;
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    public QueueAlarmTests() => _services = Composed.Services(_data.Path, configure: services =>
    {
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton<IAlertChannel>(_announced);
    });

    public void Dispose()
    {
        _services.Dispose();
        _data.Dispose();
    }

    private Alarms Alarms => _services.GetRequiredService<Alarms>();

    /// <summary>The texts of the operational alerts the channel was sent, once the planned deliveries are made.</summary>
    private async Task<IReadOnlyList<string>> Announced()
    {
        await _services.GetRequiredService<Notifier>().PlanAsync(_cancel);
        await _services.GetRequiredService<Deliveries>().RunOnceAsync(_cancel);
        _announced.Messages.Should().OnlyContain(m => m.Kind == Announcement.OperationalAlert);
        return [.. _announced.Messages.Select(m => m.Text)];
    }

    private IWorkQueue Queue => _services.GetRequiredService<IWorkQueue>();

    [Fact]
    public async Task OldMessage_RaisesQueueStuckOncePerEpisode_AndClearsWhenItIsGone()
    {
        await Queue.SendAsync("imports", "{}");

        _clock.Advance(TimeSpan.FromMinutes(15));
        await Alarms.EvaluateAsync(_cancel);
        Alarms.Active.Should().BeEmpty("15 minutes is the limit, not past it");

        _clock.Advance(TimeSpan.FromMinutes(1));
        await Alarms.EvaluateAsync(_cancel);
        await Alarms.EvaluateAsync(_cancel);

        var alarm = Alarms.Active.Should().ContainSingle().Subject;
        (alarm.Type, alarm.Subject).Should().Be(("QUEUE_STUCK", "imports"));
        alarm.Reason.Should().Be("queue imports: the oldest of its 1 messages is 16 min old (limit 15 min)");
        (await Announced()).Should().Equal("QUEUE_STUCK: queue imports: the oldest of its 1 messages is 16 min old (limit 15 min).");

        var received = await Queue.ReceiveAsync("imports", 1, TimeSpan.FromMinutes(5), 5);
        await Queue.DeleteAsync("imports", received.Single().ReceiptHandle);
        await Alarms.EvaluateAsync(_cancel);

        Alarms.Active.Should().BeEmpty();
        (await Announced()).Should().HaveCount(2).And.Subject.Last().Should().StartWith("QUEUE_STUCK cleared: imports is back to normal");
    }

    [Fact]
    public async Task DeadLetteredMessage_RaisesQueueStuckForTheDeadLetterQueue()
    {
        await Queue.SendAsync("imports", "{}");
        for (var receive = 0; receive <= 2; receive++)
        {
            await Queue.ReceiveAsync("imports", 1, TimeSpan.FromSeconds(1), maxReceiveCount: 2);
            _clock.Advance(TimeSpan.FromSeconds(2));
        }

        await Alarms.EvaluateAsync(_cancel);

        Alarms.Active.Select(a => a.Reason).Should().Equal("dead-letter queue imports-dlq holds 1 message");
        await Queue.RedriveAsync("imports");
        await Alarms.EvaluateAsync(_cancel);
        Alarms.Active.Should().BeEmpty();
    }

    [Fact]
    public void Validator_NonPositiveDurations_NameTheSetting() =>
        new AlarmOptionsValidator().Validate(null, new AlarmOptions { EvaluationInterval = TimeSpan.Zero, QueueOldestMessageAge = TimeSpan.FromMinutes(-1) })
            .FailureMessage.Should().Contain("StockWatch:Alarms:QueueOldestMessageAge must be a positive duration")
            .And.Contain("StockWatch:Alarms:EvaluationInterval must be a positive duration");
}
