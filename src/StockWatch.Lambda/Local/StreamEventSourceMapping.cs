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
/// <param name="MaximumRecordAge">Records older than this are not delivered but go to the on-failure queue; none: any age.</param>
/// <param name="BisectBatchOnFunctionError">An invocation that throws is retried with half its batch, down to one record.</param>
/// <param name="EventNames">The event filter: only records of these <c>eventName</c>s are delivered (the others pass); none: all.</param>
public sealed record MappingOptions(
    int BatchSize = 100, int MaximumRetryAttempts = 3, TimeSpan RetryDelay = default, string? OnFailureQueueUrl = null, TimeSpan? MaximumRecordAge = null,
    bool BisectBatchOnFunctionError = false, IReadOnlyList<string>? EventNames = null)
{
    /// <summary>The settings of a mapping as the template declares them (retries: Lambda's default, unlimited, when it names none).</summary>
    public static MappingOptions From(StockWatch.Aws.MappingDeclaration declared, TimeSpan retryDelay, string? onFailureQueueUrl) => new(
        declared.BatchSize, declared.MaximumRetryAttempts ?? int.MaxValue, retryDelay, onFailureQueueUrl,
        declared.MaximumRecordAgeInSeconds is { } age and > 0 ? TimeSpan.FromSeconds(age) : null, declared.BisectBatchOnFunctionError,
        declared.EventNames.Count == 0 ? null : declared.EventNames);
}

/// <summary>
/// Does what Lambda's event source mapping does with a DynamoDB stream, on one machine: reads each shard from
/// TRIM_HORIZON in batches, builds the event exactly as Lambda delivers it (the GetRecords records, each with
/// <c>eventSourceARN</c>), invokes the function, and honours its partial batch response: a batch is done when
/// <c>batchItemFailures</c> is empty; otherwise reading resumes at the first failed sequence number (an invocation that
/// throws fails the whole batch). After <see cref="MappingOptions.MaximumRetryAttempts"/> retries of the same record the
/// batch from it goes to the on-failure queue, as Lambda's on-failure destination record, and the shard moves on.
/// Each shard keeps its own position, so one that is stuck holds up no other; a child shard is read once its parent is.
/// With <paramref name="positions"/>, each shard's position (the last sequence number done with) is kept there after
/// each batch is done, and a mapping started again resumes AFTER_SEQUENCE_NUMBER of it, as a Lambda mapping keeps its
/// position across anything that happens to the function: at least once, a crash between a batch and its position
/// replays that batch only. A shard with no kept position, or whose position the stream has trimmed, is read from
/// TRIM_HORIZON. Without it, positions live in this object and a new mapping starts again from TRIM_HORIZON.
/// </summary>
/// <param name="positions">Where positions are kept across processes (local-run's <see cref="StreamPositions.FromEnvironment"/>); none: in memory.</param>
public sealed class StreamEventSourceMapping(
    string functionName, Handler handler, string streamArn, DynamoStreams streams, IAmazonSQS sqs, MappingOptions options, TimeProvider time,
    StreamPositions? positions = null)
{
    private readonly Dictionary<string, ShardState> _shards = [];
    private readonly Lock _writing = new();
    private bool _resumed;

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
        if (!_resumed && positions is not null)
        {
            foreach (var (shardId, sequence) in positions.Read(streamArn))
            {
                _shards[shardId] = new ShardState(shardId) { Checkpoint = sequence };
            }
        }

        _resumed = true;
        var total = 0;
        while (true)
        {
            var shards = await streams.ShardsAsync(streamArn, cancellationToken);
            var ready = shards.Where(shard => !State(shard).Finished
                && (shard.ParentShardId is not { } parent || !_shards.TryGetValue(parent, out var p) || p.Finished || shards.All(s => s.ShardId != parent))).ToList();
            var states = ready.Select(State).ToList();
            var counts = await Task.WhenAll(ready.Select((shard, i) => DrainShardAsync(shard, states[i], cancellationToken)));
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
        string iterator;
        try
        {
            iterator = await streams.ShardIteratorAsync(streamArn, shard.ShardId,
                state.Checkpoint is null ? "TRIM_HORIZON" : "AFTER_SEQUENCE_NUMBER", state.Checkpoint, cancellationToken);
        }
        catch (AwsApiException e) when (e.Code == "TrimmedDataAccessException")
        {
            // The kept position is older than the stream's retention: what is left is read from the start.
            iterator = await streams.ShardIteratorAsync(streamArn, shard.ShardId, "TRIM_HORIZON", cancellationToken: cancellationToken);
        }

        while (true)
        {
            var page = await streams.RecordsAsync(iterator, state.Limit ?? options.BatchSize, cancellationToken);
            if (page.Records.Count == 0)
            {
                state.Finished = page.NextShardIterator is null;
                return processed;
            }

            // Records past the maximum age are given up on without an invocation, as Lambda does.
            var expired = options.MaximumRecordAge is { } age
                ? page.Records.TakeWhile(record => CreatedAt(record!) is { } created && time.GetUtcNow() - created > age).ToList()
                : [];
            if (expired.Count > 0)
            {
                await SendOnFailureAsync(shard.ShardId, expired, 0, cancellationToken, "RecordAgeExceeded");
                DoneWith(state, Sequence(expired[^1]!));
                processed += expired.Count;
                iterator = await streams.ShardIteratorAsync(streamArn, shard.ShardId, "AFTER_SEQUENCE_NUMBER", state.Checkpoint, cancellationToken);
                continue;
            }

            // The event filter: records of other kinds pass the function by, as done.
            List<JsonNode?> delivered = [.. page.Records.Where(record => options.EventNames is not { } names || names.Contains((string?)record!["eventName"] ?? string.Empty))];
            var (failedAt, threw) = delivered.Count == 0 ? (null, false) : await InvokeAsync(delivered, cancellationToken);
            state.Limit = threw && options.BisectBatchOnFunctionError && page.Records.Count > 1 ? page.Records.Count / 2 : null;
            if (failedAt is null)
            {
                state.Attempts = 0;
                DoneWith(state, Sequence(page.Records[^1]!));
                processed += page.Records.Count;
                iterator = page.NextShardIterator ?? await streams.ShardIteratorAsync(streamArn, shard.ShardId, "AFTER_SEQUENCE_NUMBER", state.Checkpoint, cancellationToken);
                continue;
            }

            var failedIndex = IndexOf(page.Records, failedAt);
            processed += failedIndex;
            if (failedIndex > 0)
            {
                DoneWith(state, Sequence(page.Records[failedIndex - 1]!));
                state.Attempts = 0;
            }

            state.Attempts++;
            if (state.Attempts > options.MaximumRetryAttempts)
            {
                var failedBatch = page.Records.Skip(failedIndex).ToList();
                await SendOnFailureAsync(shard.ShardId, failedBatch, state.Attempts, cancellationToken);
                state.Attempts = 0;
                DoneWith(state, Sequence(failedBatch[^1]!));
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

    /// <summary>Moves the shard's position to <paramref name="sequence"/> and keeps every shard's position (when they are kept).</summary>
    private void DoneWith(ShardState state, string sequence)
    {
        state.Checkpoint = sequence;
        if (positions is null)
        {
            return;
        }

        lock (_writing)
        {
            positions.Write(streamArn, _shards.Values.Where(shard => shard.Checkpoint is not null).ToDictionary(shard => shard.ShardId, shard => shard.Checkpoint!));
        }
    }

    /// <returns>The sequence number to resume at (<c>null</c> when the whole batch succeeded), and whether the invocation threw.</returns>
    private async Task<(string? FailedAt, bool Threw)> InvokeAsync(List<JsonNode?> records, CancellationToken cancellationToken)
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
            // The function has done its work: its answer is read to the end even when stopping, so the batch is recorded as done.
            var answer = await JsonNode.ParseAsync(response, cancellationToken: CancellationToken.None);
            var failures = answer?["batchItemFailures"]?.AsArray() ?? [];
            if (failures.Count == 0)
            {
                return (null, false);
            }

            // As Lambda does: resume at the lowest sequence number reported; one that is not in the batch fails it all.
            var reported = failures.Select(f => (string?)f?["itemIdentifier"]).ToList();
            if (reported.Any(id => string.IsNullOrEmpty(id) || IndexOf(records, id!) < 0))
            {
                return (Sequence(records[0]!), false);
            }

            return (reported.OrderBy(id => id!, Comparer<string>.Create(DynamoAlertStore.CompareSequences)).First(), false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"{functionName}: the invocation failed, the whole batch is retried: {e.GetType().Name}: {e.Message}");
            return (Sequence(records[0]!), true);
        }
    }

    /// <summary>The on-failure destination record Lambda sends for a stream batch (<c>DDBStreamBatchInfo</c>).</summary>
    private async Task SendOnFailureAsync(
        string shardId, List<JsonNode?> batch, int invokeCount, CancellationToken cancellationToken, string condition = "RetryAttemptsExhausted")
    {
        string Arrival(JsonNode record) => Timestamp.Format(CreatedAt(record) ?? time.GetUtcNow());
        var record = new JsonObject
        {
            ["requestContext"] = new JsonObject
            {
                ["requestId"] = Guid.NewGuid().ToString(),
                ["functionArn"] = $"arn:aws:lambda:local:000000000000:function:{functionName}",
                ["condition"] = condition,
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

    /// <summary>When the change was written (the record's <c>ApproximateCreationDateTime</c>, seconds since 1970); null when it does not say.</summary>
    private static DateTimeOffset? CreatedAt(JsonNode record) => record["dynamodb"]?["ApproximateCreationDateTime"] is { } created
        && double.TryParse(created.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : null;

    private static int IndexOf(IList<JsonNode?> records, string sequence)
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

        /// <summary>Records per read while a bisected batch is retried; null: the batch size.</summary>
        public int? Limit { get; set; }

        /// <summary>A closed shard read to its end.</summary>
        public bool Finished { get; set; }
    }
}
