using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Aws;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;
using StockWatch.Lambda.Events;

namespace StockWatch.Lambda;

/// <summary>
/// The <c>AlertCreated</c> function, on the Alerts table's stream: publishes each inserted alert to the SNS topic
/// (<c>StockWatch:Aws:TopicArn</c>) with the message attributes <c>alert_type</c>, <c>product_category</c> and
/// <c>alert_id</c>. Other records (modifications, removals) are skipped. A record that cannot be published stops the
/// batch and is reported in <c>batchItemFailures</c>; an item that is not an alert is logged and skipped.
/// Handler: <c>StockWatch.Lambda::StockWatch.Lambda.AlertCreated::Handler</c>.
/// </summary>
public sealed class AlertCreated
{
    public const string Name = "alert-created";

    private readonly IAlertChannel? _topic;

    public AlertCreated() : this(LambdaServices.FromEnvironment)
    {
    }

    internal AlertCreated(IServiceProvider services)
    {
        _topic = services.GetRequiredService<IOptions<AwsOptions>>().Value.TopicArn is { } topic
            ? new SnsChannel("sns", new ChannelFilter([], []), Sns.FromEnvironment(), topic)
            : null;
    }

    /// <summary>Takes a DynamoDB Streams event of the Alerts table; answers a partial batch response.</summary>
    /// <exception cref="InvalidEventException">The event is not a DynamoDB Streams event.</exception>
    public async Task<Stream> Handler(Stream input)
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

            try
            {
                if (_topic is not null)
                {
                    await _topic.SendAsync(alert.Id.ToString(CultureInfo.InvariantCulture), Announcement.ForAlert(alert), CancellationToken.None);
                }
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{Name}: alert {alert.Id} (record {record.Dynamodb!.SequenceNumber}) was not published, the batch stops here: {e.Message}");
                failures.Add(new BatchItemFailure(record.Dynamodb.SequenceNumber!));
                break;
            }
        }

        return LambdaEvents.Write(new BatchResponse(failures));
    }
}
