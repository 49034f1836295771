using System.Text;
using StockWatch.Lambda.Events;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary>AWS's own sample events (shared/realdata/aws-events): the stream events are read as Lambda delivers them, every other kind is refused clearly.</summary>
public sealed class SampleEventsTests
{
    public static TheoryData<string, int, string?> StreamEvents() => new()
    {
        // file, records, the first record's creation time (null: the sample gives none)
        { "aws-events/aws-docs/ddb-stream-event_insert-modify.json", 2, null },
        { "aws-events/aws-docs/ddb-tutorial-input_insert-modify-remove.json", 3, null },
        { "aws-events/aws-lambda-dotnet/dynamodb-event.json", 2, "2016-12-02T01:27:00Z" },
        { "aws-events/aws-lambda-dotnet/dynamodb-with-ms-event.json", 2, "2016-12-02T01:27:00Z" },
        { "aws-events/powertools-lambda-python/dynamoStreamEvent.json", 2, null },
    };

    public static TheoryData<string> OtherEvents() =>
    [
        "aws-events/aws-docs/sqs-event.json",
        "aws-events/aws-docs/sns-event.json",
        "aws-events/aws-docs/s3-event-put.json",
        "aws-events/aws-docs/eventbridge-scheduled-event.json",
        "aws-events/aws-docs/ddb-onfailure-destination-record.json",
        "aws-events/aws-lambda-dotnet/sqs-event.json",
        "aws-events/powertools-lambda-python/snsSqsEvent.json",
    ];

    [Theory]
    [MemberData(nameof(StreamEvents))]
    public void ReadDynamoDb_AwsSample_ReadsEveryRecord(string file, int records, string? firstCreated)
    {
        using var input = File.OpenRead(RealData.PathOf(file));

        var read = LambdaEvents.ReadDynamoDb(input, "product-changes");

        read.Records.Should().HaveCount(records);
        read.Records!.Should().AllSatisfy(r =>
        {
            r.EventSource.Should().Be("aws:dynamodb");
            r.Dynamodb!.SequenceNumber.Should().NotBeNullOrEmpty();
            (r.Dynamodb.NewImage ?? r.Dynamodb.OldImage).Should().NotBeNull();
        });
        if (firstCreated is not null)
        {
            read.Records![0].Dynamodb!.CreatedAt().Should().Be(DateTimeOffset.Parse(firstCreated, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void ReadDynamoDb_ByteOrderMark_Read()
    {
        File.ReadAllBytes(RealData.PathOf("aws-events/aws-lambda-dotnet/dynamodb-event.json")).Take(3).Should().Equal(0xEF, 0xBB, 0xBF);
    }

    [Theory]
    [InlineData("1480642020", "2016-12-02T01:27:00Z")]
    [InlineData("1480642020000", "2016-12-02T01:27:00Z")]
    [InlineData("1693997155.0", "2023-09-06T10:45:55Z")]
    [InlineData("1.693997155E9", "2023-09-06T10:45:55Z")]
    [InlineData("1.6939971551234E9", "2023-09-06T10:45:55.123Z")]
    [InlineData("1693997155123", "2023-09-06T10:45:55.123Z")]
    public void CreatedAt_SecondsMillisecondsFloatOrScientific_SameInstant(string value, string expected)
    {
        var read = LambdaEvents.ReadDynamoDb(Event($"\"ApproximateCreationDateTime\": {value}, "), "product-changes");

        read.Records![0].Dynamodb!.CreatedAt().Should().Be(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(OtherEvents))]
    public void ReadDynamoDb_AnotherKindOfEvent_ClearError(string file)
    {
        using var input = File.OpenRead(RealData.PathOf(file));

        var read = () => LambdaEvents.ReadDynamoDb(input, "product-changes");

        read.Should().Throw<InvalidEventException>().WithMessage("product-changes takes a DynamoDB Streams event*");
    }

    [Theory]
    [InlineData("not json at all", "*not valid JSON*")]
    [InlineData("[]", "*not valid JSON*")]
    [InlineData("{}", "*has none*")]
    [InlineData("{\"Records\": [{\"eventSource\": \"aws:dynamodb\", \"eventName\": \"INSERT\", \"dynamodb\": {}}]}", "*no dynamodb.SequenceNumber*")]
    [InlineData("{\"Records\": [{\"eventSource\": \"aws:dynamodb\", \"eventName\": \"INSERT\", \"dynamodb\": {\"SequenceNumber\": \"1\", \"ApproximateCreationDateTime\": \"soon\"}}]}", "*ApproximateCreationDateTime must be a number*")]
    [InlineData("{\"Records\": [{\"eventSource\": \"aws:dynamodb\", \"eventName\": \"INSERT\", \"dynamodb\": {\"SequenceNumber\": 1}}]}", "*not valid JSON*")]
    public void ReadDynamoDb_Malformed_ClearError(string json, string message)
    {
        var read = () => LambdaEvents.ReadDynamoDb(new MemoryStream(Encoding.UTF8.GetBytes(json)), "product-changes");

        read.Should().Throw<InvalidEventException>().WithMessage(message);
    }

    private static MemoryStream Event(string created) => new(Encoding.UTF8.GetBytes($$$"""
        {"Records": [{"eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
          "dynamodb": {{{{created}}}"Keys": {"product_id": {"S": "A"}}, "NewImage": {"product_id": {"S": "A"}}, "SequenceNumber": "100", "SizeBytes": 10, "StreamViewType": "NEW_AND_OLD_IMAGES"},
          "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/Products/stream/2026-01-01T00:00:00.000"}]}
        """));
}
