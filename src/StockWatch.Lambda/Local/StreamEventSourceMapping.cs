using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.SQS;
using StockWatch.Aws;
using StockWatch.Core;

namespace StockWatch.Lambda.Local;

/// <summary>How an event source mapping reads a stream and retries (the settings Lambda's mapping has of the same names).</summary>
/// <param name="BatchSize">Records per invocation at most.</param>
/// <param name="MaximumRetryAttempts">Retries of a failing batch before it goes to the on-failure destination.</param>
/// <param name="RetryDelay">The wait before each retry.</param>
/// <param name="OnFailureQueueUrl">The SQS queue the on-failure record of a batch that kept failing goes to; none: logged only.</param>
public sealed record MappingOptions(int BatchSize = 100, int MaximumRetryAttempts = 3, TimeSpan RetryDelay = default, string? OnFailureQueueUrl = null);

/// <summary>
/// Does what Lambda's event source mapping does with a DynamoDB stream, on one machine: reads each shard from
/// TRIM_HORIZON in batches, builds the event exactly as Lambda delivers it (the GetRecords records, each with
/// <c>eventSourceARN</c>), invokes the function, and honours its partial batch response: a batch is done when
/// <c>batchItemFailures</c> is empty; otherwise reading resumes at the first failed sequence number (an invocation that
/// throws fails the whole batch). After <see cref="MappingOptions.MaximumRetryAttempts"/> retries of the same record the
/// batch from it goes to the on-failure queue, as Lambda's on-failure destination record, and the shard moves on.
/// Each shard keeps its own position, so one that is stuck holds up no other; a child shard is read once its parent is.
/// Positions live in this object: a new mapping starts again from TRIM_HORIZON, as a new Lambda mapping would.
/// </summary>
public sealed class StreamEventSourceMapping(
    string functionName, Handler handler, string streamArn, DynamoStreams streams, IAmazonSQS sqs, MappingOptions options, TimeProvider time)
{
    private readonly Dictionary<string, ShardState> _shards = [];

    /// <summary>Invocations so far.</summary>
    public int Invocations { get; private set; }

    /// <summary>Records the function was handed so far, retries included.</summary>
    public long RecordsDelivered { get; private set; }

    /// <summary>
    /// Delivers every record the stream holds now, retrying and sending to the on-failure queue as configured, and
    /// returns once each shard has answered with no new record.
    /// </summary>
    /// <returns>Records of the stream that were processed (or given up on) in this call.</returns>
    public async Task<int> DrainAsync(CancellationToken cancellationToken = default)
    {
        var total = 0;
        while (true)
        {
            var shards = await streams.ShardsAsync(streamArn, cancellationToken);
            var ready = shards.Where(shard => !State(shard).Finished
                && (shard.ParentShardId is not { } parent || !_shards.TryGetValue(parent, out var p) || p.Finished || shards.All(s => s.ShardId != parent))).ToList();
            var counts = await Task.WhenAll(ready.Select(shard => DrainShardAsync(shard, State(shard), cancellationToken)));
            total += counts.Sum();
            if (counts.Sum() == 0 && ready.All(shard => !State(shard).Finished))
            {
                return total;
            }
        }
    }

    /// <summary>Drains the stream, then waits <paramref name="pollInterval"/>, until cancelled.</summary>
    public async Task RunAsync(TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await DrainAsync(cancellationToken);
            await Task.Delay(pollInterval, time, cancellationToken);
        }
    }

    private ShardState State(StreamShard shard)
    {
        if (!_shards.TryGetValue(shard.ShardId, out var state))
        {
            state = new ShardState(shard.ShardId);
            _shards[shard.ShardId] = state;
        }

        return state;
    }

    /// <returns>Records processed.</returns>
    private async Task<int> DrainShardAsync(StreamShard shard, ShardState state, CancellationToken cancellationToken)
    {
        var processed = 0;
        var iterator = await streams.ShardIteratorAsync(streamArn, shard.ShardId,
            state.Checkpoint is null ? "TRIM_HORIZON" : "AFTER_SEQUENCE_NUMBER", state.Checkpoint, cancellationToken);
        while (true)
        {
            var page = await streams.RecordsAsync(iterator, options.BatchSize, cancellationToken);
            if (page.Records.Count == 0)
            {
                state.Finished = page.NextShardIterator is null;
                return processed;
            }

            var failedAt = await InvokeAsync(page.Records, cancellationToken);
            if (failedAt is null)
            {
                state.Attempts = 0;
                state.Checkpoint = Sequence(page.Records[^1]!);
                processed += page.Records.Count;
                iterator = page.NextShardIterator ?? await streams.ShardIteratorAsync(streamArn, shard.ShardId, "AFTER_SEQUENCE_NUMBER", state.Checkpoint, cancellationToken);
                continue;
            }

            var failedIndex = IndexOf(page.Records, failedAt);
            processed += failedIndex;
            if (failedIndex > 0)
            {
                state.Checkpoint = Sequence(page.Records[failedIndex - 1]!);
                state.Attempts = 0;
            }

            state.Attempts++;
            if (state.Attempts > options.MaximumRetryAttempts)
            {
                var failedBatch = page.Records.Skip(failedIndex).ToList();
                await SendOnFailureAsync(shard.ShardId, failedBatch, state.Attempts, cancellationToken);
                state.Attempts = 0;
                state.Checkpoint = Sequence(failedBatch[^1]!);
                processed += failedBatch.Count;
            }
            else if (options.RetryDelay > TimeSpan.Zero)
            {
                await Task.Delay(options.RetryDelay, time, cancellationToken);
            }

            iterator = await streams.ShardIteratorAsync(streamArn, shard.ShardId,
                state.Checkpoint is null ? "TRIM_HORIZON" : "AFTER_SEQUENCE_NUMBER", state.Checkpoint, cancellationToken);
        }
    }

    /// <returns>The sequence number to resume at; <c>null</c> when the whole batch succeeded.</returns>
    private async Task<string?> InvokeAsync(JsonArray records, CancellationToken cancellationToken)
    {
        var delivered = new JsonArray([.. records.Select(record =>
        {
            var copy = record!.DeepClone().AsObject();
            copy["eventSourceARN"] = streamArn;
            return (JsonNode)copy;
        })]);
        var payload = Encoding.UTF8.GetBytes(new JsonObject { ["Records"] = delivered }.ToJsonString());
        Invocations++;
        RecordsDelivered += records.Count;
        try
        {
            await using var response = await handler(new MemoryStream(payload));
            var answer = await JsonNode.ParseAsync(response, cancellationToken: cancellationToken);
            var failures = answer?["batchItemFailures"]?.AsArray() ?? [];
            if (failures.Count == 0)
            {
                return null;
            }

            // As Lambda does: resume at the lowest sequence number reported; one that is not in the batch fails it all.
            var reported = failures.Select(f => (string?)f?["itemIdentifier"]).ToList();
            if (reported.Any(id => string.IsNullOrEmpty(id) || IndexOf(records, id!) < 0))
            {
                return Sequence(records[0]!);
            }

            return reported.OrderBy(id => id!, Comparer<string>.Create(DynamoAlertStore.CompareSequences)).First();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"{functionName}: the invocation failed, the whole batch is retried: {e.GetType().Name}: {e.Message}");
            return Sequence(records[0]!);
        }
    }

    /// <summary>The on-failure destination record Lambda sends for a stream batch (<c>DDBStreamBatchInfo</c>).</summary>
    private async Task SendOnFailureAsync(string shardId, List<JsonNode?> batch, int invokeCount, CancellationToken cancellationToken)
    {
        string Arrival(JsonNode record) => record["dynamodb"]?["ApproximateCreationDateTime"] is { } created
            && double.TryParse(created.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                ? Timestamp.Format(DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)))
                : Timestamp.Format(time.GetUtcNow());
        var record = new JsonObject
        {
            ["requestContext"] = new JsonObject
            {
                ["requestId"] = Guid.NewGuid().ToString(),
                ["functionArn"] = $"arn:aws:lambda:local:000000000000:function:{functionName}",
                ["condition"] = "RetryAttemptsExhausted",
                ["approximateInvokeCount"] = invokeCount,
            },
            ["responseContext"] = new JsonObject { ["statusCode"] = 200, ["executedVersion"] = "$LATEST", ["functionError"] = "Unhandled" },
            ["version"] = "1.0",
            ["timestamp"] = Timestamp.Format(time.GetUtcNow()),
            ["DDBStreamBatchInfo"] = new JsonObject
            {
                ["shardId"] = shardId,
                ["startSequenceNumber"] = Sequence(batch[0]!),
                ["endSequenceNumber"] = Sequence(batch[^1]!),
                ["approximateArrivalOfFirstRecord"] = Arrival(batch[0]!),
                ["approximateArrivalOfLastRecord"] = Arrival(batch[^1]!),
                ["batchSize"] = batch.Count,
                ["streamArn"] = streamArn,
            },
        };
        Console.Error.WriteLine($"{functionName}: records {Sequence(batch[0]!)} to {Sequence(batch[^1]!)} of shard {shardId} kept failing; sent to the on-failure destination.");
        if (options.OnFailureQueueUrl is { } queue)
        {
            await sqs.SendMessageAsync(queue, record.ToJsonString(), cancellationToken);
        }
    }

    private static string Sequence(JsonNode record) => (string)record["dynamodb"]!["SequenceNumber"]!;

    private static int IndexOf(JsonArray records, string sequence)
    {
        for (var i = 0; i < records.Count; i++)
        {
            if (Sequence(records[i]!) == sequence)
            {
                return i;
            }
        }

        return -1;
    }

    private sealed class ShardState(string shardId)
    {
        public string ShardId { get; } = shardId;

        /// <summary>The last record done with; <c>null</c>: none yet (read from TRIM_HORIZON).</summary>
        public string? Checkpoint { get; set; }

        /// <summary>Failed invocations in a row at the record after the checkpoint.</summary>
        public int Attempts { get; set; }

        /// <summary>A closed shard read to its end.</summary>
        public bool Finished { get; set; }
    }
}
