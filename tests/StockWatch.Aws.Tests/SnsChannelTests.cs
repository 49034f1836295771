using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Core.Catalog;
using StockWatch.Core.Notifications;
using StockWatch.Core.Stream;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary><c>Type: sns</c> in the embedded shape's channels, publishing to a topic on fauxqs with an SQS subscriber.</summary>
public sealed class SnsChannelTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task EmbeddedShape_AnSnsChannel_DeliversEachAlertItsFilterPasses_WithTheAttributes()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var sns = Sns.FromEnvironment();
        var topic = await sns.CreateTopicAsync($"embedded-{Guid.NewGuid():N}", cancel);
        using var sqs = new Amazon.SQS.AmazonSQSClient();
        var subscriber = await Subscribers.SubscribeQueueAsync(sqs, sns, topic, filterPolicy: null);
        var settings = new Dictionary<string, string?>
        {
            ["StockWatch:Channels:0:Name"] = "topic",
            ["StockWatch:Channels:0:Type"] = "sns",
            ["StockWatch:Channels:0:TopicArn"] = topic,
            ["StockWatch:Channels:0:AlertTypes:0"] = "OUT_OF_STOCK",
        };
        await using var services = AwsStack.Embedded(_data.Path, settings, server: true);
        services.GetRequiredService<IStartupValidator>().Validate();

        await services.GetRequiredService<SetProduct>().HandleAsync(new SetProductRequest(ProductId.Parse("85123A"))
        {
            Name = "Heart", Category = "Home", Stock = 1,
        }, "test");
        await services.GetRequiredService<MoveStock>().HandleAsync(ProductId.Parse("85123A"), StockMovement.To(0, "count"));
        var alerts = await services.GetRequiredService<StreamProcessor>().DrainAsync(cancel);
        await services.GetRequiredService<Notifier>().PlanAsync(cancel);
        (await services.GetRequiredService<Deliveries>().RunOnceAsync(cancel)).Should().Be(1);

        var message = (await Subscribers.ReceiveAsync(sqs, subscriber, 1)).Single();
        var outOfStock = alerts.Single(a => a.Type == Core.Alerts.AlertType.OutOfStock);
        message.MessageAttributes["alert_type"].StringValue.Should().Be("OUT_OF_STOCK");
        message.MessageAttributes["product_category"].StringValue.Should().Be("Home");
        message.MessageAttributes["alert_id"].StringValue.Should().Be(outOfStock.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        JsonNode.Parse(message.Body)!["alerts"]![0]!["product_id"]!.GetValue<string>().Should().Be("85123A");
    }
}
