using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StockWatch.Core.Imports;
using StockWatch.Core.Reports;
using StockWatch.Lambda;
using StockWatch.Lambda.Events;
using StockWatch.Lambda.Local;

namespace StockWatch.Aws.Tests;

/// <summary>local-run: its usage, its settings, its S3 notifications, its EventBridge schedule (on a fake clock).</summary>
public sealed class LocalRunTests
{
    [Fact]
    public async Task TheSchedule_FiresAtEachOccurrence_WithAScheduledEventOfThatTime_AndOnceAtStartWhenAsked()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 19, 16, 59, 0, TimeSpan.Zero));
        var fired = System.Threading.Channels.Channel.CreateUnbounded<DateTimeOffset>();
        using var stop = new CancellationTokenSource();
        var schedule = LocalCommands.FireScheduleAsync("weekly-report", input =>
        {
            fired.Writer.TryWrite(ScheduledEvent.Read(input, "weekly-report").Time);
            return Task.FromResult<Stream>(new MemoryStream("{}"u8.ToArray()));
        }, ReportSchedule.Parse("0 17 * * THU").Next, now: true, time, stop.Token);

        (await fired.Reader.ReadAsync(TestContext.Current.CancellationToken)).Should().Be(new DateTimeOffset(2026, 11, 19, 16, 59, 0, TimeSpan.Zero));
        fired.Reader.TryRead(out _).Should().BeFalse();
        time.Advance(TimeSpan.FromMinutes(1));
        (await fired.Reader.ReadAsync(TestContext.Current.CancellationToken)).Should().Be(new DateTimeOffset(2026, 11, 19, 17, 0, 0, TimeSpan.Zero));
        time.Advance(TimeSpan.FromDays(7));
        (await fired.Reader.ReadAsync(TestContext.Current.CancellationToken)).Should().Be(new DateTimeOffset(2026, 11, 26, 17, 0, 0, TimeSpan.Zero));

        await stop.CancelAsync();
        await FluentActions.Awaiting(() => schedule).Should().ThrowAsync<OperationCanceledException>();
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("")]
    [InlineData("local-run --poll-seconds soon")]
    [InlineData("invoke import")]
    public async Task BadUsage_ExitsTwo(string args) =>
        (await LocalCommands.RunAsync(args.Split(' ', StringSplitOptions.RemoveEmptyEntries))).Should().Be(2, "ADR 0005: 2 is bad usage");

    [Theory]
    [InlineData("Bucket", "", "StockWatch:Aws:Bucket must be an S3 bucket name")]
    [InlineData("ProductsTable", "", "StockWatch:Aws:ProductsTable must be a DynamoDB table name")]
    [InlineData("ImportsTable", "", "StockWatch:Aws:ImportsTable must be a DynamoDB table name")]
    [InlineData("ImportBudget", "5 minutes", "StockWatch:Aws:ImportBudget is a duration written hours:minutes:seconds, such as 00:05:00.")]
    [InlineData("ImportBudget", "00:00:00", "StockWatch:Aws:ImportBudget must be a positive duration such as 00:04:00")]
    [InlineData("ImportCheckpointEvery", "-00:00:01", "StockWatch:Aws:ImportCheckpointEvery must be a positive duration")]
    public void TheFunctionsAndLocalRun_RefuseABadAwsSettingAtStart_NamingIt(string setting, string value, string message)
    {
        // What local-run, local-setup, invoke and every function compose first (local-run exits 2 on it).
        var settings = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create($"StockWatch:Aws:{setting}", (string?)value)]).Build();
        FluentActions.Invoking(() => LambdaServices.Build(settings)).Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(message);
    }

    [Fact]
    public async Task LocalRunStartedAgain_TellsOnlyOfTheUploadsNotImportedYet()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var queue = await ImportQueue.CreateAsync();
        await using var aws = await AwsStack.CreateAsync(settings: new Dictionary<string, string?> { ["StockWatch:Aws:ImportQueueUrl"] = queue.Url });
        var s3 = aws.Services.GetRequiredService<IAmazonS3>();
        async Task Upload(string key, string csv = "product_id,product_name,stock_count,product_price\n85123A,Heart,12,2.55\n") =>
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = aws.Names.Bucket, Key = key, ContentBody = csv }, cancel);
        S3Notifications Started() => new(s3, aws.Sqs, aws.Services.GetRequiredService<DynamoImports>(), aws.Names.Bucket, queue.Url, aws.Time);
        await Upload("uploads/imported.csv");
        await Upload("uploads/failed.csv", csv: "");
        (await Started().SendNewAsync(cancel)).Should().Be(2);
        await new SqsEventSourceMapping(Import.Name, Functions.Create(Import.Name, aws.Services), aws.Sqs, queue.Url).DrainAsync(cancel);
        await Upload("uploads/new.csv");

        (await Started().SendNewAsync(cancel)).Should().Be(1, "the imported upload and the failed one are done with");

        var told = (await aws.Sqs.ReceiveMessageAsync(queue.Url, cancel)).Messages.Should().ContainSingle().Which.Body;
        JsonDocument.Parse(told).RootElement.GetProperty("Records")[0].GetProperty("s3").GetProperty("object").GetProperty("key").GetString().Should().Be("uploads/new.csv");
    }
}
