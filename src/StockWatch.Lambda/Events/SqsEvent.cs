using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StockWatch.Lambda.Events;

/// <summary>An SQS event as Lambda's event source mapping delivers it (names as AWS spells them).</summary>
public sealed record SqsEvent([property: JsonPropertyName("Records")] List<SqsMessage>? Records)
{
    /// <summary>Reads the event (UTF-8, with or without a byte order mark); every record must come from SQS and carry its id.</summary>
    /// <param name="function">The function's name, for the message.</param>
    /// <exception cref="InvalidEventException">Not JSON, not an SQS event, or a record without its message id.</exception>
    public static SqsEvent Read(Stream input, string function)
    {
        var read = LambdaEvents.Read(input, SqsEventJson.Default.SqsEvent, function, "an SQS event");
        if (read?.Records is not { } records)
        {
            throw new InvalidEventException($"{function} takes an SQS event: an object with \"Records\"; this one has none.");
        }

        for (var i = 0; i < records.Count; i++)
        {
            if (records[i] is not { EventSource: "aws:sqs", MessageId.Length: > 0 })
            {
                throw new InvalidEventException(
                    $"{function} takes an SQS event; record {i} has eventSource {(records[i]?.EventSource is { } source ? $"\"{source}\"" : "missing")} or no messageId.");
            }
        }

        return read;
    }
}

public sealed record SqsMessage(
    [property: JsonPropertyName("messageId")] string? MessageId,
    [property: JsonPropertyName("receiptHandle")] string? ReceiptHandle,
    [property: JsonPropertyName("body")] string? Body,
    [property: JsonPropertyName("attributes")] Dictionary<string, string>? Attributes,
    [property: JsonPropertyName("eventSource")] string? EventSource,
    [property: JsonPropertyName("eventSourceARN")] string? EventSourceArn,
    [property: JsonPropertyName("awsRegion")] string? AwsRegion);

/// <summary>
/// An S3 event notification (the body S3 sends to a queue), or the <c>s3:TestEvent</c> S3 sends when notifications are
/// configured (<c>Event</c> set, no records).
/// </summary>
public sealed record S3Notification(
    [property: JsonPropertyName("Records")] List<S3Record>? Records,
    [property: JsonPropertyName("Event")] string? Event);

public sealed record S3Record(
    [property: JsonPropertyName("eventSource")] string? EventSource,
    [property: JsonPropertyName("eventName")] string? EventName,
    [property: JsonPropertyName("eventTime")] string? EventTime,
    [property: JsonPropertyName("s3")] S3Entity? S3);

public sealed record S3Entity(
    [property: JsonPropertyName("bucket")] S3Bucket? Bucket,
    [property: JsonPropertyName("object")] S3Object? Object);

public sealed record S3Bucket([property: JsonPropertyName("name")] string? Name);

/// <summary>The object; <c>key</c> is URL-encoded as S3 writes it (a space as <c>+</c>): see <see cref="DecodedKey"/>.</summary>
public sealed record S3Object(
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("size")] long? Size,
    [property: JsonPropertyName("eTag")] string? ETag,
    [property: JsonPropertyName("versionId")] string? VersionId,
    [property: JsonPropertyName("sequencer")] string? Sequencer)
{
    public string DecodedKey => WebUtility.UrlDecode(Key ?? string.Empty);
}

/// <summary>
/// The follow-up message of an import that paused: which object (pinned to its version or ETag) and which checkpoint
/// to continue from (its line; the state under <c>imports/&lt;id&gt;/checkpoints/&lt;line&gt;/</c>).
/// </summary>
public sealed record ImportContinuation(
    [property: JsonPropertyName("import_id")] string ImportId,
    [property: JsonPropertyName("bucket")] string Bucket,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("version_id")] string? VersionId,
    [property: JsonPropertyName("etag")] string? ETag,
    [property: JsonPropertyName("line")] int Line);

/// <summary>What <c>import</c> answers: the partial batch response (by message id).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(S3Notification))]
[JsonSerializable(typeof(ImportContinuation))]
internal sealed partial class SqsEventJson : JsonSerializerContext;
