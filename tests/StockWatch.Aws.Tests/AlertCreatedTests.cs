using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;

namespace StockWatch.Aws.Tests;

/// <summary>AlertCreated on the Alerts stream: to an SNS topic on fauxqs with SQS subscribers, and to configured channels.</summary>
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

    [Fact]
    public async Task NewAlerts_ReachAConfiguredWebhook_Signed_OnlyThoseItsFilterPasses()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var receiver = new WebhookReceiver();
        await using var aws = await AwsStack.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["StockWatch:Channels:0:Name"] = "hook",
            ["StockWatch:Channels:0:Type"] = "webhook",
            ["StockWatch:Channels:0:Url"] = receiver.Url,
            ["StockWatch:Channels:0:Secret"] = WebhookReceiver.Secret,
            ["StockWatch:Channels:0:AlertTypes:0"] = "OUT_OF_STOCK",
            ["StockWatch:Channels:1:Name"] = "console",
            ["StockWatch:Channels:1:Type"] = "log",
        });
        aws.Create("85123A", stock: 5, category: "Home");
        await aws.MoveStock.HandleAsync(ProductId.Parse("85123A"), StockMovement.To(0, "count"));

        var mappings = await aws.MappingsAsync();
        await mappings[0].DrainAsync(cancel);
        await mappings[1].DrainAsync(cancel);

        var outOfStock = (await aws.AlertsAsync()).Single(a => a.Type == AlertType.OutOfStock);
        var delivery = receiver.Received.Should().ContainSingle().Subject;
        delivery.Signature.Should().Be(StockWatch.Notifications.WebhookChannel.Sign(WebhookReceiver.Secret, delivery.Timestamp, delivery.Body));
        delivery.DeliveryId.Should().Be($"alert-{outOfStock.Id}-hook");
        var alert = JsonNode.Parse(delivery.Body)!["alerts"]!.AsArray().Should().ContainSingle().Subject!;
        alert["alert_type"]!.GetValue<string>().Should().Be("OUT_OF_STOCK");
        alert["alert_id"]!.GetValue<long>().Should().Be(outOfStock.Id);
    }

    [Fact]
    public async Task AChannelThatRefuses_FailsTheRecord_AndTheRetryTellsItAgain()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var receiver = new WebhookReceiver { Refusals = 1 };
        await using var aws = await AwsStack.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["StockWatch:Channels:0:Name"] = "hook",
            ["StockWatch:Channels:0:Type"] = "webhook",
            ["StockWatch:Channels:0:Url"] = receiver.Url,
            ["StockWatch:Channels:0:Secret"] = WebhookReceiver.Secret,
        });
        aws.Create("85123A", stock: 50);

        var mappings = await aws.MappingsAsync();
        await mappings[0].DrainAsync(cancel);
        await mappings[1].DrainAsync(cancel);

        receiver.Received.Select(d => d.DeliveryId).Should().ContainSingle().Which.Should().EndWith("-hook");
        receiver.Attempts.Should().Be(2);
    }
}

/// <summary>A webhook receiver on a free loopback port: records each POST it accepts; refuses the first <see cref="Refusals"/> with a 503.</summary>
public sealed class WebhookReceiver : IDisposable
{
    public const string Secret = "test-webhook-secret";

    private readonly System.Net.HttpListener _listener = new();
    private readonly List<Delivery> _received = [];
    private int _attempts;

    public WebhookReceiver()
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(Url);
            try
            {
                _listener.Start();
                break;
            }
            catch (System.Net.HttpListenerException) when (attempt < 5)
            {
                // Taken between the probe and the start: another port.
            }
        }

        _ = ServeAsync();
    }

    public sealed record Delivery(string DeliveryId, string Timestamp, string Signature, string Body);

    public string Url { get; private set; }

    public int Refusals { get; init; }

    public int Attempts => Volatile.Read(ref _attempts);

    public IReadOnlyList<Delivery> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public void Dispose() => _listener.Close();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            System.Net.HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is System.Net.HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Increment(ref _attempts) <= Refusals)
            {
                context.Response.StatusCode = 503;
            }
            else
            {
                lock (_received)
                {
                    _received.Add(new Delivery(context.Request.Headers["X-StockWatch-Delivery"]!, context.Request.Headers["X-StockWatch-Timestamp"]!,
                        context.Request.Headers["X-StockWatch-Signature"]!, body));
                }
            }

            context.Response.Close();
        }
    }
}
