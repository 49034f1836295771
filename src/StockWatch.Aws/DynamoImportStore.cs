using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Sales;

namespace StockWatch.Aws;

/// <summary>
/// The import's store port on DynamoDB, for the core's import pipeline (<see cref="ImportFile"/>). DynamoDB has no
/// transaction the size of a file, so each row is its own write, as the Products stream must see it: a product write
/// conditional on the version read, and a sale together with the product write it moves (one <c>TransactWriteItems</c>:
/// the sale put if absent, the product updated if its version is the one read). An interrupted import is made whole by
/// importing again: sales are recorded once by id and a product state already stored writes nothing. A product another
/// writer changed meanwhile stops the import (<see cref="StockWatchException"/>, a conflict), to be run again. A dry run
/// reads the tables and writes nothing. The import is recorded in the <c>Imports</c> table when done.
/// </summary>
public sealed class DynamoImportStore(IAmazonDynamoDB dynamo, DynamoInventoryStore products, IOptions<AwsOptions> options) : IImportStore
{
    public const string Id = "import_id";

    private readonly AwsOptions _tables = options.Value;
    private readonly IAmazonDynamoDB _dynamo = dynamo;
    private readonly DynamoInventoryStore _products = products;

    public Task<T> ImportAsync<T>(ChangeStamp stamp, bool dryRun, Func<IImportSession, T> work) =>
        Task.Run(() =>
        {
            var session = new Session(this, stamp, dryRun);
            var result = work(session);
            session.Flush();
            return result;
        });

    private sealed class Session(DynamoImportStore store, ChangeStamp stamp, bool dryRun) : IImportSession
    {
        private readonly Dictionary<ProductId, Product> _written = [];
        private readonly Dictionary<SaleId, Sale> _sales = [];
        private Sale? _pending;

        private IAmazonDynamoDB Dynamo => store._dynamo;

        private AwsOptions Tables => store._tables;

        public Product? FindProduct(ProductId id) =>
            _written.TryGetValue(id, out var written) ? written : Get(Tables.ProductsTable, ProductItem.Id, id.Value) is { } item ? ProductItem.Read(item) : null;

        public Dictionary<ProductId, Product> FindProducts(IReadOnlyList<ProductId> ids)
        {
            Dictionary<ProductId, Product> found = [];
            foreach (var chunk in ids.Distinct().Where(id => !_written.ContainsKey(id)).Chunk(100))
            {
                var keys = chunk.Select(id => new Dictionary<string, AttributeValue> { [ProductItem.Id] = new() { S = id.Value } }).ToList();
                while (keys.Count > 0)
                {
                    var response = Dynamo.BatchGetItemAsync(new BatchGetItemRequest
                    {
                        RequestItems = new() { [Tables.ProductsTable] = new KeysAndAttributes { Keys = keys, ConsistentRead = true } },
                    }).GetAwaiter().GetResult();
                    foreach (var item in response.Responses?.GetValueOrDefault(Tables.ProductsTable) ?? [])
                    {
                        var product = ProductItem.Read(item);
                        found[product.Id] = product;
                    }

                    keys = response.UnprocessedKeys?.GetValueOrDefault(Tables.ProductsTable)?.Keys ?? [];
                }
            }

            foreach (var id in ids)
            {
                if (_written.TryGetValue(id, out var written))
                {
                    found[id] = written;
                }
            }

            return found;
        }

        public Product WriteProduct(Product? before, Product after)
        {
            var stored = ProductWrite.Stored(before, after, stamp.Time);
            var update = store._products.Update(before, stored, stamp.Cause);
            var sale = _pending is { } pending && pending.ProductId == after.Id ? pending : null;
            if (sale is null)
            {
                Flush();
            }

            _pending = null;
            if (!dryRun)
            {
                try
                {
                    if (sale is null)
                    {
                        Dynamo.UpdateItemAsync(update).GetAwaiter().GetResult();
                    }
                    else
                    {
                        Dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
                        {
                            TransactItems =
                            [
                                new() { Put = SalePut(sale) },
                                new()
                                {
                                    Update = new Update
                                    {
                                        TableName = update.TableName, Key = update.Key, UpdateExpression = update.UpdateExpression,
                                        ConditionExpression = update.ConditionExpression, ExpressionAttributeNames = update.ExpressionAttributeNames,
                                        ExpressionAttributeValues = update.ExpressionAttributeValues,
                                    },
                                },
                            ],
                        }).GetAwaiter().GetResult();
                    }
                }
                catch (Exception e) when (e is ConditionalCheckFailedException or TransactionCanceledException)
                {
                    throw StockWatchException.Conflict($"Product {after.Id} or sale {sale?.Id.Value ?? "-"} changed while the import ran; import the file again.");
                }
            }

            _written[stored.Id] = stored;
            return stored;
        }

        public Sale? FindSale(SaleId id)
        {
            if (_sales.TryGetValue(id, out var sale))
            {
                return sale;
            }

            return Get(Tables.SalesTable, SaleItem.Id, id.Value) is { } item ? SaleItem.Read(item) : null;
        }

        public bool HasSalesNamed(string prefix)
        {
            Dictionary<string, AttributeValue>? from = null;
            do
            {
                var page = Dynamo.ScanAsync(new ScanRequest
                {
                    TableName = Tables.SalesTable,
                    FilterExpression = "begins_with(#id, :prefix)",
                    ExpressionAttributeNames = new() { ["#id"] = SaleItem.Id },
                    ExpressionAttributeValues = new() { [":prefix"] = new() { S = prefix } },
                    ProjectionExpression = "#id",
                    ExclusiveStartKey = from,
                }).GetAwaiter().GetResult();
                if (page.Items is { Count: > 0 })
                {
                    return true;
                }

                from = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (from is not null);
            return false;
        }

        /// <summary>Held until the product write it moves, so the two land in one transaction; alone when no write follows.</summary>
        public bool TryInsertSale(Sale sale)
        {
            if (FindSale(sale.Id) is not null)
            {
                return false;
            }

            Flush();
            _sales[sale.Id] = sale;
            _pending = sale;
            return true;
        }

        public void RecordDone(string importId, string source, Core.Imports.ImportSummary summary, DateTimeOffset at)
        {
            Flush();
            if (dryRun)
            {
                return;
            }

            Dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = Tables.ImportsTable,
                Item = new()
                {
                    [Id] = new() { S = importId },
                    ["status"] = new() { S = "done" },
                    ["source"] = new() { S = source },
                    ["done_at"] = new() { S = Timestamp.FormatSortable(at) },
                    ["summary"] = new() { S = JsonSerializer.Serialize(summary, Core.Imports.ImportSummary.Json) },
                },
            }).GetAwaiter().GetResult();
        }

        /// <summary>Writes a held sale that no product write took (history only: <c>--stock ignore</c>).</summary>
        public void Flush()
        {
            if (_pending is not { } sale)
            {
                return;
            }

            _pending = null;
            if (!dryRun)
            {
                try
                {
                    Dynamo.PutItemAsync(new PutItemRequest { TableName = SalePut(sale).TableName, Item = SalePut(sale).Item, ConditionExpression = SalePut(sale).ConditionExpression })
                        .GetAwaiter().GetResult();
                }
                catch (ConditionalCheckFailedException)
                {
                    // Recorded by an earlier run of this import: once is enough.
                }
            }
        }

        private Put SalePut(Sale sale) => new()
        {
            TableName = Tables.SalesTable,
            Item = SaleItem.ToItem(sale, stamp.Time),
            ConditionExpression = "attribute_not_exists(sale_id)",
        };

        private Dictionary<string, AttributeValue>? Get(string table, string key, string value)
        {
            var response = Dynamo.GetItemAsync(new GetItemRequest { TableName = table, Key = new() { [key] = new() { S = value } }, ConsistentRead = true })
                .GetAwaiter().GetResult();
            return response.IsItemSet ? response.Item : null;
        }
    }
}
