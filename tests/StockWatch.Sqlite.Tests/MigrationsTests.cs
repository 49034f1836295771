using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

public sealed class MigrationsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A database at the older schema <paramref name="version"/>, with <paramref name="sql"/> written there (cause <c>vVERSION</c>).</summary>
    private async Task<SqliteDatabase> DatabaseAt(int version, string sql)
    {
        var database = SqliteDatabase.InFolder(_folder.Path);
        Migrations.Apply(database, target: version);
        await database.WriteAsync(new ChangeStamp(Builders.T0, $"v{version}"), session =>
        {
            session.Execute(sql);
            return 0;
        });
        return database;
    }

    [Fact]
    public void Migrate_EmptyFolder_CreatesTheLatestSchemaInWalMode()
    {
        using var database = SqliteDatabase.InFolder(_folder.Path);

        database.Migrate();

        TestStore.ScalarIn(database.Path, "PRAGMA user_version").Should().Be(Migrations.Latest);
        TestStore.ScalarIn(database.Path, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('products','sales','changes','alerts','alert_state')").Should().Be(5);
        Migrations.CurrentVersion(database).Should().Be(Migrations.Latest);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        command.ExecuteScalar().Should().Be("wal");
    }

    [Fact]
    public async Task Migrate_OlderDatabaseWithData_UpgradesAndKeepsTheData()
    {
        using var database = await DatabaseAt(1, "INSERT INTO products VALUES ('85123A', 'Heart', 'Home', 3, 25500, 5, 1, '2026-11-19T17:00:00.0000000Z')");

        using var store = new TestStore(_folder.Path);

        TestStore.ScalarIn(database.Path, "PRAGMA user_version").Should().Be(Migrations.Latest);
        store.Store.FindProduct(ProductId.Parse("85123A")).Should().Match<Product>(p => p.Stock == 3 && p.Price == Money.From(2.55m, "p"));
        (await store.Processor.DrainAsync(TestContext.Current.CancellationToken))
            .Select(a => a.Type.ToString()).Should().Equal("ProductAdded", "LowStock");
    }

    [Fact]
    public async Task Migrate_ChangesWrittenWithBothImages_AreReadAsBeforeNextToTheLeanOnesWrittenAfter()
    {
        using var database = await DatabaseAt(7, """
                INSERT INTO products VALUES ('A', 'Apple', 'Fruit', 3, 25500, 5, 1, '2026-11-19T17:00:00.0000000Z');
                UPDATE products SET stock_count = 9, version = 2 WHERE product_id = 'A';
                """);
        TestStore.ScalarIn(database.Path, "SELECT COUNT(*) FROM changes WHERE new_image IS NOT NULL").Should().Be(2, "version 7 stored both images");

        using var store = new TestStore(_folder.Path);
        store.Move(ProductId.Parse("A"), StockMovement.To(4, "count"));
        store.Delete(ProductId.Parse("A"));

        List<string> seen = [];
        await store.Stream.ProcessNextAsync("migration-test", 10, (change, state, _) =>
        {
            seen.Add($"{change.Kind} {change.OldImage?.Stock.ToString() ?? "-"} {change.NewImage?.Stock.ToString() ?? "-"}");
            return new AlertDecision([], state);
        });
        seen.Should().Equal("Insert - 3", "Modify 3 9", "Modify 9 4", "Remove 4 -");
    }

    [Fact]
    public async Task Migrate_ChangesWrittenBeforeStamps_KeepTheirTimeAndCauseNextToAnImportsStampedOnes()
    {
        using var database = await DatabaseAt(8, "INSERT INTO products VALUES ('A', 'Apple', 'Fruit', 3, 25500, 5, 1, '2026-11-19T17:00:00.0000000Z');");

        using var store = new TestStore(_folder.Path);
        await new ImportFile(store.Store, store.Time, store.ImportOptions).HandleAsync(
            new MemoryStream("product_id,stock_count\nA,9\n"u8.ToArray()), new ImportSettings(), "imp-9", "a.csv");

        List<string> seen = [];
        await store.Stream.ProcessNextAsync("migration-test", 10, (change, state, _) =>
        {
            seen.Add($"{change.Kind} {change.Cause} {change.NewImage?.Stock}");
            return new AlertDecision([], state);
        });
        seen.Should().Equal("Insert v8 3", "Modify import: imp-9 9");
        TestStore.ScalarIn(database.Path, "SELECT COUNT(*) FROM changes WHERE stamp IS NULL AND cause = 'v8'").Should().Be(1);
    }

    [Fact]
    public void Migrate_Twice_ChangesNothing()
    {
        using var database = SqliteDatabase.InFolder(_folder.Path);
        database.Migrate();
        var objects = TestStore.ScalarIn(database.Path, "SELECT COUNT(*) FROM sqlite_master");

        database.Migrate();

        TestStore.ScalarIn(database.Path, "SELECT COUNT(*) FROM sqlite_master").Should().Be(objects);
    }

    [Fact]
    public void Migrate_DatabaseFromANewerStockWatch_IsRefusedWithAClearMessage()
    {
        using var database = SqliteDatabase.InFolder(_folder.Path);
        database.Migrate();
        TestStore.ScalarIn(database.Path, "PRAGMA user_version = 99");

        var act = () => database.Migrate();

        act.Should().Throw<StockWatchException>().WithMessage($"*schema version 99, newer than this StockWatch knows ({Migrations.Latest})*");
    }

    [Fact]
    public async Task Migrate_ManyConnectionsStartingAtOnce_AllSucceed()
    {
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
        {
            using var database = new SqliteDatabase(Path.Combine(_folder.Path, SqliteDatabase.FileName));
            database.Migrate();
        }, TestContext.Current.CancellationToken)));

        TestStore.ScalarIn(Path.Combine(_folder.Path, SqliteDatabase.FileName), "PRAGMA user_version").Should().Be(Migrations.Latest);
    }
}
