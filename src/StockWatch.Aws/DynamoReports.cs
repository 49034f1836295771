using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Reports;

namespace StockWatch.Aws;

/// <summary>
/// The weekly report's figures on DynamoDB: a period's sales read through the Sales table's <c>by_day</c> index (one
/// query per UTC day), the catalogue and the alerts by scans, the figures computed as SQLite's queries compute them.
/// </summary>
public sealed class DynamoReportSource(IAmazonDynamoDB dynamo, IOptions<AwsOptions> options) : IReportSource
{
    private readonly AwsOptions _tables = options.Value;

    public ReportTotals Totals(DateTimeOffset start, DateTimeOffset end)
    {
        var sales = Sales(start, end);
        return new ReportTotals(sales.Sum(s => (long)s.Quantity), Revenue(sales), sales.Count,
            sales.Select(s => s.ProductId.Value).Distinct(StringComparer.Ordinal).LongCount());
    }

    public IReadOnlyList<ProductPeriodSales> SalesByProduct(DateTimeOffset start, DateTimeOffset end)
    {
        var products = Products().ToDictionary(p => p.Id.Value, StringComparer.Ordinal);
        return [.. Sales(start, end).GroupBy(s => s.ProductId.Value, StringComparer.Ordinal).Select(g => products.TryGetValue(g.Key, out var p)
            ? new ProductPeriodSales(g.Key, p.Name, p.Category, g.Sum(s => (long)s.Quantity), Revenue(g), g.LongCount())
            : new ProductPeriodSales(g.Key, g.Key, ReportNames.RemovedCategory, g.Sum(s => (long)s.Quantity), Revenue(g), g.LongCount()))];
    }

    public IReadOnlyList<DaySales> SalesByDay(DateTimeOffset start, DateTimeOffset end) =>
        [.. Sales(start, end).GroupBy(s => DateOnly.FromDateTime(s.SaleDate.UtcDateTime)).OrderBy(g => g.Key)
            .Select(g => new DaySales(g.Key, g.Sum(s => (long)s.Quantity), Revenue(g)))];

    public (decimal InventoryValue, IReadOnlyList<SlowMover> SlowMovers, long SlowMoverCount) Catalog(IReadOnlySet<string> sold, int limit)
    {
        var inStock = Products().Where(p => p.Stock > 0).Select(p => (Product: p, Value: p.Stock * (decimal)p.Price.TenThousandths / 10_000m)).ToList();
        var slow = inStock.Where(p => !sold.Contains(p.Product.Id.Value)).ToList();
        return (inStock.Sum(p => p.Value),
            [.. slow.OrderByDescending(p => p.Value).Take(limit).Select(p => new SlowMover(p.Product.Id.Value, p.Product.Name, p.Product.Stock, p.Value))],
            slow.Count);
    }

    public IReadOnlyList<StockRow> AtOrBelowThreshold(int defaultThreshold, DateTimeOffset windowStart, DateTimeOffset end, int limit)
    {
        var concerns = Products().Where(p => p.StockCounted && p.Stock <= p.ThresholdOr(defaultThreshold))
            .OrderBy(p => p.Stock).ThenBy(p => p.Id.Value, StringComparer.Ordinal).Take(limit).ToList();
        var units = concerns.Count == 0 ? [] : Sales(windowStart, end).GroupBy(s => s.ProductId.Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(s => (long)s.Quantity), StringComparer.Ordinal);
        return [.. concerns.Select(p => new StockRow(p.Id, p.Name, p.Category, p.Stock, p.ThresholdOr(defaultThreshold), units.GetValueOrDefault(p.Id.Value)))];
    }

    public IReadOnlyDictionary<string, long> AlertsByType(DateTimeOffset start, DateTimeOffset end) =>
        Scan(_tables.AlertsTable).Select(AlertItem.Read).Where(a => a.Time >= start && a.Time < end)
            .GroupBy(a => a.Type.ToWire(), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.LongCount(), StringComparer.Ordinal);

    /// <summary>Σ quantity × price, summed in ten-thousandths as SQLite's query sums them (so the same figure, to the same decimals).</summary>
    private static decimal Revenue(IEnumerable<Core.Sales.Sale> sales) => sales.Sum(s => s.Quantity * s.CurrentPrice.TenThousandths) / 10_000m;

    /// <summary>The sales dated in [start, end): each UTC day's partition of <c>by_day</c>, its date range within the period.</summary>
    private List<Core.Sales.Sale> Sales(DateTimeOffset start, DateTimeOffset end)
    {
        List<Core.Sales.Sale> sales = [];
        for (var day = new DateTimeOffset(start.UtcDateTime.Date, TimeSpan.Zero); day < end; day = day.AddDays(1))
        {
            Dictionary<string, AttributeValue>? from = null;
            do
            {
                var page = dynamo.QueryAsync(new QueryRequest
                {
                    TableName = _tables.SalesTable,
                    IndexName = SaleItem.ByDay,
                    KeyConditionExpression = "#day = :day AND #date BETWEEN :from AND :to",
                    ExpressionAttributeNames = new() { ["#day"] = SaleItem.Day, ["#date"] = SaleItem.Date },
                    ExpressionAttributeValues = new()
                    {
                        [":day"] = new() { S = day.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
                        [":from"] = new() { S = Timestamp.FormatSortable(day < start ? start : day) },
                        // [from, to): the last tick before the end, as the stored times count ticks.
                        [":to"] = new() { S = Timestamp.FormatSortable((day.AddDays(1) > end ? end : day.AddDays(1)).AddTicks(-1)) },
                    },
                    ExclusiveStartKey = from,
                }).GetAwaiter().GetResult();
                sales.AddRange((page.Items ?? []).Select(SaleItem.Read));
                from = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (from is not null);
        }

        return sales;
    }

    private IEnumerable<Product> Products() => Scan(_tables.ProductsTable).Select(ProductItem.Read);

    private List<Dictionary<string, AttributeValue>> Scan(string table)
    {
        List<Dictionary<string, AttributeValue>> items = [];
        Dictionary<string, AttributeValue>? from = null;
        do
        {
            var page = dynamo.ScanAsync(new ScanRequest { TableName = table, ExclusiveStartKey = from, ConsistentRead = true }).GetAwaiter().GetResult();
            items.AddRange(page.Items ?? []);
            from = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (from is not null);
        return items;
    }
}

/// <summary>The Reports table (key <c>report_id</c>, which follows from the period): one item per report, put only if absent.</summary>
public sealed class DynamoReportLedger(IAmazonDynamoDB dynamo, IOptions<AwsOptions> options) : IReportLedger
{
    private const string Id = "report_id";
    private const string Type = "report_type";
    private const string Date = "report_date";
    private const string Location = "report_location";
    private const string Start = "period_start";
    private const string End = "period_end";
    private const string Version = "report_version";

    private readonly string _table = options.Value.ReportsTable;

    public async Task<bool> TryAddAsync(Report report)
    {
        if (FindByPeriod(report.ReportType, report.PeriodEnd) is not null)
        {
            return false;
        }

        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _table,
                Item = new()
                {
                    [Id] = new() { S = report.ReportId },
                    [Type] = new() { S = report.ReportType },
                    [Date] = new() { S = Timestamp.FormatSortable(report.ReportDate) },
                    [Location] = new() { S = report.ReportLocation.AbsoluteUri },
                    [Start] = new() { S = Timestamp.FormatSortable(report.PeriodStart) },
                    [End] = new() { S = Timestamp.FormatSortable(report.PeriodEnd) },
                    [Version] = new() { N = report.Version.ToString(CultureInfo.InvariantCulture) },
                },
                ConditionExpression = "attribute_not_exists(report_id)",
            });
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>Updates the item if it is still at the version before (an item written without a version is version 1).</summary>
    public async Task<bool> TryReplaceAsync(Report report)
    {
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _table,
                Key = new() { [Id] = new() { S = report.ReportId } },
                UpdateExpression = "SET #date = :date, #location = :location, #version = :version",
                ConditionExpression = report.Version == 2
                    ? "attribute_exists(report_id) AND (attribute_not_exists(#version) OR #version = :previous)"
                    : "#version = :previous",
                ExpressionAttributeNames = new() { ["#date"] = Date, ["#location"] = Location, ["#version"] = Version },
                ExpressionAttributeValues = new()
                {
                    [":date"] = new() { S = Timestamp.FormatSortable(report.ReportDate) },
                    [":location"] = new() { S = report.ReportLocation.AbsoluteUri },
                    [":version"] = new() { N = report.Version.ToString(CultureInfo.InvariantCulture) },
                    [":previous"] = new() { N = (report.Version - 1).ToString(CultureInfo.InvariantCulture) },
                },
            });
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public Report? Find(string reportId)
    {
        var response = dynamo.GetItemAsync(new GetItemRequest { TableName = _table, Key = new() { [Id] = new() { S = reportId } }, ConsistentRead = true })
            .GetAwaiter().GetResult();
        return response.IsItemSet ? Read(response.Item) : null;
    }

    public Report? FindByPeriod(string reportType, DateTimeOffset periodEnd) =>
        All().SingleOrDefault(r => r.ReportType == reportType && r.PeriodEnd == periodEnd);

    public IReadOnlyList<Report> List(int limit) =>
        [.. All().OrderByDescending(r => r.PeriodEnd).ThenBy(r => r.ReportId, StringComparer.Ordinal).Take(limit)];

    private IEnumerable<Report> All()
    {
        Dictionary<string, AttributeValue>? from = null;
        do
        {
            var page = dynamo.ScanAsync(new ScanRequest { TableName = _table, ExclusiveStartKey = from, ConsistentRead = true }).GetAwaiter().GetResult();
            foreach (var item in page.Items ?? [])
            {
                yield return Read(item);
            }

            from = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (from is not null);
    }

    private static Report Read(Dictionary<string, AttributeValue> item) => new(
        item[Id].S, Timestamp.ParseStored(item[Date].S), item[Type].S, new Uri(item[Location].S),
        Timestamp.ParseStored(item[Start].S), Timestamp.ParseStored(item[End].S))
    {
        Version = item.TryGetValue(Version, out var version) ? int.Parse(version.N, CultureInfo.InvariantCulture) : 1,
    };
}
