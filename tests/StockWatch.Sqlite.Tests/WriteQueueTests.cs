using StockWatch.Core;
using StockWatch.Core.Catalog;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

public sealed class WriteQueueTests : IDisposable
{
    private readonly TestStore _db = new();

    public void Dispose() => _db.Dispose();

    /// <summary>Holds the write gate until <paramref name="count"/> writes are queued, so they commit as one batch.</summary>
    private async Task<T[]> InOneBatch<T>(int count, Func<int, T> write)
    {
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // Dedicated threads: the thread pool of a 2-core machine grows too slowly for 30 blocked callers.
        var holder = Task.Factory.StartNew(() => _db.Database.ExclusiveAsync(_ =>
        {
            holding.Set();
            return release.Wait(TimeSpan.FromSeconds(30));
        }).GetAwaiter().GetResult(), TaskCreationOptions.LongRunning);
        // The writes start only once the gate is held, so none can slip in ahead of the holder and commit alone.
        holding.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("the holder takes the free gate");
        var writes = Enumerable.Range(0, count).Select(i => Task.Factory.StartNew(() => write(i), TaskCreationOptions.LongRunning)).ToArray();
        SpinWait.SpinUntil(() => _db.Database.WaitingWrites == count, TimeSpan.FromSeconds(30)).Should().BeTrue("every write queues behind the held gate");
        release.Set();
        (await holder).Should().BeTrue();
        return await Task.WhenAll(writes.Select(async t => await t));
    }

    [Fact]
    public async Task Write_BatchWithFailingWrites_RollsBackOnlyTheFailedOnes()
    {
        var outcomes = await InOneBatch(20, i =>
        {
            try
            {
                _db.Database.WriteAsync(new ChangeStamp(Builders.T0, $"w{i}"), session =>
                {
                    var insert = session.Command("INSERT INTO sales (sale_id, product_id, sale_date, quantity, current_price_e4) VALUES ($id, 'P', '2026-11-19T17:00:00.0000000Z', 1, 0)");
                    insert.Parameters.AddWithValue("$id", $"S{i}");
                    insert.ExecuteNonQuery();
                    return i % 3 == 0 ? throw new InvalidOperationException($"write {i} fails after writing") : i;
                }).GetAwaiter().GetResult();
                return "ok";
            }
            catch (InvalidOperationException ex)
            {
                return ex.Message;
            }
        });

        outcomes.Count(o => o == "ok").Should().Be(13);
        outcomes.Where(o => o != "ok").Should().AllSatisfy(o => o.Should().EndWith("fails after writing"));
        _db.Scalar("SELECT COUNT(*) FROM sales").Should().Be(13);
        _db.Scalar("SELECT COUNT(*) FROM sales WHERE CAST(substr(sale_id, 2) AS INTEGER) % 3 = 0").Should().Be(0);
    }

    [Fact]
    public async Task Write_ConcurrentSalesOfTheLastUnits_ExactlyTheStockIsSoldInOneBatch()
    {
        _db.Create(stock: 10);

        var outcomes = await InOneBatch(30, i =>
        {
            try
            {
                return _db.Sell("85123A", 1, $"S{i}").Sale.StockAfter.ToString();
            }
            catch (StockWatchException ex) when (ex.Kind == ErrorKind.Conflict)
            {
                return "refused";
            }
        });

        outcomes.Count(o => o == "refused").Should().Be(20);
        outcomes.Where(o => o != "refused").Should().BeEquivalentTo(Enumerable.Range(0, 10).Select(n => n.ToString()));
        _db.Store.FindProduct(ProductId.Parse("85123A"))!.Should().Match<Product>(p => p.Stock == 0 && p.Version == 11);
        _db.Scalar("SELECT COUNT(*) FROM changes").Should().Be(11);
    }

    [Fact]
    public async Task Write_StampedWork_IsVisibleToTheChangeTriggers()
    {
        var created = _db.Create();

        await _db.Database.WriteAsync(new ChangeStamp(Builders.T0.AddHours(3), "stamped"), session =>
        {
            var update = session.Command("UPDATE products SET stock_count = 1, version = version + 1 WHERE product_id = $id");
            update.Parameters.AddWithValue("$id", created.Id.Value);
            return update.ExecuteNonQuery();
        });

        _db.Scalar("SELECT COUNT(*) FROM change_log WHERE cause = 'stamped' AND changed_at = '2026-11-19T20:00:00.0000000Z'").Should().Be(1);
    }
}
