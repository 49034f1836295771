using Microsoft.Data.Sqlite;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Stream;

namespace StockWatch.Sqlite;

/// <summary>
/// The change stream on SQLite. A step reads changes after the consumer's checkpoint and, in the same immediate
/// transaction, stores their alerts, the alert state and the new checkpoint. Two processors on one database (the CLI
/// draining while <c>serve</c> runs) take turns and never process a change twice.
/// </summary>
public sealed class SqliteChangeStream(SqliteDatabase database, TimeProvider time) : IChangeStream
{
    // Used only inside ProcessNext, which this process runs one at a time (the database's write queue).
    private readonly SalesRates _rates = new();

    public Task<StreamBatch> ProcessNextAsync(string consumer, int maxChanges, ChangeHandler handler) =>
        database.ExclusiveAsync(session => ProcessNext(session, consumer, maxChanges, handler));

    private StreamBatch ProcessNext(SqliteSession session, string consumer, int maxChanges, ChangeHandler handler)
    {
        var changes = ReadAfterCheckpoint(session, consumer, maxChanges);
        if (changes.Count == 0)
        {
            return new StreamBatch(0, []);
        }

        _rates.Begin(session, changes[0].SalesMark, changes[^1].SalesMark);
        Dictionary<ProductId, AlertState> states = [];
        List<Alert> stored = [];
        foreach (var (change, salesMark) in changes)
        {
            if (!states.TryGetValue(change.ProductId, out var state))
            {
                state = ReadState(session, change.ProductId);
            }

            var decision = handler(change, state, new SalesHistory(_rates, session, salesMark));
            foreach (var alert in decision.Alerts)
            {
                if (Insert(session, alert, change) is { } saved)
                {
                    stored.Add(saved);
                }
            }

            states[change.ProductId] = decision.State;
        }

        foreach (var (productId, state) in states)
        {
            SaveState(session, productId, state);
        }

        var checkpoint = session.Command(
            "INSERT INTO stream_checkpoints (consumer, last_seq) VALUES ($consumer, $seq) ON CONFLICT (consumer) DO UPDATE SET last_seq = excluded.last_seq");
        checkpoint.Parameters.AddWithValue("$consumer", consumer);
        checkpoint.Parameters.AddWithValue("$seq", changes[^1].Change.Sequence);
        checkpoint.ExecuteNonQuery();
        return new StreamBatch(changes.Count, stored);
    }

    public long Pending(string consumer)
    {
        using var session = database.Open();
        var command = session.Command(
            "SELECT COUNT(*) FROM changes WHERE seq > IFNULL((SELECT last_seq FROM stream_checkpoints WHERE consumer = $consumer), 0)");
        command.Parameters.AddWithValue("$consumer", consumer);
        return (long)command.ExecuteScalar()!;
    }

    public async Task WaitForChangesAsync(TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var committed = database.WaitForCommitAsync(waiting.Token);
        var polled = Task.Delay(pollInterval, time, waiting.Token);
        await Task.WhenAny(committed, polled);
        await waiting.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static List<(ChangeRecord Change, long SalesMark)> ReadAfterCheckpoint(SqliteSession session, string consumer, int max)
    {
        var command = session.Command($"""
            SELECT c.seq, c.product_id, c.kind, c.old_image, {Rows.NewImage}, c.changed_at, c.cause, c.sales_mark FROM change_log c
            WHERE c.seq > IFNULL((SELECT last_seq FROM stream_checkpoints WHERE consumer = $consumer), 0)
            ORDER BY c.seq
            LIMIT $max
            """);
        command.Parameters.AddWithValue("$consumer", consumer);
        command.Parameters.AddWithValue("$max", max);
        return Rows.ReadAll(command, reader => (new ChangeRecord(
            reader.GetInt64(0),
            ProductId.Parse(reader.GetString(1)),
            reader.GetString(2) switch
            {
                "INSERT" => ChangeKind.Insert,
                "MODIFY" => ChangeKind.Modify,
                _ => ChangeKind.Remove,
            },
            Rows.ReadImage(reader, 3),
            Rows.ReadImage(reader, 4),
            Timestamp.ParseStored(reader.GetString(5)),
            reader.GetString(6)), reader.GetInt64(7)));
    }

    private static AlertState ReadState(SqliteSession session, ProductId id)
    {
        var command = session.Command(
            "SELECT last_alert_time, low_stock_alerted_at, stockout_episode FROM alert_state WHERE product_id = $id");
        command.Parameters.AddWithValue("$id", id.Value);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new AlertState(
                reader.IsDBNull(0) ? null : Timestamp.ParseStored(reader.GetString(0)),
                reader.IsDBNull(1) ? null : Timestamp.ParseStored(reader.GetString(1)),
                reader.GetInt64(2) != 0)
            : AlertState.None;
    }

    private static void SaveState(SqliteSession session, ProductId id, AlertState state)
    {
        var command = session.Command("""
            INSERT INTO alert_state (product_id, last_alert_time, low_stock_alerted_at, stockout_episode)
            VALUES ($id, $last, $low, $episode)
            ON CONFLICT (product_id) DO UPDATE SET last_alert_time = excluded.last_alert_time,
                low_stock_alerted_at = excluded.low_stock_alerted_at, stockout_episode = excluded.stockout_episode
            """);
        command.Parameters.AddWithValue("$id", id.Value);
        command.Parameters.AddWithValue("$last", Stored(state.LastAlertTime));
        command.Parameters.AddWithValue("$low", Stored(state.LowStockAlertedAt));
        command.Parameters.AddWithValue("$episode", state.StockoutEpisode ? 1 : 0);
        command.ExecuteNonQuery();
    }

    /// <summary>Stores an alert unless this change already stored one of its type.</summary>
    private static Alert? Insert(SqliteSession session, NewAlert alert, ChangeRecord change)
    {
        var command = session.Command("""
            INSERT INTO alerts (product_id, alert_time, alert_type, details, change_seq, cause, category)
            VALUES ($product, $time, $type, $details, $seq, $cause, $category)
            ON CONFLICT (change_seq, alert_type) DO NOTHING
            RETURNING alert_id
            """);
        command.Parameters.AddWithValue("$product", alert.ProductId.Value);
        command.Parameters.AddWithValue("$time", Timestamp.FormatSortable(alert.Time));
        command.Parameters.AddWithValue("$type", alert.Type.ToWire());
        command.Parameters.AddWithValue("$details", Rows.WriteDetails(alert.Details));
        command.Parameters.AddWithValue("$seq", change.Sequence);
        command.Parameters.AddWithValue("$cause", change.Cause);
        var category = (change.NewImage ?? change.OldImage)?.Category;
        command.Parameters.AddWithValue("$category", (object?)category ?? DBNull.Value);
        return command.ExecuteScalar() is long id
            ? new Alert(id, alert.ProductId, alert.Type, alert.Time, alert.Details) { ChangeSequence = change.Sequence, Cause = change.Cause, Category = category }
            : null;
    }

    private static object Stored(DateTimeOffset? time) => time is { } t ? Timestamp.FormatSortable(t) : DBNull.Value;

    /// <summary>The sales as they were when the change was written: rows up to its sales mark.</summary>
    private sealed class SalesHistory(SalesRates rates, SqliteSession session, long salesMark) : ISalesHistory
    {
        public long NetUnitsSold(ProductId id, DateTimeOffset from, DateTimeOffset to) => rates.NetUnitsSold(session, id, from, to, salesMark);
    }
}
