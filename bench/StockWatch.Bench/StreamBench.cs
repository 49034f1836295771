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
    /// <param name="ImportSeconds">The import that left the backlog, in process, until its commit.</param>
    public sealed record Drain(int Changes, double Seconds, double CpuSeconds, int Alerts, double ImportSeconds)
    {
        public double PerSecond => Changes / Seconds;
    }

    /// <param name="Sales">Sales committed while the backlog drained: the time from each one's commit to its alert stored.</param>
    /// <param name="DrainSeconds">From the start of the drain to the backlog's end.</param>
    /// <param name="StoredDuringDrain">How many of those alerts were stored before the backlog's end.</param>
    public sealed record Latency(Stats Sales, int Backlog, double DrainSeconds, int StoredDuringDrain);

    /// <summary>A command's wall time and processor time (user and system, its children's included).</summary>
    public sealed record Timing(double Seconds, double CpuSeconds);

    /// <summary>
    /// One file imported as a process: <c>stockwatch import</c> now and as built from an earlier commit (when that build is given), each
    /// until its process exits with every alert stored; the sqlite3 tool's <c>.import</c> of the same file into a fresh table.
    /// </summary>
    public sealed record Import(string Name, int Rows, Timing Now, Timing? Before, Timing Cli, long Alerts);

    public sealed record Imports(IReadOnlyList<Import> Files, string? BeforeCommit);

    /// <param name="Held">Drained by the process that imported it, from the images the import handed over.</param>
    /// <param name="ReadBack">The same backlog (a copy taken before) drained by another process, reading every change back.</param>
    public sealed record Drains(Drain Held, Drain ReadBack);

    public sealed record Result(Imports Imports, Drains ProductsDrain, Drains SalesDrain, Latency Latency);

    /// <summary>
    /// The imports a user waits for, as processes: 1M new products, then the same with 13 % changed on top of them, and
    /// <paramref name="sales"/> sales of 10,000 products (after their products), each against <c>.import</c>.
    /// </summary>
    /// <param name="before">The output folder of a build of an earlier commit (its <c>stockwatch.dll</c>), or <c>null</c>.</param>
    public static Imports MeasureImports(string work, int products, int sales, string? before, string? beforeCommit)
    {
        var files = Directory.CreateDirectory(Path.Combine(work, "stream-files")).FullName;
        var (productsFile, changedFile) = (Path.Combine(files, "products.csv"), Path.Combine(files, "products-changed.csv"));
        var (saleProductsFile, salesFile) = (Path.Combine(files, "sale-products.csv"), Path.Combine(files, "sales.csv"));
        ImportBench.WriteProducts(productsFile, products, changed: false);
        ImportBench.WriteProducts(changedFile, products, changed: true);
        ImportBench.WriteProducts(saleProductsFile, ImportBench.SaleProducts, changed: false, stock: 1_000_000_000);
        ImportBench.WriteSales(salesFile, sales);

        // Each build imports into a folder of its own: the products, then the changed file on top; the sales in another.
        Dictionary<string, (Timing New, Timing Changed, Timing Sales, long[] Alerts)> runs = [];
        foreach (var (name, folder) in new[] { ("now", AppContext.BaseDirectory), ("before", before) })
        {
            if (folder is null)
            {
                continue;
            }

            var executable = Path.Combine(folder, "stockwatch.dll");
            var (data, salesData) = (Path.Combine(work, $"stream-{name}"), Path.Combine(work, $"stream-{name}-sales"));
            var timed = ImportAs(executable, productsFile, data);
            var alertsNew = Alerts(data);
            var changed = ImportAs(executable, changedFile, data);
            var alertsChanged = Alerts(data) - alertsNew;
            ImportAs(executable, saleProductsFile, salesData);
            var alertsBefore = Alerts(salesData);
            var sold = ImportAs(executable, salesFile, salesData);
            runs[name] = (timed, changed, sold, [alertsNew, alertsChanged, Alerts(salesData) - alertsBefore]);
        }

        var cliDb = Path.Combine(work, "stream-cli.db");
        Processes.Sqlite3(cliDb, ImportBench.Pragmas + ImportBench.ProductsTable("products") + ImportBench.ProductsTable("changed") + ImportBench.SalesTable);
        var cliNew = Cli(cliDb, work, $".import --csv --skip 1 {productsFile} products");
        var cliChanged = Cli(cliDb, work, $".import --csv --skip 1 {changedFile} changed");
        var cliSales = Cli(cliDb, work, $".import --csv --skip 1 {salesFile} sales");

        var now = runs["now"];
        var then = runs.TryGetValue("before", out var b) ? b : default((Timing New, Timing Changed, Timing Sales, long[] Alerts)?);
        return new Imports(
        [
            new Import($"{products:N0} new products", products, now.New, then?.New, cliNew, now.Alerts[0]),
            new Import($"the same, {ImportBench.ChangedShare:P0} changed", products, now.Changed, then?.Changed, cliChanged, now.Alerts[1]),
            new Import($"{sales:N0} sales of {ImportBench.SaleProducts:N0} products", sales, now.Sales, then?.Sales, cliSales, now.Alerts[2]),
        ], beforeCommit);
    }

    private static Timing ImportAs(string executable, string file, string data)
    {
        ImportBench.Quiesce();
        var (seconds, cpu, _) = Processes.MeasureWithCpu("dotnet", executable, "import", file, "--data", data);
        var pending = Processes.Sqlite3(Path.Combine(data, SqliteDatabase.FileName),
            "SELECT (SELECT MAX(seq) FROM changes) - IFNULL((SELECT last_seq FROM stream_checkpoints WHERE consumer = 'alerts'), 0);");
        return pending == "0" ? new Timing(seconds, cpu) : throw new InvalidOperationException($"{executable} left {pending} changes unprocessed.");
    }

    private static long Alerts(string data) =>
        long.Parse(Processes.Sqlite3(Path.Combine(data, SqliteDatabase.FileName), "SELECT COUNT(*) FROM alerts;"), CultureInfo.InvariantCulture);

    private static Timing Cli(string db, string work, string command)
    {
        ImportBench.Quiesce();
        var (seconds, cpu, _) = Processes.MeasureWithCpu("sqlite3", db, ImportBench.Script(work, $"cli-{Guid.NewGuid():N}.sql", command));
        return new Timing(seconds, cpu);
    }

    /// <summary>The backlog of a fresh import of <paramref name="products"/> new products, drained alone (in process).</summary>
    public static async Task<Drains> DrainProductsAsync(string work, int products)
    {
        var folder = Path.Combine(work, "drain-products");
        var file = Path.Combine(work, "drain-products.csv");
        ImportBench.WriteProducts(file, products, changed: false);
        using var database = SqliteDatabase.InFolder(folder);
        database.Migrate();
        var imported = Stopwatch.StartNew();
        await ImportAsync(database, file, new ImportSettings());
        await database.BackgroundCheckpoint;
        database.Checkpoint();
        return await DrainBothAsync(database, imported.Elapsed.TotalSeconds);
    }

    /// <summary>The backlog of a sales import (one change per sale, of 10,000 products), drained alone (in process).</summary>
    public static async Task<Drains> DrainSalesAsync(string work, int sales)
    {
        var folder = Path.Combine(work, "drain-sales");
        var (productsFile, salesFile) = (Path.Combine(work, "drain-sale-products.csv"), Path.Combine(work, "drain-sales.csv"));
        ImportBench.WriteProducts(productsFile, ImportBench.SaleProducts, changed: false, stock: 1_000_000_000);
        ImportBench.WriteSales(salesFile, sales);
        using var database = SqliteDatabase.InFolder(folder);
        database.Migrate();
        await ImportAsync(database, productsFile, new ImportSettings());
        await new StreamProcessor(new SqliteChangeStream(database, TimeProvider.System), Seeding.Options).DrainAsync(CancellationToken.None);
        var imported = Stopwatch.StartNew();
        await ImportAsync(database, salesFile, new ImportSettings());
        await database.BackgroundCheckpoint;
        database.Checkpoint();
        return await DrainBothAsync(database, imported.Elapsed.TotalSeconds);
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
        var committed = new ConcurrentDictionary<string, long>();
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
                committed[Target(i).Value] = Stopwatch.GetTimestamp();
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
        var during = committed.Where(c => c.Value < end).ToList();
        List<long> latencies = [.. during.Select(c => stored[c.Key] - c.Value)];
        var seconds = (end - started) / (double)Stopwatch.Frequency;
        return new Latency(Stats.From(latencies, seconds), backlog, seconds, during.Count(c => stored[c.Key] < end));
    }

    public static void WriteSection(string path, Result result)
    {
        static string S(double seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.00} s");
        static string T(Timing t) => string.Create(CultureInfo.InvariantCulture, $"{t.Seconds:0.00} s ({t.CpuSeconds:0.0} s CPU)");
        static string X(double ratio) => string.Create(CultureInfo.InvariantCulture, $"{ratio:0.00}×");
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[..3] : ["?", "?", "?"];
        var imports = result.Imports;
        var hasBefore = imports.Files.Any(f => f.Before is not null);
        var text = new StringBuilder()
            .AppendLine(Heading)
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured by `bench/run.sh --stream` on {TimeProvider.System.GetUtcNow():yyyy-MM-dd} ({Environment.ProcessorCount} cores, .NET {Environment.Version}),"))
            .AppendLine($"with the machine's load average at {string.Join(", ", load)} at the end (other work shared its cores): compare each figure with")
            .AppendLine("its baseline of the same run, not with figures of other runs. The processor times (CPU) move less with the load than")
            .AppendLine("the wall times.")
            .AppendLine()
            .AppendLine("**What a user waits for.** Each time is `stockwatch import FILE` as a process, from its start until it exits, which")
            .AppendLine("it does once the import is committed and every change it made is processed, its alerts stored (checked: nothing")
            .AppendLine("left after the checkpoint). The changed file is imported on top of the new products; the sales after their")
            .AppendLine("products (not in the time). `sqlite3 .import`: the same file into a fresh table of the same keys (the sales with")
            .AppendLine("StockWatch's indexes), in WAL mode with `synchronous=NORMAL`; the ratio is StockWatch's speed against it."
                + (hasBefore ? $" \"Before\": the same command built from {imports.BeforeCommit ?? "the commit before issue 21"}, run in the same way." : string.Empty))
            .AppendLine()
            .AppendLine(hasBefore
                ? "| file | StockWatch | before | sqlite3 `.import` | StockWatch / `.import` | before / `.import` | alerts |"
                : "| file | StockWatch | sqlite3 `.import` | StockWatch / `.import` | alerts |")
            .AppendLine(hasBefore ? "|---|---:|---:|---:|---:|---:|---:|" : "|---|---:|---:|---:|---:|");
        foreach (var f in imports.Files)
        {
            text.AppendLine(hasBefore
                ? string.Create(CultureInfo.InvariantCulture, $"| {f.Name} | {T(f.Now)} | {(f.Before is { } b ? T(b) : "")} | {T(f.Cli)} | {X(f.Cli.Seconds / f.Now.Seconds)} | {(f.Before is { } c ? X(f.Cli.Seconds / c.Seconds) : "")} | {f.Alerts:N0} |")
                : string.Create(CultureInfo.InvariantCulture, $"| {f.Name} | {T(f.Now)} | {T(f.Cli)} | {X(f.Cli.Seconds / f.Now.Seconds)} | {f.Alerts:N0} |"));
        }

        var first = imports.Files[0];
        var d = result.ProductsDrain;
        var l = result.Latency;
        text
            .AppendLine()
            .AppendLine($"- New products end to end, StockWatch / `.import`: **{X(first.Cli.Seconds / first.Now.Seconds)}** (target ≥ 0.5×: {Report.Verdict(first.Cli.Seconds / first.Now.Seconds >= 0.5)})")
            .AppendLine()
            .AppendLine("**The drain alone.** A backlog left by an import in process (`ImportFile`, committed, its pages checkpointed from")
            .AppendLine("the WAL into the database: \"the import alone\", beside), then `StreamProcessor.DrainAsync` as `serve` and the CLI run it, timed")
            .AppendLine($"alone: batches of {StreamProcessor.BatchSize:N0} changes, each read, decided and written in one transaction. \"Held\": drained by the process")
            .AppendLine("that imported, as `stockwatch import` and `serve` do, from the images its import handed over (docs/decisions/0017);")
            .AppendLine("\"read back\": a copy of the same backlog, taken before, drained by the database opened afresh, as another process or a")
            .AppendLine("restart would, reading every change back (both store the same alerts: checked). CPU: the process's processor time meanwhile (all threads).")
            .AppendLine()
            .AppendLine("| backlog | drained | changes | drain | changes/s | CPU | changes per CPU-second | alerts | the import alone |")
            .AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, drains) in new[] { ("new products", result.ProductsDrain), ("sales (one change per sale)", result.SalesDrain) })
        {
            foreach (var (how, drain) in new[] { ("held", drains.Held), ("read back", drains.ReadBack) })
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {how} | {drain.Changes:N0} | {S(drain.Seconds)} | {drain.PerSecond:N0} | {S(drain.CpuSeconds)} | {drain.Changes / drain.CpuSeconds:N0} | {drain.Alerts:N0} | {S(drain.ImportSeconds)} |"));
            }
        }

        text
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"- Drain of {d.Held.Changes:N0} new products' changes by the importing process: **{d.Held.PerSecond:N0} changes/s** (target ≥ 500,000/s: {Report.Verdict(d.Held.PerSecond >= 500_000)});"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"  read back: {d.ReadBack.PerSecond:N0} changes/s ({Report.Verdict(d.ReadBack.PerSecond >= 500_000)})."))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"- The stream costs {d.Held.Seconds / d.Held.ImportSeconds:0.00}× the import that left it, held ({d.ReadBack.Seconds / d.ReadBack.ImportSeconds:0.00}× read back; target: less than the import)."))
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"**A sale's alert while a backlog drains.** `serve`'s stream loop (a step of the backlog, then the lane of new single writes; a wait"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"for the next commit when nothing is pending) on a backlog of {l.Backlog:N0} new products' changes, while a client sells one unit of a product"))
            .AppendLine("at its threshold + 1 every 5 ms, through the store as the API does (each sale raises a LOW_STOCK): the time from each sale's")
            .AppendLine("commit to its alert stored, over the sales committed before the backlog's end. Before issue 21 the stream took changes")
            .AppendLine("in order only, so a sale waited for the whole backlog ahead of it (the drain time, up to the first table's figures).")
            .AppendLine()
            .AppendLine("| | sales | p50 | p99 | p99.9 | drain of the backlog | alerts stored before its end |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|")
            .AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| sale → LOW_STOCK stored | {l.Sales.Events:N0} | {Report.Ms(l.Sales.P50Us)} | {Report.Ms(l.Sales.P99Us)} | {Report.Ms(l.Sales.P999Us)} | {S(l.DrainSeconds)} | {l.StoredDuringDrain:N0} |"))
            .AppendLine()
            .AppendLine($"- p99: **{Report.Ms(l.Sales.P99Us)}** (target ≤ 2 s during a drain: {Report.Verdict(l.Sales.P99Us <= 2_000_000)})");
        Report.ReplaceSection(path, Heading, text.ToString());
    }

    private static ProductId Target(int i) => ProductId.Parse($"TARGET{i:D5}");

    /// <summary>
    /// The backlog drained by the process that left it (from the images its import handed over), and a copy of it (taken
    /// before) by a database opened afresh, as another process or a restart would: every change read back.
    /// </summary>
    private static async Task<Drains> DrainBothAsync(SqliteDatabase database, double importSeconds)
    {
        var copy = Path.Combine(Path.GetDirectoryName(database.Path)!, "read-back", SqliteDatabase.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        database.Backup(copy);
        var held = await DrainAsync(database, importSeconds);
        using var elsewhere = new SqliteDatabase(copy);
        var readBack = await DrainAsync(elsewhere, importSeconds);
        return readBack.Alerts == held.Alerts && readBack.Changes == held.Changes
            ? new Drains(held, readBack)
            : throw new InvalidOperationException($"The held drain stored {held.Alerts} alerts of {held.Changes} changes, the read-back one {readBack.Alerts} of {readBack.Changes}.");
    }

    private static async Task<Drain> DrainAsync(SqliteDatabase database, double importSeconds)
    {
        var stream = new SqliteChangeStream(database, TimeProvider.System);
        var changes = (int)stream.Pending(StreamProcessor.Consumer);
        Processes.Output("sync");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var alerts = await new StreamProcessor(stream, Seeding.Options).DrainAsync(CancellationToken.None);
        return new Drain(changes, clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, alerts.Count, importSeconds);
    }

    private static async Task<ImportSummary> ImportAsync(SqliteDatabase database, string file, ImportSettings settings)
    {
        var import = new ImportFile(new SqliteInventoryStore(database, Seeding.Options), TimeProvider.System,
            Microsoft.Extensions.Options.Options.Create(new ImportOptions()));
        await using var stream = File.OpenRead(file);
        return await import.HandleAsync(stream, settings, $"bench-{Guid.NewGuid():N}"[..20], Path.GetFileName(file));
    }
}
