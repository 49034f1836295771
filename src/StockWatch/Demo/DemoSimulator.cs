using System.Globalization;
using System.Text;
using StockWatch.Core;
using StockWatch.Core.Access;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Sales;

namespace StockWatch.Demo;

/// <summary>
/// <c>serve --demo</c>: seeds a believable catalogue and <see cref="HistoryWeeks"/> weeks of its sales history when the
/// data folder has none, then keeps selling, restocking and now and then repricing at a gentle pace, so a newcomer
/// watches alerts arrive. The seeding is done when the host starts it, before the report scheduler (registered after it)
/// makes its first report, so that report, the forecasts and days of cover have something to show. It makes a writer
/// key named <c>demo</c> for the dashboard (replacing the last run's) and prints it on the standard output, in a box
/// and as the last line before the logs.
/// </summary>
public sealed partial class DemoSimulator(
    IInventoryStore store, SetProduct setProduct, MoveStock moveStock, RecordSale recordSale, ImportFile importFile, ApiKeys keys, TimeProvider time,
    ILogger<DemoSimulator> logger) : BackgroundService
{
    public const string KeyName = "demo";
    public const int HistoryWeeks = 8;
    private const string Cause = "demo";
    private static readonly TimeSpan Pace = TimeSpan.FromSeconds(1);

    private readonly Random _random = new(5080);
    private List<ProductId> _ids = [];

    /// <summary>Where the key is printed (the console; tests read it from the process's output).</summary>
    public TextWriter Output { get; init; } = Console.Out;

    private static readonly (string Category, string[] Items, decimal Price)[] Catalogue =
    [
        ("Home", ["HEART T-LIGHT HOLDER", "LANTERN", "CUSHION COVER", "DOORMAT", "PHOTO FRAME", "CANDLE", "VASE", "CLOCK"], 4.95m),
        ("Kitchen", ["TEA TOWEL", "MUG", "CAKE TIN", "JAM JAR", "LUNCH BOX", "APRON", "BAKING SET", "TEAPOT"], 3.75m),
        ("Garden", ["BIRD FEEDER", "PLANT POT", "WATERING CAN", "GARDEN SIGN", "SEED TIN", "WIND CHIME"], 6.50m),
        ("Stationery", ["NOTEBOOK", "PENCIL SET", "GIFT WRAP", "GREETING CARD", "STICKER SHEET", "PEN POT"], 1.25m),
        ("Toys", ["SPACEBOY LUNCH BOX", "DOLLY GIRL BAG", "SKITTLES", "JIGSAW", "PLAYING CARDS", "KITE"], 2.95m),
    ];

    private static readonly string[] Colours = ["WHITE", "RED", "PINK", "BLUE", "GREEN", "VINTAGE", "RETRO", "IVORY"];

    /// <summary>Seeds the catalogue and its history and prints the key, before the services registered after this one start.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _ids = await SeedAsync(_random);
        LogSeeded(_ids.Count);
        if (keys.List().Any(k => k.Name == KeyName && k.RevokedAt is null))
        {
            await keys.RevokeAsync(KeyName);
        }

        var (_, secret) = await keys.CreateAsync(KeyName, Role.Writer);
        await Output.WriteAsync(Box(secret));
        await Output.FlushAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>The key in a box, then on a line of its own (the last before the logs).</summary>
    public static string Box(string secret)
    {
        string[] lines =
        [
            "StockWatch demo: open the dashboard and enter this key",
            "(a writer key, valid until the next demo start):",
            string.Empty,
            $"    {secret}",
        ];
        var width = lines.Max(l => l.Length) + 2;
        var box = new StringBuilder().Append('┌').Append('─', width).Append("┐\n");
        foreach (var line in lines)
        {
            box.Append("│ ").Append(line.PadRight(width - 1)).Append("│\n");
        }

        return box.Append('└').Append('─', width).Append("┘\n").Append("Demo key: ").Append(secret).Append('\n').ToString();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Pace, time, stoppingToken);
                await StepAsync(_random, _ids);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (StockWatchException ex)
            {
                LogSkipped(ex.Message);
            }
        }
    }

    private async Task<List<ProductId>> SeedAsync(Random random)
    {
        var existing = store.ListProducts(new ProductQuery(Limit: 1000));
        if (existing.Count > 0)
        {
            return [.. existing.Select(p => p.Id)];
        }

        List<ProductId> ids = [];
        var number = 20_000;
        foreach (var (category, items, price) in Catalogue)
        {
            foreach (var colour in Colours)
            {
                foreach (var item in items.Take(5))
                {
                    var id = ProductId.Parse($"{++number}{(char)('A' + random.Next(3))}");
                    var threshold = random.Next(4, 16);
                    await setProduct.HandleAsync(new SetProductRequest(id)
                    {
                        Name = $"{colour} {item}",
                        Category = category,
                        Stock = random.Next(10) == 0 ? random.Next(0, threshold + 1) : random.Next(threshold + 5, 120),
                        Price = Money.From(price + random.Next(0, 400) / 100m, "product_price"),
                        LowStockThreshold = threshold,
                    }, Cause);
                    ids.Add(id);
                }
            }
        }

        await SeedHistoryAsync(random, ids);
        return ids;
    }

    /// <summary>
    /// <see cref="HistoryWeeks"/> weeks of sales up to now, imported as history (stock untouched): each product sells at
    /// a rate of its own (most slowly, a few fast), more at weekends, a little more each week, with the odd return.
    /// </summary>
    private async Task SeedHistoryAsync(Random random, List<ProductId> ids)
    {
        var now = time.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var csv = new StringBuilder("sale_id,product_id,quantity,sale_date,current_price\n");
        var line = 0;
        foreach (var id in ids)
        {
            var price = store.FindProduct(id)!.Price.Value;
            var rate = 0.2 + 6 * Math.Pow(random.NextDouble(), 3);
            for (var day = HistoryWeeks * 7; day >= 0; day--)
            {
                var date = today.AddDays(-day);
                var weekday = date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1.4 : date.DayOfWeek == DayOfWeek.Monday ? 0.8 : 1.0;
                var trend = 1 + 0.01 * (HistoryWeeks * 7 - day) / 7;
                for (var sales = Poisson(random, rate * weekday * trend / 1.6); sales > 0; sales--)
                {
                    var at = date.AddMinutes(random.Next(8 * 60, 20 * 60));
                    if (at >= now)
                    {
                        continue;
                    }

                    var quantity = random.Next(50) == 0 ? -1 : random.Next(1, 3);
                    csv.Append(CultureInfo.InvariantCulture, $"demo-h-{++line},{id.Value},{quantity},{Timestamp.Format(at)},{price}\n");
                }
            }
        }

        using var file = new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString()));
        var summary = await importFile.HandleAsync(file, new ImportSettings { Kind = ImportKind.Sales, Stock = StockMode.Ignore }, "demo-history", "demo sales history");
        LogHistory(summary.Accepted, HistoryWeeks);
    }

    /// <summary>A Poisson draw (Knuth's method; the rates here are small).</summary>
    private static int Poisson(Random random, double mean)
    {
        var (limit, product, count) = (Math.Exp(-mean), random.NextDouble(), 0);
        while (product > limit)
        {
            count++;
            product *= random.NextDouble();
        }

        return count;
    }

    private async Task StepAsync(Random random, List<ProductId> ids)
    {
        var id = ids[random.Next(ids.Count)];
        if (store.FindProduct(id) is not { } product)
        {
            return;
        }

        switch (random.Next(20))
        {
            case < 15 when product.Stock > 0:
                await recordSale.HandleAsync(new SaleRequest(SaleId.New(), id, random.Next(1, Math.Min(product.Stock, 4) + 1)));
                break;
            case < 19:
                await moveStock.HandleAsync(id, StockMovement.By(random.Next(20, 80), "delivery"));
                break;
            default:
                var factor = 1 + random.Next(-10, 11) / 100m;
                await setProduct.HandleAsync(new SetProductRequest(id) { Price = Money.From(decimal.Round(product.Price.Value * factor, 2), "product_price") }, Cause);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: {Count} products in the catalogue; simulating sales and deliveries")]
    private partial void LogSeeded(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: {Count} sales of the last {Weeks} weeks imported as history")]
    private partial void LogHistory(long count, int weeks);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Demo step skipped: {Reason}")]
    private partial void LogSkipped(string reason);
}
