using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Aws;

/// <summary>
/// The inventory store port on DynamoDB. A product write reads the item (strongly consistent), runs the decision and
/// writes conditionally on the version it read; when another writer got there first it reads again and decides again.
/// A sale is one <c>TransactWriteItems</c>: the sale put if absent, and the product updated if its version and stock
/// are still those read. The change record is the table's stream record (NEW_AND_OLD_IMAGES), so it lands with the
/// write by construction. Listing scans the table: fine for an operator's CLI on a shop's catalogue, not for a hot path.
/// </summary>
public sealed partial class DynamoInventoryStore(IAmazonDynamoDB dynamo, IOptions<AwsOptions> options, IOptions<AlertOptions> alertOptions) : IInventoryStore
{
    /// <summary>Attempts of one write before giving up on contention.</summary>
    private const int MaxAttempts = 100;

    private readonly AwsOptions _tables = options.Value;
    private readonly int _defaultThreshold = alertOptions.Value.DefaultLowStockThreshold;

    public Product? FindProduct(ProductId id) => FindProductAsync(id).GetAwaiter().GetResult();

    public IReadOnlyList<Product> ListProducts(ProductQuery query)
    {
        var products = ScanAsync(_tables.ProductsTable).GetAwaiter().GetResult()
            .Select(ProductItem.Read)
            .Where(p => query.Category is null || string.Equals(p.Category, query.Category, StringComparison.OrdinalIgnoreCase))
            .Where(p => !query.LowStockOnly || p.IsLow(_defaultThreshold))
            .Where(p => string.IsNullOrEmpty(query.Search)
                || p.Id.Value.Contains(query.Search, StringComparison.OrdinalIgnoreCase)
                || p.Name.Contains(query.Search, StringComparison.OrdinalIgnoreCase));
        var sorted = Sort(products, query).ToList();
        if (query.After is { } after)
        {
            var index = sorted.FindIndex(p => p.Id == after);
            sorted = index < 0 ? sorted : sorted[(index + 1)..];
        }

        return [.. sorted.Take(query.Limit)];
    }

    public async Task<ProductWrite> WriteProductAsync(ProductId id, ChangeStamp stamp, Func<Product?, Product?> decide)
    {
        for (var attempt = 1; ; attempt++)
        {
            var before = await FindProductAsync(id);
            var after = decide(before);
            if (after is not null && after.Id != id)
            {
                throw new InvalidOperationException($"A write to product {id} decided a state for product {after.Id}.");
            }

            if (after is null && before is null)
            {
                return new ProductWrite(null, null, Changed: false);
            }

            if (after is not null && before is not null && after.SameContentAs(before))
            {
                return new ProductWrite(before, before, Changed: false);
            }

            try
            {
                if (after is null)
                {
                    await dynamo.DeleteItemAsync(new DeleteItemRequest
                    {
                        TableName = _tables.ProductsTable,
                        Key = Key(id),
                        ConditionExpression = "#version = :version",
                        ExpressionAttributeNames = new() { ["#version"] = ProductItem.Version },
                        ExpressionAttributeValues = new() { [":version"] = ProductItem.Number(before!.Version) },
                    });
                    return new ProductWrite(before, null, Changed: true);
                }

                var stored = ProductWrite.Stored(before, after, stamp.Time);
                await dynamo.UpdateItemAsync(Update(before, stored, stamp.Cause));
                return new ProductWrite(before, stored, Changed: true);
            }
            catch (ConditionalCheckFailedException) when (attempt < MaxAttempts)
            {
                // Another writer changed the product since it was read: decide again on its new state.
            }
        }
    }

    public async Task<SaleDecision> RecordSaleAsync(SaleId id, ProductId productId, ChangeStamp stamp, Func<Sale?, Product?, SaleDecision> decide)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existingTask = FindSaleAsync(id);
            var product = await FindProductAsync(productId);
            var decision = decide(await existingTask, product);
            if (decision.Replayed)
            {
                return decision;
            }

            var stored = ProductWrite.Stored(product, decision.ProductAfter!, stamp.Time);
            var update = Update(product, stored, stamp.Cause);
            try
            {
                await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
                {
                    TransactItems =
                    [
                        new TransactWriteItem
                        {
                            Put = new Put
                            {
                                TableName = _tables.SalesTable,
                                Item = SaleItem.ToItem(decision.Sale, stamp.Time),
                                ConditionExpression = "attribute_not_exists(sale_id)",
                            },
                        },
                        new TransactWriteItem
                        {
                            Update = new Amazon.DynamoDBv2.Model.Update
                            {
                                TableName = update.TableName,
                                Key = update.Key,
                                UpdateExpression = update.UpdateExpression,
                                ConditionExpression = $"{update.ConditionExpression} AND #{ProductItem.Stock} = :stock_before",
                                ExpressionAttributeValues = new(update.ExpressionAttributeValues) { [":stock_before"] = ProductItem.Number(product!.Stock) },
                                ExpressionAttributeNames = update.ExpressionAttributeNames,
                            },
                        },
                    ],
                });
                return decision with { ProductAfter = stored };
            }
            catch (TransactionCanceledException) when (attempt < MaxAttempts)
            {
                // The sale was recorded meanwhile (the next attempt returns it) or the product moved on (decided again).
            }
            catch (TransactionConflictException) when (attempt < MaxAttempts)
            {
            }
        }
    }

    public IReadOnlyList<Alert> ListAlerts(AlertQuery query)
    {
        var alerts = ScanAsync(_tables.AlertsTable).GetAwaiter().GetResult()
            .Select(AlertItem.Read)
            .Where(a => query.Since is not { } since || a.Time >= since)
            .Where(a => query.Type is not { } type || a.Type == type)
            .Where(a => query.ProductId is not { } product || a.ProductId == product)
            .Where(a => query.Until is not { } until || a.Time < until)
            .Where(a => query.BeforeId is not { } before || a.Id < before)
            .Where(a => query.Cause is null || a.Cause == query.Cause);
        if (query.AfterId is { } afterId)
        {
            return [.. alerts.Where(a => a.Id > afterId).OrderBy(a => a.Id).Take(query.Limit)];
        }

        // The newest, oldest first, as the SQLite store lists them; ids are not in time order here, times are.
        return [.. alerts.OrderByDescending(a => a.Time).ThenByDescending(a => a.Id).Take(query.Limit).Reverse()];
    }

    private async Task<Product?> FindProductAsync(ProductId id)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = _tables.ProductsTable, Key = Key(id), ConsistentRead = true });
        return response.IsItemSet ? ProductItem.Read(response.Item) : null;
    }

    private async Task<Sale?> FindSaleAsync(SaleId id)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = _tables.SalesTable,
            Key = new() { [SaleItem.Id] = new() { S = id.Value } },
            ConsistentRead = true,
        });
        return response.IsItemSet ? SaleItem.Read(response.Item) : null;
    }

    private async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(string table)
    {
        List<Dictionary<string, AttributeValue>> items = [];
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest { TableName = table, ExclusiveStartKey = start, ConsistentRead = true });
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return items;
    }

    /// <summary>
    /// Sets the catalogue fields, the version and the stamp, leaving <c>last_alert_time</c> (the stream function's) as it
    /// is; conditional on the version read, or on the item being absent for a new product.
    /// </summary>
    internal UpdateItemRequest Update(Product? before, Product stored, string cause)
    {
        var values = new Dictionary<string, AttributeValue>(ProductItem.ToItem(stored with { LastAlertTime = null }, cause)
            .Where(pair => pair.Key != ProductItem.Id)
            .Select(pair => KeyValuePair.Create(":" + pair.Key, pair.Value)));
        // Every name through a placeholder: some of the data dictionary's names may be DynamoDB reserved words.
        var sets = values.Keys.Select(key => $"#{key[1..]} = {key}").ToList();
        var removes = stored.LowStockThreshold is null ? $" REMOVE #{ProductItem.Threshold}" : string.Empty;
        string condition;
        if (before is null)
        {
            condition = $"attribute_not_exists(#{ProductItem.Id})";
        }
        else
        {
            condition = $"#{ProductItem.Version} = :version_before";
            values[":version_before"] = ProductItem.Number(before.Version);
        }

        var expression = $"SET {string.Join(", ", sets)}{removes}";
        var names = Names().Matches(expression + " " + condition).Select(match => match.Value).Distinct()
            .ToDictionary(name => name, name => name[1..]);
        return new UpdateItemRequest
        {
            TableName = _tables.ProductsTable,
            Key = Key(stored.Id),
            UpdateExpression = expression,
            ConditionExpression = condition,
            ExpressionAttributeValues = values,
            ExpressionAttributeNames = names,
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex("#[a-z_]+")]
    private static partial System.Text.RegularExpressions.Regex Names();

    private static Dictionary<string, AttributeValue> Key(ProductId id) => new() { [ProductItem.Id] = new() { S = id.Value } };

    private static IEnumerable<Product> Sort(IEnumerable<Product> products, ProductQuery query)
    {
        Func<Product, object?> key = query.Sort switch
        {
            ProductSort.Name => p => p.Name.ToUpperInvariant(),
            ProductSort.Category => p => p.Category.ToUpperInvariant(),
            ProductSort.Stock => p => p.Stock,
            ProductSort.Price => p => p.Price.Value,
            _ => _ => 0,
        };
        var ordered = query.Descending ? products.OrderByDescending(key) : products.OrderBy(key);
        return query.Descending
            ? ordered.ThenByDescending(p => p.Id.Value, StringComparer.Ordinal)
            : ordered.ThenBy(p => p.Id.Value, StringComparer.Ordinal);
    }
}
