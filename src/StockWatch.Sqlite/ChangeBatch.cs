using System.Buffers;
using System.Text;
using System.Text.Json;
using StockWatch.Core;
using StockWatch.Core.Catalog;

namespace StockWatch.Sqlite;

/// <summary>
/// An import's change records, appended <see cref="Size"/> per statement: the same rows the change triggers write
/// (per-product sequence, JSON images, time, cause, sales mark), without a trigger program per row.
/// </summary>
internal sealed class ChangeBatch(SqliteSession session, ChangeStamp stamp)
{
    /// <summary>Rows per statement: SQLite finds a named parameter by a linear search, so more rows soon cost more than they save.</summary>
    public const int Size = 16;

    private static readonly string FullStatement = Statement(Size);

    // Escaped as SQLite's json_object escapes: only what JSON requires (this text is never put in a web page).
    private static readonly JsonWriterOptions ImageOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<(Product? Before, Product After)> _pending = new(Size);
    private readonly HashSet<ProductId> _products = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly string _time = Timestamp.FormatSortable(stamp.Time);

    /// <summary>Adds the change from <paramref name="before"/> to the stored <paramref name="after"/>.</summary>
    public void Add(Product? before, Product after)
    {
        // A product written twice in one import gets two changes, the second numbered after the first.
        if (_products.Contains(after.Id))
        {
            Flush();
        }

        _pending.Add((before, after));
        _products.Add(after.Id);
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

        var command = session.Command(_pending.Count == Size ? FullStatement : Statement(_pending.Count));
        command.Parameters.AddWithValue("$time", _time);
        command.Parameters.AddWithValue("$cause", stamp.Cause);
        for (var i = 0; i < _pending.Count; i++)
        {
            var (before, after) = _pending[i];
            command.Parameters.AddWithValue(Names.Id[i], after.Id.Value);
            command.Parameters.AddWithValue(Names.Kind[i], before is null ? "INSERT" : "MODIFY");
            command.Parameters.AddWithValue(Names.Old[i], before is null ? DBNull.Value : Image(before));
            command.Parameters.AddWithValue(Names.New[i], Image(after));
        }

        command.ExecuteNonQuery();
        _pending.Clear();
        _products.Clear();
    }

    /// <summary>The image the triggers' <c>json_object</c> writes, with the same names.</summary>
    private string Image(Product product)
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
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    private static string Statement(int rows)
    {
        var sql = new StringBuilder("INSERT INTO changes (product_id, product_seq, kind, old_image, new_image, changed_at, cause, sales_mark) VALUES ");
        for (var i = 0; i < rows; i++)
        {
            sql.Append(i == 0 ? string.Empty : ", ")
                .Append($"({Names.Id[i]}, (SELECT IFNULL(MAX(product_seq), 0) + 1 FROM changes WHERE product_id = {Names.Id[i]}), ")
                .Append($"{Names.Kind[i]}, {Names.Old[i]}, {Names.New[i]}, $time, $cause, (SELECT IFNULL(MAX(rowid), 0) FROM sales))");
        }

        return sql.ToString();
    }

    private static class Names
    {
        public static readonly string[] Id = Make("$id");
        public static readonly string[] Kind = Make("$kind");
        public static readonly string[] Old = Make("$old");
        public static readonly string[] New = Make("$new");

        private static string[] Make(string prefix) => [.. Enumerable.Range(0, Size).Select(i => $"{prefix}{i}")];
    }
}
