using System.Collections.Concurrent;
using System.Diagnostics;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Notifications;
using StockWatch.Core.Stream;
using StockWatch.Sqlite;

namespace StockWatch.Bench;

/// <summary>
/// Price changes committed at a steady 1,000 a second while the stream processor runs as in <c>serve</c>: the time
/// from a write's commit to its PRICE_CHANGED alert being stored.
/// </summary>
public static class CommitToAlertBench
{
    private const int Rate = 1000;
    private const int Writes = 10_000;

    public static async Task<Stats> RunAsync(string work)
    {
        var (database, store) = Seeding.Create(Path.Combine(work, "commit-to-alert"));
        var set = new SetProduct(store, TimeProvider.System);
        var stream = new SqliteChangeStream(database, TimeProvider.System);
        var stored = new ConcurrentDictionary<string, long>();
        var processor = new StreamProcessor(stream, Seeding.Options);
        await processor.DrainAsync(CancellationToken.None);

        using var stop = new CancellationTokenSource();
        var checkpoints = Seeding.CheckpointInBackground(database, stop.Token);
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var alerts = await processor.DrainAsync(stop.Token);
                var now = Stopwatch.GetTimestamp();
                foreach (var alert in alerts.Where(a => a.Type == AlertType.PriceChanged))
                {
                    stored[alert.Details.NewValue!] = now;
                }

                await stream.WaitForChangesAsync(TimeSpan.FromMilliseconds(250), stop.Token);
            }
        }, stop.Token);

        // The client paces itself on its own thread, as a caller outside the server would, not on the server's pool.
        var committed = new long[Writes];
        var begin = Stopwatch.GetTimestamp();
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = new Thread(() =>
        {
            for (var i = 0; i < Writes; i++)
            {
                var due = begin + i * Stopwatch.Frequency / Rate;
                while (Stopwatch.GetTimestamp() < due)
                {
                    Thread.Yield();
                }

                set.HandleAsync(new SetProductRequest(Seeding.Id(i)) { Price = Price(i) }, "bench").GetAwaiter().GetResult();
                committed[i] = Stopwatch.GetTimestamp();
            }

            finished.SetResult();
        });
        client.Start();
        await finished.Task; // not Join(): blocking a pool thread would starve the processor this measures
        var seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        var deadline = Stopwatch.StartNew();
        while (stored.Count < Writes && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await loop.ContinueWith(_ => { }, TaskScheduler.Default);
        await checkpoints;

        List<long> latencies = new(Writes);
        for (var i = 0; i < Writes; i++)
        {
            latencies.Add(stored[Price(i).ToString()] - committed[i]);
        }

        return Stats.From(latencies, seconds);
    }

    private static Money Price(int i) => Money.From(1m + (i + 1) / 10_000m, "product_price");
}
