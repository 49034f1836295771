using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Alerts;
using StockWatch.Core.Imports;
using StockWatch.Lambda;
using StockWatch.Lambda.Local;

namespace StockWatch.Aws.Tests;

/// <summary>The original story on the emulators, every hop as the deployed stack makes it.</summary>
public sealed class EndToEndTests
{
    [Fact]
    public async Task ACsvPutInTheBucket_IsImported_ItsChangesRaiseAlerts_AndATopicSubscriberReceivesTheDigestAndTheAlerts()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var sns = Sns.FromEnvironment();
        var topic = await sns.CreateTopicAsync($"e2e-{Guid.NewGuid():N}", cancel);
        await using var queue = await ImportQueue.CreateAsync();
        await using var aws = await AwsStack.CreateAsync(topicArn: topic, settings: new Dictionary<string, string?> { ["StockWatch:Aws:ImportQueueUrl"] = queue.Url });
        var subscriber = await Subscribers.SubscribeQueueAsync(aws.Sqs, sns, topic, filterPolicy: null);
        var csv = "product_id,product_name,product_category,stock_count,product_price,low_stock_threshold\n"
            + "85123A,WHITE HANGING HEART,Home,12,2.55,10\n22423,REGENCY CAKESTAND,Kitchen,4,12.75,5\n84879,BIRD ORNAMENT,Home,0,1.69,\n";

        // The CSV lands in the bucket (as stockwatch import puts it) → S3's notification on the import queue (the emulator
        // sends none: local-run's watcher does) → the queue's event → Import → the tables.
        var (importId, _) = await aws.Services.GetRequiredService<S3Imports>().UploadAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), "products.csv",
            new ImportSettings(), cancel);
        var notifications = new S3Notifications(aws.Services.GetRequiredService<Amazon.S3.IAmazonS3>(), aws.Sqs, aws.Services.GetRequiredService<DynamoImports>(), aws.Names.Bucket, queue.Url, aws.Time);
        (await notifications.SendNewAsync(cancel)).Should().Be(1);
        (await new SqsEventSourceMapping(Import.Name, Functions.Create(Import.Name, aws.Services), aws.Sqs, queue.Url).DrainAsync(cancel)).Should().Be(1);
        (await aws.Services.GetRequiredService<DynamoImports>().FindAsync(importId, cancel))!.Status.Should().Be(ImportStatus.Done);

        // → the Products stream → ProductChanges → the Alerts table → its stream → AlertCreated → the topic.
        var mappings = await aws.MappingsAsync();
        (await mappings[0].DrainAsync(cancel)).Should().Be(5, "three inserts, then the two writes of last_alert_time");
        var stored = await aws.AlertsAsync();
        stored.Select(a => $"{a.ProductId} {a.Type.ToWire()}").Should().BeEquivalentTo(["22423 LOW_STOCK", "84879 LOW_STOCK", "84879 OUT_OF_STOCK"]);
        await mappings[1].DrainAsync(cancel);

        var received = await Subscribers.ReceiveAsync(aws.Sqs, subscriber, 1 + stored.Count);
        var digest = received.Single(m => m.MessageAttributes["alert_type"].StringValue == "IMPORT");
        digest.Body.Should().Contain(importId).And.Contain("3 rows, 3 accepted, 0 rejected");
        received.Where(m => m != digest).Select(m => m.MessageAttributes["alert_id"].StringValue)
            .Should().BeEquivalentTo(stored.Select(a => a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        received.Where(m => m != digest).Select(m => JsonNode.Parse(m.Body)!["alerts"]![0]!["product_id"]!.GetValue<string>()).Should().BeEquivalentTo(["22423", "84879", "84879"]);
    }
}
