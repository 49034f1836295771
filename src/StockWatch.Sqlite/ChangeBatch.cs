using System.Buffers;
using System.Text;
using System.Text.Json;
using StockWatch.Core;
using StockWatch.Core.Catalog;

namespace StockWatch.Sqlite;

/// <summary>
/// An import's change records, appended <see cref="Size"/> per statement: the rows the change triggers write (old
/// image as JSON, sales mark; the new image follows from the next change or the product's row), without a trigger
/// program per row. The import's time and cause are stored once, as a row of <c>change_stamps</c> that each of its
/// changes points at (<c>change_log</c> reads them as one). <c>OR FAIL</c>, as the import's other writes (see
/// <see cref="ImportSession"/>).
/// </summary>
internal sealed class ChangeBatch(SqliteSession session, ChangeStamp stamp) : IDisposable
{
    /// <summary>Rows per statement.</summary>
    public const int Size = 32;

    private const int PerRow = 4;

    // Escaped as SQLite's json_object escapes: only what JSON requires (this text is never put in a web page).
    private static readonly JsonWriterOptions ImageOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<(Product? Before, ProductId Id, long SalesMark)> _pending = new(Size);
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Dictionary<int, BulkStatement> _statements = [];
    private long? _stamp;

    /// <summary>
    /// Adds the change from <paramref name="before"/> (null: a new product) to the stored state of <paramref name="id"/>;
    /// <paramref name="salesMark"/> is the last sales row when the change was made.
    /// </summary>
    public void Add(Product? before, ProductId id, long salesMark)
    {
        _pending.Add((before, id, salesMark));
        if (_pending.Count == Size)
        {
            Flush();
        }
    }

    public void Flush()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var statement = Statement(_pending.Count);
        for (var i = 0; i < _pending.Count; i++)
        {
            var (before, id, salesMark) = _pending[i];
            statement.Text((i * PerRow) + 1, id.Value);
            statement.Integer((i * PerRow) + 4, salesMark);
            statement.Text((i * PerRow) + 2, before is null ? "INSERT"u8 : "MODIFY"u8);
            if (before is null)
            {
                statement.Null((i * PerRow) + 3);
            }
            else
            {
                statement.Text((i * PerRow) + 3, Image(before));
            }
        }

        statement.Execute();
        _pending.Clear();
    }

    public void Dispose()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }
    }

    /// <summary>The image the triggers' <c>json_object</c> writes, with the same names.</summary>
    private ReadOnlySpan<byte> Image(Product product)
    {
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer, ImageOptions))
        {
            json.WriteStartObject();
            json.WriteString("product_id", product.Id.Value);
            json.WriteString("product_name", product.Name);
            json.WriteString("product_category", product.Category);
            json.WriteNumber("stock_count", product.Stock);
            json.WriteNumber("product_price_e4", product.Price.TenThousandths);
            if (product.LowStockThreshold is { } threshold)
            {
                json.WriteNumber("low_stock_threshold", threshold);
            }
            else
            {
                json.WriteNull("low_stock_threshold");
            }

            json.WriteNumber("version", product.Version);
            json.WriteString("updated_at", Timestamp.FormatSortable(product.UpdatedAt));
            json.WriteNumber("stock_counted", product.StockCounted ? 1 : 0);
            json.WriteEndObject();
        }

        return _buffer.WrittenSpan;
    }

    /// <summary>The statement for <paramref name="rows"/> rows, with the import's stamp bound once.</summary>
    private BulkStatement Statement(int rows)
    {
        if (_statements.TryGetValue(rows, out var statement))
        {
            return statement;
        }

        var stamped = (rows * PerRow) + 1;
        var sql = new StringBuilder("INSERT OR FAIL INTO changes (product_id, kind, old_image, stamp, sales_mark) VALUES ");
        for (var i = 0; i < rows; i++)
        {
            var first = (i * PerRow) + 1;
            sql.Append(i == 0 ? string.Empty : ", ")
                .Append($"(?{first}, ?{first + 1}, ?{first + 2}, ?{stamped}, ?{first + 3})");
        }

        statement = new BulkStatement(session, sql.ToString());
        statement.Integer(stamped, Stamp());
        _statements[rows] = statement;
        return statement;
    }

    /// <summary>The import's row of <c>change_stamps</c>, written with its first change (an import that changes nothing has none).</summary>
    private long Stamp()
    {
        if (_stamp is not { } stored)
        {
            var insert = session.Command("INSERT OR FAIL INTO change_stamps (changed_at, cause) VALUES ($at, $cause) RETURNING stamp");
            insert.Parameters.AddWithValue("$at", Timestamp.FormatSortable(stamp.Time));
            insert.Parameters.AddWithValue("$cause", stamp.Cause);
            stored = (long)insert.ExecuteScalar()!;
            _stamp = stored;
        }

        return stored;
    }
}
