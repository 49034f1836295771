using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Sales;

namespace StockWatch.Sqlite;

/// <summary>The catalogue, sales and alerts on SQLite. Every write is one immediate transaction.</summary>
public sealed class SqliteInventoryStore(SqliteDatabase database, IOptions<AlertOptions> alertOptions) : IInventoryStore, IImportStore, ICatalogViews
{
    private readonly int _defaultThreshold = alertOptions.Value.DefaultLowStockThreshold;

    public Product? FindProduct(ProductId id)
    {
        using var session = database.Open();
        return FindProduct(session, id);
    }

    public IReadOnlyList<Product> ListProducts(ProductQuery query)
    {
        // The sort column comes from this fixed list, never from the caller's text; the id breaks ties, so a page
        // starts exactly after the last row of the one before.
        var column = query.Sort switch
        {
            ProductSort.Name => "p.product_name COLLATE NOCASE",
            ProductSort.Category => "p.product_category COLLATE NOCASE",
            ProductSort.Stock => "p.stock_count",
            ProductSort.Price => "p.product_price_e4",
            _ => null,
        };
        var (direction, beyond) = query.Descending ? ("DESC", "<") : ("ASC", ">");
        var after = column is null
            ? $"p.product_id {beyond} $after"
            : $"({column} {beyond} $value OR ({column} = $value AND p.product_id {beyond} $after))";
        using var session = database.Open();
        var command = session.Command($"""
            SELECT {Rows.ProductColumns} FROM {Rows.ProductFrom}
            WHERE ($category IS NULL OR p.product_category = $category COLLATE NOCASE)
              AND ($low = 0 OR (p.stock_counted = 1 AND p.stock_count <= IFNULL(p.low_stock_threshold, $default)))
              AND ($search IS NULL OR p.product_id LIKE $search ESCAPE '\' OR p.product_name LIKE $search ESCAPE '\')
              AND ($after IS NULL OR {after})
            ORDER BY {(column is null ? string.Empty : $"{column} {direction}, ")}p.product_id {direction}
            LIMIT $limit
            """);
        command.Parameters.AddWithValue("$category", (object?)query.Category ?? DBNull.Value);
        command.Parameters.AddWithValue("$low", query.LowStockOnly ? 1 : 0);
        command.Parameters.AddWithValue("$default", _defaultThreshold);
        command.Parameters.AddWithValue("$search", string.IsNullOrEmpty(query.Search) ? DBNull.Value : $"%{EscapeLike(query.Search)}%");
        command.Parameters.AddWithValue("$after", (object?)query.After?.Value ?? DBNull.Value);
        command.Parameters.AddWithValue("$value", query.AfterValue ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", query.Limit);
        return Rows.ReadAll(command, Rows.ReadProduct);
    }

    public CatalogSummary Summary(DateTimeOffset now)
    {
        using var session = database.Open();

        // Value in whole units and ten-thousandths apart: one sum of stock × price can pass SQLite's 64-bit integers.
        var totals = session.Command("""
            SELECT COUNT(*), IFNULL(SUM(p.stock_counted = 1 AND p.stock_count > 0 AND p.stock_count <= IFNULL(p.low_stock_threshold, $default)), 0),
                   IFNULL(SUM(p.stock_counted = 1 AND p.stock_count = 0), 0),
                   IFNULL(SUM(p.stock_count * p.product_price_e4 / 10000), 0), IFNULL(SUM(p.stock_count * p.product_price_e4 % 10000), 0)
            FROM products p
            """);
        totals.Parameters.AddWithValue("$default", _defaultThreshold);
        var (products, low, outOfStock, value) = Rows.ReadAll(totals, r =>
            (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3) + r.GetInt64(4) / 10_000m)).Single();
        var sold = session.Command("SELECT IFNULL(SUM(quantity), 0) FROM sales WHERE sale_date > $from AND sale_date <= $to");
        sold.Parameters.AddWithValue("$from", Timestamp.FormatSortable(now - TimeSpan.FromDays(7)));
        sold.Parameters.AddWithValue("$to", Timestamp.FormatSortable(now));
        var categories = session.Command("SELECT product_category, COUNT(*) FROM products GROUP BY product_category ORDER BY product_category");
        return new CatalogSummary(products, low, outOfStock, value, (long)sold.ExecuteScalar()!,
            Rows.ReadAll(categories, r => new CategoryCount(r.GetString(0), r.GetInt64(1))));
    }

    public IReadOnlyDictionary<ProductId, long> UnitsSold(IReadOnlyCollection<ProductId> ids, DateTimeOffset from, DateTimeOffset to)
    {
        if (ids.Count == 0)
        {
            return new Dictionary<ProductId, long>();
        }

        using var session = database.Open();
        var select = session.Command("""
            SELECT product_id, SUM(quantity) FROM sales
            WHERE product_id IN (SELECT value FROM json_each($ids)) AND sale_date > $from AND sale_date <= $to
            GROUP BY product_id
            """);
        select.Parameters.AddWithValue("$ids", System.Text.Json.JsonSerializer.Serialize(ids.Select(id => id.Value)));
        select.Parameters.AddWithValue("$from", Timestamp.FormatSortable(from));
        select.Parameters.AddWithValue("$to", Timestamp.FormatSortable(to));
        return Rows.ReadAll(select, r => (ProductId.Parse(r.GetString(0)), r.GetInt64(1))).ToDictionary(pair => pair.Item1, pair => pair.Item2);
    }

    public IReadOnlyList<ProductPoint> History(ProductId id, int limit)
    {
        using var session = database.Open();
        var select = session.Command($"""
            SELECT changed_at, kind, json_extract(image, '$.stock_count'), json_extract(image, '$.product_price_e4'), cause
            FROM (SELECT c.seq, c.changed_at, c.kind, {Rows.NewImage} AS image, c.cause FROM change_log c
                  WHERE c.product_id = $id ORDER BY c.seq DESC LIMIT $limit)
            ORDER BY seq DESC
            """);
        select.Parameters.AddWithValue("$id", id.Value);
        select.Parameters.AddWithValue("$limit", limit);
        var points = Rows.ReadAll(select, r => new ProductPoint(
            Timestamp.ParseStored(r.GetString(0)), r.GetString(1),
            r.IsDBNull(2) ? null : r.GetInt32(2),
            r.IsDBNull(3) ? null : r.GetInt64(3) / 10_000m,
            r.GetString(4)));
        points.Reverse();
        return points;
    }

    public IReadOnlyList<Sale> ListSales(SaleQuery query)
    {
        // Only the conditions given, so SQLite picks the (product, date) or the (date, …) index for them.
        List<string> where = [];
        using var session = database.Open();
        var select = session.Command("");
        if (query.ProductId is { } id)
        {
            where.Add("product_id = $id");
            select.Parameters.AddWithValue("$id", id.Value);
        }

        if (query.Since is { } since)
        {
            where.Add("sale_date >= $since");
            select.Parameters.AddWithValue("$since", Timestamp.FormatSortable(since));
        }

        if (query.Until is { } until)
        {
            where.Add("sale_date < $until");
            select.Parameters.AddWithValue("$until", Timestamp.FormatSortable(until));
        }

        select.CommandText = $"SELECT {Rows.SaleColumns} FROM sales {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY sale_date DESC, rowid DESC LIMIT $limit";
        select.Parameters.AddWithValue("$limit", query.Limit);
        return Rows.ReadAll(select, Rows.ReadSale);
    }

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    public Task<ProductWrite> WriteProductAsync(ProductId id, ChangeStamp stamp, Func<Product?, Product?> decide) =>
        database.WriteAsync(stamp, session =>
        {
            var before = FindProduct(session, id);
            return Write(session, id, before, decide(before), stamp);
        });

    public Task<SaleDecision> RecordSaleAsync(SaleId id, ProductId productId, ChangeStamp stamp, Func<Sale?, Product?, SaleDecision> decide) =>
        database.WriteAsync(stamp, session =>
        {
            var existing = FindSale(session, id);
            var product = FindProduct(session, productId);
            var decision = decide(existing, product);
            return decision.Replayed ? decision : Store(session, decision, product, stamp);
        });

    /// <summary>
    /// Runs an import in one transaction (rolled back for a dry run). The import writes its change records itself, many
    /// per statement, while the change triggers stand aside: a trigger program per row would cost more than the row.
    /// </summary>
    /// <remarks>
    /// Once committed, the import's changes are handed to this process's change stream with their images
    /// (<see cref="ImportedChanges"/>), so the stream decides them without reading them back.
    /// </remarks>
    public async Task<T> ImportAsync<T>(ChangeStamp stamp, bool dryRun, Func<IImportSession, T> work)
    {
        ImportedChanges.Run? written = null;
        var result = await database.WriteAsync(stamp, session =>
        {
            session.ChangesByTrigger = false;
            session.AutoCheckpoint = false;
            using var import = new ImportSession(session, stamp, handOver: !dryRun);
            session.Execute($"PRAGMA cache_size = -{ImportCacheKib}");
            try
            {
                var result = work(import);
                import.Flush();
                written = import.Written();
                return result;
            }
            finally
            {
                session.ChangesByTrigger = true;
                session.Execute($"PRAGMA cache_size = {DefaultCacheSize}");
            }
        }, rollBack: dryRun);
        if (written is not null)
        {
            database.Imported.Publish(written);
        }

        if (!dryRun)
        {
            database.CheckpointInBackground();
        }

        return result;
    }

    /// <summary>
    /// An import's page cache: a large transaction whose pages no longer fit spills them into the WAL and reads them back
    /// from there; 64 MiB holds the indexes' working set of a large file, within the import's memory budget.
    /// </summary>
    private const int ImportCacheKib = 65_536;

    private const int DefaultCacheSize = -2000;

    private static SaleDecision Store(SqliteSession session, SaleDecision decision, Product? product, ChangeStamp stamp)
    {
        InsertSale(session, decision.Sale);
        var write = Write(session, decision.Sale.ProductId, product, decision.ProductAfter, stamp);
        return decision with { ProductAfter = write.After };
    }

    private static void InsertSale(SqliteSession session, Sale sale)
    {
        var insert = session.Command($"INSERT INTO sales ({Rows.SaleColumns}) VALUES ($id, $product, $date, $quantity, $price, $after)");
        insert.Parameters.AddWithValue("$id", sale.Id.Value);
        insert.Parameters.AddWithValue("$product", sale.ProductId.Value);
        insert.Parameters.AddWithValue("$date", Timestamp.FormatSortable(sale.SaleDate));
        insert.Parameters.AddWithValue("$quantity", sale.Quantity);
        insert.Parameters.AddWithValue("$price", sale.CurrentPrice.TenThousandths);
        insert.Parameters.AddWithValue("$after", (object?)sale.StockAfter ?? DBNull.Value);
        insert.ExecuteNonQuery();
    }

    public IReadOnlyList<Alert> ListAlerts(AlertQuery query)
    {
        using var session = database.Open();
        var command = session.Command($"""
            SELECT {Rows.AlertColumns} FROM alerts
            WHERE {AlertFilter}
              AND ($type IS NULL OR alert_type = $type)
              AND ($after IS NULL OR alert_id > $after)
              AND ($before IS NULL OR alert_id < $before)
            ORDER BY CASE WHEN $after IS NULL THEN -alert_id ELSE alert_id END
            LIMIT $limit
            """);
        AddAlertFilter(command, query);
        command.Parameters.AddWithValue("$after", (object?)query.AfterId ?? DBNull.Value);
        command.Parameters.AddWithValue("$before", (object?)query.BeforeId ?? DBNull.Value);
        command.Parameters.AddWithValue("$type", (object?)query.Type?.ToWire() ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", query.Limit);
        var alerts = Rows.ReadAll(command, Rows.ReadAlert);
        if (query.AfterId is null)
        {
            alerts.Reverse();
        }

        return alerts;
    }

    public IReadOnlyDictionary<AlertType, long> CountAlerts(AlertQuery query)
    {
        using var session = database.Open();
        var command = session.Command($"SELECT alert_type, COUNT(*) FROM alerts WHERE {AlertFilter} AND ($after IS NULL OR alert_id > $after) GROUP BY alert_type");
        AddAlertFilter(command, query);
        command.Parameters.AddWithValue("$after", (object?)query.AfterId ?? DBNull.Value);
        return Rows.ReadAll(command, r => (Type: AlertTypes.Parse(r.GetString(0)), Count: r.GetInt64(1))).ToDictionary(c => c.Type, c => c.Count);
    }

    private const string AlertFilter = """
        ($since IS NULL OR alert_time >= $since)
          AND ($until IS NULL OR alert_time < $until)
          AND ($product IS NULL OR product_id = $product)
          AND ($cause IS NULL OR cause = $cause)
        """;

    private static void AddAlertFilter(SqliteCommand command, AlertQuery query)
    {
        command.Parameters.AddWithValue("$since", query.Since is { } since ? Timestamp.FormatSortable(since) : DBNull.Value);
        command.Parameters.AddWithValue("$until", query.Until is { } until ? Timestamp.FormatSortable(until) : DBNull.Value);
        command.Parameters.AddWithValue("$product", (object?)query.ProductId?.Value ?? DBNull.Value);
        command.Parameters.AddWithValue("$cause", (object?)query.Cause ?? DBNull.Value);
    }

    private static Product? FindProduct(SqliteSession session, ProductId id)
    {
        var command = session.Command($"SELECT {Rows.ProductColumns} FROM {Rows.ProductFrom} WHERE p.product_id = $id");
        command.Parameters.AddWithValue("$id", id.Value);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Rows.ReadProduct(reader) : null;
    }

    private static Sale? FindSale(SqliteSession session, SaleId id)
    {
        var command = session.Command($"SELECT {Rows.SaleColumns} FROM sales WHERE sale_id = $id");
        command.Parameters.AddWithValue("$id", id.Value);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Rows.ReadSale(reader) : null;
    }

    /// <summary>Writes the decided state with the next version; the triggers append the change record.</summary>
    private static ProductWrite Write(
        SqliteSession session, ProductId id, Product? before, Product? after, ChangeStamp stamp)
    {
        if (after is not null && after.Id != id)
        {
            throw new InvalidOperationException($"A write to product {id} decided a state for product {after.Id}.");
        }

        if (after is null)
        {
            if (before is null)
            {
                return new ProductWrite(null, null, Changed: false);
            }

            var delete = session.Command("DELETE FROM products WHERE product_id = $id");
            delete.Parameters.AddWithValue("$id", id.Value);
            delete.ExecuteNonQuery();
            return new ProductWrite(before, null, Changed: true);
        }

        if (before is not null && after.SameContentAs(before))
        {
            return new ProductWrite(before, before, Changed: false);
        }

        return new ProductWrite(before, StoreRow(session, before, after, stamp), Changed: true);
    }

    /// <summary>Writes <paramref name="after"/> over <paramref name="before"/> with the next version; returns the stored state.</summary>
    private static Product StoreRow(SqliteSession session, Product? before, Product after, ChangeStamp stamp)
    {
        var stored = Rows.Stored(before, after, stamp.Time);
        var command = session.Command(before is null
            ? """
              INSERT INTO products (product_id, product_name, product_category, stock_count, product_price_e4, low_stock_threshold, version, updated_at, stock_counted)
              VALUES ($id, $name, $category, $stock, $price, $threshold, $version, $updated, $counted)
              """
            : """
              UPDATE products SET product_name = $name, product_category = $category, stock_count = $stock,
                  product_price_e4 = $price, low_stock_threshold = $threshold, version = $version, updated_at = $updated,
                  stock_counted = $counted
              WHERE product_id = $id
              """);
        Rows.Bind(command, stored);
        command.ExecuteNonQuery();
        return stored;
    }
}
