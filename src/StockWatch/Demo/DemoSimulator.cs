using StockWatch.Core;
using StockWatch.Core.Access;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Demo;

/// <summary>
/// <c>serve --demo</c>: seeds a believable catalogue when the data folder has none, then keeps selling, restocking and
/// now and then repricing at a gentle pace, so a newcomer watches alerts arrive. It makes a writer key named
/// <c>demo</c> for the dashboard (replacing the last run's) and prints it, so the two Quick-start commands are enough.
/// </summary>
public sealed partial class DemoSimulator(
    IInventoryStore store, SetProduct setProduct, MoveStock moveStock, RecordSale recordSale, ApiKeys keys, TimeProvider time,
    ILogger<DemoSimulator> logger) : BackgroundService
{
    public const string KeyName = "demo";
    private const string Cause = "demo";
    private static readonly TimeSpan Pace = TimeSpan.FromSeconds(1);

    private static readonly (string Category, string[] Items, decimal Price)[] Catalogue =
    [
        ("Home", ["HEART T-LIGHT HOLDER", "LANTERN", "CUSHION COVER", "DOORMAT", "PHOTO FRAME", "CANDLE", "VASE", "CLOCK"], 4.95m),
        ("Kitchen", ["TEA TOWEL", "MUG", "CAKE TIN", "JAM JAR", "LUNCH BOX", "APRON", "BAKING SET", "TEAPOT"], 3.75m),
        ("Garden", ["BIRD FEEDER", "PLANT POT", "WATERING CAN", "GARDEN SIGN", "SEED TIN", "WIND CHIME"], 6.50m),
        ("Stationery", ["NOTEBOOK", "PENCIL SET", "GIFT WRAP", "GREETING CARD", "STICKER SHEET", "PEN POT"], 1.25m),
        ("Toys", ["SPACEBOY LUNCH BOX", "DOLLY GIRL BAG", "SKITTLES", "JIGSAW", "PLAYING CARDS", "KITE"], 2.95m),
    ];

    private static readonly string[] Colours = ["WHITE", "RED", "PINK", "BLUE", "GREEN", "VINTAGE", "RETRO", "IVORY"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (keys.List().Any(k => k.Name == KeyName && k.RevokedAt is null))
        {
            await keys.RevokeAsync(KeyName);
        }

        var (_, secret) = await keys.CreateAsync(KeyName, Role.Writer);
        LogKey(secret);
        var random = new Random(5080);
        var ids = await SeedAsync(random);
        LogSeeded(ids.Count);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Pace, time, stoppingToken);
                await StepAsync(random, ids);
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

        return ids;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo: open the dashboard and enter this key (writer, valid until the next demo start): {Secret}")]
    private partial void LogKey(string secret);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Demo step skipped: {Reason}")]
    private partial void LogSkipped(string reason);
}
