using System.Text;
using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Lambda;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary>The ReminderSweep function on the tables, on a fake clock: products sitting low and untouched are reminded of once per cooldown, in one digest.</summary>
public sealed class ReminderSweepTests
{
    private static readonly TimeSpan Cooldown = new AlertOptions().ReminderCooldown;

    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    /// <summary>An EventBridge scheduled event of <paramref name="time"/>, as the rule <c>rate(1 hour)</c> sends it.</summary>
    private static Stream Scheduled(DateTimeOffset time) => new MemoryStream(Encoding.UTF8.GetBytes($$"""
        {"version":"0","id":"{{Guid.NewGuid()}}","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012",
         "time":"{{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}}","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/reminder-sweep"],"detail":{ } }
        """));

    private static async Task<JsonNode> SweepAsync(AwsStack aws, DateTimeOffset? at = null) =>
        JsonNode.Parse(await Functions.Create(Lambda.ReminderSweep.Name, aws.Services)(Scheduled(at ?? aws.Time.GetUtcNow())))!;

    private static List<string> Products(JsonNode response) => [.. response["products"]!.AsArray().Select(p => p!.GetValue<string>())];

    [Fact]
    public async Task AProductLowAndUntouched_IsRemindedOfAfterTheCooldown_OncePerCooldown_InOneDigestAtTheTopicsSubscriber()
    {
        using var sns = Sns.FromEnvironment();
        var topic = await sns.CreateTopicAsync($"reminders-{Guid.NewGuid():N}", _cancel);
        await using var aws = await AwsStack.CreateAsync(topicArn: topic);
        var subscriber = await Subscribers.SubscribeQueueAsync(aws.Sqs, sns, topic, filterPolicy: null);
        aws.Create("LOW-A", stock: 3, threshold: 10);
        aws.Create("LOW-B", stock: 0, threshold: 5);
        aws.Create("FINE-1", stock: 50, threshold: 5);
        var mappings = await aws.MappingsAsync();
        await mappings[0].DrainAsync(_cancel);
        var before = await aws.AlertsAsync();

        aws.Time.Advance(Cooldown - TimeSpan.FromHours(1));
        var early = await SweepAsync(aws);
        aws.Time.Advance(TimeSpan.FromHours(1));
        var due = await SweepAsync(aws);
        var retried = await SweepAsync(aws);

        early["reminded"]!.GetValue<int>().Should().Be(0, "the cooldown has not passed since the first alerts");
        early["sweep"].Should().BeNull();
        Products(due).Should().Equal("LOW-A", "LOW-B");
        retried["stored"]!.GetValue<int>().Should().Be(0, "the same event again is the same sweep");
        Products(retried).Should().Equal(["LOW-A", "LOW-B"], "run again (as Lambda does after a failed send), the sweep tells its digest again");
        var reminders = (await aws.AlertsAsync()).Where(a => a.Details.Reminder).ToList();
        reminders.Select(a => (a.ProductId.Value, a.Type, a.Details.Stock, a.Time, a.Cause)).Should().BeEquivalentTo([
            ("LOW-A", AlertType.LowStock, 3, Builders.T0 + Cooldown, $"reminder: {due["sweep"]}"),
            ("LOW-B", AlertType.LowStock, 0, Builders.T0 + Cooldown, $"reminder: {due["sweep"]}")]);

        await mappings[1].DrainAsync(_cancel);
        var received = await Subscribers.ReceiveAsync(aws.Sqs, subscriber, before.Count + 2);
        (await aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = subscriber, MaxNumberOfMessages = 10 }, _cancel)).Messages.Should().BeNullOrEmpty();
        received.Select(m => m.MessageAttributes["alert_id"].StringValue).Should().NotIntersectWith(
            reminders.Select(a => a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), "AlertCreated leaves a sweep's reminders to its digest");
        var digests = received.Where(m => m.MessageAttributes["alert_type"].StringValue == "reminder_digest").ToList();
        digests.Should().HaveCount(2, "the run and the run again each sent it");
        digests.Select(m => m.MessageAttributes["alert_id"].StringValue).Distinct().Should().ContainSingle("one delivery id, by which a subscriber drops the second");
        digests.Select(m => m.Body).Distinct().Should().ContainSingle();
        var digest = digests[0];
        var body = JsonNode.Parse(digest.Body)!;
        body["subject"]!.GetValue<string>().Should().Be("2 products are still low");
        body["alerts"]!.AsArray().Select(a => a!["alert_id"]!.GetValue<long>()).Should().BeEquivalentTo(reminders.Select(a => a.Id));
        digest.MessageAttributes["alert_id"].StringValue.Should().StartWith($"reminders-{due["sweep"]}-");

        aws.Time.Advance(Cooldown - TimeSpan.FromHours(1));
        (await SweepAsync(aws))["stored"]!.GetValue<int>().Should().Be(0, "once per cooldown");
        aws.Time.Advance(TimeSpan.FromHours(1));
        Products(await SweepAsync(aws)).Should().Equal("LOW-A", "LOW-B");
    }

    [Fact]
    public async Task AChangeThatAlertedMeanwhile_Wins_AndTheSameSweepStoredTwice_StoresOnce()
    {
        await using var aws = await AwsStack.CreateAsync();
        aws.Create("LOW-A", stock: 3, threshold: 10);
        aws.Create("LOW-B", stock: 2, threshold: 10);
        var products = (await aws.MappingsAsync())[0];
        await products.DrainAsync(_cancel);
        aws.Time.Advance(Cooldown + TimeSpan.FromHours(1));
        var store = aws.Services.GetRequiredService<IReminderStore>();
        var now = aws.Time.GetUtcNow();
        var low = store.LowSince(10, now - Cooldown, now.AddDays(-28), now);
        var due = Core.Alerts.ReminderSweep.Due(low, now, new AlertOptions());
        low.Select(p => (p.ProductId.Value, p.LowStockAlertedAt)).Should().Equal(("LOW-A", Builders.T0), ("LOW-B", Builders.T0));

        await aws.MoveStock.HandleAsync(ProductId.Parse("LOW-A"), StockMovement.By(-1, "count"));
        await products.DrainAsync(_cancel);
        var stored = await store.StoreRemindersAsync(due, "reminder: sweep-test");
        var again = await store.StoreRemindersAsync(due, "reminder: sweep-test");

        var alerts = await aws.AlertsAsync();
        alerts.Should().ContainSingle(a => a.ProductId.Value == "LOW-A" && a.Details.Reminder && a.Cause != "reminder: sweep-test", "the change reminded of LOW-A first");
        stored.Select(a => a.ProductId.Value).Should().Equal(["LOW-B"], "LOW-A's change alerted after the sweep read it");
        again.Should().BeEmpty();
        alerts.Where(a => a.Cause == "reminder: sweep-test").Select(a => a.ProductId.Value).Should().Equal("LOW-B");
        store.LowSince(10, now - Cooldown, now.AddDays(-28), now).Should().BeEmpty("both alerted now");
    }

    [Fact]
    public async Task AReminderOfTheSweep_StartsTheCooldownOfChangesToo()
    {
        await using var aws = await AwsStack.CreateAsync();
        aws.Create("LOW-A", stock: 3, threshold: 10);
        var products = (await aws.MappingsAsync())[0];
        await products.DrainAsync(_cancel);
        aws.Time.Advance(Cooldown);
        Products(await SweepAsync(aws)).Should().Equal("LOW-A");

        aws.Time.Advance(TimeSpan.FromHours(6));
        await aws.MoveStock.HandleAsync(ProductId.Parse("LOW-A"), StockMovement.By(-1, "count"));
        await products.DrainAsync(_cancel);

        (await aws.AlertsAsync()).Where(a => a.Details.Reminder).Should().ContainSingle("the sweep's reminder 6 h ago started a new cooldown for changes too")
            .Which.Cause.Should().StartWith(Core.Alerts.ReminderSweep.Cause);
    }
}
