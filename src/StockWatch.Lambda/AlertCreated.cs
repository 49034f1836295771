using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Aws;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;
using StockWatch.Core.Telemetry;
using StockWatch.Lambda.Events;
using StockWatch.Notifications;

namespace StockWatch.Lambda;

/// <summary>
/// The <c>AlertCreated</c> function, on the Alerts table's stream: publishes each inserted alert to the SNS topic
/// (<c>StockWatch:Aws:TopicArn</c>) with the message attributes <c>alert_type</c>, <c>product_category</c> and
/// <c>alert_id</c>, and sends it to each webhook, e-mail or SNS channel of <c>StockWatch:Channels</c> whose filter
/// passes it (as <c>serve</c> does; <c>log</c> channels are <c>serve</c>'s: here the function's log is CloudWatch's).
/// Other records (modifications, removals) are skipped, and so are reminders of a sweep (cause <c>reminder: sweep-…</c>):
/// the <c>ReminderSweep</c> function tells each sweep's reminders as one digest per channel. A record that cannot be sent to every channel stops the batch
/// and is reported in <c>batchItemFailures</c>, so the retry may tell a channel again: each message carries its
/// delivery id (<c>alert-ID-CHANNEL</c>, as <c>serve</c>'s) for receivers to drop repeats. An item that is not an
/// alert is logged and skipped. Handler: <c>StockWatch.Lambda::StockWatch.Lambda.AlertCreated::Handler</c>.
/// </summary>
public sealed class AlertCreated
{
    public const string Name = "alert-created";

    private readonly AwsChannels _channels;
    private readonly EmfMetrics _metrics;

    public AlertCreated() : this(LambdaServices.FromEnvironment)
    {
    }

    internal AlertCreated(IServiceProvider services)
    {
        _metrics = services.GetRequiredService<EmfMetrics>();
        _channels = services.GetRequiredService<AwsChannels>();
    }

    /// <summary>Takes a DynamoDB Streams event of the Alerts table; answers a partial batch response.</summary>
    /// <exception cref="InvalidEventException">The event is not a DynamoDB Streams event.</exception>
    public Task<Stream> Handler(Stream input) => _metrics.MeasureAsync(Name, () => HandleAsync(input));

    private async Task<Stream> HandleAsync(Stream input)
    {
        var streamEvent = LambdaEvents.ReadDynamoDb(input, Name);
        List<BatchItemFailure> failures = [];
        foreach (var record in streamEvent.Records!.Where(r => r.EventName == "INSERT"))
        {
            Alert alert;
            try
            {
                alert = AlertItem.Read(record.Dynamodb!.NewImage?.ToDictionary(pair => pair.Key, pair => DynamoValue.From(pair.Value))
                    ?? throw StockWatchException.Invalid("NewImage", "the record carries no new image."));
            }
            catch (Exception e) when (e is StockWatchException or FormatException)
            {
                Console.Error.WriteLine($"{Name}: record {record.Dynamodb!.SequenceNumber} is not an alert and was skipped: {e.Message}");
                continue;
            }

            if (Notifier.DigestOf(alert) is (Announcement.ReminderDigest, _))
            {
                continue;
            }

            try
            {
                var message = Announcement.ForAlert(alert);
                await Task.WhenAll(_channels.All.Where(channel => channel.Filter.Accepts(alert))
                    .Select(channel => _channels.SendAsync(channel, $"alert-{alert.Id.ToString(CultureInfo.InvariantCulture)}-{channel.Name}", message)));
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{Name}: alert {alert.Id} (record {record.Dynamodb!.SequenceNumber}) was not sent to every channel, the batch stops here: {e.Message}");
                failures.Add(new BatchItemFailure(record.Dynamodb.SequenceNumber!));
                break;
            }
        }

        return LambdaEvents.Write(new BatchResponse(failures));
    }
}
