using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;

namespace StockWatch.Aws;

/// <summary>
/// The reminder sweep's reads and writes on the AWS shape's tables. <see cref="LowSince"/> scans the Products table
/// with a filter (counted products at or below their threshold: one read of the whole table an hour, which the
/// catalogue's size allows at this scale; an index on "low" would have to be kept by every stock write), reads their
/// alert state in batches of 100 (consistent reads) and each one's units sold as the stream function reads a
/// product's sales rate (the Sales table's <c>by_product</c> index, sales dated in (windowStart, now] and recorded by now).
/// <see cref="StoreRemindersAsync"/> stores each reminder in its own <c>TransactWriteItems</c>: the AlertState item's
/// <c>low_stock_alerted_at</c> and <c>last_alert_time</c> moved to the reminder's time, on condition that
/// <c>low_stock_alerted_at</c> is still the time read (a change that alerted meanwhile wins), and the alert put if
/// absent, its id following from the product, the sweep's time and the type (the same sweep twice stores it once).
/// Then <c>last_alert_time</c> goes on the product, as the stream function's alerts do.
/// </summary>
public sealed class DynamoReminderStore(IAmazonDynamoDB dynamo, DynamoAlertStore alerts, IOptions<AwsOptions> options) : IReminderStore
{
    /// <summary>BatchGetItem's most keys per request.</summary>
    private const int BatchSize = 100;

    private readonly AwsOptions _tables = options.Value;

    public IReadOnlyList<LowProduct> LowSince(int defaultThreshold, DateTimeOffset alertedBy, DateTimeOffset windowStart, DateTimeOffset now) =>
        LowSinceAsync(defaultThreshold, alertedBy, windowStart, now).GetAwaiter().GetResult();

    public async Task<IReadOnlyList<Alert>> StoreRemindersAsync(IReadOnlyList<(NewAlert Reminder, LowProduct Product)> reminders, string cause)
    {
        List<Alert> stored = [];
        foreach (var (reminder, product) in reminders)
        {
            var time = Timestamp.FormatSortable(reminder.Time);
            var alert = new Alert(IdOf(reminder), reminder.ProductId, reminder.Type, reminder.Time, reminder.Details) { Cause = cause, Category = product.Category };
            try
            {
                await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
                {
                    TransactItems =
                    [
                        new TransactWriteItem
                        {
                            Update = new Update
                            {
                                TableName = _tables.AlertStateTable,
                                Key = new() { [ProductItem.Id] = new() { S = product.ProductId.Value } },
                                UpdateExpression = "SET #low = :time, #last = :time",
                                ConditionExpression = "#low = :seen",
                                ExpressionAttributeNames = new() { ["#low"] = DynamoAlertStore.LowStockAlertedAt, ["#last"] = DynamoAlertStore.LastAlertTime },
                                ExpressionAttributeValues = new()
                                {
                                    [":time"] = new() { S = time },
                                    [":seen"] = new() { S = Timestamp.FormatSortable(product.LowStockAlertedAt) },
                                },
                            },
                        },
                        new TransactWriteItem
                        {
                            Put = new Put { TableName = _tables.AlertsTable, Item = AlertItem.ToItem(alert), ConditionExpression = "attribute_not_exists(alert_id)" },
                        },
                    ],
                });
            }
            catch (TransactionCanceledException e) when ((e.CancellationReasons ?? []).Any(reason => reason.Code == "ConditionalCheckFailed"))
            {
                // The product alerted since it was read (a change, or this sweep before): the reminder is not due.
                continue;
            }
            catch (TransactionConflictException)
            {
                // A change is being written to the same state: it decides; the next sweep reads again.
                continue;
            }

            await alerts.MarkAlertedAsync(product.ProductId, reminder.Time);
            stored.Add(alert);
        }

        return stored;
    }

    /// <summary>A reminder's id: the product, the sweep's time and the type, so storing the same sweep again finds it stored.</summary>
    public static long IdOf(NewAlert reminder) =>
        DynamoAlertStore.IdOf(reminder.ProductId.Value, ReminderSweep.Cause, Timestamp.FormatSortable(reminder.Time), reminder.Type.ToWire());

    /// <summary>
    /// Every reminder the sweep at <paramref name="time"/> stored, by this attempt or by one before it that failed
    /// before its digest was sent (Lambda runs a failed scheduled event again): the low products whose
    /// <c>low_stock_alerted_at</c> is that time, their reminders read by id. A product no longer low, or alerted by a
    /// change since, is left out: it has nothing to be reminded of, or its own alert. One more scan of Products.
    /// </summary>
    public async Task<IReadOnlyList<Alert>> OfSweepAsync(int defaultThreshold, DateTimeOffset time)
    {
        var low = await LowProductsAsync(defaultThreshold);
        var alerted = await LowStockAlertedAtAsync(low.Select(p => p.Id));
        var ids = low.Where(p => alerted.TryGetValue(p.Id.Value, out var at) && at == time)
            .Select(p => IdOf(new NewAlert(p.Id, AlertType.LowStock, time, new AlertDetails())));
        var reminders = await BatchGetAsync(_tables.AlertsTable, ids.Select(id => new Dictionary<string, AttributeValue> { [AlertItem.Id] = ProductItem.Number(id) }));
        return [.. reminders.Select(AlertItem.Read).OrderBy(a => a.ProductId.Value, StringComparer.Ordinal)];
    }

    private async Task<IReadOnlyList<LowProduct>> LowSinceAsync(int defaultThreshold, DateTimeOffset alertedBy, DateTimeOffset windowStart, DateTimeOffset now)
    {
        var low = await LowProductsAsync(defaultThreshold);
        var alerted = await LowStockAlertedAtAsync(low.Select(p => p.Id));
        var sales = new DynamoSalesHistory(dynamo, _tables.SalesTable, now);
        return [.. low
            .Where(p => alerted.TryGetValue(p.Id.Value, out var at) && at <= alertedBy)
            .OrderBy(p => p.Id.Value, StringComparer.Ordinal)
            .Select(p => new LowProduct(p.Id, p.Category, p.Stock, p.Threshold, sales.NetUnitsSold(p.Id, windowStart, now), alerted[p.Id.Value]))];
    }

    /// <summary>Counted products at or below their threshold (their own, else <paramref name="defaultThreshold"/>): a filtered scan of Products.</summary>
    private async Task<List<(ProductId Id, string? Category, int Stock, int Threshold)>> LowProductsAsync(int defaultThreshold)
    {
        List<(ProductId Id, string? Category, int Stock, int Threshold)> low = [];
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest
            {
                TableName = _tables.ProductsTable,
                FilterExpression = "(attribute_not_exists(#counted) OR #counted = :one) AND "
                    + "((attribute_exists(#threshold) AND #stock <= #threshold) OR (attribute_not_exists(#threshold) AND #stock <= :default))",
                ProjectionExpression = "#id, #category, #stock, #threshold",
                ExpressionAttributeNames = new()
                {
                    ["#id"] = ProductItem.Id, ["#category"] = ProductItem.Category, ["#stock"] = ProductItem.Stock,
                    ["#threshold"] = ProductItem.Threshold, ["#counted"] = ProductItem.StockCounted,
                },
                ExpressionAttributeValues = new() { [":one"] = ProductItem.Number(1), [":default"] = ProductItem.Number(defaultThreshold) },
                ExclusiveStartKey = start,
            });
            foreach (var item in page.Items ?? [])
            {
                var values = item.ToDictionary(pair => pair.Key, pair => DynamoValue.From(pair.Value));
                low.Add((ProductId.Parse(ProductItem.RequireString(values, ProductItem.Id)),
                    values.ContainsKey(ProductItem.Category) ? ProductItem.RequireString(values, ProductItem.Category) : null,
                    (int)ProductItem.RequireNumber(values, ProductItem.Stock, int.MaxValue),
                    values.ContainsKey(ProductItem.Threshold) ? (int)ProductItem.RequireNumber(values, ProductItem.Threshold, int.MaxValue) : defaultThreshold));
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return low;
    }

    /// <summary>The products' <c>low_stock_alerted_at</c> from their AlertState items (consistent reads), by product id; products without one are left out.</summary>
    private async Task<Dictionary<string, DateTimeOffset>> LowStockAlertedAtAsync(IEnumerable<ProductId> products)
    {
        Dictionary<string, DateTimeOffset> alerted = new(StringComparer.Ordinal);
        foreach (var item in await BatchGetAsync(_tables.AlertStateTable, products.Select(id => new Dictionary<string, AttributeValue> { [ProductItem.Id] = new() { S = id.Value } })))
        {
            if (DynamoAlertStore.ReadState(item).State.LowStockAlertedAt is { } at)
            {
                alerted[item[ProductItem.Id].S] = at;
            }
        }

        return alerted;
    }

    /// <summary>The items of <paramref name="table"/> with these keys (consistent reads, <see cref="BatchSize"/> a request, unprocessed keys asked again); missing ones are left out.</summary>
    private async Task<List<Dictionary<string, AttributeValue>>> BatchGetAsync(string table, IEnumerable<Dictionary<string, AttributeValue>> keys)
    {
        List<Dictionary<string, AttributeValue>> items = [];
        foreach (var chunk in keys.Chunk(BatchSize))
        {
            var request = new KeysAndAttributes { Keys = [.. chunk], ConsistentRead = true };
            while (request is { Keys.Count: > 0 })
            {
                var response = await dynamo.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = new() { [table] = request } });
                items.AddRange(response.Responses?.GetValueOrDefault(table) ?? []);
                request = response.UnprocessedKeys?.GetValueOrDefault(table);
            }
        }

        return items;
    }
}
