using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Stream;

namespace StockWatch.Aws;

/// <summary>
/// Applies the alert rules to the Products stream's changes and stores their alerts. For each change, in one
/// <c>TransactWriteItems</c>: the product's alert state (in its own table, so writing it raises no product change) with
/// the stream sequence number of the change it has applied, and each alert put if absent. A change at or before the
/// state's sequence number was applied already and is skipped, so a redelivered record, a retried batch or a replay of
/// the whole shard from TRIM_HORIZON stores nothing twice and decides nothing anew. Then <c>last_alert_time</c> goes on
/// the product, as the data dictionary has it: a write that changes neither content nor version, which the stream
/// function recognises and skips (it must never re-trigger the rules). The state's put is also conditional on the
/// <c>low_stock_alerted_at</c> it read, so a reminder the sweep (<see cref="DynamoReminderStore"/>) stored meanwhile
/// makes the change be decided again, on the reminder's cooldown.
/// </summary>
public sealed class DynamoAlertStore(IAmazonDynamoDB dynamo, IOptions<AwsOptions> options, IOptions<AlertOptions> alertOptions)
{
    internal const string LastAlertTime = "last_alert_time";
    internal const string LowStockAlertedAt = "low_stock_alerted_at";
    private const string StockoutEpisode = "stockout_episode";
    private const string AppliedSequence = "applied_sequence";

    private readonly AwsOptions _tables = options.Value;
    private readonly AlertOptions _alertOptions = alertOptions.Value;

    /// <summary>Decides and stores the alerts of one change.</summary>
    /// <param name="change">The change, read from a stream record.</param>
    /// <param name="streamSequence">The record's <c>SequenceNumber</c> (decimal digits, increasing along a product's changes).</param>
    /// <returns>The alerts stored now; none when the change was applied before.</returns>
    public async Task<IReadOnlyList<Alert>> ApplyAsync(ChangeRecord change, string streamSequence)
    {
        while (true)
        {
            var (state, applied) = await ReadStateAsync(change.ProductId);
            if (applied is not null && CompareSequences(streamSequence, applied) <= 0)
            {
                return [];
            }

            var decision = StreamProcessor.Decide(change, state, new DynamoSalesHistory(dynamo, _tables.SalesTable, change.ChangedAt), _alertOptions);
            var category = (change.NewImage ?? change.OldImage)?.Category;
            var alerts = decision.Alerts.Select(alert => new Alert(IdOf(change, alert.Type), alert.ProductId, alert.Type, alert.Time, alert.Details)
            {
                ChangeSequence = change.Sequence,
                Cause = change.Cause,
                Category = category,
            }).ToList();

            if (await TryCommitAsync(change.ProductId, decision.State, streamSequence, applied, state.LowStockAlertedAt, alerts))
            {
                if (alerts.Count > 0)
                {
                    await MarkAlertedAsync(change.ProductId, decision.State.LastAlertTime!.Value);
                }

                return alerts;
            }
        }
    }

    /// <summary>Stores an operational alert (an item that does not fit, say) unless stored before.</summary>
    /// <returns>Whether it was stored now.</returns>
    public async Task<bool> StoreAsync(Alert alert)
    {
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _tables.AlertsTable,
                Item = AlertItem.ToItem(alert),
                ConditionExpression = "attribute_not_exists(alert_id)",
            });
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>
    /// An alert's id: the first 63 bits of SHA-256 over what identifies the alert (for a product change: the product,
    /// its version and time, and the alert type), so every delivery of the same change gives the same id.
    /// </summary>
    public static long IdOf(params string[] parts)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts)), hash);
        return (long)(BinaryPrimitives.ReadUInt64BigEndian(hash) >> 1);
    }

    private static long IdOf(ChangeRecord change, AlertType type) => IdOf(
        change.ProductId.Value, change.Sequence.ToString(CultureInfo.InvariantCulture), Timestamp.FormatSortable(change.ChangedAt), type.ToWire());

    /// <summary>Compares two stream sequence numbers (decimal digits of any length) as numbers.</summary>
    public static int CompareSequences(string a, string b)
    {
        var (x, y) = (a.TrimStart('0'), b.TrimStart('0'));
        return x.Length != y.Length ? x.Length.CompareTo(y.Length) : string.CompareOrdinal(x, y);
    }

    /// <returns>False when another consumer moved the state meanwhile: read it again and decide again.</returns>
    private async Task<bool> TryCommitAsync(ProductId id, AlertState state, string sequence, string? applied, DateTimeOffset? lowStockRead, List<Alert> alerts)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [ProductItem.Id] = new() { S = id.Value },
            [StockoutEpisode] = new() { BOOL = state.StockoutEpisode },
            [AppliedSequence] = new() { S = sequence },
        };
        if (state.LastAlertTime is { } last)
        {
            item[LastAlertTime] = new() { S = Timestamp.FormatSortable(last) };
        }

        if (state.LowStockAlertedAt is { } low)
        {
            item[LowStockAlertedAt] = new() { S = Timestamp.FormatSortable(low) };
        }

        var statePut = new Put { TableName = _tables.AlertStateTable, Item = item };
        if (applied is null)
        {
            statePut.ConditionExpression = "attribute_not_exists(product_id)";
        }
        else
        {
            statePut.ConditionExpression = $"applied_sequence = :applied AND {(lowStockRead is null ? "attribute_not_exists(low_stock_alerted_at)" : "low_stock_alerted_at = :low")}";
            statePut.ExpressionAttributeValues = new() { [":applied"] = new() { S = applied } };
            if (lowStockRead is { } read)
            {
                statePut.ExpressionAttributeValues[":low"] = new() { S = Timestamp.FormatSortable(read) };
            }
        }

        var pending = alerts.ToList();
        while (true)
        {
            try
            {
                await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
                {
                    TransactItems =
                    [
                        new TransactWriteItem { Put = statePut },
                        .. pending.Select(alert => new TransactWriteItem
                        {
                            Put = new Put { TableName = _tables.AlertsTable, Item = AlertItem.ToItem(alert), ConditionExpression = "attribute_not_exists(alert_id)" },
                        }),
                    ],
                });
                return true;
            }
            catch (TransactionCanceledException e)
            {
                var reasons = e.CancellationReasons ?? [];
                if (reasons.Count > 0 && reasons[0].Code == "ConditionalCheckFailed")
                {
                    return false;
                }

                // An alert stored before without its state (a replay after the state was lost): it stays as stored.
                var stored = reasons.Skip(1).Select((reason, i) => (reason, i)).Where(r => r.reason.Code == "ConditionalCheckFailed").Select(r => pending[r.i]).ToList();
                if (stored.Count == 0)
                {
                    throw;
                }

                pending.RemoveAll(stored.Contains);
                alerts.RemoveAll(stored.Contains);
            }
            catch (TransactionConflictException)
            {
                return false;
            }
        }
    }

    private async Task<(AlertState State, string? Applied)> ReadStateAsync(ProductId id)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = _tables.AlertStateTable,
            Key = new() { [ProductItem.Id] = new() { S = id.Value } },
            ConsistentRead = true,
        });
        if (!response.IsItemSet)
        {
            return (AlertState.None, null);
        }

        return ReadState(response.Item);
    }

    /// <summary>An AlertState item as the alert rules' state, and the stream sequence number it has applied.</summary>
    internal static (AlertState State, string? Applied) ReadState(Dictionary<string, AttributeValue> item)
    {
        DateTimeOffset? Time(string name) => item.TryGetValue(name, out var value) && value.S is { } text ? Timestamp.ParseStored(text) : null;
        return (new AlertState(Time(LastAlertTime), Time(LowStockAlertedAt), item.TryGetValue(StockoutEpisode, out var episode) && episode.BOOL == true),
            item.TryGetValue(AppliedSequence, out var applied) ? applied.S : null);
    }

    /// <summary>Moves the product's <c>last_alert_time</c> forward; a product deleted meanwhile is left alone.</summary>
    internal async Task MarkAlertedAsync(ProductId id, DateTimeOffset time)
    {
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _tables.ProductsTable,
                Key = new() { [ProductItem.Id] = new() { S = id.Value } },
                UpdateExpression = "SET #alerted = :time",
                ConditionExpression = "attribute_exists(#id) AND (attribute_not_exists(#alerted) OR #alerted < :time)",
                ExpressionAttributeNames = new() { ["#alerted"] = ProductItem.LastAlertTime, ["#id"] = ProductItem.Id },
                ExpressionAttributeValues = new() { [":time"] = new() { S = Timestamp.FormatSortable(time) } },
            });
        }
        catch (ConditionalCheckFailedException)
        {
        }
    }
}

/// <summary>
/// A product's sales from the Sales table's by-product index, as they were when a change was written: sales recorded
/// after it are left out (<c>recorded_at</c>), so processing a change late or again decides the same thing.
/// </summary>
internal sealed class DynamoSalesHistory(IAmazonDynamoDB dynamo, string table, DateTimeOffset asOf) : ISalesHistory
{
    public long NetUnitsSold(ProductId id, DateTimeOffset from, DateTimeOffset to) => SumAsync(id, from, to).GetAwaiter().GetResult();

    private async Task<long> SumAsync(ProductId id, DateTimeOffset from, DateTimeOffset to)
    {
        long units = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = table,
                IndexName = SaleItem.ByProduct,
                // (from, to]: a tick after from is the first time in the window, as the stored times count ticks.
                KeyConditionExpression = "#product = :product AND #date BETWEEN :from AND :to",
                FilterExpression = "#recorded <= :as_of",
                ExpressionAttributeNames = new() { ["#product"] = SaleItem.ProductId, ["#date"] = SaleItem.Date, ["#recorded"] = SaleItem.RecordedAt, ["#quantity"] = SaleItem.Quantity },
                ExpressionAttributeValues = new()
                {
                    [":product"] = new() { S = id.Value },
                    [":from"] = new() { S = Timestamp.FormatSortable(from.AddTicks(1)) },
                    [":to"] = new() { S = Timestamp.FormatSortable(to) },
                    [":as_of"] = new() { S = Timestamp.FormatSortable(asOf) },
                },
                ProjectionExpression = "#quantity",
                ExclusiveStartKey = start,
            });
            units += (page.Items ?? []).Sum(item => long.Parse(item[SaleItem.Quantity].N, CultureInfo.InvariantCulture));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return units;
    }
}
