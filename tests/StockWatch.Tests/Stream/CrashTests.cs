using System.Diagnostics;
using StockWatch.Core.Catalog;
using StockWatch.Core.Stream;
using StockWatch.Testing;

namespace StockWatch.Tests.Stream;

public sealed class CrashTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task StreamProcessor_KilledAtRandomPointsWhileChangesFlow_StoresEveryAlertExactlyOnce()
    {
        var cancellation = TestContext.Current.CancellationToken;
        using var db = new TestStore(_data.Path);
        var random = new Random(20261124);
        for (var i = 0; i < 40; i++)
        {
            db.Create($"P{i}", stock: random.Next(0, 40), threshold: random.Next(0, 12));
        }

        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var writer = Task.Run(() => WriteChanges(db, new Random(7), stopWriting.Token), cancellation);
        const int Kills = 12;
        for (var kill = 0; kill < Kills; kill++)
        {
            var before = Processed(db);
            using var serve = StockWatchProcess.Start(_data.Path, "serve", "--urls", "http://127.0.0.1:0");
            await serve.WaitForOutputAsync("Application started", cancellation);
            // Each run commits a step first, however slowly a loaded machine starts it (a batch of up to 2,048 changes);
            // then the kill lands wherever the processor happens to be: reading, deciding, mid-commit or idle.
            await Eventually.Until(() => Task.FromResult((Processed(db), db.Stream.Pending(StreamProcessor.Consumer))),
                progress => progress.Item1 > before || progress.Item2 == 0, $"the processor started by run {kill} commits a step", cancellation);
            await Task.Delay(random.Next(0, 750), cancellation);
            serve.Process.Kill(entireProcessTree: true);
            await serve.Process.WaitForExitAsync(cancellation);
        }

        await stopWriting.CancelAsync();
        var written = await writer;
        var processedBeforeRestart = Processed(db);
        using (var last = StockWatchProcess.Start(_data.Path, "serve", "--urls", "http://127.0.0.1:0"))
        {
            await WaitUntilDrained(db, last, cancellation);
        }

        written.Should().BeGreaterThan(1000);
        processedBeforeRestart.Should().BePositive("the killed processors made progress between kills");
        var stored = TestStore.AlertFingerprints(db.Database.Path);
        stored.Should().HaveCountGreaterThan(100);
        stored.Should().Equal(TestStore.ReferenceAlerts(db.Database.Path), "a crashed run stores exactly what a clean run stores");
    }

    /// <summary>Stock counts, deliveries, sales, returns, price and name changes, removals and re-creations.</summary>
    /// <returns>How many writes were made.</returns>
    private static int WriteChanges(TestStore db, Random random, CancellationToken stop)
    {
        const int Max = 50_000;
        var i = 0;
        for (; i < Max && !stop.IsCancellationRequested; i++)
        {
            db.Time.Advance(TimeSpan.FromMinutes(random.Next(1, 180)));
            var id = ProductId.Parse($"P{random.Next(40)}");
            if (db.Store.FindProduct(id) is not { } product)
            {
                db.Create(id.Value, stock: random.Next(0, 30));
                continue;
            }

            switch (random.Next(10))
            {
                case < 4 when product.Stock > 0:
                    db.Sell(id.Value, random.Next(1, Math.Min(product.Stock, 5) + 1), date: db.Time.GetUtcNow());
                    break;
                case 4:
                    db.Sell(id.Value, -random.Next(1, 4), date: db.Time.GetUtcNow());
                    break;
                case 5:
                    db.Move(id, StockMovement.To(random.Next(0, 40), "count"));
                    break;
                case 6:
                    db.Move(id, StockMovement.By(random.Next(5, 30), "delivery"));
                    break;
                case 7:
                    db.Set(new SetProductRequest(id) { Price = Money.From(random.Next(1, 2000) / 100m, "p") }, "test");
                    break;
                case 8:
                    db.Set(new SetProductRequest(id) { Name = $"Renamed {i}" }, "test");
                    break;
                default:
                    db.Delete(id);
                    break;
            }
        }

        return i;
    }

    /// <summary>Changes processed: up to the checkpoint, and those the lane processed ahead of it.</summary>
    private static long Processed(TestStore db) =>
        db.Scalar("SELECT IFNULL((SELECT last_seq FROM stream_checkpoints), 0) + (SELECT count(*) FROM stream_ahead)");

    private static async Task WaitUntilDrained(TestStore db, StockWatchProcess.Child serve, CancellationToken cancellation)
    {
        var deadline = Stopwatch.StartNew();
        while (db.Stream.Pending(StreamProcessor.Consumer) > 0)
        {
            serve.Process.HasExited.Should().BeFalse($"serve must keep running; it said: {serve.Error}");
            deadline.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(1), $"serve drains a few thousand changes in seconds; it said: {serve.Error}");
            await Task.Delay(50, cancellation);
        }
    }
}
