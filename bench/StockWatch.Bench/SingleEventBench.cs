using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StockWatch.Core.Catalog;

namespace StockWatch.Bench;

/// <summary>
/// One stock movement = read the old product, write the new one, append the change record, commit. StockWatch's
/// store against a plain Python script doing the same with the standard sqlite3 module, each with one writer and with
/// <see cref="Writers"/> concurrent writers.
/// </summary>
public static class SingleEventBench
{
    public const int Writers = 8;
    private const int Events = 20_000;
    private const int Warmup = 20_000;

    public sealed record Result(Stats StockWatch, Stats StockWatchConcurrent, Stats Python, Stats PythonConcurrent, string PythonSqlite)
    {
        public Stats BestStockWatch => StockWatch.PerSecond >= StockWatchConcurrent.PerSecond ? StockWatch : StockWatchConcurrent;
        public Stats BestPython => Python.PerSecond >= PythonConcurrent.PerSecond ? Python : PythonConcurrent;
    }

    public static async Task<Result> RunAsync(string work) => new(
        await MeasureAsync(Path.Combine(work, "single-1"), writers: 1),
        await MeasureAsync(Path.Combine(work, "single-n"), Writers),
        MeasurePython(Path.Combine(work, "python-1"), threads: 1),
        MeasurePython(Path.Combine(work, "python-n"), Writers),
        PythonSqliteVersion());

    private static async Task<Stats> MeasureAsync(string folder, int writers)
    {
        var (database, store) = Seeding.Create(folder);
        var move = new MoveStock(store, TimeProvider.System);
        for (var i = 0; i < Warmup; i++)
        {
            await Move(move, i);
        }

        using var stop = new CancellationTokenSource();
        var checkpoints = Seeding.CheckpointInBackground(database, stop.Token);
        var latencies = new List<long>[writers];
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<long>(Events / writers + 1);
            for (var i = Warmup + w; i < Warmup + Events; i += writers)
            {
                var start = Stopwatch.GetTimestamp();
                await Move(move, i);
                mine.Add(Stopwatch.GetTimestamp() - start);
            }
        })));
        total.Stop();
        await stop.CancelAsync();
        await checkpoints;
        return Stats.From([.. latencies.SelectMany(l => l)], total.Elapsed.TotalSeconds);
    }

    private static Task<ProductWrite> Move(MoveStock move, int i) =>
        move.HandleAsync(Seeding.Id(i), StockMovement.By(i % 2 == 0 ? -1 : 1, "bench"));

    private static Stats MeasurePython(string folder, int threads)
    {
        var database = Seeding.CreateForScript(folder);

        using var stop = new CancellationTokenSource();
        var checkpoints = Seeding.CheckpointInBackground(database, stop.Token);
        var output = RunPython(Path.Combine(AppContext.BaseDirectory, "single_event.py"), database.Path,
            Events.ToString(CultureInfo.InvariantCulture), Warmup.ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture));
        stop.Cancel();
        checkpoints.Wait();

        var json = JsonDocument.Parse(output).RootElement;
        return new Stats(json.GetProperty("events").GetInt32(), json.GetProperty("seconds").GetDouble(),
            json.GetProperty("p50_us").GetDouble(), json.GetProperty("p99_us").GetDouble(), json.GetProperty("p999_us").GetDouble());
    }

    private static string PythonSqliteVersion()
    {
        var text = RunPython("-c", "import sqlite3, sys; print(sys.version.split()[0], sqlite3.sqlite_version)").Trim().Split(' ');
        return $"Python {text[0]}, SQLite {text[1]}";
    }

    private static string RunPython(params string[] args) => Processes.Output("python3", args);
}
