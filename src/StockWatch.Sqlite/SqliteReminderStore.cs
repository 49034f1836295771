using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;

namespace StockWatch.Sqlite;

/// <summary>The reminder sweep's reads and writes on the products, alert_state and alerts tables.</summary>
public sealed class SqliteReminderStore(SqliteDatabase database) : IReminderStore
{
    public IReadOnlyList<LowProduct> LowSince(int defaultThreshold, DateTimeOffset alertedBy, DateTimeOffset windowStart, DateTimeOffset now)
    {
        using var session = database.Open();
        var select = session.Command("""
            SELECT p.product_id, p.product_category, p.stock_count, IFNULL(p.low_stock_threshold, $default),
                   (SELECT IFNULL(SUM(s.quantity), 0) FROM sales s
                    WHERE s.product_id = p.product_id AND s.sale_date >= $start AND s.sale_date < $now),
                   a.low_stock_alerted_at
            FROM products p JOIN alert_state a ON a.product_id = p.product_id
            WHERE p.stock_counted = 1 AND p.stock_count <= IFNULL(p.low_stock_threshold, $default)
              AND a.low_stock_alerted_at IS NOT NULL AND a.low_stock_alerted_at <= $alertedBy
            ORDER BY p.product_id
            """);
        select.Parameters.AddWithValue("$default", defaultThreshold);
        select.Parameters.AddWithValue("$start", Timestamp.FormatSortable(windowStart));
        select.Parameters.AddWithValue("$now", Timestamp.FormatSortable(now));
        select.Parameters.AddWithValue("$alertedBy", Timestamp.FormatSortable(alertedBy));
        return Rows.ReadAll(select, r => new LowProduct(
            ProductId.Parse(r.GetString(0)), r.IsDBNull(1) ? null : r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt64(4), Timestamp.ParseStored(r.GetString(5))));
    }

    public Task<IReadOnlyList<Alert>> StoreRemindersAsync(IReadOnlyList<(NewAlert Reminder, LowProduct Product)> reminders, string cause) =>
        database.ExclusiveAsync<IReadOnlyList<Alert>>(session =>
        {
            var state = session.Command("""
                UPDATE alert_state SET low_stock_alerted_at = $time, last_alert_time = $time
                WHERE product_id = $product AND low_stock_alerted_at = $seen
                """);
            var insert = session.Command("""
                INSERT INTO alerts (product_id, alert_time, alert_type, details, change_seq, cause, category)
                VALUES ($product, $time, $type, $details, NULL, $cause, $category)
                RETURNING alert_id
                """);
            List<Alert> stored = [];
            foreach (var (reminder, product) in reminders)
            {
                state.Parameters.Clear();
                state.Parameters.AddWithValue("$time", Timestamp.FormatSortable(reminder.Time));
                state.Parameters.AddWithValue("$product", product.ProductId.Value);
                state.Parameters.AddWithValue("$seen", Timestamp.FormatSortable(product.LowStockAlertedAt));
                if (state.ExecuteNonQuery() == 0)
                {
                    continue;
                }

                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$product", reminder.ProductId.Value);
                insert.Parameters.AddWithValue("$time", Timestamp.FormatSortable(reminder.Time));
                insert.Parameters.AddWithValue("$type", reminder.Type.ToWire());
                insert.Parameters.AddWithValue("$details", Rows.WriteDetails(reminder.Details));
                insert.Parameters.AddWithValue("$cause", cause);
                insert.Parameters.AddWithValue("$category", (object?)product.Category ?? DBNull.Value);
                var id = (long)insert.ExecuteScalar()!;
                stored.Add(new Alert(id, reminder.ProductId, reminder.Type, reminder.Time, reminder.Details) { Cause = cause, Category = product.Category });
            }

            return stored;
        });
}
