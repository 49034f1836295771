using System.Globalization;
using System.Text;
using StockWatch.Core.Imports;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

/// <summary>
/// Commits never run a WAL checkpoint (SQLite's automatic one is off): the process checkpoints on a task of its own
/// once it wrote <see cref="SqliteDatabase.CheckpointAfterPages"/> pages, and when its database is disposed. What is in
/// the database file alone (without its WAL) shows what was checkpointed.
/// </summary>
public sealed class WalCheckpointTests : IDisposable
{
    private readonly TestStore _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task SmallCommits_RunNoCheckpoint_AndDisposingTheDatabaseCheckpointsThem()
    {
        for (var i = 0; i < 20; i++)
        {
            _db.Create($"P{i}");
        }

        await _db.Database.BackgroundCheckpoint.WaitAsync(TestContext.Current.CancellationToken);
        ProductsInFileAlone().Should().Be(0, "20 small commits write far fewer than 1,000 pages, and no commit checkpoints");
        _db.Scalar("SELECT COUNT(*) FROM products").Should().Be(20, "they are committed, in the WAL");

        _db.Database.Dispose();

        ProductsInFileAlone().Should().Be(20);
    }

    [Fact]
    public async Task AnImportOfMoreThanAThousandPages_IsCheckpointedInTheBackground()
    {
        var csv = new StringBuilder("product_id,product_name,stock_count\n");
        for (var i = 0; i < 40_000; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"SKU{i:D6},A product with a name long enough to fill pages {i},{i % 50}\n");
        }

        await new ImportFile(_db.Store, _db.Time, _db.ImportOptions).HandleAsync(
            new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())), new ImportSettings(), "big", "big.csv");
        await _db.Database.BackgroundCheckpoint.WaitAsync(TestContext.Current.CancellationToken);

        ProductsInFileAlone().Should().Be(40_000, "the import wrote more than 1,000 pages, so its commit started a checkpoint");
    }

    /// <summary>The products in a copy of the database file without its WAL: what checkpoints copied into it.</summary>
    private long ProductsInFileAlone()
    {
        using var copy = new TempFolder();
        var path = Path.Combine(copy.Path, SqliteDatabase.FileName);
        File.Copy(_db.Database.Path, path);
        return TestStore.ScalarIn(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'products'") == 0
            ? 0
            : TestStore.ScalarIn(path, "SELECT COUNT(*) FROM products");
    }
}
