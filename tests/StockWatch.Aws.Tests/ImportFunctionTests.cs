using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Reports;
using StockWatch.Core.Storage;
using StockWatch.Lambda;
using StockWatch.Lambda.Local;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary>
/// The Import function on the queue, the bucket and the tables, side by side with the embedded import. The retail file
/// runs as a slice of its first <see cref="SliceRows"/> rows; <c>STOCKWATCH_AWS_FULL_RETAIL=1</c> runs all 541,909
/// (37 minutes against DynamoDB Local on 2026-12-07: docs/benchmarks.md).
/// </summary>
public sealed class ImportFunctionTests : IDisposable
{
    private const int SliceRows = 2000;

    /// <summary>A row the import refuses (the quantity is no number), put after every this many rows of the slice.</summary>
    private const int BadRowEvery = 400;

    /// <summary>The README's mapping of the retail export, as history.</summary>
    private static readonly ImportSettings Retail = new()
    {
        Map = ImportOptionText.Map(["StockCode=product_id", "Description=product_name", "Quantity=quantity", "InvoiceDate=sale_date", "UnitPrice=current_price"]),
        CreateProducts = true,
        Stock = StockMode.Ignore,
    };

    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task TheRetailFile_ImportedInManyParts_GivesWhatTheEmbeddedImportGives_AndItsNotificationAgainChangesNothing()
    {
        var cancel = TestContext.Current.CancellationToken;
        var full = Environment.GetEnvironmentVariable("STOCKWATCH_AWS_FULL_RETAIL") == "1";
        var rows = full ? 541_909 : SliceRows;
        var csv = RetailSlice(rows);
        // A budget this small pauses after every batch of rows: each part continues from the last one's checkpoint.
        await using var queue = await ImportQueue.CreateAsync();
        await using var aws = await AwsStack.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["StockWatch:Aws:ImportQueueUrl"] = queue.Url,
            ["StockWatch:Aws:ImportBudget"] = full ? "00:00:20" : "00:00:00.001",
        });
        var importId = await UploadAndNotifyAsync(aws, queue, "uploads/online-retail.csv", csv, Retail);

        var mapping = new SqsEventSourceMapping(Import.Name, Functions.Create(Import.Name, aws.Services), aws.Sqs, queue.Url);
        await mapping.DrainAsync(cancel);

        await using var sqlite = AwsStack.Embedded(_data.Path);
        var embeddedErrors = new StringWriter();
        var embedded = await sqlite.GetRequiredService<ImportFile>().HandleAsync(new MemoryStream(csv), Retail, ImportJobs.NewId(), "online-retail.csv", embeddedErrors);
        var objects = aws.Services.GetRequiredService<IObjectStore>();
        var item = await aws.Services.GetRequiredService<DynamoImports>().FindAsync(importId, TestContext.Current.CancellationToken);
        item!.Status.Should().Be(ImportStatus.Done);
        item.Summary.Should().Be(JsonSerializer.Serialize(embedded, ImportSummary.Json));
        Read(objects, S3Imports.SummaryKey(importId)).Should().Be(JsonSerializer.Serialize(embedded, ImportSummary.Json));
        Read(objects, ImportJobs.ErrorsKey(importId)).Should().Be(embeddedErrors.ToString());
        embedded.Total.Should().Be(rows + (rows / BadRowEvery));
        embedded.Rejected.Should().BePositive("the slice holds rows the import refuses, so errors.csv is compared across parts");
        objects.List($"imports/{importId}/checkpoints/").Count(o => o.Key.Value.EndsWith("state.json", StringComparison.Ordinal))
            .Should().BeGreaterThan(full ? 1 : rows / 256 - 1, "the import paused after each batch of 256 rows");
        string Catalogue(IInventoryStore store) =>
            string.Join("\n", store.ListProducts(new ProductQuery()).Select(p => $"{p.Id}|{p.Name}|{p.Price}|{p.StockCounted}").Order(StringComparer.Ordinal));
        Catalogue(aws.Store).Should().Be(Catalogue(sqlite.GetRequiredService<IInventoryStore>()));

        // The same weekly report from the WeeklyReport function on the tables as from SQLite: 2011-W45 for the whole file,
        // else the week the slice falls in (to Thursday 2 December 2010, 17:00).
        var reports = sqlite.GetRequiredService<WeeklyReports>();
        var end = full ? reports.PeriodEnd(null, "2011-W45") : new DateTimeOffset(2010, 12, 2, 17, 0, 0, TimeSpan.Zero);
        var onSqlite = (await reports.MakeAsync(end, cancel)).Content;
        await Functions.Create(Lambda.WeeklyReport.Name, aws.Services)(new MemoryStream(Encoding.UTF8.GetBytes($$"""
            {"version":"0","id":"w45","detail-type":"Scheduled Event","source":"aws.events","time":"{{end:yyyy-MM-dd'T'HH:mm:ss'Z'}}","detail":{ } }
            """)));
        var onDynamo = JsonNode.Parse(Read(objects, WeeklyReports.KeyFor(end, "json")))!.AsObject();
        var expected = JsonNode.Parse(ReportFormats.Json(onSqlite))!.AsObject();
        onDynamo.Remove("generated_at");
        expected.Remove("generated_at");
        onDynamo.ToJsonString().Should().Be(expected.ToJsonString());
        onSqlite.Totals.Sales.Should().BePositive();

        // S3 may deliver a notification twice: the import id follows from the object, so the second finds it done.
        await aws.Sqs.SendMessageAsync(queue.Url, S3Notifications.ObjectCreated(aws.Names.Bucket, "uploads/online-retail.csv", csv.Length, queue.LastETag!, null, aws.Time.GetUtcNow()), cancel);
        (await mapping.DrainAsync(cancel)).Should().Be(1);
        (await aws.Services.GetRequiredService<DynamoImports>().FindAsync(importId, TestContext.Current.CancellationToken)).Should().Be(item);
        Catalogue(aws.Store).Should().Be(Catalogue(sqlite.GetRequiredService<IInventoryStore>()));
        (await queue.DeadLettersAsync()).Should().Be(0);
    }

    [Fact]
    public async Task AnImportWhoseProcessDies_GoesOnFromItsLastCheckpointOnceTheShortLeaseEnds_AndEndsAsAnUninterruptedImport()
    {
        var cancel = TestContext.Current.CancellationToken;
        var csv = RetailSlice(SliceRows);
        await using var queue = await ImportQueue.CreateAsync();
        // No pause for the budget; a checkpoint after every batch of rows.
        await using var aws = await AwsStack.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["StockWatch:Aws:ImportQueueUrl"] = queue.Url, ["StockWatch:Aws:ImportBudget"] = "00:10:00", ["StockWatch:Aws:ImportCheckpointEvery"] = "00:00:00.001",
        });
        var importId = await UploadAndNotifyAsync(aws, queue, "uploads/online-retail.csv", csv, Retail);

        // The first local-run: once it has written 700 sales, none of its DynamoDB calls answers any more, as when it is killed.
        var (sales, died) = (0, new TaskCompletionSource());
        var dying = aws.AnotherProcess(services => services.AddSingleton(Intercepted<Amazon.DynamoDBv2.IAmazonDynamoDB>.Around(new Amazon.DynamoDBv2.AmazonDynamoDBClient(), request =>
        {
            if (request is Amazon.DynamoDBv2.Model.PutItemRequest { TableName: var table } && table == aws.Names.SalesTable && Interlocked.Increment(ref sales) > 700)
            {
                died.TrySetResult();
            }

            return died.Task.IsCompleted;
        })));
        _ = new SqsEventSourceMapping(Import.Name, Functions.Create(Import.Name, dying), aws.Sqs, queue.Url).DrainAsync(cancel);
        await died.Task.WaitAsync(cancel);
        var diedAt = DateTimeOffset.UtcNow;
        var imports = aws.Services.GetRequiredService<DynamoImports>();
        var held = (await imports.FindAsync(importId, cancel))!;
        held.Status.Should().Be(ImportStatus.Running);
        held.NextLine.Should().BeGreaterThan(256, "checkpoints were kept while it ran");
        held.HeldUntil.Should().BeOnOrBefore(diedAt + TimeSpan.FromSeconds(62), "a lease covers one stretch between checkpoints and a minute, not the whole budget");
        var objects = aws.Services.GetRequiredService<IObjectStore>();
        ImportCheckpoint last;
        await using (var state = objects.Open(Import.CheckpointKey(importId, held.NextLine, "state.json"))!)
        {
            last = await ImportCheckpoint.ReadAsync(state, cancel);
        }

        // local-run started again once the dead one's lease is over (its clock; the dead one's message is still invisible):
        // it tells of the unfinished upload again, and the import goes on from the last checkpoint.
        var reads = new System.Collections.Concurrent.ConcurrentBag<long>();
        var restarted = aws.AnotherProcess(services =>
        {
            services.AddSingleton<TimeProvider>(new FakeTimeProvider(held.HeldUntil!.Value + TimeSpan.FromSeconds(1)));
            services.AddSingleton(Intercepted<IAmazonS3>.Around(new AmazonS3Client(new AmazonS3Config { ForcePathStyle = true }), request =>
            {
                if (request is GetObjectRequest { Key: "uploads/online-retail.csv", ByteRange: { } range })
                {
                    reads.Add(range.Start);
                }

                return false;
            }));
        });
        var services = restarted;
        (await new S3Notifications(services.GetRequiredService<IAmazonS3>(), aws.Sqs, services.GetRequiredService<DynamoImports>(), aws.Names.Bucket, queue.Url,
            services.GetRequiredService<TimeProvider>()).SendNewAsync(cancel)).Should().Be(1);
        await new SqsEventSourceMapping(Import.Name, Functions.Create(Import.Name, services), aws.Sqs, queue.Url).DrainAsync(cancel);

        reads.Should().Contain(last.Next.Offset, "the restarted import reads the upload from the checkpoint's byte offset")
            .And.NotContain(offset => offset > 0 && offset < last.Next.Offset);
        await using var sqlite = AwsStack.Embedded(_data.Path);
        var embeddedErrors = new StringWriter();
        var embedded = await sqlite.GetRequiredService<ImportFile>().HandleAsync(new MemoryStream(csv), Retail, ImportJobs.NewId(), "online-retail.csv", embeddedErrors);
        var done = JsonSerializer.Deserialize<ImportSummary>((await imports.FindAsync(importId, cancel))!.Summary!, ImportSummary.Json)!;
        // The rows after the checkpoint that the dead process had written count as already recorded the second time (ADR 0015).
        $"{done.Total} {done.Rejected} {done.Accepted + done.Unchanged} {done.CreatedProducts}"
            .Should().Be($"{embedded.Total} {embedded.Rejected} {embedded.Accepted + embedded.Unchanged} {embedded.CreatedProducts}");
        done.Unchanged.Should().BeLessThan(512, "only the rows after the last checkpoint were imported twice");
        Read(objects, ImportJobs.ErrorsKey(importId)).Should().Be(embeddedErrors.ToString());
        string Catalogue(IInventoryStore store) =>
            string.Join("\n", store.ListProducts(new ProductQuery()).Select(p => $"{p.Id}|{p.Name}|{p.Price}|{p.StockCounted}").Order(StringComparer.Ordinal));
        Catalogue(aws.Store).Should().Be(Catalogue(sqlite.GetRequiredService<IInventoryStore>()));
        var stored = await aws.Dynamo.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest { TableName = aws.Names.SalesTable, Select = Amazon.DynamoDBv2.Select.COUNT, ConsistentRead = true }, cancel);
        stored.Count.Should().Be((int)embedded.Accepted, "no sale lost or doubled");
        (await queue.DeadLettersAsync()).Should().Be(0);
    }

    [Fact]
    public async Task ABatchWithAMessageThatIsNoNotification_NamesOnlyThatMessage_WhichEndsInTheDeadLetterQueue()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var queue = await ImportQueue.CreateAsync();
        await using var aws = await AwsStack.CreateAsync(settings: new Dictionary<string, string?> { ["StockWatch:Aws:ImportQueueUrl"] = queue.Url });
        var csv = "product_id,product_name,stock_count,product_price\n85123A,WHITE HANGING HEART,12,2.55\n22423,REGENCY CAKESTAND,4,12.75\n"u8.ToArray();
        var importId = await UploadAndNotifyAsync(aws, queue, "uploads/products.csv", csv, new ImportSettings());
        await aws.Sqs.SendMessageAsync(queue.Url, "{\"not\": \"a notification\"}", cancel);
        var handler = Functions.Create(Import.Name, aws.Services);
        var messages = (await aws.Sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = queue.Url, MaxNumberOfMessages = 10 }, cancel)).Messages;
        messages.Should().HaveCount(2);
        var sqsEvent = new JsonObject
        {
            ["Records"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject
            {
                ["messageId"] = m.MessageId, ["receiptHandle"] = m.ReceiptHandle, ["body"] = m.Body, ["eventSource"] = "aws:sqs",
            })]),
        };

        var response = JsonNode.Parse(await handler(new MemoryStream(Encoding.UTF8.GetBytes(sqsEvent.ToJsonString()))))!;

        var poison = messages.Single(m => m.Body.Contains("not", StringComparison.Ordinal)).MessageId;
        response["batchItemFailures"]!.AsArray().Select(f => (string?)f!["itemIdentifier"]).Should().Equal(poison);
        (await aws.Services.GetRequiredService<DynamoImports>().FindAsync(importId, TestContext.Current.CancellationToken))!.Status.Should().Be(ImportStatus.Done);
        aws.Store.ListProducts(new ProductQuery()).Should().HaveCount(2);

        // Delivered again by the mapping until the queue's redrive policy (3 receives, the template's) moves it aside.
        await aws.Sqs.ChangeMessageVisibilityAsync(queue.Url, messages.Single(m => m.MessageId == poison).ReceiptHandle, 0, cancel);
        var mapping = new SqsEventSourceMapping(Import.Name, handler, aws.Sqs, queue.Url);
        await mapping.DrainAsync(cancel);
        mapping.Invocations.Should().Be(2, "received twice more after the first: the fourth receive finds it moved");
        (await queue.DeadLettersAsync()).Should().Be(1);
    }

    [Fact]
    public async Task AFileWithoutAUsableHeader_IsRecordedFailed_AndItsMessageIsDone()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var queue = await ImportQueue.CreateAsync();
        await using var aws = await AwsStack.CreateAsync(settings: new Dictionary<string, string?> { ["StockWatch:Aws:ImportQueueUrl"] = queue.Url });
        var importId = await UploadAndNotifyAsync(aws, queue, "uploads/empty.csv", [], new ImportSettings());

        (await new SqsEventSourceMapping(Import.Name, Functions.Create(Import.Name, aws.Services), aws.Sqs, queue.Url).DrainAsync(cancel)).Should().Be(1);

        var item = await aws.Services.GetRequiredService<DynamoImports>().FindAsync(importId, TestContext.Current.CancellationToken);
        item!.Status.Should().Be(ImportStatus.Failed);
        item.Error.Should().Contain("empty");
        (await queue.DeadLettersAsync()).Should().Be(0);
    }

    /// <summary>Puts the file under uploads/ with its settings as metadata, as <c>stockwatch import</c> does, and queues S3's notification of it.</summary>
    private static async Task<string> UploadAndNotifyAsync(AwsStack aws, ImportQueue queue, string key, byte[] csv, ImportSettings settings)
    {
        // Through the object store, as the CLI uploads: the whole retail file (45 MB) goes in parts.
        var (etag, versionId) = await aws.Services.GetRequiredService<S3ObjectStore>().PutAsync(ObjectKey.Parse(key), new MemoryStream(csv),
            new Dictionary<string, string> { [S3Imports.SettingsMetadata] = JsonSerializer.Serialize(settings, ImportSummary.Json) }, TestContext.Current.CancellationToken);
        queue.LastETag = etag;
        await aws.Sqs.SendMessageAsync(queue.Url, S3Notifications.ObjectCreated(aws.Names.Bucket, key, csv.Length, etag, versionId, aws.Time.GetUtcNow()),
            TestContext.Current.CancellationToken);
        return S3Imports.IdOf(aws.Names.Bucket, key, versionId, etag);
    }

    private static string Read(IObjectStore objects, ObjectKey key)
    {
        using var reader = new StreamReader(objects.Open(key)!);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The header and the first <paramref name="rows"/> lines of the retail file, and after every
    /// <see cref="BadRowEvery"/> of them one the import refuses, so that errors.csv has rows from several parts.
    /// </summary>
    private static byte[] RetailSlice(int rows)
    {
        using var gzip = new GZipStream(File.OpenRead(RealData.PathOf("online-retail-uci.csv.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var output = new StringBuilder();
        for (var i = 0; i <= rows && reader.ReadLine() is { } line; i++)
        {
            output.Append(line).Append('\n');
            if (i > 0 && i % BadRowEvery == 0)
            {
                output.Append("536999,85123A,WHITE HANGING HEART T-LIGHT HOLDER,six,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n");
            }
        }

        return Encoding.UTF8.GetBytes(output.ToString());
    }
}
