using System.Globalization;
using Microsoft.Extensions.Options;
using StockWatch.Core.Notifications;
using StockWatch.Core.Queues;

namespace StockWatch.Core.Monitoring;

/// <summary>The <c>StockWatch:Alarms</c> settings.</summary>
public sealed class AlarmOptions
{
    public const string Section = "StockWatch:Alarms";

    /// <summary>A queue whose oldest message is older than this is stuck.</summary>
    public TimeSpan QueueOldestMessageAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A channel failing every delivery this long is an alarm.</summary>
    public TimeSpan ChannelFailingFor { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the alarms are evaluated.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class AlarmOptionsValidator : IValidateOptions<AlarmOptions>
{
    public ValidateOptionsResult Validate(string? name, AlarmOptions options)
    {
        var failures = Settings.NonPositiveDurations(AlarmOptions.Section, "00:15:00",
            (nameof(AlarmOptions.QueueOldestMessageAge), options.QueueOldestMessageAge),
            (nameof(AlarmOptions.ChannelFailingFor), options.ChannelFailingFor),
            (nameof(AlarmOptions.EvaluationInterval), options.EvaluationInterval)).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>An alarm that is on: which, since when, why.</summary>
public sealed record ActiveAlarm(string Type, string Subject, DateTimeOffset Since, string Reason);

/// <summary>
/// The operational alarms. QUEUE_STUCK: a watched queue's oldest message is older than
/// <see cref="AlarmOptions.QueueOldestMessageAge"/>, or its dead-letter queue is not empty. DELIVERY_FAILING: a channel
/// has failed every delivery for <see cref="AlarmOptions.ChannelFailingFor"/>. Each episode is announced once when it
/// starts and once when it ends; the alarms that are on show in <c>/health</c>. The state is the process's own: after
/// a restart an ongoing episode is announced again.
/// </summary>
public sealed class Alarms(IWorkQueue queue, ChannelSet channelSet, ChannelHealth channels, IDeliveryStore store, IOptions<AlarmOptions> options, TimeProvider time)
{
    public const string QueueStuck = "QUEUE_STUCK";
    public const string DeliveryFailing = "DELIVERY_FAILING";

    /// <summary>The work queues StockWatch watches, each with its dead-letter queue: the imports and each channel's deliveries.</summary>
    public IReadOnlyList<string> Queues { get; } = [Imports.ImportJobs.Queue, .. channelSet.All.Select(c => Deliveries.QueueFor(c.Name)).Order(StringComparer.Ordinal)];

    /// <summary>Each watched queue followed by its dead-letter queue: what /metrics and the dashboard show.</summary>
    public IEnumerable<string> QueuesAndDeadLetters => Queues.SelectMany(name => new[] { name, Core.Queues.Queues.DeadLetter(name) });

    private readonly Dictionary<string, ActiveAlarm> _active = new(StringComparer.Ordinal);

    public IReadOnlyList<ActiveAlarm> Active
    {
        get
        {
            lock (_active)
            {
                return [.. _active.Values];
            }
        }
    }

    public async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var limits = options.Value;
        Dictionary<string, (string Type, string Reason)> found = new(StringComparer.Ordinal);
        foreach (var name in Queues)
        {
            if (queue.Stats(name) is { OldestAge: { } age } stats && age > limits.QueueOldestMessageAge)
            {
                found[name] = (QueueStuck, string.Create(CultureInfo.InvariantCulture,
                    $"queue {name}: the oldest of its {stats.Visible + stats.InFlight} messages is {Minutes(age)} old (limit {Minutes(limits.QueueOldestMessageAge)})"));
            }

            var deadLetter = Core.Queues.Queues.DeadLetter(name);
            if (queue.Stats(deadLetter) is var dead && dead.Visible + dead.InFlight > 0)
            {
                found[deadLetter] = (QueueStuck,
                    $"dead-letter queue {deadLetter} holds {dead.Visible + dead.InFlight} message{(dead.Visible + dead.InFlight == 1 ? string.Empty : "s")}");
            }
        }

        foreach (var (channel, (since, error)) in channels.Failing.Where(f => now - f.Value.Since > limits.ChannelFailingFor))
        {
            found[$"channel {channel}"] = (DeliveryFailing,
                $"channel {channel} has failed every delivery for {Minutes(now - since)} (limit {Minutes(limits.ChannelFailingFor)}); last error: {error}");
        }

        List<Announcement> announcements = [];
        lock (_active)
        {
            foreach (var (subject, (type, reason)) in found.Where(f => !_active.ContainsKey(f.Key)))
            {
                _active[subject] = new ActiveAlarm(type, subject, now, reason);
                announcements.Add(Announcement.ForAlarm(type, $"{type}: {subject}", $"{type}: {reason}."));
            }

            foreach (var ended in _active.Values.Where(a => !found.ContainsKey(a.Subject)).ToList())
            {
                _active.Remove(ended.Subject);
                announcements.Add(Announcement.ForAlarm(ended.Type, $"{ended.Type} cleared: {ended.Subject}",
                    $"{ended.Type} cleared: {ended.Subject} is back to normal (since {Timestamp.Format(ended.Since)}: {ended.Reason})."));
            }
        }

        foreach (var announcement in announcements)
        {
            await store.AnnounceAsync(announcement);
        }
    }

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0} s";
}
