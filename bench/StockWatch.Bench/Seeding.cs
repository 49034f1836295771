using Microsoft.Extensions.Options;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Sqlite;

namespace StockWatch.Bench;

/// <summary>A database in server mode (background checkpoints) with a catalogue of products.</summary>
public static class Seeding
{
    public const int Products = 1000;

    public static readonly IOptions<AlertOptions> Options = Microsoft.Extensions.Options.Options.Create(new AlertOptions());

    public static (SqliteDatabase Database, SqliteInventoryStore Store) Create(string folder)
    {
        var database = SqliteDatabase.InFolder(folder, manualCheckpoints: true);
        database.Migrate();
        var store = new SqliteInventoryStore(database, Options);
        var set = new SetProduct(store, TimeProvider.System);
        for (var i = 0; i < Products; i++)
        {
            set.HandleAsync(new SetProductRequest(Id(i))
            {
                Name = $"Product {i}",
                Category = $"Category {i % 12}",
                Stock = 1_000_000,
                Price = Money.From(1m, "product_price"),
                LowStockThreshold = 10,
            }, "seed").GetAwaiter().GetResult();
        }

        database.BackgroundCheckpoint.Wait();
        database.Checkpoint();
        return (database, store);
    }

    /// <summary>As <see cref="Create"/>, the same tables and indexes without StockWatch's change triggers: the Python baseline appends the change itself, as a plain script would.</summary>
    public static SqliteDatabase CreateForScript(string folder)
    {
        var (database, _) = Create(folder);
        using var session = database.Open();
        session.Execute("DROP TRIGGER products_change_insert; DROP TRIGGER products_change_update; DROP TRIGGER products_change_delete;");
        return database;
    }

    public static ProductId Id(int i) => ProductId.Parse($"SKU{i % Products:D5}");

    /// <summary>Checkpoints the WAL once a second, as <c>serve</c> does, until cancelled.</summary>
    public static Task CheckpointInBackground(SqliteDatabase database, CancellationToken stop) => Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            database.Checkpoint();
            await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, CancellationToken.None);
        }
    }, CancellationToken.None);
}
