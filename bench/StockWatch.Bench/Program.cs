using System.Globalization;
using StockWatch.Bench;

// usage: StockWatch.Bench [OUTPUT.md] [--import-scale S] [--import-only | --products-only | --dashboard-only | --single-only | --api-only | --aws
//        | --drain-only [--sales] | --callgrind | --stream [--sales N] [--before BUILD_FOLDER [--before-commit HASH]]]
// (run from the repository root by bench/run.sh)
// --import-scale 0.1 runs the import benchmark on a tenth of the sizes, for a quick look.
// The full run measures each part in a process of its own (--part NAME WORK RESULT.json, below).
if (args is ["--part", var part, var partWork, var resultFile, ..])
{
    await Parts.RunAsync(part, partWork, resultFile, args[4..]);
    return;
}

var output = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : Path.Combine("docs", "benchmarks.md");
var scaleAt = Array.IndexOf(args, "--import-scale");
var scale = scaleAt >= 0 ? double.Parse(args[scaleAt + 1], CultureInfo.InvariantCulture) : 1.0;
var work = Path.Combine(Path.GetTempPath(), "stockwatch-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(work);
try
{
    if (args.Contains("--import-only"))
    {
        // A quick look at the import and report figures alone: printed, docs/benchmarks.md left as it is.
        var text = new System.Text.StringBuilder();
        var imported = ImportBench.MeasureSales(work, scale);
        Report.Imports(text, new ImportBench.Result(await ImportBench.ProductsAsync(work, scale), imported, Runs: 1));
        Report.Reports(text, await ReportBench.RunAsync(imported.Folder));
        Console.WriteLine(text);
        return;
    }

    if (args.Contains("--products-only"))
    {
        // A quick look at the product imports alone (no sales, no report): printed, docs/benchmarks.md left as it is.
        var text = new System.Text.StringBuilder();
        Report.Imports(text, new ImportBench.Result(await ImportBench.ProductsAsync(work, scale), Sales: null, Runs: 1));
        Console.WriteLine(text);
        return;
    }

    if (args.Contains("--single-only"))
    {
        // A quick look at the single-event path alone: printed, docs/benchmarks.md left as it is.
        var measured = await SingleEventBench.RunAsync(work);
        foreach (var (name, stats) in new[] { ("StockWatch, 1 writer", measured.StockWatch), ("StockWatch, concurrent", measured.StockWatchConcurrent),
                     ("Python, 1 writer", measured.Python), ("Python, threads", measured.PythonConcurrent) })
        {
            Console.WriteLine(Report.Row(name, stats));
        }

        Console.WriteLine($"best StockWatch / best Python: {measured.BestStockWatch.PerSecond / measured.BestPython.PerSecond:0.00}×");
        return;
    }

    if (args.Contains("--api-only"))
    {
        var sales = await ApiBench.RunAsync(work);
        Console.WriteLine(Report.Row("store directly, peak", sales.Direct));
        Console.WriteLine(Report.Row("HTTP API, peak", sales.ApiPeak));
        Console.WriteLine(Report.Row("HTTP API at 1,000/s", sales.ApiAtRate));
        return;
    }

    if (args.Contains("--aws"))
    {
        // The AWS shape on DynamoDB Local: its own section of docs/benchmarks.md, the others left as they are.
        AwsBench.WriteSection(output, await AwsBench.RunAsync(work));
        Console.WriteLine($"wrote the AWS section of {output}");
        return;
    }

    if (args.Contains("--stream"))
    {
        // Issue 21's figures: their own section of docs/benchmarks.md, the others left as they are. --before names the
        // output folder of a build of an earlier commit (--before-commit names it), measured side by side.
        string? Option(string name) => Array.IndexOf(args, name) is var at and >= 0 ? args[at + 1] : null;
        var products = (int)(1_000_000 * scale);
        var sales = int.Parse(Option("--sales") ?? "1000000", CultureInfo.InvariantCulture);
        Console.WriteLine("imports as processes: StockWatch (now and before) vs the sqlite3 tool's .import …");
        var imports = Parts.InProcessOfItsOwn<StreamBench.Imports>("stream-imports", work,
            products.ToString(CultureInfo.InvariantCulture), sales.ToString(CultureInfo.InvariantCulture), Option("--before") ?? "", Option("--before-commit") ?? "");
        Console.WriteLine("the drain alone: a backlog of new products, of sales …");
        var productsDrain = Parts.InProcessOfItsOwn<StreamBench.Drains>("stream-drain-products", work, products.ToString(CultureInfo.InvariantCulture));
        var salesDrain = Parts.InProcessOfItsOwn<StreamBench.Drains>("stream-drain-sales", work, products.ToString(CultureInfo.InvariantCulture));
        Console.WriteLine("a sale's alert while the backlog drains …");
        var latency = Parts.InProcessOfItsOwn<StreamBench.Latency>("stream-latency", work, products.ToString(CultureInfo.InvariantCulture));
        StreamBench.WriteSection(output, new StreamBench.Result(imports, productsDrain, salesDrain, latency));
        Console.WriteLine($"wrote the stream section of {output}");
        return;
    }

    if (args.Contains("--callgrind"))
    {
        // Instructions per event on the single-event path under valgrind: its own section, the others left as they are.
        Console.WriteLine("the single-event path under callgrind: StockWatch and Python, each twice …");
        CallgrindBench.WriteSection(output, CallgrindBench.Run(work));
        Console.WriteLine($"wrote the callgrind section of {output}");
        return;
    }

    if (args.Contains("--drain-only"))
    {
        // A quick look at the drain of a backlog of new products (with --sales: of sales) alone: printed, docs/benchmarks.md left as it is.
        var drains = args.Contains("--sales")
            ? await StreamBench.DrainSalesAsync(work, (int)(1_000_000 * scale))
            : await StreamBench.DrainProductsAsync(work, (int)(1_000_000 * scale));
        foreach (var (how, drain) in new[] { ("held", drains.Held), ("read back", drains.ReadBack) })
        {
            Console.WriteLine($"{how}: {drain.Changes:N0} changes in {drain.Seconds:0.00} s: {drain.PerSecond:N0}/s, {drain.CpuSeconds:0.00} s of CPU, {drain.Alerts:N0} alerts");
        }
        return;
    }

    if (args.Contains("--dashboard-only"))
    {
        var text = new System.Text.StringBuilder();
        Report.Dashboard(text, await DashboardBench.RunAsync(work));
        Console.WriteLine(text);
        return;
    }

    Console.WriteLine("single-event path: StockWatch vs Python sqlite3 …");
    var single = Parts.InProcessOfItsOwn<SingleEventBench.Result>("single", work);
    Console.WriteLine("commit-to-alert latency at 1,000 writes/s …");
    var commitToAlert = Parts.InProcessOfItsOwn<Stats>("commit-to-alert", work);
    Console.WriteLine("sales through the HTTP API vs the store directly …");
    var api = Parts.InProcessOfItsOwn<ApiBench.Result>("api", work);
    Console.WriteLine("CSV imports: StockWatch vs the sqlite3 CLI's .import and Python …");
    var productRuns = Enumerable.Range(1, ImportBench.ProductRuns)
        .Select(run => Parts.InProcessOfItsOwn<ImportBench.Products>("import-products", Path.Combine(work, $"products-{run}"), scale.ToString(CultureInfo.InvariantCulture)))
        .ToList();
    var salesRun = Parts.InProcessOfItsOwn<ImportBench.Sales>("import-sales", work, scale.ToString(CultureInfo.InvariantCulture));
    var import = new ImportBench.Result(ImportBench.Median(productRuns), salesRun, productRuns.Count);
    Console.WriteLine("the weekly report over the imported sales vs the sqlite3 CLI's GROUP BY …");
    var report = Parts.InProcessOfItsOwn<ReportBench.Result>("report", work, salesRun.Folder);
    Console.WriteLine("dashboard pages over 100,000 products vs Python's bare query …");
    var dashboard = Parts.InProcessOfItsOwn<List<DashboardBench.Case>>("dashboard", work);
    Report.Write(output, single, commitToAlert, api, import, report, dashboard);
    Console.WriteLine($"wrote {output}");
}
finally
{
    Directory.Delete(work, recursive: true);
}
