using System.Diagnostics;
using System.Text.Json;
using StockWatch.Core.Catalog;

namespace StockWatch.Bench;

/// <summary>
/// One stock movement = read the old product, write the new one, append the change record, commit. StockWatch's
/// store against a Python script doing the same with the standard sqlite3 module on the same schema.
/// </summary>
public static class SingleEventBench
{
    private const int Events = 20_000;
    private const int Warmup = 20_000;

    public sealed record Result(Stats StockWatch, Stats Python, string PythonSqlite);

    public static Result Run(string work)
    {
        var ours = Measure(Path.Combine(work, "single-stockwatch"));
        var (python, version) = MeasurePython(Path.Combine(work, "single-python"));
        return new Result(ours, python, version);
    }

    private static Stats Measure(string folder)
    {
        var (database, store) = Seeding.Create(folder);
        var move = new MoveStock(store, TimeProvider.System);
        for (var i = 0; i < Warmup; i++)
        {
            Move(move, i);
        }

        using var stop = new CancellationTokenSource();
        var checkpoints = Seeding.CheckpointInBackground(database, stop.Token);
        List<long> latencies = new(Events);
        var total = Stopwatch.StartNew();
        for (var i = Warmup; i < Warmup + Events; i++)
        {
            var start = Stopwatch.GetTimestamp();
            Move(move, i);
            latencies.Add(Stopwatch.GetTimestamp() - start);
        }

        total.Stop();
        stop.Cancel();
        checkpoints.Wait();
        return Stats.From(latencies, total.Elapsed.TotalSeconds);
    }

    private static void Move(MoveStock move, int i) =>
        move.Handle(Seeding.Id(i), StockMovement.By(i % 2 == 0 ? -1 : 1, "bench"));

    private static (Stats, string) MeasurePython(string folder)
    {
        var (database, _) = Seeding.Create(folder);
        // The same tables and indexes; the script appends the change record itself, as a plain script would.
        using (var session = database.Open())
        {
            session.Execute("DROP TRIGGER products_change_insert; DROP TRIGGER products_change_update; DROP TRIGGER products_change_delete;");
        }

        using var stop = new CancellationTokenSource();
        var checkpoints = Seeding.CheckpointInBackground(database, stop.Token);
        var script = Path.Combine(AppContext.BaseDirectory, "single_event.py");
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { script, database.Path, Events.ToString(), Warmup.ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        stop.Cancel();
        checkpoints.Wait();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The Python baseline failed with exit code {process.ExitCode}.");
        }

        var json = JsonDocument.Parse(output).RootElement;
        var stats = new Stats(json.GetProperty("events").GetInt32(), json.GetProperty("seconds").GetDouble(),
            json.GetProperty("p50_us").GetDouble(), json.GetProperty("p99_us").GetDouble(), json.GetProperty("p999_us").GetDouble());
        return (stats, PythonSqliteVersion());
    }

    private static string PythonSqliteVersion()
    {
        var start = new ProcessStartInfo("python3", ["-c", "import sqlite3, sys; print(sys.version.split()[0], sqlite3.sqlite_version)"])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd().Trim().Split(' ');
        process.WaitForExit();
        return $"Python {text[0]}, SQLite {text[1]}";
    }
}
