using System.Text;
using StockWatch.Core;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Sales;

namespace StockWatch.Sqlite;

/// <summary>
/// An import's view of its write transaction. Its per-row statements are <see cref="BulkStatement"/>s; new products
/// are inserted <see cref="InsertRows"/> per statement (a product still waiting is written before anyone reads it),
/// and the change records go through a <see cref="ChangeBatch"/>, the change triggers being off on this connection.
/// Its writes are <c>OR FAIL</c>: a statement that fails fails the import, whose transaction is rolled back whole, so
/// SQLite need not keep a statement journal (a copy of each page a statement touches) to undo one statement alone.
/// </summary>
internal sealed class ImportSession : IImportSession, IDisposable
{
    private const int InsertRows = 32;
    private const int MaxUpdates = 4096;

    // Bound per product: the columns but updated_at, which is the import's time for every product it writes and is
    // bound once per statement, after them (?9 in the one-row statements).
    private const int ProductFields = 8;

    private const string ProductColumns =
        "product_id, product_name, product_category, stock_count, product_price_e4, low_stock_threshold, version, stock_counted, updated_at";

    private readonly SqliteSession _session;
    private readonly ChangeStamp _stamp;
    private readonly string _updatedAt;
    private readonly ChangeBatch _changes;
    private readonly BulkStatement _find;
    private readonly BulkStatement _span;
    private readonly BulkStatement _insert;
    private readonly BulkStatement _update;
    private readonly BulkStatement _findSale;
    private readonly BulkStatement _salesNamed;
    private readonly BulkStatement _insertSale;
    private readonly List<Product> _inserts = new(InsertRows);

    // Updates not written yet, the last state of each product: a sales import moves a product once per row, and only its
    // last state need be in its row (each move has its change record, whose new image is the next one's old image).
    private readonly Dictionary<ProductId, Product> _updates = [];
    private readonly StoredTimes _updated = new();

    // The highest id stored when the import began, and the highest it wrote: an id above both cannot be stored yet.
    private readonly string? _highestStored;
    private string? _highestWritten;

    // The last sales row: the sales mark of the next change (the import holds the write lock; only it adds sales).
    private long _salesMark;

    // The changes written (the first ImportedChanges.MaxChanges of them), for this process's change stream once
    // committed; the first one's sequence follows the last one stored, as the import holds the write lock.
    private readonly ImportedChanges.Writer? _written;
    private readonly long _firstSequence;
    private long _changesWritten;

    /// <param name="handOver">Whether to record the changes for this process's stream (<see cref="Written"/>): not for a dry run.</param>
    public ImportSession(SqliteSession session, ChangeStamp stamp, bool handOver = true)
    {
        _session = session;
        _stamp = stamp;
        _updatedAt = Timestamp.FormatSortable(stamp.Time);
        _changes = new ChangeBatch(session, stamp);
        _find = new BulkStatement(session, $"SELECT {ProductColumns} FROM products WHERE product_id = ?1");
        _span = new BulkStatement(session, $"SELECT {ProductColumns} FROM products WHERE product_id BETWEEN ?1 AND ?2 ORDER BY product_id LIMIT ?3");
        _insert = Writing(InsertStatement(InsertRows));
        _update = Writing(new BulkStatement(session, """
            UPDATE OR FAIL products SET product_name = ?2, product_category = ?3, stock_count = ?4, product_price_e4 = ?5,
                low_stock_threshold = ?6, version = ?7, stock_counted = ?8, updated_at = ?9
            WHERE product_id = ?1
            """));
        _findSale = new BulkStatement(session, $"SELECT {Rows.SaleColumns} FROM sales WHERE sale_id = ?1");
        _salesNamed = new BulkStatement(session, "SELECT 1 FROM sales WHERE sale_id >= ?1 AND sale_id < ?1 || char(1114111) LIMIT 1");
        using (var highest = new BulkStatement(session,
            "SELECT MAX(product_id), (SELECT IFNULL(MAX(rowid), 0) FROM sales), (SELECT IFNULL(MAX(seq), 0) FROM changes) FROM products"))
        {
            highest.Read();
            _highestStored = highest.IsNull(0) ? null : highest.GetText(0);
            _salesMark = highest.GetInteger(1);
            _firstSequence = highest.GetInteger(2) + 1;
            highest.Reset();
        }

        _written = handOver ? new ImportedChanges.Writer(_firstSequence, stamp) : null;

        _insertSale = new BulkStatement(session, $"""
            INSERT OR FAIL INTO sales ({Rows.SaleColumns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (sale_id) DO NOTHING RETURNING rowid
            """);
    }

    public Product? FindProduct(ProductId id)
    {
        if (_updates.TryGetValue(id, out var updated))
        {
            return updated;
        }

        // New ids beyond every stored one (a first import, or new sequential SKUs) need no look-up.
        if (Above(id.Value, _highestStored) && Above(id.Value, _highestWritten))
        {
            return null;
        }

        FlushInsertOf(id);
        _find.Text(1, id.Value);
        var product = _find.Read() ? ReadProduct(_find, id) : null;
        _find.Reset();
        return product;
    }

    public Dictionary<ProductId, Product> FindProducts(IReadOnlyList<ProductId> ids)
    {
        Dictionary<ProductId, Product> found = new(ids.Count);
        if (ids.Count == 0)
        {
            return found;
        }

        // Ids in ascending order (files exported by SKU) are read in one ordered scan of their span, at most twice as
        // many rows as ids, walking the ids alongside: a row no id asks for is skipped, and an id the scan passed
        // without a row is not stored. Ids the scan did not reach (it stopped at its limit), or any ids out of order,
        // are looked up one by one.
        var (first, last) = (ids[0].Value, ids[^1].Value);
        var ascending = Ascending(ids);
        if (ascending && Above(first, _highestStored) && Above(first, _highestWritten))
        {
            return found;
        }

        // What is looked up must be stored first: the products still waiting are written now.
        FlushInserts();
        FlushUpdates();

        var decided = 0;
        if (ascending)
        {
            var (limit, rows, next) = (ids.Count * 2, 0, 0);
            _span.Text(1, first);
            _span.Text(2, last);
            _span.Integer(3, limit);
            while (_span.Read())
            {
                var row = _span.GetBytes(0);
                while (next < ids.Count && CompareAscii(ids[next].Value, row) < 0)
                {
                    next++;
                }

                if (next < ids.Count && CompareAscii(ids[next].Value, row) == 0)
                {
                    found[ids[next]] = ReadProduct(_span, ids[next]);
                }

                rows++;
            }

            decided = rows < limit ? ids.Count : next;
        }

        for (var i = decided; i < ids.Count; i++)
        {
            if (!found.ContainsKey(ids[i]) && FindProduct(ids[i]) is { } product)
            {
                found[ids[i]] = product;
            }
        }

        return found;
    }

    /// <summary>Compares an ASCII id with a stored one's UTF-8 bytes, byte by byte as SQLite does.</summary>
    private static int CompareAscii(string id, ReadOnlySpan<byte> stored)
    {
        var length = Math.Min(id.Length, stored.Length);
        for (var i = 0; i < length; i++)
        {
            if (id[i] != stored[i])
            {
                return id[i] - stored[i];
            }
        }

        return id.Length - stored.Length;
    }

    /// <summary>True when every id is ASCII and each sorts at or after the one before (as SQLite sorts them).</summary>
    private static bool Ascending(IReadOnlyList<ProductId> ids)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            if (!Ascii.IsValid(ids[i].Value) || (i > 0 && string.CompareOrdinal(ids[i - 1].Value, ids[i].Value) > 0))
            {
                return false;
            }
        }

        return true;
    }

    public Product WriteProduct(Product? before, Product after)
    {
        var stored = Rows.Stored(before, after, _stamp.Time);
        if (Above(stored.Id.Value, _highestWritten))
        {
            _highestWritten = stored.Id.Value;
        }

        if (before is null)
        {
            _inserts.Add(stored);
            if (_inserts.Count == InsertRows)
            {
                FlushInserts();
            }
        }
        else
        {
            FlushInsertOf(stored.Id);
            _updates[stored.Id] = stored;
            if (_updates.Count == MaxUpdates)
            {
                FlushUpdates();
            }
        }

        _changes.Add(before, stored.Id, _salesMark);
        _written?.Add(before, stored, _salesMark);
        _changesWritten++;

        return stored;
    }

    public Sale? FindSale(SaleId id)
    {
        _findSale.Text(1, id.Value);
        var sale = _findSale.Read()
            ? new Sale(id, ProductId.Parse(_findSale.GetText(1)), Timestamp.ParseStored(_findSale.GetText(2)), (int)_findSale.GetInteger(3),
                Money.FromTenThousandths(_findSale.GetInteger(4)))
            {
                StockAfter = _findSale.IsNull(5) ? null : (int)_findSale.GetInteger(5),
            }
            : null;
        _findSale.Reset();
        return sale;
    }

    public bool HasSalesNamed(string prefix)
    {
        _salesNamed.Text(1, prefix);
        var found = _salesNamed.Read();
        _salesNamed.Reset();
        return found;
    }

    public bool TryInsertSale(Sale sale)
    {
        _insertSale.Text(1, sale.Id.Value);
        _insertSale.Text(2, sale.ProductId.Value);
        _insertSale.Text(3, Timestamp.FormatSortable(sale.SaleDate));
        _insertSale.Integer(4, sale.Quantity);
        _insertSale.Integer(5, sale.CurrentPrice.TenThousandths);
        _insertSale.Integer(6, sale.StockAfter);
        var inserted = _insertSale.Read();
        if (inserted)
        {
            _salesMark = _insertSale.GetInteger(0);
        }

        _insertSale.Reset();
        return inserted;
    }

    public void RecordDone(string importId, string source, ImportSummary summary, DateTimeOffset at)
    {
        var done = _session.Command("""
            INSERT INTO imports (import_id, status, source, created_at, finished_at, summary)
            VALUES ($id, 'done', $source, $at, $at, $summary)
            ON CONFLICT (import_id) DO UPDATE SET status = 'done', finished_at = $at, summary = $summary, error = NULL
            """);
        done.Parameters.AddWithValue("$id", importId);
        done.Parameters.AddWithValue("$source", source);
        done.Parameters.AddWithValue("$at", Timestamp.FormatSortable(at));
        done.Parameters.AddWithValue("$summary", System.Text.Json.JsonSerializer.Serialize(summary, ImportSummary.Json));
        done.ExecuteNonQuery();
    }

    /// <summary>Writes what is still waiting: the new products, then the change records.</summary>
    public void Flush()
    {
        FlushInserts();
        FlushUpdates();
        _changes.Flush();
    }

    /// <summary>
    /// The changes this import wrote (its first <see cref="ImportedChanges.MaxChanges"/>), with their sequences (checked
    /// against the log: the import's must be its last ones), for this process's change stream once the import is
    /// committed; <c>null</c> when it wrote none.
    /// </summary>
    public ImportedChanges.Run? Written()
    {
        if (_written is null || _changesWritten == 0)
        {
            return null;
        }

        var last = (long)_session.Command("SELECT IFNULL(MAX(seq), 0) FROM changes").ExecuteScalar()!;
        return last == _firstSequence + _changesWritten - 1 ? _written.Done() : null;
    }

    private void FlushUpdates()
    {
        foreach (var product in _updates.Values)
        {
            Bind(_update, 0, product);
            if (_update.Execute() != 1)
            {
                throw new InvalidOperationException($"Product {product.Id} was to be updated but is not stored.");
            }
        }

        _updates.Clear();
    }

    public void Dispose()
    {
        _changes.Dispose();
        _find.Dispose();
        _span.Dispose();
        _insert.Dispose();
        _update.Dispose();
        _findSale.Dispose();
        _salesNamed.Dispose();
        _insertSale.Dispose();
    }

    private void FlushInserts()
    {
        if (_inserts.Count == 0)
        {
            return;
        }

        if (_inserts.Count == InsertRows)
        {
            for (var row = 0; row < InsertRows; row++)
            {
                Bind(_insert, row * ProductFields, _inserts[row]);
            }

            _insert.Execute();
        }
        else
        {
            using var insert = Writing(InsertStatement(1));
            foreach (var product in _inserts)
            {
                Bind(insert, 0, product);
                insert.Execute();
            }
        }

        _inserts.Clear();
    }

    /// <summary>Writes the waiting new products when <paramref name="id"/> is one of them (at most <see cref="InsertRows"/>).</summary>
    private void FlushInsertOf(ProductId id)
    {
        if (_inserts.Exists(product => product.Id == id))
        {
            FlushInserts();
        }
    }

    private Product ReadProduct(BulkStatement row, ProductId id) => Rows.ReadProduct(row, 1, id, _updated);

    /// <summary>
    /// True when <paramref name="id"/> sorts after <paramref name="highest"/> (or there is none) as SQLite sorts text,
    /// byte by byte in UTF-8: for ASCII that is ordinal order; other ids are not judged (false), so they are looked up.
    /// </summary>
    private static bool Above(string id, string? highest) =>
        highest is null || (Ascii.IsValid(id) && Ascii.IsValid(highest) && string.CompareOrdinal(id, highest) > 0);

    /// <summary>An insert of <paramref name="rows"/> products; their shared updated_at is the last parameter.</summary>
    private BulkStatement InsertStatement(int rows)
    {
        var updatedAt = (rows * ProductFields) + 1;
        return new BulkStatement(_session, $"INSERT OR FAIL INTO products ({ProductColumns}) VALUES " + string.Join(", ",
            Enumerable.Range(0, rows).Select(row =>
                $"({string.Join(", ", Enumerable.Range((row * ProductFields) + 1, ProductFields).Select(i => $"?{i}"))}, ?{updatedAt})")));
    }

    /// <summary>Binds the import's time as the statement's last parameter, its updated_at for every product.</summary>
    private BulkStatement Writing(BulkStatement statement)
    {
        statement.Constant(statement.ParameterCount, _updatedAt);
        return statement;
    }

    private void Bind(BulkStatement statement, int offset, Product product)
    {
        statement.Text(offset + 1, product.Id.Value);
        statement.Text(offset + 2, product.Name);
        statement.Text(offset + 3, product.Category);
        statement.Integer(offset + 4, product.Stock);
        statement.Integer(offset + 5, product.Price.TenThousandths);
        statement.Integer(offset + 6, product.LowStockThreshold);
        statement.Integer(offset + 7, product.Version);
        statement.Integer(offset + 8, product.StockCounted ? 1 : 0);
    }
}
