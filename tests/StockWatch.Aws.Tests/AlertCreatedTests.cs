using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;

namespace StockWatch.Aws.Tests;

/// <summary>AlertCreated on the Alerts stream, publishing to an SNS topic on fauxqs with SQS subscribers.</summary>
public sealed class AlertCreatedTests
{
    [Fact]
    public async Task NewAlerts_ReachEverySubscriberOnce_WithTheirAttributes_AndAFilterPolicyOnAlertType()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var sns = Sns.FromEnvironment();
        var topic = await sns.CreateTopicAsync($"alerts-{Guid.NewGuid():N}", cancel);
        await using var aws = await AwsStack.CreateAsync(topicArn: topic);
        var everything = await Subscribers.SubscribeQueueAsync(aws.Sqs, sns, topic, filterPolicy: null);
        var outOfStockOnly = await Subscribers.SubscribeQueueAsync(aws.Sqs, sns, topic, filterPolicy: """{"alert_type": ["OUT_OF_STOCK"]}""");
        aws.Create("85123A", stock: 5, category: "Home");
        await aws.MoveStock.HandleAsync(ProductId.Parse("85123A"), StockMovement.To(0, "count"));

        var mappings = await aws.MappingsAsync();
        await mappings[0].DrainAsync(cancel);
        await mappings[1].DrainAsync(cancel);

        var stored = await aws.AlertsAsync();
        stored.Select(a => a.Type.ToWire()).Should().BeEquivalentTo(["PRODUCT_ADDED", "LOW_STOCK", "OUT_OF_STOCK"]);
        var received = await Subscribers.ReceiveAsync(aws.Sqs, everything, stored.Count);
        received.Select(m => m.MessageAttributes["alert_id"].StringValue).Should().BeEquivalentTo(stored.Select(a => a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        received.Should().AllSatisfy(m =>
        {
            m.MessageAttributes["product_category"].StringValue.Should().Be("Home");
            var body = JsonNode.Parse(m.Body)!;
            var alert = body["alerts"]!.AsArray().Should().ContainSingle().Subject!;
            alert["alert_type"]!.GetValue<string>().Should().Be(m.MessageAttributes["alert_type"].StringValue);
            alert["product_id"]!.GetValue<string>().Should().Be("85123A");
        });
        var filtered = await Subscribers.ReceiveAsync(aws.Sqs, outOfStockOnly, 1);
        filtered.Single().MessageAttributes["alert_type"].StringValue.Should().Be("OUT_OF_STOCK");
        (await aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = everything, MaxNumberOfMessages = 10 }, cancel)).Messages.Should().BeNullOrEmpty();
    }
}
