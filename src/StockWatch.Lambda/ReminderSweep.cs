using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;
using StockWatch.Core.Telemetry;
using StockWatch.Lambda.Events;
using StockWatch.Notifications;

namespace StockWatch.Lambda;

/// <summary>
/// The <c>ReminderSweep</c> function, on the EventBridge rule <c>rate(1 hour)</c>: the core's
/// <see cref="Core.Alerts.ReminderSweep"/> as of the event's <c>time</c>, on the tables (<see cref="Aws.DynamoReminderStore"/>):
/// each product at or below its threshold whose last low-stock alert is a cooldown (<c>StockWatch:Alerts:ReminderCooldown</c>)
/// or more ago gets a LOW_STOCK reminder, of cause <c>reminder: sweep-&lt;time&gt;</c>. Then the sweep's reminders are
/// told as one digest per channel (the SNS topic and the channels of <c>StockWatch:Channels</c>, each with its filter),
/// delivery id <c>reminders-sweep-…-&lt;first alert id&gt;-&lt;channel&gt;</c> as <c>serve</c>'s; <c>AlertCreated</c>
/// leaves reminders of a sweep to this digest. The digest lists every reminder the sweep stored, so a run that failed
/// to send it, run again by Lambda, sends it then (at least once: the same delivery id). Answers <c>{"sweep", "reminded", "stored", "products"}</c>.
/// Handler: <c>StockWatch.Lambda::StockWatch.Lambda.ReminderSweep::Handler</c>.
/// </summary>
public sealed class ReminderSweep
{
    public const string Name = "reminder-sweep";

    private readonly Core.Alerts.ReminderSweep _sweep;
    private readonly AwsChannels _channels;
    private readonly EmfMetrics _metrics;
    private readonly Aws.DynamoReminderStore _store;
    private readonly IOptions<AlertOptions> _options;

    public ReminderSweep() : this(LambdaServices.FromEnvironment)
    {
    }

    internal ReminderSweep(IServiceProvider services)
    {
        _sweep = services.GetRequiredService<Core.Alerts.ReminderSweep>();
        _channels = services.GetRequiredService<AwsChannels>();
        _metrics = services.GetRequiredService<EmfMetrics>();
        _store = services.GetRequiredService<Aws.DynamoReminderStore>();
        _options = services.GetRequiredService<IOptions<AlertOptions>>();
    }

    /// <summary>Takes an EventBridge scheduled event.</summary>
    /// <exception cref="InvalidEventException">The event is not a scheduled event with a UTC time.</exception>
    public Task<Stream> Handler(Stream input) => _metrics.MeasureAsync(Name, async () =>
    {
        var (_, time) = ScheduledEvent.Read(input, Name);
        var stored = await _sweep.RunAsync(time, CancellationToken.None);
        foreach (var alert in stored)
        {
            Instruments.Alerts.Add(1, Instruments.Tag("type", alert.Type.ToWire()));
        }

        // Told from what is stored, not from what this attempt stored: a run again after a failed send tells them all.
        var reminded = await _store.OfSweepAsync(_options.Value.DefaultLowStockThreshold, time);

        var sweep = reminded is [var any, ..] && Notifier.DigestOf(any) is { } digest ? digest.Key : null;
        await Task.WhenAll(_channels.All.Select(channel => (channel, told: reminded.Where(channel.Filter.Accepts).ToList()))
            .Where(c => c.told.Count > 0)
            .Select(c => _channels.SendAsync(c.channel, Notifier.ReminderDeliveryId(sweep!, c.told[0], c.channel.Name), Announcement.ForReminders(c.told))));
        Console.WriteLine($"{Name}: {reminded.Count} product{(reminded.Count == 1 ? string.Empty : "s")} still low at {Timestamp.Format(time)}");
        var output = new MemoryStream();
        JsonSerializer.Serialize(output, new ReminderSweepResponse(sweep, reminded.Count, stored.Count, [.. reminded.Select(a => a.ProductId.Value)]), ScheduledEventJson.Default.ReminderSweepResponse);
        output.Position = 0;
        return (Stream)output;
    });
}
