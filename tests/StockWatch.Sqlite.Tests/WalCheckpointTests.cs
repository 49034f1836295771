using System.Globalization;
using System.Text;
using StockWatch.Core.Imports;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

/// <summary>
/// An import's commit runs no WAL checkpoint: its pages are checkpointed on a task of its own, while the stream decides
/// its alerts (<see cref="SqliteDatabase.CheckpointInBackground"/>). What is in the database file alone (without its
/// WAL) shows what was checkpointed.
/// </summary>
public sealed class WalCheckpointTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AnImport_IsCheckpointedInTheBackground_EvenWhereCommitsRunNone()
    {
        // serve's database: no commit runs a checkpoint, so only the import's own background checkpoint can copy it.
        using var db = new TestStore(_folder.Path, manualCheckpoints: true);

        await ImportAsync(db, 20_000);
        await db.Database.BackgroundCheckpoint.WaitAsync(TestContext.Current.CancellationToken);

        ProductsInFileAlone(db).Should().Be(20_000);
    }

    [Fact]
    public async Task AfterAnImport_EverySessionRunsAutomaticCheckpointsAgain()
    {
        using var db = new TestStore(_folder.Path);

        await ImportAsync(db, 1_000);

        // The import's session went back to the pool: each pooled session (and any new one) has SQLite's default again.
        List<SqliteSession> sessions = [];
        try
        {
            for (var i = 0; i < 4; i++)
            {
                sessions.Add(db.Database.Open());
                sessions[^1].Command("PRAGMA wal_autocheckpoint").ExecuteScalar().Should().Be(1000L);
            }
        }
        finally
        {
            sessions.ForEach(session => session.Dispose());
        }
    }

    [Fact]
    public async Task ALargeImportsWal_IsCutBackOnceCheckpointed_WhileTheProcessRuns()
    {
        // serve's database, which stays open: SQLite would keep the WAL file at its largest, to reuse it.
        using var db = new TestStore(_folder.Path, manualCheckpoints: true);
        var wal = new FileInfo(db.Database.Path + "-wal");
        await ImportAsync(db, 150_000);
        await db.Database.BackgroundCheckpoint.WaitAsync(TestContext.Current.CancellationToken);
        wal.Refresh();
        wal.Length.Should().BeGreaterThan(SqliteDatabase.WalSizeLimitBytes, "the import's WAL outgrew the limit");

        // The next commit starts the WAL again from its beginning, and cuts the file back.
        db.Create("AFTER");

        wal.Refresh();
        wal.Length.Should().BeLessThanOrEqualTo(SqliteDatabase.WalSizeLimitBytes);
        ProductsInFileAlone(db).Should().Be(150_000);
    }

    private static async Task ImportAsync(TestStore db, int products)
    {
        var csv = new StringBuilder("product_id,product_name,stock_count\n");
        for (var i = 0; i < products; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"SKU{i:D6},A product with a name long enough to fill pages {i},{i % 50}\n");
        }

        await new ImportFile(db.Store, db.Time, db.ImportOptions).HandleAsync(
            new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())), new ImportSettings(), "big", "big.csv");
    }

    /// <summary>The products in a copy of the database file without its WAL: what checkpoints copied into it.</summary>
    private static long ProductsInFileAlone(TestStore db)
    {
        using var copy = new TempFolder();
        var path = Path.Combine(copy.Path, SqliteDatabase.FileName);
        File.Copy(db.Database.Path, path);
        return TestStore.ScalarIn(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'products'") == 0
            ? 0
            : TestStore.ScalarIn(path, "SELECT COUNT(*) FROM products");
    }
}
