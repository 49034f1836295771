using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Sales;
using StockWatch.Core.Stream;
using StockWatch.Sqlite;

namespace StockWatch.Bench;

/// <summary>
/// Issue 21: what a user waits for after an import (the import as a process, until every alert it causes is stored,
/// against the <c>sqlite3</c> tool's <c>.import</c> of the same file), the drain of a 1M-change backlog alone, and a
/// single sale's alert while such a backlog drains. Its own section of docs/benchmarks.md (<c>bench/run.sh --stream</c>).
/// </summary>
public static class StreamBench
{
    public const string Heading = "## The change stream keeps up (issue 21)";

    /// <summary>Sales made, one every <see cref="SaleEvery"/>, while the backlog drains; each raises one LOW_STOCK.</summary>
    private const int LatencyProducts = 2000;
    private static readonly TimeSpan SaleEvery = TimeSpan.FromMilliseconds(5);

    /// <param name="CpuSeconds">The processor time the process used meanwhile (all its threads): what the drain costs on a busy machine.</param>
    public sealed record Drain(int Changes, double Seconds, double CpuSeconds, int Alerts)
    {
        public double PerSecond => Changes / Seconds;
    }

    /// <param name="Sales">Sales whose alert was stored while the backlog was still draining.</param>
    /// <param name="Remaining">Changes of the backlog still pending when the last of them was stored.</param>
    public sealed record Latency(Stats Sales, double DrainSeconds, long Remaining);

    /// <summary>One import as a process: StockWatch now, StockWatch before issue 21 (when given), the sqlite3 tool.</summary>
    public sealed record Import(string Name, int Rows, double StockWatch, double? Before, double Cli, long Alerts);

    public sealed record Result(double Scale, double SalesScale, IReadOnlyList<Import> Imports, Drain ProductsDrain, Drain SalesDrain, Latency Latency, string? BeforeCommit);

    /// <summary>The backlog of a fresh import of <paramref name="products"/> new products, drained alone (in process).</summary>
    public static async Task<Drain> DrainProductsAsync(string work, int products)
    {
        var folder = Path.Combine(work, "drain-products");
        var file = Path.Combine(work, "drain-products.csv");
        ImportBench.WriteProducts(file, products, changed: false);
        using var database = SqliteDatabase.InFolder(folder);
        database.Migrate();
        await ImportAsync(database, file, new ImportSettings());
        return await DrainAsync(database);
    }

    /// <summary>The backlog of a sales import (one change per sale, of 10,000 products), drained alone (in process).</summary>
    public static async Task<Drain> DrainSalesAsync(string work, int sales)
    {
        var folder = Path.Combine(work, "drain-sales");
        var (productsFile, salesFile) = (Path.Combine(work, "drain-sale-products.csv"), Path.Combine(work, "drain-sales.csv"));
        ImportBench.WriteProducts(productsFile, ImportBench.SaleProducts, changed: false, stock: 1_000_000_000);
        ImportBench.WriteSales(salesFile, sales);
        using var database = SqliteDatabase.InFolder(folder);
        database.Migrate();
        await ImportAsync(database, productsFile, new ImportSettings());
        await new StreamProcessor(new SqliteChangeStream(database, TimeProvider.System), Seeding.Options).DrainAsync(CancellationToken.None);
        await ImportAsync(database, salesFile, new ImportSettings());
        return await DrainAsync(database);
    }

    /// <summary>
    /// <c>serve</c>'s stream loop (drain, then wait for a commit) on a backlog of <paramref name="backlog"/> new products,
    /// while a client sells one unit of a product at its threshold + 1 every 5 ms (each sale raises a LOW_STOCK): the time
    /// from each sale's commit to its alert being stored, for the sales made while the backlog drained.
    /// </summary>
    public static async Task<Latency> LatencyAsync(string work, int backlog)
    {
        var file = Path.Combine(work, "latency-products.csv");
        ImportBench.WriteProducts(file, backlog, changed: false);
        var (database, store) = Seeding.Create(Path.Combine(work, "latency"));
        var set = new SetProduct(store, TimeProvider.System);
        for (var i = 0; i < LatencyProducts; i++)
        {
            await set.HandleAsync(new SetProductRequest(Target(i)) { Name = $"Target {i}", Stock = 11, LowStockThreshold = 10, Price = Money.From(1m, "p") }, "seed");
        }

        var stream = new SqliteChangeStream(database, TimeProvider.System);
        var processor = new StreamProcessor(stream, Seeding.Options);
        await processor.DrainAsync(CancellationToken.None);
        await ImportAsync(database, file, new ImportSettings());

        var stored = new ConcurrentDictionary<string, long>();
        using var stop = new CancellationTokenSource();
        var checkpoints = Seeding.CheckpointInBackground(database, stop.Token);
        var started = Stopwatch.GetTimestamp();
        long drained = 0;
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                while (await processor.StepAsync() is { Processed: > 0 } step)
                {
                    var now = Stopwatch.GetTimestamp();
                    foreach (var alert in step.Alerts.Where(a => a.Cause?.StartsWith("sale:", StringComparison.Ordinal) == true))
                    {
                        stored[alert.ProductId.Value] = now;
                    }
                }

                Interlocked.CompareExchange(ref drained, Stopwatch.GetTimestamp(), 0);
                await stream.WaitForChangesAsync(TimeSpan.FromMilliseconds(250), stop.Token);
            }
        }, stop.Token);

        var sell = new RecordSale(store, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new ImportOptions()));
        var committed = new ConcurrentDictionary<string, (long At, long Pending)>();
        var client = new Thread(() =>
        {
            for (var i = 0; i < LatencyProducts && Interlocked.Read(ref drained) == 0; i++)
            {
                var due = started + (long)(i * SaleEvery.TotalSeconds * Stopwatch.Frequency);
                while (Stopwatch.GetTimestamp() < due)
                {
                    Thread.Yield();
                }

                sell.HandleAsync(new SaleRequest(SaleId.New(), Target(i), 1)).GetAwaiter().GetResult();
                committed[Target(i).Value] = (Stopwatch.GetTimestamp(), 0);
            }
        });
        client.Start();
        while (client.IsAlive)
        {
            await Task.Delay(50);
        }

        var deadline = Stopwatch.StartNew();
        while (stored.Count < committed.Count && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await loop.ContinueWith(_ => { }, TaskScheduler.Default);
        await checkpoints;
        var end = Interlocked.Read(ref drained);
        var during = committed.Where(c => c.Value.At < end).ToList();
        List<long> latencies = [.. during.Select(c => stored[c.Key] - c.Value.At)];
        var remaining = new SqliteChangeStream(database, TimeProvider.System).Pending(StreamProcessor.Consumer);
        return new Latency(Stats.From(latencies, (end - started) / (double)Stopwatch.Frequency), (end - started) / (double)Stopwatch.Frequency, remaining);
    }

    private static ProductId Target(int i) => ProductId.Parse($"TARGET{i:D5}");

    private static async Task<Drain> DrainAsync(SqliteDatabase database)
    {
        var stream = new SqliteChangeStream(database, TimeProvider.System);
        var changes = (int)stream.Pending(StreamProcessor.Consumer);
        Processes.Output("sync");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var alerts = await new StreamProcessor(stream, Seeding.Options).DrainAsync(CancellationToken.None);
        return new Drain(changes, clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, alerts.Count);
    }

    private static async Task<ImportSummary> ImportAsync(SqliteDatabase database, string file, ImportSettings settings)
    {
        var import = new ImportFile(new SqliteInventoryStore(database, Seeding.Options), TimeProvider.System,
            Microsoft.Extensions.Options.Options.Create(new ImportOptions()));
        await using var stream = File.OpenRead(file);
        return await import.HandleAsync(stream, settings, $"bench-{Guid.NewGuid():N}"[..20], Path.GetFileName(file));
    }
}
