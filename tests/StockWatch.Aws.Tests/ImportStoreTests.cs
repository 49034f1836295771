using System.Text;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Stream;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary>The core's import pipeline on DynamoDB (DynamoImportStore), side by side with the embedded shape.</summary>
public sealed class ImportStoreTests : IDisposable
{
    private const string ProductsCsv = """
        product_id,product_name,product_category,stock_count,product_price,low_stock_threshold
        85123A,WHITE HANGING HEART,Home,12,2.55,10
        22423,REGENCY CAKESTAND,Kitchen,4,12.75,5
        84879,BIRD ORNAMENT,Home,30,1.69,
        BAD,,Home,-1,x,
        """;

    private const string SalesCsv = """
        sale_id,product_id,sale_date,quantity,current_price
        536365-1,85123A,2026-11-18T10:00:00Z,3,2.55
        536365-2,22423,2026-11-18T10:05:00Z,4,12.75
        536366-1,84879,2026-11-18T11:00:00Z,-2,1.69
        536367-1,NOPE,2026-11-18T12:00:00Z,1,1.00
        536368-1,85123A,2026-11-18T13:00:00Z,1,2.55
        """;

    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ImportingProductsThenSales_LeavesWhatSqliteLeaves_RaisesTheSameAlerts_AndAgainChangesNothing()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var aws = await AwsStack.CreateAsync();
        await using var sqlite = AwsStack.Embedded(_data.Path);
        var onDynamo = new ImportFile(aws.Services.GetRequiredService<IImportStore>(), TimeProvider.System,
            Microsoft.Extensions.Options.Options.Create(new ImportOptions()));
        var onSqlite = sqlite.GetRequiredService<ImportFile>();

        List<string> summaries = [];
        foreach (var importFile in new[] { onDynamo, onSqlite })
        {
            foreach (var (name, csv) in new[] { ("products.csv", ProductsCsv), ("sales.csv", SalesCsv) })
            {
                var summary = await importFile.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), new ImportSettings(), ImportJobs.NewId(), name);
                summaries.Add($"{summary.Kind} {summary.Total} {summary.Accepted} {summary.Rejected} {summary.Unchanged}");
            }
        }

        summaries[..2].Should().Equal(summaries[2..]);
        summaries[0].Should().Be("Products 4 3 1 0");
        summaries[1].Should().Be("Sales 5 4 1 0");
        string Stock(IInventoryStore store) => string.Join(", ", store.ListProducts(new ProductQuery()).Select(p => $"{p.Id} {p.Stock} v{p.Version}"));
        Stock(aws.Store).Should().Be(Stock(sqlite.GetRequiredService<IInventoryStore>())).And.Be("22423 0 v2, 84879 32 v2, 85123A 8 v3");

        var again = await onDynamo.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(SalesCsv)), new ImportSettings(), ImportJobs.NewId(), "sales.csv");
        (again.Accepted, again.Unchanged).Should().Be((0L, 4L));
        Stock(aws.Store).Should().Be("22423 0 v2, 84879 32 v2, 85123A 8 v3");

        var mappings = await aws.MappingsAsync();
        await mappings[0].DrainAsync(cancel);
        var sqliteAlerts = await sqlite.GetRequiredService<StreamProcessor>().DrainAsync(cancel);
        (await aws.AlertsAsync()).Select(a => $"{a.ProductId} {a.Type.ToWire()}").Order()
            .Should().Equal(sqliteAlerts.Select(a => $"{a.ProductId} {a.Type.ToWire()}").Order());
    }
}
