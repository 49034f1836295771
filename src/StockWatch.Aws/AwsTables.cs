using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace StockWatch.Aws;

/// <summary>
/// The AWS shape's tables: keys, indexes and streams as deploy/aws/template.yaml declares them. <c>local-setup</c> and
/// the tests create them on the emulator (on demand capacity) from the template itself.
/// </summary>
public static class AwsTables
{
    /// <summary>The tables as the deployed template declares them (<see cref="StackTemplate"/>), named as the settings name them.</summary>
    public static IEnumerable<CreateTableRequest> Definitions(AwsOptions names) => StackTemplate.Deployed.Tables(names);

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
}
