using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Catalog;
using StockWatch.Core.Reports;
using StockWatch.Core.Sales;
using StockWatch.Core.Storage;
using StockWatch.Lambda;
using StockWatch.Lambda.Events;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary>The WeeklyReport function on the tables and the bucket, side by side with the embedded shape.</summary>
public sealed class WeeklyReportTests : IDisposable
{
    private static readonly DateTimeOffset PeriodEnd = new(2026, 11, 19, 17, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task TheSameData_MakesTheSameReport_OnDynamoDbAsOnSqlite()
    {
        await using var aws = await AwsStack.CreateAsync();
        await using var sqlite = AwsStack.Embedded(_data.Path);
        foreach (var (setProduct, recordSale) in new[]
        {
            (aws.SetProduct, aws.RecordSale),
            (sqlite.GetRequiredService<SetProduct>(), sqlite.GetRequiredService<RecordSale>()),
        })
        {
            await SeedAsync(setProduct, recordSale);
        }

        var onDynamo = (await aws.Services.GetRequiredService<WeeklyReports>().MakeAsync(PeriodEnd, TestContext.Current.CancellationToken)).Content;
        var onSqlite = (await sqlite.GetRequiredService<WeeklyReports>().MakeAsync(PeriodEnd, TestContext.Current.CancellationToken)).Content;

        onDynamo.Totals.Sales.Should().Be(6);
        ReportFormats.Json(onDynamo with { GeneratedAt = default }).Should().Be(ReportFormats.Json(onSqlite with { GeneratedAt = default }));
    }

    [Fact]
    public async Task TheScheduledEventSample_MakesTheReportOnce_AndAnnouncesItWithALinkThatDownloadsTheHtml()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var sns = Sns.FromEnvironment();
        var topic = await sns.CreateTopicAsync($"reports-{Guid.NewGuid():N}", cancel);
        await using var aws = await AwsStack.CreateAsync(topicArn: topic);
        var subscriber = await Subscribers.SubscribeQueueAsync(aws.Sqs, sns, topic, filterPolicy: null);
        var handler = Functions.Create(Lambda.WeeklyReport.Name, aws.Services);
        var sample = RealData.PathOf("aws-events/aws-docs/eventbridge-scheduled-event.json");

        var first = JsonNode.Parse(await handler(File.OpenRead(sample)))!;
        var again = JsonNode.Parse(await handler(File.OpenRead(sample)))!;

        first["period_end"]!.GetValue<string>().Should().Be("2019-03-01T01:23:45Z");
        first["period_start"]!.GetValue<string>().Should().Be("2019-02-22T01:23:45Z");
        first["created"]!.GetValue<bool>().Should().BeTrue();
        again["created"]!.GetValue<bool>().Should().BeFalse();
        again["report_id"]!.GetValue<string>().Should().Be(first["report_id"]!.GetValue<string>());
        var location = new Uri(first["report_location"]!.GetValue<string>());
        var html = WeeklyReports.KeyFor(new DateTimeOffset(2019, 3, 1, 1, 23, 45, TimeSpan.Zero), "html");
        location.Should().Be(new Uri($"s3://{aws.Names.Bucket}/{html}"));
        var objects = aws.Services.GetRequiredService<IObjectStore>().List("reports/weekly/2019-03-01/").Select(o => Path.GetExtension(o.Key.Value));
        objects.Should().BeEquivalentTo([".json", ".csv", ".html"]);
        aws.Services.GetRequiredService<IReportLedger>().List(10).Should().ContainSingle().Which.ReportLocation.Should().Be(location);

        var announcement = (await Subscribers.ReceiveAsync(aws.Sqs, subscriber, 1)).Single();
        announcement.MessageAttributes["alert_type"].StringValue.Should().Be("WEEKLY_REPORT");
        var link = new Uri(JsonNode.Parse(announcement.Body)!["link"]!.GetValue<string>());
        link.Scheme.Should().BeOneOf("http", "https");
        using var http = new HttpClient();
        (await http.GetStringAsync(link, cancel)).Should().StartWith("<!DOCTYPE html>");
    }

    [Theory]
    [InlineData(Lambda.WeeklyReport.Name, "aws-events/aws-docs/ddb-tutorial-input_insert-modify-remove.json", "takes an EventBridge scheduled event")]
    [InlineData(Lambda.WeeklyReport.Name, null, "not valid JSON")]
    [InlineData(Lambda.ReminderSweep.Name, "aws-events/aws-docs/ddb-tutorial-input_insert-modify-remove.json", "takes an EventBridge scheduled event")]
    [InlineData(Lambda.ReminderSweep.Name, null, "not valid JSON")]
    public async Task AnEventOfAnotherKind_IsRefusedWithAClearMessage_ByEachScheduledFunction(string function, string? sample, string message)
    {
        await using var aws = await AwsStack.CreateAsync();
        var handler = Functions.Create(function, aws.Services);
        Stream input = sample is null ? new MemoryStream(Encoding.UTF8.GetBytes("{\"time\": ")) : File.OpenRead(RealData.PathOf(sample));

        var refused = async () => await handler(input);

        (await refused.Should().ThrowAsync<InvalidEventException>()).Which.Message.Should().Contain(message);
    }

    /// <summary>Products and sales in the period, the week before it and after it; a product removed after selling.</summary>
    private static async Task SeedAsync(SetProduct setProduct, RecordSale recordSale)
    {
        foreach (var (id, category, stock, price) in new[] { ("A1", "Home", 40, 2.55m), ("B2", "Kitchen", 12, 10m), ("C3", "Home", 3, 1.25m), ("D4", "Garden", 60, 0.5m) })
        {
            await setProduct.HandleAsync(new SetProductRequest(ProductId.Parse(id))
            {
                Name = $"Product {id}", Category = category, Stock = stock, Price = Money.From(price, "product_price"), LowStockThreshold = 5,
            }, "test");
        }

        var sales = new[]
        {
            ("s1", "A1", 3, PeriodEnd.AddDays(-1)), ("s2", "A1", 2, PeriodEnd.AddDays(-6)), ("s3", "B2", 4, PeriodEnd.AddDays(-3)),
            ("s4", "B2", -1, PeriodEnd.AddDays(-2)), ("s5", "C3", 1, PeriodEnd.AddHours(-1)), ("s6", "A1", 5, PeriodEnd.AddDays(-7)),
            ("s7", "C3", 1, PeriodEnd.AddDays(-7).AddTicks(-1)), ("s8", "B2", 1, PeriodEnd.AddDays(-10)), ("s9", "A1", 1, PeriodEnd),
        };
        foreach (var (id, product, quantity, date) in sales)
        {
            await recordSale.HandleAsync(new SaleRequest(SaleId.Parse(id), ProductId.Parse(product), quantity) { Date = date });
        }
    }
}
