using System.Buffers;
using System.Text;
using System.Text.Json;
using StockWatch.Core;
using StockWatch.Core.Catalog;
using StockWatch.Core.Stream;

namespace StockWatch.Sqlite;

/// <summary>
/// A product's net units sold in a forecast window "as of" a change's sales mark, kept up to date from change to change
/// instead of read again for each. Every cached sum covers the sales up to one cursor (a sales rowid); sales are only
/// ever appended, so moving the cursor forward adds the rows in between, read once per batch by rowid. A sales import
/// writes one change per row, each asking for the same product's window: without this, each read the window again.
/// The windows a batch needs and does not hold yet are read together, in one statement (<see cref="Prefetch"/>).
/// </summary>
internal sealed class SalesRates
{
    // Beyond these the cache starts again: a gap of many sales between batches is cheaper read per window than replayed.
    private const long MaxGap = 100_000;
    private const int MaxWindows = 200_000;
    private const int WindowsPerProduct = 4;

    private readonly Dictionary<ProductId, List<Window>> _windows = [];

    // A batch may ask for more windows of a product than are kept (single writes each have their own): all are kept
    // until the next batch, then the newest few.
    private readonly HashSet<List<Window>> _over = [];
    private readonly List<(long RowId, ProductId Product, string Date, long Quantity)> _pending = [];
    private int _count;
    private int _next;
    private long _cursor = -1;
    private long _last = -1;
    private (DateTimeOffset From, DateTimeOffset To, string FromText, string ToText) _format;

    /// <summary>
    /// Prepares for a batch whose changes carry sales marks from <paramref name="firstMark"/> to <paramref name="lastMark"/>
    /// (in change order they never decrease; a mark outside them is read directly).
    /// </summary>
    public void Begin(SqliteSession session, long firstMark, long lastMark)
    {
        foreach (var windows in _over)
        {
            _count -= windows.Count - WindowsPerProduct;
            windows.RemoveRange(0, windows.Count - WindowsPerProduct);
        }

        _over.Clear();
        if (_cursor < 0 || _cursor > firstMark || firstMark - _cursor > MaxGap || _count > MaxWindows)
        {
            _windows.Clear();
            _count = 0;
            _cursor = firstMark;
        }

        _pending.Clear();
        _next = 0;
        _last = lastMark;
        if (lastMark <= _cursor)
        {
            return;
        }

        var rows = session.Command("SELECT rowid, product_id, sale_date, quantity FROM sales WHERE rowid > $after AND rowid <= $last ORDER BY rowid");
        rows.Parameters.AddWithValue("$after", _cursor);
        rows.Parameters.AddWithValue("$last", lastMark);
        using var reader = rows.ExecuteReader();
        while (reader.Read())
        {
            _pending.Add((reader.GetInt64(0), ProductId.Parse(reader.GetString(1)), reader.GetString(2), reader.GetInt64(3)));
        }
    }

    /// <summary>Σ quantity of the product's sales dated in (<paramref name="from"/>, <paramref name="to"/>] with rowid ≤ <paramref name="mark"/>.</summary>
    public long NetUnitsSold(SqliteSession session, ProductId id, DateTimeOffset from, DateTimeOffset to, long mark)
    {
        var (fromText, toText) = Format(from, to);
        if (mark < _cursor || mark > _last)
        {
            return Read(session, id, fromText, toText, mark);
        }

        Advance(mark);
        if (!_windows.TryGetValue(id, out var windows))
        {
            _windows[id] = windows = [];
        }

        foreach (var window in windows)
        {
            if (window.From == fromText && window.To == toText)
            {
                return window.Units;
            }
        }

        var units = Read(session, id, fromText, toText, _cursor);
        Cache(windows, fromText, toText, units);
        return units;
    }

    /// <summary>
    /// Reads the <paramref name="wanted"/> windows that are not cached yet as of the cursor, in one statement for the
    /// batch (an index range per window); <see cref="NetUnitsSold"/> then finds them. Call after <see cref="Begin"/>.
    /// </summary>
    public void Prefetch(SqliteSession session, IEnumerable<(ProductId Id, SalesWindow Window)> wanted)
    {
        List<(List<Window> Windows, string From, string To)> missing = [];
        HashSet<(ProductId, string, string)> asked = [];
        var json = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartArray();
            foreach (var (id, window) in wanted)
            {
                var (from, to) = Format(window.From, window.To);
                if (!_windows.TryGetValue(id, out var windows))
                {
                    _windows[id] = windows = [];
                }

                if (windows.Exists(w => w.From == from && w.To == to) || !asked.Add((id, from, to)))
                {
                    continue;
                }

                missing.Add((windows, from, to));
                writer.WriteStartArray();
                writer.WriteStringValue(id.Value);
                writer.WriteStringValue(from);
                writer.WriteStringValue(to);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        if (missing.Count == 0)
        {
            return;
        }

        var units = new long[missing.Count];
        if (_cursor > 0)
        {
            var command = session.Command("""
                SELECT w.key, IFNULL((SELECT SUM(s.quantity) FROM sales s
                    WHERE s.product_id = json_extract(w.value, '$[0]') AND s.sale_date > json_extract(w.value, '$[1]')
                      AND s.sale_date <= json_extract(w.value, '$[2]') AND s.rowid <= $mark), 0)
                FROM json_each($windows) w
                """);
            command.Parameters.AddWithValue("$windows", Encoding.UTF8.GetString(json.WrittenSpan));
            command.Parameters.AddWithValue("$mark", _cursor);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                units[reader.GetInt32(0)] = reader.GetInt64(1);
            }
        }

        for (var i = 0; i < missing.Count; i++)
        {
            Cache(missing[i].Windows, missing[i].From, missing[i].To, units[i]);
        }
    }

    /// <summary>The window as stored times; the changes of an import, or of one moment, share one window.</summary>
    private (string From, string To) Format(DateTimeOffset from, DateTimeOffset to)
    {
        if (_format.FromText is null || _format.From != from || _format.To != to)
        {
            _format = (from, to, Timestamp.FormatSortable(from), Timestamp.FormatSortable(to));
        }

        return (_format.FromText, _format.ToText);
    }

    private void Cache(List<Window> windows, string from, string to, long units)
    {
        windows.Add(new Window(from, to) { Units = units });
        _count++;
        if (windows.Count > WindowsPerProduct)
        {
            _over.Add(windows);
        }
    }

    /// <summary>Adds the sales up to <paramref name="mark"/> to the windows they fall in.</summary>
    private void Advance(long mark)
    {
        for (; _next < _pending.Count && _pending[_next].RowId <= mark; _next++)
        {
            var (_, product, date, quantity) = _pending[_next];
            if (_windows.TryGetValue(product, out var windows))
            {
                foreach (var window in windows)
                {
                    if (string.CompareOrdinal(date, window.From) > 0 && string.CompareOrdinal(date, window.To) <= 0)
                    {
                        window.Units += quantity;
                    }
                }
            }
        }

        _cursor = Math.Max(_cursor, mark);
    }

    private static long Read(SqliteSession session, ProductId id, string from, string to, long mark)
    {
        var command = session.Command(
            "SELECT IFNULL(SUM(quantity), 0) FROM sales WHERE product_id = $id AND sale_date > $from AND sale_date <= $to AND rowid <= $mark");
        command.Parameters.AddWithValue("$mark", mark);
        command.Parameters.AddWithValue("$id", id.Value);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        return (long)command.ExecuteScalar()!;
    }

    private sealed class Window(string from, string to)
    {
        public string From { get; } = from;

        public string To { get; } = to;

        public long Units { get; set; }
    }
}
