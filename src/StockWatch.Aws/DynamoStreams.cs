using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StockWatch.Aws;

/// <summary>A shard of a DynamoDB stream, as DescribeStream lists it.</summary>
public sealed record StreamShard(string ShardId, string? ParentShardId, string StartingSequenceNumber, string? EndingSequenceNumber);

/// <summary>A page of GetRecords: the records exactly as the API returned them, and the iterator for the next page (none: the shard is closed and read).</summary>
public sealed record StreamRecords(JsonArray Records, string? NextShardIterator);

/// <summary>
/// The DynamoDB Streams API (no .NET package of it is served): JSON over HTTP with
/// <c>X-Amz-Target: DynamoDBStreams_20120810.*</c>, signed with SigV4 for <c>dynamodb</c>. Only what an event source
/// mapping needs: the shards, an iterator, the records. Errors are <see cref="AwsApiException"/>s with the API's code
/// (<c>ExpiredIteratorException</c>, <c>TrimmedDataAccessException</c>, <c>ResourceNotFoundException</c>…).
/// </summary>
public sealed class DynamoStreams(SignedHttp http) : IDisposable
{
    public static DynamoStreams FromEnvironment() => new(SignedHttp.Create("dynamodb", "DYNAMODB_STREAMS", "streams.dynamodb.{0}.amazonaws.com"));

    /// <summary>Every shard of the stream, parents before children.</summary>
    public async Task<IReadOnlyList<StreamShard>> ShardsAsync(string streamArn, CancellationToken cancellationToken = default)
    {
        List<StreamShard> shards = [];
        string? after = null;
        do
        {
            var request = new JsonObject { ["StreamArn"] = streamArn };
            if (after is not null)
            {
                request["ExclusiveStartShardId"] = after;
            }

            var description = (await CallAsync("DescribeStream", request, cancellationToken))["StreamDescription"]!;
            foreach (var shard in description["Shards"]?.AsArray() ?? [])
            {
                var range = shard!["SequenceNumberRange"]!;
                shards.Add(new StreamShard(
                    (string)shard["ShardId"]!, (string?)shard["ParentShardId"],
                    (string)range["StartingSequenceNumber"]!, (string?)range["EndingSequenceNumber"]));
            }

            after = (string?)description["LastEvaluatedShardId"];
        }
        while (after is not null);
        return shards;
    }

    /// <param name="type"><c>TRIM_HORIZON</c>, <c>LATEST</c>, <c>AT_SEQUENCE_NUMBER</c> or <c>AFTER_SEQUENCE_NUMBER</c>.</param>
    public async Task<string> ShardIteratorAsync(string streamArn, string shardId, string type, string? sequenceNumber = null, CancellationToken cancellationToken = default)
    {
        var request = new JsonObject { ["StreamArn"] = streamArn, ["ShardId"] = shardId, ["ShardIteratorType"] = type };
        if (sequenceNumber is not null)
        {
            request["SequenceNumber"] = sequenceNumber;
        }

        return (string)(await CallAsync("GetShardIterator", request, cancellationToken))["ShardIterator"]!;
    }

    /// <param name="limit">At most this many records (1 to 1000).</param>
    public async Task<StreamRecords> RecordsAsync(string iterator, int limit, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync("GetRecords", new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = limit }, cancellationToken);
        return new StreamRecords(response["Records"]?.AsArray() ?? [], (string?)response["NextShardIterator"]);
    }

    public void Dispose() => http.Dispose();

    private async Task<JsonNode> CallAsync(string action, JsonObject request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, http.Endpoint)
        {
            Content = new StringContent(request.ToJsonString(), Encoding.UTF8),
        };
        message.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        message.Headers.Add("X-Amz-Target", $"DynamoDBStreams_20120810.{action}");
        using var response = await http.Client.SendAsync(message, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var json = string.IsNullOrEmpty(body) ? new JsonObject() : JsonNode.Parse(body) ?? new JsonObject();
        if (!response.IsSuccessStatusCode)
        {
            var type = (string?)json["__type"] ?? response.StatusCode.ToString();
            throw new AwsApiException(type[(type.LastIndexOf('#') + 1)..], (string?)json["message"] ?? (string?)json["Message"] ?? body, (int)response.StatusCode);
        }

        return json;
    }
}
