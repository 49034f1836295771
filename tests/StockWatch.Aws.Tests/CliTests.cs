using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Lambda.Local;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary>The <c>stockwatch</c> executable, run as a real process with <c>StockWatch:Store=dynamodb</c> against the emulators.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ProductsSalesAndAlerts_OnTheTables_AndTheDataFolderStaysEmpty()
    {
        await using var aws = await AwsStack.CreateAsync();

        var created = await RunAsync(aws, "products", "set", "85123A", "--name", "WHITE HANGING HEART", "--price", "2.55", "--stock", "12", "--category", "Home");
        created.Output.Should().Contain("Created product 85123A.");
        var sold = await RunAsync(aws, "sales", "record", "--product", "85123A", "--quantity", "3", "--sale-id", "536365-1");
        sold.Output.Should().Contain("Recorded sale 536365-1: 3 × 85123A at 2.55; stock now 9.");
        (await RunAsync(aws, "sales", "record", "--product", "85123A", "--quantity", "3", "--sale-id", "536365-1")).Output
            .Should().Contain("Sale 536365-1 was already recorded; nothing changed.");
        var low = JsonNode.Parse((await RunAsync(aws, "products", "list", "--low-stock", "--json")).Output)!.AsArray();
        low.Select(p => p!["product_id"]!.GetValue<string>()).Should().Equal("85123A");
        low[0]!["stock_count"]!.GetValue<int>().Should().Be(9);
        (await RunAsync(aws, 1, "products", "show", "NOPE")).Error.Should().Contain("Product NOPE does not exist.");

        var mappings = await aws.MappingsAsync();
        await mappings[0].DrainAsync(TestContext.Current.CancellationToken);
        var alerts = JsonNode.Parse((await RunAsync(aws, "alerts", "list", "--product", "85123A", "--json")).Output)!.AsArray();
        alerts.Select(a => a!["alert_type"]!.GetValue<string>()).Should().Equal("PRODUCT_ADDED", "LOW_STOCK");
        // The tables' alert ids are 64-bit: each opens, without the embedded store's delivery log.
        var lowId = alerts[1]!["alert_id"]!.GetValue<long>();
        var shown = await RunAsync(aws, "alerts", "show", lowId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        shown.Output.Should().StartWith($"Alert {lowId} LOW_STOCK").And.Contain("keeps no delivery log");
        JsonNode.Parse((await RunAsync(aws, "alerts", "show", lowId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json")).Output)!["alert_id"]!.GetValue<long>().Should().Be(lowId);
        (await RunAsync(aws, "products", "delete", "85123A")).Output.Should().Contain("Deleted product 85123A.");
        aws.Store.FindProduct(ProductId.Parse("85123A")).Should().BeNull();
        Directory.EnumerateFileSystemEntries(_data.Path).Should().BeEmpty("the AWS shape keeps nothing in the data folder");
    }

    [Fact]
    public async Task ReportWeekly_MakesTheReportOnTheTablesAndTheBucket_AndFindsItTheSecondTime()
    {
        await using var aws = await AwsStack.CreateAsync();
        using var sns = Sns.FromEnvironment();
        // The topic start.sh's exports name, as local-setup makes it: the report is announced there.
        await sns.CreateTopicAsync("stockwatch-alerts", TestContext.Current.CancellationToken);
        await RunAsync(aws, "products", "set", "85123A", "--name", "Heart", "--price", "2.55", "--stock", "12");
        await RunAsync(aws, "sales", "record", "--product", "85123A", "--quantity", "3", "--sale-id", "S1", "--date", "2026-11-18T10:00:00Z");

        var made = JsonNode.Parse((await RunAsync(aws, "report", "weekly", "--end", "2026-11-19T17:00:00Z", "--json")).Output)!;
        var found = await RunAsync(aws, "report", "weekly", "--end", "2026-11-19T17:00:00Z");

        made["report_location"]!.GetValue<string>().Should().StartWith($"s3://{aws.Names.Bucket}/reports/weekly/2026-11-19/");
        found.Output.Should().StartWith("Found the weekly report").And.Contain("3 units, revenue 7.65, 1 sale lines, 1 products; 1 low and 0 out of stock.");
        Directory.EnumerateFileSystemEntries(_data.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Import_UploadsToTheBucket_TheImportFunctionImportsIt_PrintsTheEmbeddedSummary_AndTheSameFileAgainChangesNothing()
    {
        await using var queue = await ImportQueue.CreateAsync();
        await using var aws = await AwsStack.CreateAsync(settings: new Dictionary<string, string?> { ["StockWatch:Aws:ImportQueueUrl"] = queue.Url });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // What local-run does for imports: S3's notifications of new uploads, and the queue delivered to Import.
        var delivering = LocalCommands.DeliverImportsAsync(aws.Services, queue.Url, TimeSpan.FromMilliseconds(100), stop.Token);
        var file = Path.Combine(_data.Path, "..", $"{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, "product_id,product_name,stock_count,product_price\n85123A,Heart,12,2.55\n22423,Cakestand,4,12.75\nBAD,,x,\n",
            TestContext.Current.CancellationToken);
        try
        {
            var first = await RunAsync(aws, 1, "import", file);
            first.Output.Should().Contain("3 rows, 2 accepted, 1 rejected, 0 unchanged.").And.Contain("line 4");
            first.Error.Should().Contain($"s3://{aws.Names.Bucket}/uploads/");
            (await RunAsync(aws, 1, "import", file)).Output.Should().Contain("3 rows, 0 accepted, 1 rejected, 2 unchanged.");
            var embedded = await StockWatchCli.RunAsync(Path.Combine(_data.Path, "..", $"{Guid.NewGuid():N}"), new Dictionary<string, string>(), "import", file);
            // The same summary; the embedded import also prints the alerts it processed (on AWS ProductChanges makes them from the stream).
            first.Output.Should().Be(string.Concat(embedded.Output.Split('\n').Where(line => !line.StartsWith("Alerts:", StringComparison.Ordinal))
                .Select(line => line + "\n")).TrimEnd('\n') + "\n");
        }
        finally
        {
            File.Delete(file);
            await stop.CancelAsync();
            await FluentActions.Awaiting(() => delivering).Should().ThrowAsync<OperationCanceledException>();
        }

        aws.Store.FindProduct(ProductId.Parse("22423"))!.Stock.Should().Be(4);
        Directory.EnumerateFileSystemEntries(_data.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Import_OfAFileTheEmbeddedImportRefusesBeforeAnyRow_ExitsTwoWithItsMessage_AndUploadsNothing()
    {
        await using var aws = await AwsStack.CreateAsync();
        var file = Path.Combine(_data.Path, "..", $"{Guid.NewGuid():N}.csv");
        try
        {
            foreach (var (csv, options) in new[]
            {
                ("", Array.Empty<string>()),
                ("product_id,product_name,stock_count,product_price\n85123A,Heart,12,2.55\n", ["--map", "StockCode=product_id"]),
                ("StockCode,Quantity\n85123A,3\n", ["--map", "StockCode=product_id", "--stock", "ignore"]),
                ("\"product_id,product_name\n85123A,Heart\n", []),
            })
            {
                await File.WriteAllTextAsync(file, csv, TestContext.Current.CancellationToken);
                var embedded = await StockWatchCli.RunAsync(Path.Combine(_data.Path, "..", $"{Guid.NewGuid():N}"), new Dictionary<string, string>(), ["import", file, .. options]);
                embedded.ExitCode.Should().Be(2, embedded.Error);

                (await RunAsync(aws, 2, ["import", file, .. options])).Error.Should().Be(embedded.Error);
            }
        }
        finally
        {
            File.Delete(file);
        }

        var s3 = aws.Services.GetRequiredService<Amazon.S3.IAmazonS3>();
        (await s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = aws.Names.Bucket }, TestContext.Current.CancellationToken)).S3Objects
            .Should().BeNullOrEmpty("nothing was uploaded");
        (await aws.Dynamo.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest { TableName = aws.Names.ImportsTable }, TestContext.Current.CancellationToken)).Items
            .Should().BeEmpty();
    }

    [Fact]
    public async Task AnEmptyAwsName_OrABadlyWrittenImportBudget_ExitsTwoNamingTheSetting()
    {
        await using var aws = await AwsStack.CreateAsync();
        foreach (var (setting, value, message) in new[]
        {
            ("StockWatch__Aws__Bucket", "", "StockWatch:Aws:Bucket must be an S3 bucket name"),
            ("StockWatch__Aws__SalesTable", "", "StockWatch:Aws:SalesTable must be a DynamoDB table name"),
            ("StockWatch__Aws__ImportBudget", "5min", "StockWatch:Aws:ImportBudget is a duration written hours:minutes:seconds, such as 00:05:00."),
        })
        {
            var result = await StockWatchCli.RunAsync(_data.Path, new Dictionary<string, string>(Environment(aws)) { [setting] = value }, "products", "list");

            result.ExitCode.Should().Be(2, result.Error);
            result.Error.Should().Contain(message);
        }
    }

    [Fact]
    public async Task CommandsOfTheEmbeddedStoreOnly_AndAnUnknownStore_AreRefusedNamingTheSetting()
    {
        await using var aws = await AwsStack.CreateAsync();

        (await RunAsync(aws, 2, "keys", "list")).Error.Should().Contain("StockWatch:Store=dynamodb");
        var serve = await RunAsync(aws, 2, "serve", "--urls", "http://127.0.0.1:0");
        serve.Error.Should().Contain("StockWatch:Store=dynamodb");
        (serve.Output + serve.Error).Should().NotContain("   at ", "a refused command prints its reason, not a stack trace");
        var unknown = await StockWatchCli.RunAsync(_data.Path, new Dictionary<string, string> { ["StockWatch__Store"] = "mongodb" }, "products", "list");
        unknown.ExitCode.Should().Be(2);
        unknown.Error.Should().Contain("StockWatch:Store must be sqlite or dynamodb");
    }

    [Fact]
    public async Task NoAwsCredentials_ExitTwoSayingWhatToSet()
    {
        await using var aws = await AwsStack.CreateAsync();
        var none = Path.Combine(_data.Path, "no-such-file");
        var result = await StockWatchCli.RunAsync(_data.Path, new Dictionary<string, string>(Environment(aws))
        {
            ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["AWS_SESSION_TOKEN"] = "", ["AWS_PROFILE"] = "", ["AWS_WEB_IDENTITY_TOKEN_FILE"] = "",
            ["AWS_SHARED_CREDENTIALS_FILE"] = none, ["AWS_CONFIG_FILE"] = none, ["AWS_EC2_METADATA_DISABLED"] = "true",
        }, "products", "list");

        result.ExitCode.Should().Be(2, result.Error);
        result.Error.Should().Contain("Failed to resolve AWS credentials").And.Contain("Set the AWS credentials and region");
    }

    [Fact]
    public async Task ATableOrBucketThatDoesNotExist_ExitsTwoPointingAtTheSettings_NotAsABug()
    {
        await using var aws = await AwsStack.CreateAsync();

        foreach (var (setting, args) in new[] { ("StockWatch__Aws__ProductsTable", new[] { "products", "list" }), ("StockWatch__Aws__AlertsTable", ["alerts", "list"]) })
        {
            var result = await StockWatchCli.RunAsync(_data.Path, new Dictionary<string, string>(Environment(aws)) { [setting] = "NoSuchTable" }, args);

            result.ExitCode.Should().Be(2, result.Error);
            result.Error.Should().Contain("Check the StockWatch:Aws table and bucket names").And.NotContain("unexpectedly");
        }
    }

    [Fact]
    public async Task SalesRecord_EightProcessesSellingTheLastFiveUnits_ExactlyFiveSucceedAndStockEndsAtZero()
    {
        await using var aws = await AwsStack.CreateAsync();
        await RunAsync(aws, "products", "set", "LAST5", "--name", "Last five", "--stock", "5");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            StockWatchCli.RunAsync(_data.Path, Environment(aws), "sales", "record", "--product", "LAST5", "--quantity", "1", "--sale-id", $"S{i}")));

        results.Count(r => r.ExitCode == 0).Should().Be(5, string.Join(System.Environment.NewLine, results.Select(r => r.Error)));
        results.Where(r => r.ExitCode != 0).Should().AllSatisfy(r =>
        {
            r.ExitCode.Should().Be(1);
            r.Error.Should().StartWith("Not enough stock: product LAST5 has 0, the sale needs 1.");
        });
        var product = aws.Store.FindProduct(ProductId.Parse("LAST5"))!;
        product.Stock.Should().Be(0);
        product.Version.Should().Be(6);
        var mappings = await aws.MappingsAsync();
        await mappings[0].DrainAsync(TestContext.Current.CancellationToken);
        (await aws.AlertsAsync()).Should().ContainSingle(a => a.Type == AlertType.OutOfStock);
    }

    /// <summary>The CLI on this stack's tables (the emulators' endpoints are in this process's environment already).</summary>
    private static Dictionary<string, string> Environment(AwsStack aws) => new(AwsOptions.Prefixed(aws.Prefix)
        .Select(setting => KeyValuePair.Create(setting.Key.Replace(":", "__", StringComparison.Ordinal), setting.Value!)))
    {
        ["StockWatch__Store"] = "dynamodb",
    };

    private async Task<StockWatchCli.Result> RunAsync(AwsStack aws, params string[] args) => await RunAsync(aws, 0, args);

    private async Task<StockWatchCli.Result> RunAsync(AwsStack aws, int expectedExit, params string[] args)
    {
        var result = await StockWatchCli.RunAsync(_data.Path, Environment(aws), args);
        result.ExitCode.Should().Be(expectedExit, result.Error);
        return result;
    }
}

/// <summary>The real <c>stockwatch</c> executable as a child process, with the environment given on top of this process's.</summary>
public static class StockWatchCli
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(string dataFolder, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "stockwatch.dll"), .. args, "--data", dataFolder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }
}
