using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Imports;
using ImportStatus = StockWatch.Core.Imports.ImportStatus;

namespace StockWatch.Aws;

/// <summary>An import as its <c>Imports</c> item tells it.</summary>
/// <param name="NextLine">Where the next part starts (0: the file's start); a part may run only from there.</param>
/// <param name="Read">Bytes of the upload imported so far, of <paramref name="Size"/>.</param>
/// <param name="Summary">The summary's JSON (snake_case), once done.</param>
/// <param name="HeldUntil">Until when the delivery running it holds it (its lease); null: no one does.</param>
public sealed record ImportItem(string ImportId, ImportStatus Status, string Source, int NextLine, long Read, long Size, string? Summary, string? Error,
    DateTimeOffset? HeldUntil = null);

/// <summary>
/// The <c>Imports</c> table's items of the <c>Import</c> function: started (put if absent, <c>running</c> at line 0),
/// advanced from one checkpoint to the next (conditional on the line it ran from, so of two deliveries of one part
/// only one goes on), failed. Done is the import's own write (<see cref="DynamoImportStore"/>'s <c>RecordDone</c>).
/// </summary>
public sealed class DynamoImports(IAmazonDynamoDB dynamo, IOptions<AwsOptions> options)
{
    private readonly string _table = options.Value.ImportsTable;

    public async Task<ImportItem?> FindAsync(string importId, CancellationToken cancellationToken = default)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = _table, Key = Key(importId), ConsistentRead = true,
        }, cancellationToken);
        if (!response.IsItemSet)
        {
            return null;
        }

        var item = response.Item;
        string? Text(string name) => item.TryGetValue(name, out var value) ? value.S : null;
        long Number(string name) => item.TryGetValue(name, out var value) && value.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;
        var status = Text("status") is { } text && Enum.TryParse<ImportStatus>(text, ignoreCase: true, out var parsed) ? parsed
            : Text("summary") is not null ? ImportStatus.Done : ImportStatus.Running;
        return new ImportItem(importId, status, Text("source") ?? string.Empty, (int)Number("next_line"), Number("read"), Number("size"),
            Text("summary"), Text("error"), Text("held_until") is { } held ? Timestamp.ParseStored(held) : null);
    }

    /// <summary>Puts the item as running from the start, held by <paramref name="holder"/> until <paramref name="until"/>, unless it exists; false when it did.</summary>
    public async Task<bool> StartAsync(string importId, string source, long size, DateTimeOffset at, DateTimeOffset until, string holder,
        CancellationToken cancellationToken = default)
    {
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _table,
                Item = new()
                {
                    [DynamoImportStore.Id] = new() { S = importId },
                    ["status"] = new() { S = "running" },
                    ["source"] = new() { S = source },
                    ["started_at"] = new() { S = Timestamp.FormatSortable(at) },
                    ["next_line"] = Number(0),
                    ["read"] = Number(0),
                    ["size"] = Number(size),
                    ["held_until"] = new() { S = Timestamp.FormatSortable(until) },
                    ["held_by"] = new() { S = holder },
                },
                ConditionExpression = "attribute_not_exists(import_id)",
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Holds the running import for <paramref name="holder"/> until <paramref name="until"/>, unless another delivery
    /// holds it now (its lease has not ended): one delivery at a time runs an import; a holder that died lets go when
    /// its lease ends, and the next one goes on from its last checkpoint.
    /// </summary>
    /// <returns>The line to go on from (the last checkpoint's); null when it is held, or not running.</returns>
    public async Task<int?> HoldAsync(string importId, DateTimeOffset now, DateTimeOffset until, string holder, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _table,
                Key = Key(importId),
                UpdateExpression = "SET held_until = :until, held_by = :holder",
                ConditionExpression = "#status = :running AND (attribute_not_exists(held_until) OR held_until < :now)",
                ExpressionAttributeNames = new() { ["#status"] = "status" },
                ExpressionAttributeValues = new()
                {
                    [":until"] = new() { S = Timestamp.FormatSortable(until) }, [":now"] = new() { S = Timestamp.FormatSortable(now) },
                    [":holder"] = new() { S = holder }, [":running"] = new() { S = "running" },
                },
                ReturnValues = ReturnValue.ALL_NEW,
            }, cancellationToken);
            return response.Attributes.TryGetValue("next_line", out var line) ? int.Parse(line.N, CultureInfo.InvariantCulture) : 0;
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Moves the import on to the checkpoint <paramref name="to"/>, if <paramref name="holder"/> still holds it: held on
    /// until <paramref name="until"/> (the part goes on), or let go (null: it continues in a follow-up message).
    /// </summary>
    /// <returns>False when another delivery holds it now (this one's lease ended): this one stops.</returns>
    public Task<bool> AdvanceAsync(string importId, string holder, CsvPosition to, DateTimeOffset? until, CancellationToken cancellationToken = default) =>
        UpdateIfAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = Key(importId),
            UpdateExpression = "SET next_line = :to, #read = :read, parts = if_not_exists(parts, :zero) + :one"
                + (until is null ? " REMOVE held_until, held_by" : ", held_until = :until"),
            ConditionExpression = "held_by = :holder AND #status = :running",
            ExpressionAttributeNames = new() { ["#read"] = "read", ["#status"] = "status" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":to"] = Number(to.Line), [":read"] = Number(to.Offset), [":holder"] = new() { S = holder }, [":running"] = new() { S = "running" },
                [":zero"] = Number(0), [":one"] = Number(1),
            }.Concat(until is { } held ? [KeyValuePair.Create(":until", new AttributeValue { S = Timestamp.FormatSortable(held) })] : []).ToDictionary(),
        }, cancellationToken);

    /// <summary>The update when its condition holds; false when it does not.</summary>
    private async Task<bool> UpdateIfAsync(UpdateItemRequest update, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.UpdateItemAsync(update, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>Notes how far the running part has read (bytes of the upload), for whoever waits for the import.</summary>
    public Task ProgressAsync(string importId, long read, CancellationToken cancellationToken = default) =>
        dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = Key(importId),
            UpdateExpression = "SET #read = :read",
            ConditionExpression = "#status = :running",
            ExpressionAttributeNames = new() { ["#read"] = "read", ["#status"] = "status" },
            ExpressionAttributeValues = new() { [":read"] = Number(read), [":running"] = new() { S = "running" } },
        }, cancellationToken).ContinueWith(task => task.Exception?.InnerException is ConditionalCheckFailedException or null ? Task.CompletedTask : task,
            TaskScheduler.Default).Unwrap();

    /// <summary>Marks the import failed for good (the file cannot be imported: no usable header, the upload is gone).</summary>
    public Task FailAsync(string importId, string error, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = Key(importId),
            UpdateExpression = "SET #status = :failed, #error = :error, done_at = :at",
            ExpressionAttributeNames = new() { ["#status"] = "status", ["#error"] = "error" },
            ExpressionAttributeValues = new()
            {
                [":failed"] = new() { S = "failed" }, [":error"] = new() { S = error }, [":at"] = new() { S = Timestamp.FormatSortable(at) },
            },
        }, cancellationToken);

    private static Dictionary<string, AttributeValue> Key(string importId) => new() { [DynamoImportStore.Id] = new() { S = importId } };

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
