using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StockWatch.Lambda.Events;

/// <summary>
/// A DynamoDB Streams event as Lambda's event source mapping delivers it: the GetRecords records, each with the
/// stream's <c>eventSourceARN</c>. Names as AWS spells them.
/// </summary>
public sealed record DynamoDbEvent([property: JsonPropertyName("Records")] List<DynamoDbRecord>? Records);

public sealed record DynamoDbRecord(
    [property: JsonPropertyName("eventID")] string? EventId,
    [property: JsonPropertyName("eventName")] string? EventName,
    [property: JsonPropertyName("eventSource")] string? EventSource,
    [property: JsonPropertyName("eventSourceARN")] string? EventSourceArn,
    [property: JsonPropertyName("awsRegion")] string? AwsRegion,
    [property: JsonPropertyName("dynamodb")] StreamRecord? Dynamodb);

/// <summary>
/// The change itself. Images are DynamoDB JSON (<c>{"S": "…"}</c> per attribute).
/// <c>ApproximateCreationDateTime</c> arrives as epoch seconds (an integer, a float, scientific notation) or, in some
/// of AWS's own samples, milliseconds: see <see cref="CreatedAt"/>.
/// </summary>
public sealed record StreamRecord(
    [property: JsonPropertyName("ApproximateCreationDateTime")] JsonElement? ApproximateCreationDateTime,
    [property: JsonPropertyName("Keys")] Dictionary<string, JsonElement>? Keys,
    [property: JsonPropertyName("NewImage")] Dictionary<string, JsonElement>? NewImage,
    [property: JsonPropertyName("OldImage")] Dictionary<string, JsonElement>? OldImage,
    [property: JsonPropertyName("SequenceNumber")] string? SequenceNumber,
    [property: JsonPropertyName("SizeBytes")] long? SizeBytes,
    [property: JsonPropertyName("StreamViewType")] string? StreamViewType)
{
    /// <summary>Values above this are milliseconds: as seconds they would be past the year 5000.</summary>
    private const double MillisecondsFrom = 100_000_000_000;

    /// <summary>When the change was written, to the millisecond; <c>null</c> when the record does not say.</summary>
    /// <exception cref="InvalidEventException">The value is not a number, or not a plausible time.</exception>
    public DateTimeOffset? CreatedAt()
    {
        if (ApproximateCreationDateTime is not { ValueKind: not JsonValueKind.Null } value)
        {
            return null;
        }

        double number;
        if (value.ValueKind == JsonValueKind.Number)
        {
            number = value.GetDouble();
        }
        else if (value.ValueKind != JsonValueKind.String
            || !double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            throw new InvalidEventException($"ApproximateCreationDateTime must be a number of seconds since 1970 (got {value.GetRawText()}).");
        }

        var milliseconds = number >= MillisecondsFrom ? number : number * 1000;
        if (double.IsNaN(milliseconds) || milliseconds < 0 || milliseconds > 253_402_300_799_999)
        {
            throw new InvalidEventException($"ApproximateCreationDateTime is not a time (got {value.GetRawText()}).");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(milliseconds));
    }
}

/// <summary>A partial batch response: the records to retry, the first failed one first (<c>itemIdentifier</c>: its sequence number or message id).</summary>
public sealed record BatchResponse([property: JsonPropertyName("batchItemFailures")] List<BatchItemFailure> BatchItemFailures);

public sealed record BatchItemFailure([property: JsonPropertyName("itemIdentifier")] string ItemIdentifier);

/// <summary>The event is not one the function takes, or is malformed: reported as the invocation's error, never retried into success.</summary>
public sealed class InvalidEventException(string message) : Exception(message);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DynamoDbEvent))]
[JsonSerializable(typeof(BatchResponse))]
internal sealed partial class EventJson : JsonSerializerContext;

/// <summary>Reads events and writes responses with the source-generated serializers.</summary>
public static class LambdaEvents
{
    /// <summary>
    /// Reads a DynamoDB Streams event (UTF-8, with or without a byte order mark). Every record must come from
    /// DynamoDB (<c>eventSource</c> <c>aws:dynamodb</c>) and carry its change (<c>dynamodb.SequenceNumber</c>).
    /// </summary>
    /// <param name="function">The function's name, for the message.</param>
    /// <exception cref="InvalidEventException">Not JSON, not such an event, or a record without its change.</exception>
    public static DynamoDbEvent ReadDynamoDb(Stream input, string function)
    {
        var read = Read(input, EventJson.Default.DynamoDbEvent, function, "a DynamoDB Streams event");
        if (read?.Records is not { } records)
        {
            throw new InvalidEventException($"{function} takes a DynamoDB Streams event: an object with \"Records\"; this one has none.");
        }

        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (record?.EventSource != "aws:dynamodb")
            {
                throw new InvalidEventException(
                    $"{function} takes a DynamoDB Streams event; record {i} has eventSource {(record?.EventSource is { } source ? $"\"{source}\"" : "missing")}, not \"aws:dynamodb\".");
            }

            if (record.Dynamodb?.SequenceNumber is not { Length: > 0 } || record.EventName is not ("INSERT" or "MODIFY" or "REMOVE"))
            {
                throw new InvalidEventException($"Record {i} of the DynamoDB Streams event has no dynamodb.SequenceNumber or no eventName INSERT, MODIFY or REMOVE.");
            }

            record.Dynamodb.CreatedAt();
        }

        return read;
    }

    /// <summary>Reads an event of the kind <paramref name="kind"/> names (<c>an SQS event</c>); null when the JSON is <c>null</c>.</summary>
    /// <exception cref="InvalidEventException">Not JSON of that shape.</exception>
    internal static T? Read<T>(Stream input, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string function, string kind)
    {
        try
        {
            return JsonSerializer.Deserialize(input, type);
        }
        catch (JsonException e)
        {
            throw new InvalidEventException($"{function} takes {kind}; this one is not valid JSON of that shape ({e.Message}).");
        }
    }

    public static Stream Write(BatchResponse response)
    {
        var output = new MemoryStream();
        JsonSerializer.Serialize(output, response, EventJson.Default.BatchResponse);
        output.Position = 0;
        return output;
    }
}
