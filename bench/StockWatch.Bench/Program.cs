using StockWatch.Bench;

// usage: StockWatch.Bench [OUTPUT.md]   (run from the repository root by bench/run.sh)
var output = args.Length > 0 ? args[0] : Path.Combine("docs", "benchmarks.md");
var work = Path.Combine(Path.GetTempPath(), "stockwatch-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(work);
try
{
    Console.WriteLine("single-event path: StockWatch vs Python sqlite3 …");
    var single = await SingleEventBench.RunAsync(work);
    Console.WriteLine("commit-to-alert latency at 1,000 writes/s …");
    var commitToAlert = await CommitToAlertBench.RunAsync(work);
    Console.WriteLine("sales through the HTTP API vs the store directly …");
    var api = await ApiBench.RunAsync(work);
    Report.Write(output, single, commitToAlert, api);
    Console.WriteLine($"wrote {output}");
}
finally
{
    Directory.Delete(work, recursive: true);
}
