using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Notifications;
using StockWatch.Core.Sales;
using StockWatch.Core.Stream;
using StockWatch.Sqlite;

namespace StockWatch.Testing;

/// <summary>A real SQLite database file in a temp folder, with the use cases wired to it and a fake clock.</summary>
public sealed class TestStore : IDisposable
{
    private readonly TempFolder? _owned;

    /// <param name="manualCheckpoints">As in <c>serve</c>: no commit runs a WAL checkpoint.</param>
    public TestStore(string? folder = null, AlertOptions? options = null, bool manualCheckpoints = false)
    {
        if (folder is null)
        {
            _owned = new TempFolder();
            folder = _owned.Path;
        }

        Folder = folder;
        var alertOptions = Microsoft.Extensions.Options.Options.Create(options ?? new AlertOptions());
        Database = SqliteDatabase.InFolder(folder, manualCheckpoints);
        Database.Migrate();
        Store = new SqliteInventoryStore(Database, alertOptions);
        Stream = new SqliteChangeStream(Database, Time);
        Processor = new StreamProcessor(Stream, alertOptions);
        SetProduct = new SetProduct(Store, Time);
        MoveStock = new MoveStock(Store, Time);
        DeleteProduct = new DeleteProduct(Store, Time);
        RecordSale = new RecordSale(Store, Time, ImportOptions);
    }

    public string Folder { get; }

    public FakeTimeProvider Time { get; } = new(Builders.T0);

    public Microsoft.Extensions.Options.IOptions<StockWatch.Core.Imports.ImportOptions> ImportOptions { get; } =
        Microsoft.Extensions.Options.Options.Create(new StockWatch.Core.Imports.ImportOptions());

    public SqliteDatabase Database { get; }
    public SqliteInventoryStore Store { get; }
    public SqliteChangeStream Stream { get; }
    public StreamProcessor Processor { get; }
    public SetProduct SetProduct { get; }
    public MoveStock MoveStock { get; }
    public DeleteProduct DeleteProduct { get; }
    public RecordSale RecordSale { get; }

    // Blocking helpers keep test bodies short; a write with the gate free completes on the calling thread.
    public Product Create(string id = "85123A", int stock = 50, int? threshold = 10, decimal price = 2.55m) =>
        Set(new SetProductRequest(ProductId.Parse(id))
        {
            Name = $"Product {id}",
            Stock = stock,
            LowStockThreshold = threshold,
            Price = Money.From(price, "product_price"),
        }).After!;

    public ProductWrite Set(SetProductRequest request, string cause = "test") => SetProduct.HandleAsync(request, cause).GetAwaiter().GetResult();

    public ProductWrite Move(ProductId id, StockMovement movement, long? expectedVersion = null) =>
        MoveStock.HandleAsync(id, movement, expectedVersion).GetAwaiter().GetResult();

    public ProductWrite Delete(ProductId id, string cause = "test") => DeleteProduct.HandleAsync(id, null, cause).GetAwaiter().GetResult();

    public SaleDecision Sell(string id, int quantity, string? saleId = null, DateTimeOffset? date = null) =>
        RecordSale.HandleAsync(new SaleRequest(saleId is null ? SaleId.New() : SaleId.Parse(saleId), ProductId.Parse(id), quantity) { Date = date })
            .GetAwaiter().GetResult();

    /// <summary>Runs one scalar query on its own plain connection: what is really in the file.</summary>
    public long Scalar(string sql) => ScalarIn(Database.Path, sql);

    public string? Text(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Database.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }

    public static long ScalarIn(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Every stored alert as "change_seq type details", sorted: two databases that processed the same changes must
    /// give the same list.
    /// </summary>
    public static List<string> AlertFingerprints(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT change_seq, alert_type, details FROM alerts ORDER BY change_seq, alert_type";
        using var reader = command.ExecuteReader();
        List<string> rows = [];
        while (reader.Read())
        {
            rows.Add($"{reader.GetInt64(0)} {reader.GetString(1)} {reader.GetString(2)}");
        }

        return rows;
    }

    /// <summary>
    /// Copies the database, forgets all processing in the copy and processes every change once, without crashes:
    /// the reference a crashed or concurrent run is compared with.
    /// </summary>
    public static List<string> ReferenceAlerts(string path, AlertOptions? options = null)
    {
        using var copy = new TempFolder();
        using (var source = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            source.Open();
            using var vacuum = source.CreateCommand();
            vacuum.CommandText = $"VACUUM INTO '{System.IO.Path.Combine(copy.Path, SqliteDatabase.FileName)}'";
            vacuum.ExecuteNonQuery();
        }

        using var database = SqliteDatabase.InFolder(copy.Path);
        using (var reset = new SqliteConnection($"Data Source={database.Path};Pooling=False"))
        {
            reset.Open();
            using var command = reset.CreateCommand();
            command.CommandText = "DELETE FROM alerts; DELETE FROM alert_state; DELETE FROM stream_checkpoints;";
            command.ExecuteNonQuery();
        }

        var processor = new StreamProcessor(new SqliteChangeStream(database, TimeProvider.System),
            Microsoft.Extensions.Options.Options.Create(options ?? new AlertOptions()));
        processor.DrainAsync(CancellationToken.None).GetAwaiter().GetResult();
        return AlertFingerprints(database.Path);
    }

    public void Dispose()
    {
        Database.Dispose();
        _owned?.Dispose();
    }
}
