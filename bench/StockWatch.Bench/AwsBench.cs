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

    public sealed record Result(int Records, double Seconds, Capacity Sale, Capacity Alert)
    {
        public double PerSecond => Records / Seconds;
    }

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
        var services = LambdaServices.Build(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StockWatch:Aws:ProductsTable"] = $"{prefix}-Products",
            ["StockWatch:Aws:SalesTable"] = $"{prefix}-Sales",
            ["StockWatch:Aws:AlertsTable"] = $"{prefix}-Alerts",
            ["StockWatch:Aws:AlertStateTable"] = $"{prefix}-AlertState",
            ["StockWatch:Aws:ReportsTable"] = $"{prefix}-Reports",
            ["StockWatch:Aws:ImportsTable"] = $"{prefix}-Imports",
        }).Build(), services => services.AddSingleton(CapacityMeter.Around(new AmazonDynamoDBClient(), out meter)));
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
            return new Result(records, seconds, sale, alert);
        }
        finally
        {
            foreach (var table in names.Tables)
            {
                await dynamo.DeleteTableAsync(table);
            }
        }
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
