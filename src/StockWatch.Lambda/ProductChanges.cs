using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Aws;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Stream;
using StockWatch.Core.Telemetry;
using StockWatch.Lambda.Events;

namespace StockWatch.Lambda;

/// <summary>
/// The <c>ProductChanges</c> function, on the Products table's stream (NEW_AND_OLD_IMAGES). Each record becomes the
/// core's <see cref="ChangeRecord"/> and goes through the alert rules (<see cref="DynamoAlertStore"/>). Records are
/// processed in order; at the first failure the function stops and answers
/// <c>{"batchItemFailures":[{"itemIdentifier":"&lt;its SequenceNumber&gt;"}]}</c>, so the event source mapping retries
/// from there. An item that does not fit the data dictionary raises an <c>INVALID_ITEM</c> alert naming the item and
/// the field and is skipped: it never blocks the shard.
/// Handler: <c>StockWatch.Lambda::StockWatch.Lambda.ProductChanges::Handler</c>.
/// </summary>
public sealed class ProductChanges
{
    public const string Name = "product-changes";

    private readonly DynamoAlertStore _alerts;
    private readonly TimeProvider _time;
    private readonly EmfMetrics _metrics;

    public ProductChanges() : this(LambdaServices.FromEnvironment)
    {
    }

    internal ProductChanges(IServiceProvider services)
    {
        _alerts = services.GetRequiredService<DynamoAlertStore>();
        _time = services.GetRequiredService<TimeProvider>();
        _metrics = services.GetRequiredService<EmfMetrics>();
    }

    /// <summary>Takes a DynamoDB Streams event; answers a partial batch response (empty when every record was processed).</summary>
    /// <exception cref="InvalidEventException">The event is not a DynamoDB Streams event.</exception>
    public Task<Stream> Handler(Stream input) => _metrics.MeasureAsync(Name, () => HandleAsync(input));

    private async Task<Stream> HandleAsync(Stream input)
    {
        var streamEvent = LambdaEvents.ReadDynamoDb(input, Name);
        List<BatchItemFailure> failures = [];
        foreach (var record in streamEvent.Records!)
        {
            try
            {
                await ProcessAsync(record);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{Name}: record {record.Dynamodb!.SequenceNumber} failed, the batch stops here: {e.GetType().Name}: {e.Message}");
                failures.Add(new BatchItemFailure(record.Dynamodb.SequenceNumber!));
                break;
            }
        }

        return LambdaEvents.Write(new BatchResponse(failures));
    }

    internal async Task ProcessAsync(DynamoDbRecord record)
    {
        var stream = record.Dynamodb!;
        var sequence = stream.SequenceNumber!;
        var createdAt = stream.CreatedAt();
        Product? oldImage, newImage;
        string cause;
        try
        {
            var newItem = Image(stream.NewImage, "NewImage");
            var oldItem = Image(stream.OldImage, "OldImage");
            newImage = newItem is null ? null : ProductItem.Read(newItem);
            oldImage = oldItem is null ? null : ProductItem.Read(oldItem);
            cause = newItem is null ? "delete" : ProductItem.CauseOf(newItem, "unknown");
        }
        catch (StockWatchException e) when (e.Kind == ErrorKind.Invalid)
        {
            await RaiseInvalidItemAsync(stream, sequence, createdAt, e.Field ?? "item", e.Message);
            return;
        }

        if (record.EventName == "MODIFY" && oldImage is not null && newImage is not null && oldImage.Version == newImage.Version)
        {
            // The stream function's own write of last_alert_time: bookkeeping, not a change to alert on.
            return;
        }

        var product = newImage ?? oldImage;
        if (product is null)
        {
            await RaiseInvalidItemAsync(stream, sequence, createdAt, "NewImage", "the record carries no image: the stream must be NEW_AND_OLD_IMAGES.");
            return;
        }

        var change = new ChangeRecord(
            newImage?.Version ?? oldImage!.Version + 1,
            product.Id,
            record.EventName switch { "INSERT" => ChangeKind.Insert, "MODIFY" => ChangeKind.Modify, _ => ChangeKind.Remove },
            oldImage,
            newImage,
            newImage?.UpdatedAt ?? createdAt ?? _time.GetUtcNow(),
            cause);
        foreach (var alert in await _alerts.ApplyAsync(change, sequence))
        {
            Instruments.Alerts.Add(1, Instruments.Tag("type", alert.Type.ToWire()));
        }
    }

    private static Dictionary<string, DynamoValue>? Image(Dictionary<string, JsonElement>? image, string name)
    {
        if (image is null)
        {
            return null;
        }

        try
        {
            return image.ToDictionary(pair => pair.Key, pair => DynamoValue.From(pair.Value));
        }
        catch (FormatException e)
        {
            throw StockWatchException.Invalid(name, $"{name} is not DynamoDB JSON: {e.Message}.");
        }
    }

    /// <summary>An operational alert about an item that does not fit; its id follows from the record, so a redelivery stores it once.</summary>
    private async Task RaiseInvalidItemAsync(StreamRecord stream, string sequence, DateTimeOffset? createdAt, string field, string message)
    {
        var key = DescribeKey(stream.Keys);
        var alert = new Alert(DynamoAlertStore.IdOf(key.Value, sequence, AlertType.InvalidItem.ToWire()), key, AlertType.InvalidItem,
            createdAt ?? _time.GetUtcNow(), new AlertDetails { OldValue = field, NewValue = message })
        {
            Cause = $"stream record {sequence}",
        };
        Console.Error.WriteLine($"{Name}: {alert.Describe()}");
        if (await _alerts.StoreAsync(alert))
        {
            Instruments.Alerts.Add(1, Instruments.Tag("type", alert.Type.ToWire()));
        }
    }

    /// <summary>The item's key as a product id when it is one, else its attributes as text (<c>Id=101</c>), cut to fit.</summary>
    private static ProductId DescribeKey(Dictionary<string, JsonElement>? keys)
    {
        var parts = (keys ?? []).Select(pair =>
        {
            var value = pair.Value.ValueKind == JsonValueKind.Object ? pair.Value.EnumerateObject().FirstOrDefault().Value : pair.Value;
            var text = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
            return pair.Key == ProductItem.Id ? text ?? string.Empty : $"{pair.Key}={text}";
        });
        var described = new string([.. string.Join(", ", parts).Select(c => char.IsControl(c) ? ' ' : c)]).Trim();
        if (described.Length > ProductId.MaxLength)
        {
            described = described[..(ProductId.MaxLength - 1)].TrimEnd() + "…";
        }

        return ProductId.Parse(described.Length == 0 ? "(no key)" : described);
    }
}
