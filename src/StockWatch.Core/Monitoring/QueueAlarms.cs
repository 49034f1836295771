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

    /// <summary>A channel failing this long is an alarm (once deliveries are tracked per channel).</summary>
    public TimeSpan ChannelFailingFor { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the alarms are evaluated.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class AlarmOptionsValidator : IValidateOptions<AlarmOptions>
{
    public ValidateOptionsResult Validate(string? name, AlarmOptions options)
    {
        List<string> failures = [];
        foreach (var (setting, value) in new[]
        {
            (nameof(AlarmOptions.QueueOldestMessageAge), options.QueueOldestMessageAge),
            (nameof(AlarmOptions.ChannelFailingFor), options.ChannelFailingFor),
            (nameof(AlarmOptions.EvaluationInterval), options.EvaluationInterval),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{AlarmOptions.Section}:{setting} must be a positive duration such as 00:15:00 (got {value}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>An alarm that is on: which, since when, why.</summary>
public sealed record ActiveAlarm(string Type, string Subject, DateTimeOffset Since, string Reason);

/// <summary>
/// Queue alarms: QUEUE_STUCK when a queue's oldest message is older than <see cref="AlarmOptions.QueueOldestMessageAge"/>
/// or its dead-letter queue is not empty. Each episode is announced once when it starts and once when it ends; the
/// alarms that are on show in <c>/health</c>. The state is the process's own: after a restart an ongoing episode is
/// announced again.
/// </summary>
public sealed class QueueAlarms(IWorkQueue queue, Notifier notifier, IOptions<AlarmOptions> options, TimeProvider time)
{
    public const string QueueStuck = "QUEUE_STUCK";

    /// <summary>The work queues StockWatch watches (each with its dead-letter queue): alarms here, gauges at /metrics.</summary>
    public static readonly string[] Queues = [Imports.ImportJobs.Queue];

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
        Dictionary<string, string> found = new(StringComparer.Ordinal);
        foreach (var name in Queues)
        {
            if (queue.Stats(name) is { OldestAge: { } age } stats && age > options.Value.QueueOldestMessageAge)
            {
                found[name] = string.Create(CultureInfo.InvariantCulture,
                    $"queue {name}: the oldest of its {stats.Visible + stats.InFlight} messages is {Minutes(age)} old (limit {Minutes(options.Value.QueueOldestMessageAge)})");
            }

            var deadLetter = Core.Queues.Queues.DeadLetter(name);
            if (queue.Stats(deadLetter) is var dead && dead.Visible + dead.InFlight > 0)
            {
                found[deadLetter] = $"dead-letter queue {deadLetter} holds {dead.Visible + dead.InFlight} message{(dead.Visible + dead.InFlight == 1 ? string.Empty : "s")}";
            }
        }

        List<Announcement> announcements = [];
        lock (_active)
        {
            foreach (var (subject, reason) in found.Where(f => !_active.ContainsKey(f.Key)))
            {
                _active[subject] = new ActiveAlarm(QueueStuck, subject, now, reason);
                announcements.Add(new Announcement(Announcement.OperationalAlert, $"{QueueStuck}: {subject}", $"{QueueStuck}: {reason}.", null, []));
            }

            foreach (var ended in _active.Values.Where(a => !found.ContainsKey(a.Subject)).ToList())
            {
                _active.Remove(ended.Subject);
                announcements.Add(new Announcement(Announcement.OperationalAlert, $"{QueueStuck} cleared: {ended.Subject}",
                    $"{QueueStuck} cleared: {ended.Subject} is back to normal (since {Timestamp.Format(ended.Since)}: {ended.Reason}).", null, []));
            }
        }

        foreach (var announcement in announcements)
        {
            await notifier.AnnounceAsync(announcement, cancellationToken);
        }
    }

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0} s";
}
