using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;
using StockWatch.Hosting;
using StockWatch.Lambda;
using StockWatch.Lambda.Local;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary>
/// The AWS shape for one test: its own tables (unique names: DynamoDB Local shares one database between runs), the
/// functions composed as Lambda composes them, the use cases on the DynamoDB store with a fake clock, and the event
/// source mappings of the deployed stack.
/// </summary>
public sealed class AwsStack : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _settings;

    private AwsStack(IServiceProvider services, AwsOptions names, string prefix, Dictionary<string, string?> settings)
    {
        _settings = settings;
        Prefix = prefix;
        Services = services;
        Names = names;
        Store = services.GetRequiredService<DynamoInventoryStore>();
        SetProduct = new SetProduct(Store, Time);
        MoveStock = new MoveStock(Store, Time);
        DeleteProduct = new DeleteProduct(Store, Time);
        RecordSale = new RecordSale(Store, Time, Microsoft.Extensions.Options.Options.Create(new StockWatch.Core.Imports.ImportOptions()));
    }

    /// <summary>What the stack's resources are named with (<see cref="AwsOptions.Prefixed"/>).</summary>
    public string Prefix { get; }

    public IServiceProvider Services { get; }
    public AwsOptions Names { get; }
    public FakeTimeProvider Time { get; } = new(Builders.T0);
    public DynamoInventoryStore Store { get; }
    public SetProduct SetProduct { get; }
    public MoveStock MoveStock { get; }
    public DeleteProduct DeleteProduct { get; }
    public RecordSale RecordSale { get; }
    public IAmazonDynamoDB Dynamo => Services.GetRequiredService<IAmazonDynamoDB>();
    public IAmazonSQS Sqs => Services.GetRequiredService<IAmazonSQS>();

    /// <param name="settings">More settings for the functions (channels, say).</param>
    /// <param name="configure">Registrations that replace the functions' own.</param>
    public static async Task<AwsStack> CreateAsync(string? topicArn = null, AlertOptions? alerts = null, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null)
    {
        var prefix = $"t{Guid.NewGuid():N}"[..13];
        var names = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["StockWatch:Aws:TopicArn"] = topicArn,
            ["StockWatch:Alerts:DefaultLowStockThreshold"] = (alerts ?? new AlertOptions()).DefaultLowStockThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in AwsOptions.Prefixed(prefix))
        {
            names[key] = value;
        }
        var services = LambdaServices.Build(new ConfigurationBuilder().AddInMemoryCollection(names).Build(), configure);
        var options = services.GetRequiredService<IOptions<AwsOptions>>().Value;
        await AwsTables.CreateAsync(services.GetRequiredService<IAmazonDynamoDB>(), options, TimeProvider.System);
        await services.GetRequiredService<Amazon.S3.IAmazonS3>().PutBucketAsync(options.Bucket);
        return new AwsStack(services, options, prefix, names);
    }

    /// <summary>The functions composed again on the same settings, as another process (local-run started anew) composes them.</summary>
    /// <param name="configure">Registrations that replace that process's own (a clock, a client that stops answering).</param>
    public IServiceProvider AnotherProcess(Action<IServiceCollection>? configure = null) =>
        LambdaServices.Build(new ConfigurationBuilder().AddInMemoryCollection(_settings).Build(), configure);

    /// <summary>The embedded shape over a data folder, composed as its hosts compose it: the other side of side-by-side tests.</summary>
    public static ServiceProvider Embedded(string dataFolder, IDictionary<string, string?>? settings = null, bool server = false) => new ServiceCollection()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build())
        .AddLogging()
        .AddStockWatch(dataFolder, server)
        .BuildServiceProvider();

    /// <summary>The stack's mappings as the template declares them (Products → product-changes, Alerts → alert-created), retrying at once.</summary>
    public async Task<IReadOnlyList<StreamEventSourceMapping>> MappingsAsync() =>
        await LocalCommands.CreateMappingsAsync(Services, Names, CancellationToken.None);

    /// <summary>A mapping of the Products stream to a handler of the test's own.</summary>
    public async Task<StreamEventSourceMapping> ProductsMappingAsync(Handler handler, MappingOptions options) =>
        new(ProductChanges.Name, handler, await AwsTables.StreamArnAsync(Dynamo, Names.ProductsTable), DynamoStreams.FromEnvironment(), Sqs, options, Time);

    public Handler ProductChangesHandler => Functions.Create(ProductChanges.Name, Services);

    public Product Create(string id = "85123A", int stock = 50, int? threshold = 10, decimal price = 2.55m, string category = Product.DefaultCategory) =>
        SetProduct.HandleAsync(new SetProductRequest(ProductId.Parse(id))
        {
            Name = $"Product {id}",
            Stock = stock,
            LowStockThreshold = threshold,
            Price = Money.From(price, "product_price"),
            Category = category,
        }, "test").GetAwaiter().GetResult().After!;

    public SaleDecision Sell(string id, int quantity, string? saleId = null) =>
        RecordSale.HandleAsync(new SaleRequest(saleId is null ? SaleId.New() : SaleId.Parse(saleId), ProductId.Parse(id), quantity)).GetAwaiter().GetResult();

    /// <summary>Every stored alert, read straight from the table.</summary>
    public async Task<List<Alert>> AlertsAsync()
    {
        var page = await Dynamo.ScanAsync(new ScanRequest { TableName = Names.AlertsTable, ConsistentRead = true });
        return [.. page.Items.Select(AlertItem.Read).OrderBy(a => a.Time).ThenBy(a => a.ChangeSequence).ThenBy(a => a.Type)];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var table in Names.Tables)
        {
            try
            {
                await Dynamo.DeleteTableAsync(table);
            }
            catch (ResourceNotFoundException)
            {
            }
        }
    }
}
