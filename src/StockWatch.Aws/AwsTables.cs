using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace StockWatch.Aws;

/// <summary>
/// The AWS shape's tables: keys, indexes and streams. <c>local-setup</c> and the tests create them on the emulator
/// (on demand capacity); the deployed template declares the same.
/// </summary>
public static class AwsTables
{
    public static IEnumerable<CreateTableRequest> Definitions(AwsOptions names) =>
    [
        Table(names.ProductsTable, ProductItem.Id, StreamViewType.NEW_AND_OLD_IMAGES),
        Sales(names.SalesTable),
        Table(names.AlertsTable, AlertItem.Id, StreamViewType.NEW_IMAGE, ScalarAttributeType.N),
        Table(names.AlertStateTable, ProductItem.Id, null),
        Table(names.ReportsTable, "report_id", null),
        Table(names.ImportsTable, DynamoImportStore.Id, null),
    ];

    private static CreateTableRequest Sales(string name)
    {
        var table = Table(name, SaleItem.Id, null);
        table.AttributeDefinitions =
            [
                new(SaleItem.Id, ScalarAttributeType.S), new(SaleItem.ProductId, ScalarAttributeType.S),
                new(SaleItem.Date, ScalarAttributeType.S), new(SaleItem.Day, ScalarAttributeType.S),
            ];
        table.GlobalSecondaryIndexes =
            [
                Index(SaleItem.ByProduct, SaleItem.ProductId, SaleItem.Date, new Projection
                {
                    ProjectionType = ProjectionType.INCLUDE,
                    NonKeyAttributes = [SaleItem.Quantity, SaleItem.RecordedAt],
                }),
                Index(SaleItem.ByDay, SaleItem.Day, SaleItem.Date, new Projection { ProjectionType = ProjectionType.ALL }),
            ];
        return table;
    }

    /// <summary>Creates the tables that do not exist yet and waits until every one is active.</summary>
    /// <returns>The names of the tables created now.</returns>
    public static async Task<IReadOnlyList<string>> CreateAsync(IAmazonDynamoDB dynamo, AwsOptions names, TimeProvider time, CancellationToken cancellationToken = default)
    {
        List<string> created = [];
        foreach (var table in Definitions(names))
        {
            try
            {
                await dynamo.CreateTableAsync(table, cancellationToken);
                created.Add(table.TableName);
            }
            catch (ResourceInUseException)
            {
            }
        }

        var deadline = time.GetUtcNow() + TimeSpan.FromMinutes(2);
        foreach (var table in Definitions(names))
        {
            while ((await dynamo.DescribeTableAsync(table.TableName, cancellationToken)).Table.TableStatus != TableStatus.ACTIVE)
            {
                if (time.GetUtcNow() > deadline)
                {
                    throw new TimeoutException($"Table {table.TableName} did not become active within 2 minutes.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
            }
        }

        return created;
    }

    /// <summary>The ARN of a table's latest stream.</summary>
    public static async Task<string> StreamArnAsync(IAmazonDynamoDB dynamo, string table, CancellationToken cancellationToken = default) =>
        (await dynamo.DescribeTableAsync(table, cancellationToken)).Table.LatestStreamArn
            ?? throw new InvalidOperationException($"Table {table} has no stream.");

    private static CreateTableRequest Table(string name, string key, StreamViewType? stream, ScalarAttributeType? keyType = null) => new()
    {
        TableName = name,
        KeySchema = [new KeySchemaElement(key, KeyType.HASH)],
        AttributeDefinitions = [new AttributeDefinition(key, keyType ?? ScalarAttributeType.S)],
        BillingMode = BillingMode.PAY_PER_REQUEST,
        StreamSpecification = stream is null ? null : new StreamSpecification { StreamEnabled = true, StreamViewType = stream },
    };

    private static GlobalSecondaryIndex Index(string name, string hash, string range, Projection projection) => new()
    {
        IndexName = name,
        KeySchema = [new KeySchemaElement(hash, KeyType.HASH), new KeySchemaElement(range, KeyType.RANGE)],
        Projection = projection,
    };
}
