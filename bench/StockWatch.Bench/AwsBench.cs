using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Aws;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Storage;
using StockWatch.Core.Sales;
using StockWatch.Lambda;
using StockWatch.Lambda.Local;

namespace StockWatch.Bench;

/// <summary>
/// The AWS shape on DynamoDB Local (started with deploy/aws/local/start.sh): the ProductChanges function's records
/// per second through the event source mapping harness, in process, and the capacity units one sale and one alert
/// consume, summed from <c>ReturnConsumedCapacity=TOTAL</c> on every call they make.
/// </summary>
public static partial class AwsBench
{
    public const string Heading = "## The AWS shape on DynamoDB Local (issue 17)";
    private const int Products = 200;
    private const int MovesPerProduct = 10;

    public sealed record Result(int Records, double Seconds, Capacity Sale, Capacity Alert, ImportResult Import, ReportResult Report)
    {
        public double PerSecond => Records / Seconds;
    }

    /// <param name="Rows">Rows of the file; <paramref name="Seconds"/> from the notification's delivery to the queue drained.</param>
    public sealed record ImportResult(int Rows, double Seconds, Capacity Capacity, int Parts)
    {
        public double PerSecond => Rows / Seconds;
    }

    /// <param name="Sales">Sales in the week; <paramref name="SeedSeconds"/> to write them (BatchWriteItem), <paramref name="Seconds"/> for the function.</param>
    public sealed record ReportResult(int Sales, double SeedSeconds, double Seconds, Capacity Capacity);

    /// <summary>Rows of the retail file the import measurement takes (history, as the README imports it).</summary>
    private const int ImportRows = 5000;

    /// <summary>Sales in the week the report measurement reads, over <see cref="Products"/> products.</summary>
    private static readonly int ReportSales = int.TryParse(Environment.GetEnvironmentVariable("STOCKWATCH_BENCH_REPORT_SALES"), out var n) ? n : 200_000;

    /// <summary>Read and write capacity units, and the calls that consumed them.</summary>
    public sealed record Capacity(double Read, double Write, int Calls);

    public static async Task<Result> RunAsync(string work)
    {
        var kit = Path.Combine("deploy", "aws", "local");
        var state = Path.Combine(work, "aws-local");
        var exports = Run(Path.Combine(kit, "start.sh"), state);
        try
        {
            foreach (Match line in Export().Matches(exports))
            {
                Environment.SetEnvironmentVariable(line.Groups[1].Value, line.Groups[2].Value);
            }

            return await MeasureAsync();
        }
        finally
        {
            Run(Path.Combine(kit, "stop.sh"), state);
        }
    }

    /// <summary>Replaces the AWS section of the benchmarks file (or adds it), leaving the other sections as they are.</summary>
    public static void WriteSection(string path, Result result)
    {
        var section = new StringBuilder()
            .AppendLine(Heading)
            .AppendLine()
            .AppendLine($"Measured by `bench/run.sh --aws` on {TimeProvider.System.GetUtcNow():yyyy-MM-dd} ({Environment.ProcessorCount} cores, .NET {Environment.Version}),")
            .AppendLine("against DynamoDB Local 1.25.1 on loopback. The figures the cost model of the deployed stack uses.")
            .AppendLine()
            .AppendLine($"**`ProductChanges`, in process**: {Products} products created then moved {MovesPerProduct} times each, so that the stream")
            .AppendLine("crosses thresholds both ways (LOW_STOCK, OUT_OF_STOCK, BACK_IN_STOCK); the Products stream read by the event source")
            .AppendLine("mapping harness (GetRecords, batches of 100) and each record decided and stored as the deployed function does.")
            .AppendLine()
            .AppendLine("| | records | time | records/s |")
            .AppendLine("|---|---:|---:|---:|")
            .AppendLine($"| Products stream → `ProductChanges` | {result.Records:N0} | {result.Seconds:0.00} s | {result.PerSecond:N0} |")
            .AppendLine()
            .AppendLine("**Capacity** (`ReturnConsumedCapacity=TOTAL` on every call; on-demand tables bill these as request units):")
            .AppendLine()
            .AppendLine("| | calls | read units | write units |")
            .AppendLine("|---|---:|---:|---:|")
            .AppendLine($"| one sale (`sales record`: sale and product read, one `TransactWriteItems`) | {result.Sale.Calls} | {result.Sale.Read:0.#} | {result.Sale.Write:0.#} |")
            .AppendLine($"| one alert (`ProductChanges` on the sale's record: state, sales rate, alert and state in one transaction, `last_alert_time`) | {result.Alert.Calls} | {result.Alert.Read:0.#} | {result.Alert.Write:0.#} |")
            .AppendLine()
            .AppendLine($"**`Import`, in process** (issue 18): the first {result.Import.Rows:N0} rows of the retail file as history (the README's mapping,")
            .AppendLine("`--create-products --stock ignore`), uploaded, its S3 notification on a queue and the queue delivered by the SQS")
            .AppendLine("harness; the time runs from the first delivery until the queue is drained, so it includes the ranged S3 reads, each row's")
            .AppendLine("writes (a sale: `GetItem` of its id, then a conditional `PutItem`), the products created at the end, the `Imports` item")
            .AppendLine("and the result files. The capacity is every DynamoDB call of the import, divided by its rows.")
            .AppendLine()
            .AppendLine("| | rows | invocations | time | rows/s | read units / row | write units / row |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|")
            .AppendLine($"| S3 upload → SQS → `Import` → tables | {result.Import.Rows:N0} | {result.Import.Parts} | {result.Import.Seconds:0.00} s | {result.Import.PerSecond:N0} | "
                + $"{result.Import.Capacity.Read / result.Import.Rows:0.##} | {result.Import.Capacity.Write / result.Import.Rows:0.##} |")
            .AppendLine()
            .AppendLine($"**`WeeklyReport`, in process**: a week of {result.Report.Sales:N0} sales of {Products} products, written straight to the Sales table")
            .AppendLine($"(`BatchWriteItem`, 8 at once: {result.Report.SeedSeconds:0.0} s, not part of the figure); the time runs from the scheduled event to the")
            .AppendLine("function's answer: a query of `by_day` per UTC day of the period (and of the week before), the catalogue and alerts")
            .AppendLine("scanned, the JSON, CSV and HTML put in the bucket, the `Reports` item.")
            .AppendLine()
            .AppendLine("| | sales | time | read units | write units |")
            .AppendLine("|---|---:|---:|---:|---:|")
            .AppendLine($"| scheduled event → `WeeklyReport` → report in S3 | {result.Report.Sales:N0} | {result.Report.Seconds:0.00} s | {result.Report.Capacity.Read:N0} | {result.Report.Capacity.Write:N0} |")
            .AppendLine()
            .AppendLine("Units as DynamoDB Local counts them: a transaction's items at twice the price, and the writes to the Sales table's")
            .AppendLine("two indexes in the sale's write units. A strongly consistent read of an item under 4 KB is one read unit.")
            .AppendLine("The records per second are DynamoDB Local's, on one machine with the harness: Lambda's own pace depends on the")
            .AppendLine("function's memory and the shard count.")
            .ToString();
        Report.ReplaceSection(path, Heading, section);
    }

    private static async Task<Result> MeasureAsync()
    {
        CapacityMeter meter = null!;
        var prefix = $"b{Guid.NewGuid():N}"[..13];
        var services = LambdaServices.Build(new ConfigurationBuilder().AddInMemoryCollection(AwsOptions.Prefixed(prefix)).Build(), services => services.AddSingleton(CapacityMeter.Around(new AmazonDynamoDBClient(), out meter)));
        var names = services.GetRequiredService<IOptions<AwsOptions>>().Value;
        var dynamo = services.GetRequiredService<IAmazonDynamoDB>();
        await AwsTables.CreateAsync(dynamo, names, TimeProvider.System);
        try
        {
            var store = services.GetRequiredService<DynamoInventoryStore>();
            var setProduct = new SetProduct(store, TimeProvider.System);
            var moveStock = new MoveStock(store, TimeProvider.System);
            await Parallel.ForEachAsync(Enumerable.Range(0, Products), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            {
                var id = ProductId.Parse($"P{i:D5}");
                await setProduct.HandleAsync(new SetProductRequest(id) { Name = $"Product {i}", Stock = 15, LowStockThreshold = 10 }, "bench");
                for (var move = 0; move < MovesPerProduct; move++)
                {
                    await moveStock.HandleAsync(id, StockMovement.To(move % 3 == 0 ? 0 : move % 3 == 1 ? 5 : 20, "bench"));
                }
            });

            var products = (await LocalCommands.CreateMappingsAsync(services, names, CancellationToken.None))[0];
            var clock = Stopwatch.StartNew();
            await products.DrainAsync();
            var seconds = clock.Elapsed.TotalSeconds;
            var records = (int)products.RecordsDelivered;

            // One sale that takes a product from above its threshold to below it, so its record raises one alert.
            await setProduct.HandleAsync(new SetProductRequest(ProductId.Parse("ONE")) { Name = "One", Stock = 11, LowStockThreshold = 10 }, "bench");
            await products.DrainAsync();
            var recordSale = new RecordSale(store, TimeProvider.System, Options.Create(new ImportOptions()));
            var sale = await meter.MeasureAsync(() => recordSale.HandleAsync(new SaleRequest(SaleId.Parse("one-sale"), ProductId.Parse("ONE"), 2)));
            var alert = await meter.MeasureAsync(() => products.DrainAsync());
            return new Result(records, seconds, sale, alert, await ImportAsync(services, meter), await ReportAsync(services, meter));
        }
        finally
        {
            foreach (var table in names.Tables)
            {
                await dynamo.DeleteTableAsync(table);
            }
        }
    }

    /// <summary>
    /// The Import function in process on the first <see cref="ImportRows"/> rows of the retail file as history (the
    /// README's mapping, --create-products --stock ignore), put in the bucket and its notification queued; timed from
    /// the first delivery to the queue drained: S3 reads, every row's writes, the Imports item, the result files.
    /// </summary>
    private static async Task<ImportResult> ImportAsync(IServiceProvider services, CapacityMeter meter)
    {
        var names = services.GetRequiredService<IOptions<AwsOptions>>().Value;
        var s3 = services.GetRequiredService<Amazon.S3.IAmazonS3>();
        var sqs = services.GetRequiredService<Amazon.SQS.IAmazonSQS>();
        await s3.PutBucketAsync(names.Bucket);
        var queue = (await sqs.CreateQueueAsync($"{names.Bucket}-imports")).QueueUrl;
        var csv = new StringBuilder();
        using (var reader = new StreamReader(new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine("..", "shared", "realdata", "online-retail-uci.csv.gz")),
            System.IO.Compression.CompressionMode.Decompress)))
        {
            for (var i = 0; i <= ImportRows && reader.ReadLine() is { } line; i++)
            {
                csv.Append(line).Append('\n');
            }
        }

        var settings = new ImportSettings
        {
            Map = ImportOptionText.Map(["StockCode=product_id", "Description=product_name", "Quantity=quantity", "InvoiceDate=sale_date", "UnitPrice=current_price"]),
            CreateProducts = true,
            Stock = StockMode.Ignore,
        };
        var (importId, key) = await services.GetRequiredService<S3Imports>().UploadAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())), "retail.csv",
            settings, CancellationToken.None);
        await new S3Notifications(s3, sqs, services.GetRequiredService<DynamoImports>(), names.Bucket, queue, TimeProvider.System).SendNewAsync(CancellationToken.None);
        var mapping = new SqsEventSourceMapping(Import.Name, Functions.Create(Import.Name, services), sqs, queue, batchSize: 1);
        var clock = Stopwatch.StartNew();
        var capacity = await meter.MeasureAsync(() => mapping.DrainAsync());
        var seconds = clock.Elapsed.TotalSeconds;
        var item = await services.GetRequiredService<DynamoImports>().FindAsync(importId);
        if (item?.Status != Core.Imports.ImportStatus.Done)
        {
            throw new InvalidOperationException($"The import of {key} did not finish: {item?.Status} {item?.Error}");
        }

        await sqs.DeleteQueueAsync(queue);
        return new ImportResult(ImportRows, seconds, capacity, mapping.Invocations);
    }

    /// <summary>
    /// The WeeklyReport function over a week of <see cref="ReportSales"/> sales of <see cref="Products"/> products, written
    /// straight to the Sales table (BatchWriteItem, 8 at once); timed from the scheduled event to its answer: the sales
    /// read through by_day, the catalogue and alerts scanned, the three files put, the Reports item.
    /// </summary>
    private static async Task<ReportResult> ReportAsync(IServiceProvider services, CapacityMeter meter)
    {
        var names = services.GetRequiredService<IOptions<AwsOptions>>().Value;
        var dynamo = services.GetRequiredService<IAmazonDynamoDB>();
        var end = new DateTimeOffset(2026, 11, 19, 17, 0, 0, TimeSpan.Zero);
        var seeding = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, ReportSales).Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, cancellationToken) =>
        {
            var writes = chunk.Select(i => new WriteRequest(new PutRequest(SaleItem.ToItem(new Sale(SaleId.Parse($"w{i:D7}"), ProductId.Parse($"P{i % Products:D5}"),
                end.AddSeconds(-1 - (i * 604_000L / ReportSales)), 1 + (i % 3), Money.FromTenThousandths(25_500)), end)))).ToList();
            var request = new Dictionary<string, List<WriteRequest>> { [names.SalesTable] = writes };
            while (request.Count > 0)
            {
                var response = await dynamo.BatchWriteItemAsync(request, cancellationToken);
                request = response.UnprocessedItems is { Count: > 0 } left ? left : [];
            }
        });
        var seedSeconds = seeding.Elapsed.TotalSeconds;
        var handler = Functions.Create(WeeklyReport.Name, services);
        var clock = Stopwatch.StartNew();
        var capacity = await meter.MeasureAsync(async () =>
        {
            await using var response = await handler(new MemoryStream(Encoding.UTF8.GetBytes(
                $$"""{"version":"0","id":"bench","detail-type":"Scheduled Event","source":"aws.events","time":"{{end:yyyy-MM-dd'T'HH:mm:ss'Z'}}","detail":{ } }""")));
        });
        return new ReportResult(ReportSales, seedSeconds, clock.Elapsed.TotalSeconds, capacity);
    }


    private static string Run(string script, string state)
    {
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true };
        start.Environment["STOCKWATCH_AWS_LOCAL_STATE"] = state;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{script} failed ({process.ExitCode}).");
    }

    [GeneratedRegex(@"^export (\w+)=(\S*)$", RegexOptions.Multiline)]
    private static partial Regex Export();

    /// <summary>
    /// The DynamoDB client with every call asked for its consumed capacity (<c>ReturnConsumedCapacity=TOTAL</c>), which
    /// is added up while a measurement runs: reads (GetItem, Query, Scan) apart from writes.
    /// </summary>
    public class CapacityMeter : System.Reflection.DispatchProxy
    {
        private readonly List<Task> _calls = [];
        private IAmazonDynamoDB _client = null!;
        private bool _measuring;

        public static IAmazonDynamoDB Around(IAmazonDynamoDB client, out CapacityMeter meter)
        {
            var proxy = Create<IAmazonDynamoDB, CapacityMeter>();
            meter = (CapacityMeter)(object)proxy;
            meter._client = client;
            return proxy;
        }

        public async Task<Capacity> MeasureAsync(Func<Task> work)
        {
            _calls.Clear();
            _measuring = true;
            try
            {
                await work();
            }
            finally
            {
                _measuring = false;
            }

            double read = 0, write = 0;
            foreach (var call in _calls)
            {
                var response = call.GetType().GetProperty(nameof(Task<int>.Result))!.GetValue(call);
                var units = (response?.GetType().GetProperty(nameof(GetItemResponse.ConsumedCapacity))?.GetValue(response) switch
                {
                    ConsumedCapacity one => [one],
                    List<ConsumedCapacity> many => many,
                    _ => [],
                }).Sum(c => c.CapacityUnits ?? 0);
                if (response is GetItemResponse or QueryResponse or ScanResponse)
                {
                    read += units;
                }
                else
                {
                    write += units;
                }
            }

            return new Capacity(read, write, _calls.Count);
        }

        public Task<Capacity> MeasureAsync<T>(Func<Task<T>> work) => MeasureAsync(async () => { await work(); });

        protected override object? Invoke(System.Reflection.MethodInfo? method, object?[]? args)
        {
            var request = args is [AmazonDynamoDBRequest first, ..] ? first : null;
            if (_measuring && request?.GetType().GetProperty(nameof(GetItemRequest.ReturnConsumedCapacity)) is { } property)
            {
                property.SetValue(request, ReturnConsumedCapacity.TOTAL);
            }

            var result = method!.Invoke(_client, args);
            if (_measuring && request is not null && result is Task call)
            {
                lock (_calls)
                {
                    _calls.Add(call);
                }
            }

            return result;
        }
    }
}
