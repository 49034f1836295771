using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using StockWatch.Lambda;
using StockWatch.Lambda.Local;

namespace StockWatch.Aws.Tests;

/// <summary>The emulators' resources are made from deploy/aws/template.yaml itself, so the tests run on what is deployed.</summary>
public sealed class StackTemplateTests
{
    [Fact]
    public async Task TheTables_AreMadeAsTheTemplateDeclaresThem_KeysIndexesAndStreamViews()
    {
        await using var aws = await AwsStack.CreateAsync();
        var cancel = TestContext.Current.CancellationToken;

        var alerts = (await aws.Dynamo.DescribeTableAsync(aws.Names.AlertsTable, cancel)).Table;
        var products = (await aws.Dynamo.DescribeTableAsync(aws.Names.ProductsTable, cancel)).Table;
        var sales = (await aws.Dynamo.DescribeTableAsync(aws.Names.SalesTable, cancel)).Table;
        var imports = (await aws.Dynamo.DescribeTableAsync(aws.Names.ImportsTable, cancel)).Table;

        alerts.StreamSpecification.StreamViewType.Should().Be(StreamViewType.NEW_AND_OLD_IMAGES);
        alerts.AttributeDefinitions.Single().AttributeType.Should().Be(ScalarAttributeType.N);
        products.StreamSpecification.StreamViewType.Should().Be(StreamViewType.NEW_AND_OLD_IMAGES);
        sales.GlobalSecondaryIndexes.Select(i => $"{i.IndexName} {string.Join("+", i.KeySchema.Select(k => k.AttributeName))} {i.Projection.ProjectionType}")
            .Should().BeEquivalentTo(["by_product product_id+sale_date INCLUDE", "by_day sale_day+sale_date ALL"]);
        sales.GlobalSecondaryIndexes.Single(i => i.IndexName == "by_product").Projection.NonKeyAttributes.Should().BeEquivalentTo(["quantity", "recorded_at"]);
        imports.KeySchema.Single().AttributeName.Should().Be("import_id");
        imports.StreamSpecification?.StreamEnabled.Should().NotBe(true);
    }

    [Fact]
    public async Task TheImportQueue_HasTheTemplatesVisibilityAndRedrive_AndTheMappingsItsSettings()
    {
        using var sqs = new Amazon.SQS.AmazonSQSClient();
        var cancel = TestContext.Current.CancellationToken;

        var url = await LocalCommands.EnsureQueueAsync(sqs, LocalCommands.ImportMapping.Source, cancel);
        var attributes = await sqs.GetQueueAttributesAsync(url, ["VisibilityTimeout", "RedrivePolicy"], cancel);

        attributes.VisibilityTimeout.Should().Be(1800);
        var redrive = JsonNode.Parse(attributes.Attributes["RedrivePolicy"])!;
        ((string)redrive["deadLetterTargetArn"]!).Should().EndWith(":ImportDeadLetterQueue");
        redrive["maxReceiveCount"]!.ToString().Should().Be("3");
        LocalCommands.ImportMapping.BatchSize.Should().Be(1);
        var mappings = StackTemplate.Deployed.Mappings.Where(m => m.Type == "DynamoDB").ToDictionary(m => m.Function);
        MappingOptions.From(mappings[nameof(ProductChanges)], TimeSpan.Zero, null).Should().Be(
            new MappingOptions(100, 5, TimeSpan.Zero, null, TimeSpan.FromDays(1), BisectBatchOnFunctionError: true));
        var alertCreated = MappingOptions.From(mappings[nameof(AlertCreated)], TimeSpan.Zero, null);
        alertCreated.EventNames.Should().Equal("INSERT");
        mappings.Values.Should().AllSatisfy(m => m.ReportBatchItemFailures.Should().BeTrue());
    }

    [Fact]
    public async Task APoisonRecord_GoesToTheOnFailureQueue_AndTheMetricItsAlarmWatchesHoldsTheCondition()
    {
        await using var aws = await AwsStack.CreateAsync();
        var cancel = TestContext.Current.CancellationToken;
        aws.Create("POISON");
        aws.Create("GOOD");
        var mapping = (await aws.MappingsAsync())[0];
        var declared = StackTemplate.Deployed.Mappings.Single(m => m.Function == nameof(ProductChanges));
        var onFailure = await LocalCommands.EnsureQueueAsync(aws.Sqs, declared.OnFailureQueue!, cancel);
        var real = aws.ProductChangesHandler;
        var poisoned = await aws.ProductsMappingAsync(async input =>
        {
            var records = JsonNode.Parse(input)!["Records"]!.AsArray();
            return records.Any(r => (string?)r!["dynamodb"]!["Keys"]!["product_id"]!["S"] == "POISON")
                ? throw new InvalidOperationException("poison")
                : await real(new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["Records"] = records.DeepClone() })));
        }, MappingOptions.From(declared, TimeSpan.Zero, onFailure));

        await poisoned.DrainAsync(cancel);

        (await aws.AlertsAsync()).Select(a => a.ProductId.Value).Should().Equal("GOOD");
        var alarm = StackTemplate.Deployed.QueueAlarms.Single(a => a.Queue == declared.OnFailureQueue);
        alarm.ComparisonOperator.Should().Be("GreaterThanThreshold");
        // CloudWatch's ApproximateNumberOfMessagesVisible is what SQS's attribute ApproximateNumberOfMessages reports.
        alarm.MetricName.Should().Be("ApproximateNumberOfMessagesVisible");
        var metric = (await aws.Sqs.GetQueueAttributesAsync(onFailure, ["ApproximateNumberOfMessages"], cancel)).Attributes["ApproximateNumberOfMessages"];
        double.Parse(metric, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(alarm.Threshold);
        List<JsonNode> ours = [];
        while ((await aws.Sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = onFailure, MaxNumberOfMessages = 10 }, cancel)).Messages
            is { Count: > 0 } messages)
        {
            ours.AddRange(messages.Select(m => JsonNode.Parse(m.Body)!).Where(body => ((string)body["DDBStreamBatchInfo"]!["streamArn"]!).Contains(aws.Names.ProductsTable)));
        }

        // Bisected down to the poison record alone, tried 1 + 5 times.
        var record = ours.Should().ContainSingle().Subject;
        record["DDBStreamBatchInfo"]!["batchSize"]!.GetValue<int>().Should().Be(1);
        record["requestContext"]!["approximateInvokeCount"]!.GetValue<int>().Should().Be(6);
        mapping.Should().NotBeNull();
    }
}
