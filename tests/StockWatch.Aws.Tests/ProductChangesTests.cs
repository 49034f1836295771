using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;
using StockWatch.Lambda;
using StockWatch.Lambda.Local;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary>The ProductChanges function on DynamoDB Local's Products stream, delivered by the event source mapping harness.</summary>
public sealed class ProductChangesTests
{
    /// <summary>A run of writes that raises every kind of product alert, with the clock moving between them.</summary>
    private static async Task PlayAsync(SetProduct set, MoveStock move, DeleteProduct delete, RecordSale sell, Microsoft.Extensions.Time.Testing.FakeTimeProvider time)
    {
        var a = ProductId.Parse("85123A");
        var b = ProductId.Parse("BANK CHARGES");
        await set.HandleAsync(new SetProductRequest(a) { Name = "WHITE HANGING HEART", Stock = 50, LowStockThreshold = 10, Price = Money.From(2.55m, "p") }, "cli");
        time.Advance(TimeSpan.FromMinutes(1));
        await set.HandleAsync(new SetProductRequest(b) { Name = "Bank charges", Stock = 10, Price = Money.From(15m, "p"), Category = "Fees" }, "cli");
        time.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 4; i++)
        {
            await sell.HandleAsync(new SaleRequest(SaleId.Parse($"s-{i}"), a, 10));
            time.Advance(TimeSpan.FromHours(1));
        }

        await set.HandleAsync(new SetProductRequest(a) { Price = Money.From(2.95m, "p"), Name = "WHITE HEART HOLDER", Category = "Home" }, "cli");
        time.Advance(TimeSpan.FromMinutes(1));
        await move.HandleAsync(b, StockMovement.To(0, "count"));
        time.Advance(TimeSpan.FromMinutes(1));
        await move.HandleAsync(b, StockMovement.By(30, "delivery"));
        time.Advance(TimeSpan.FromHours(25));
        await sell.HandleAsync(new SaleRequest(SaleId.Parse("s-late"), a, 1));
        time.Advance(TimeSpan.FromMinutes(1));
        await delete.HandleAsync(b, null, "cli");
    }

    private static List<string> Fingerprints(IEnumerable<Alert> alerts) =>
        [.. alerts.Select(a => $"{a.ProductId} {a.Type.ToWire()} {JsonSerializer.Serialize(a.Details)} {a.Category}").Order(StringComparer.Ordinal)];

    [Fact]
    public async Task AlertRuleScenario_SameAlertsAsTheEmbeddedShape()
    {
        using var sqlite = new TestStore();
        await PlayAsync(sqlite.SetProduct, sqlite.MoveStock, sqlite.DeleteProduct, sqlite.RecordSale, sqlite.Time);
        var embedded = await sqlite.Processor.DrainAsync(CancellationToken.None);
        await using var aws = await AwsStack.CreateAsync();
        await PlayAsync(aws.SetProduct, aws.MoveStock, aws.DeleteProduct, aws.RecordSale, aws.Time);

        var mappings = await aws.MappingsAsync();
        await mappings[0].DrainAsync(TestContext.Current.CancellationToken);

        var stored = await aws.AlertsAsync();
        Fingerprints(stored).Should().Equal(Fingerprints(embedded));
        stored.Select(a => a.Type).Distinct().Should().BeEquivalentTo(
        [
            AlertType.ProductAdded, AlertType.LowStock, AlertType.OutOfStock, AlertType.BackInStock, AlertType.PriceChanged,
            AlertType.NameChanged, AlertType.CategoryChanged, AlertType.ProductRemoved, AlertType.StockoutPredicted,
        ]);
        stored.Should().Contain(a => a.Type == AlertType.LowStock && a.Details.Reminder);
    }

    [Fact]
    public async Task Replay_WholeShardFromTrimHorizon_StoresNothingTwice()
    {
        await using var aws = await AwsStack.CreateAsync();
        await PlayAsync(aws.SetProduct, aws.MoveStock, aws.DeleteProduct, aws.RecordSale, aws.Time);
        await (await aws.MappingsAsync())[0].DrainAsync(TestContext.Current.CancellationToken);
        var first = await aws.AlertsAsync();

        var replay = (await aws.MappingsAsync())[0];
        var replayed = await replay.DrainAsync(TestContext.Current.CancellationToken);

        replayed.Should().BeGreaterThan(first.Count);
        (await aws.AlertsAsync()).Should().BeEquivalentTo(first);
    }

    [Fact]
    public async Task LastAlertTime_WrittenOnTheProduct_NeverRetriggersTheRules()
    {
        await using var aws = await AwsStack.CreateAsync();
        aws.Create("A1", stock: 5);
        var mapping = (await aws.MappingsAsync())[0];

        var records = await mapping.DrainAsync(TestContext.Current.CancellationToken);

        records.Should().Be(2, "the write of last_alert_time is a stream record too, recognised as bookkeeping");
        (await aws.AlertsAsync()).Select(a => a.Type).Should().BeEquivalentTo([AlertType.ProductAdded, AlertType.LowStock]);
        var product = aws.Store.FindProduct(ProductId.Parse("A1"))!;
        product.LastAlertTime.Should().Be(Builders.T0);
        product.Version.Should().Be(1);
    }

    [Fact]
    public async Task FailedInvocation_RetriedAndItsAlertsStoredOnce()
    {
        await using var aws = await AwsStack.CreateAsync();
        aws.Create("A1", stock: 5);
        aws.Create("B2", stock: 50);
        var real = aws.ProductChangesHandler;
        var calls = 0;
        var mapping = await aws.ProductsMappingAsync(async input =>
        {
            // The function did its work, then the invocation failed (a timeout, say): the whole batch comes again.
            var response = await real(input);
            return ++calls == 1 ? throw new TimeoutException("Task timed out after 30.00 seconds") : response;
        }, new MappingOptions());

        await mapping.DrainAsync(TestContext.Current.CancellationToken);

        mapping.Invocations.Should().BeGreaterThanOrEqualTo(2);
        (await aws.AlertsAsync()).Select(a => $"{a.ProductId} {a.Type.ToWire()}").Should().BeEquivalentTo(["A1 PRODUCT_ADDED", "A1 LOW_STOCK", "B2 PRODUCT_ADDED"]);
    }

    [Fact]
    public async Task PartialBatchFailure_ResumesAtTheFailedRecord()
    {
        await using var aws = await AwsStack.CreateAsync();
        aws.Create("A1");
        aws.Create("B2");
        aws.Create("C3");
        var real = aws.ProductChangesHandler;
        var firsts = new List<string>();
        var failedOnce = false;
        var mapping = await aws.ProductsMappingAsync(async input =>
        {
            var records = JsonNode.Parse(input)!["Records"]!.AsArray();
            firsts.Add((string)records[0]!["dynamodb"]!["Keys"]!["product_id"]!["S"]!);
            if (!failedOnce && records.Count == 3)
            {
                failedOnce = true;
                // Only the first record is handed on; the second is reported failed, as the function does at its first failure.
                var first = new JsonObject { ["Records"] = new JsonArray(records[0]!.DeepClone()) };
                await real(new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(first)));
                return new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new JsonObject
                {
                    ["batchItemFailures"] = new JsonArray(new JsonObject { ["itemIdentifier"] = (string)records[1]!["dynamodb"]!["SequenceNumber"]! }),
                }));
            }

            return await real(new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["Records"] = records.DeepClone() })));
        }, new MappingOptions());

        await mapping.DrainAsync(TestContext.Current.CancellationToken);

        firsts.Should().StartWith(["A1", "B2"], "reading resumes at the failed record");
        (await aws.AlertsAsync()).Select(a => a.ProductId.Value).Should().BeEquivalentTo(["A1", "B2", "C3"]);
    }

    [Fact]
    public async Task RecordThatAlwaysFails_GoesToTheOnFailureQueue_AndTheShardMovesOn()
    {
        await using var aws = await AwsStack.CreateAsync();
        var queue = (await aws.Sqs.CreateQueueAsync($"on-failure-{Guid.NewGuid():N}", TestContext.Current.CancellationToken)).QueueUrl;
        aws.Create("POISON");
        aws.Create("GOOD");
        var real = aws.ProductChangesHandler;
        var mapping = await aws.ProductsMappingAsync(async input =>
        {
            var records = JsonNode.Parse(input)!["Records"]!.AsArray();
            var poison = records.FirstOrDefault(r => (string?)r!["dynamodb"]!["Keys"]!["product_id"]!["S"] == "POISON");
            return poison is not null
                ? new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new JsonObject
                {
                    ["batchItemFailures"] = new JsonArray(new JsonObject { ["itemIdentifier"] = (string)poison["dynamodb"]!["SequenceNumber"]! }),
                }))
                : await real(new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["Records"] = records.DeepClone() })));
        }, new MappingOptions(BatchSize: 1, MaximumRetryAttempts: 2, OnFailureQueueUrl: queue));

        await mapping.DrainAsync(TestContext.Current.CancellationToken);

        (await aws.AlertsAsync()).Select(a => $"{a.ProductId} {a.Type.ToWire()}").Should().Equal("GOOD PRODUCT_ADDED");
        var received = await aws.Sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = queue, MaxNumberOfMessages = 10 }, TestContext.Current.CancellationToken);
        var record = JsonNode.Parse(received.Messages.Should().ContainSingle().Which.Body)!;
        record["requestContext"]!["condition"]!.GetValue<string>().Should().Be("RetryAttemptsExhausted");
        record["requestContext"]!["approximateInvokeCount"]!.GetValue<int>().Should().Be(3);
        record["DDBStreamBatchInfo"]!["batchSize"]!.GetValue<int>().Should().Be(1);
        record["DDBStreamBatchInfo"]!["streamArn"]!.GetValue<string>().Should().Contain(aws.Names.ProductsTable);
    }

    [Theory]
    [InlineData("stock_count", "{\"S\": \"many\"}")]
    [InlineData("colour", "{\"S\": \"red\"}")]
    [InlineData("product_price", "{\"N\": \"-1\"}")]
    public async Task ItemThatDoesNotFit_RaisesInvalidItemNamingTheField_AndTheStreamMovesOn(string field, string value)
    {
        await using var aws = await AwsStack.CreateAsync();
        var item = ProductItem.ToItem(Builders.Product("HAND-1"), "console");
        item[field] = JsonSerializer.Deserialize<Dictionary<string, string>>(value)! switch
        {
            var v when v.TryGetValue("S", out var s) => new AttributeValue { S = s },
            var v => new AttributeValue { N = v["N"] },
        };
        await aws.Dynamo.PutItemAsync(aws.Names.ProductsTable, item, TestContext.Current.CancellationToken);
        aws.Create("GOOD");

        var mapping = (await aws.MappingsAsync())[0];
        await mapping.DrainAsync(TestContext.Current.CancellationToken);

        var alerts = await aws.AlertsAsync();
        alerts.Should().Contain(a => a.ProductId.Value == "GOOD" && a.Type == AlertType.ProductAdded);
        var invalid = alerts.Should().ContainSingle(a => a.Type == AlertType.InvalidItem).Which;
        invalid.ProductId.Value.Should().Be("HAND-1");
        invalid.Details.OldValue.Should().Be(field);
        invalid.Describe().Should().Contain(field);
    }

    [Fact]
    public async Task AwsSampleEvents_ThroughTheFunction_RaiseInvalidItemsAndFailNothing()
    {
        await using var aws = await AwsStack.CreateAsync();
        var handler = aws.ProductChangesHandler;

        await using var response = await handler(File.OpenRead(RealData.PathOf("aws-events/aws-docs/ddb-tutorial-input_insert-modify-remove.json")));

        JsonNode.Parse(response)!["batchItemFailures"]!.AsArray().Should().BeEmpty();
        (await aws.AlertsAsync()).Should().HaveCount(3).And.OnlyContain(a => a.Type == AlertType.InvalidItem);
    }
}
