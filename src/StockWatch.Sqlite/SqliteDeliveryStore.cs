using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;

namespace StockWatch.Sqlite;

/// <summary>
/// Announcements and the delivery log on SQLite. Planning stores each new delivery, sends its id to its channel's
/// work queue and moves the planning checkpoint in one transaction: rows of
/// <c>stream_checkpoints</c>, <c>deliveries</c> on alert ids and <c>announcements</c> on announcement ids.
/// </summary>
public sealed class SqliteDeliveryStore(SqliteDatabase database, TimeProvider time) : IDeliveryStore
{
    private const string Checkpoint = "deliveries";
    private const string AnnouncementCheckpoint = "announcements";

    public Task AnnounceAsync(Announcement announcement) => database.ExclusiveAsync(session =>
    {
        var insert = session.Command("""
            INSERT INTO announcements (announce_key, kind, topic, subject, text, link, created_at)
            VALUES ($key, $kind, $topic, $subject, $text, $link, $now)
            ON CONFLICT (announce_key) DO NOTHING
            """);
        insert.Parameters.AddWithValue("$key", announcement.Key ?? $"{announcement.Kind}-{Guid.CreateVersion7():N}");
        insert.Parameters.AddWithValue("$kind", announcement.Kind);
        insert.Parameters.AddWithValue("$topic", (object?)announcement.Topic ?? DBNull.Value);
        insert.Parameters.AddWithValue("$subject", announcement.Subject);
        insert.Parameters.AddWithValue("$text", announcement.Text);
        insert.Parameters.AddWithValue("$link", (object?)announcement.Link?.AbsoluteUri ?? DBNull.Value);
        insert.Parameters.AddWithValue("$now", Timestamp.FormatSortable(time.GetUtcNow()));
        return insert.ExecuteNonQuery();
    });

    public IReadOnlyList<(long Id, Announcement Message)> AnnouncementsToPlan(int max)
    {
        using var session = database.Open();
        var select = session.Command($"""
            SELECT announcement_id, kind, topic, subject, text, link, announce_key FROM announcements
            WHERE announcement_id > IFNULL((SELECT last_seq FROM stream_checkpoints WHERE consumer = '{AnnouncementCheckpoint}'), 0)
            ORDER BY announcement_id
            LIMIT $max
            """);
        select.Parameters.AddWithValue("$max", max);
        return Rows.ReadAll(select, r => (r.GetInt64(0), new Announcement(
            r.GetString(1), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : new Uri(r.GetString(5)), [])
        {
            Topic = r.IsDBNull(2) ? null : r.GetString(2),
            Key = r.GetString(6),
        }));
    }
    private const string Columns = "delivery_id, channel, kind, subject, created_at, status, attempts, last_attempt_at, last_error, delivered_at";

    public IReadOnlyList<Alert> AlertsToPlan(int max)
    {
        using var session = database.Open();
        var select = session.Command($"""
            SELECT {Rows.AlertColumns} FROM alerts
            WHERE alert_id > IFNULL((SELECT last_seq FROM stream_checkpoints WHERE consumer = '{Checkpoint}'), 0)
            ORDER BY alert_id
            LIMIT $max
            """);
        select.Parameters.AddWithValue("$max", max);
        return Rows.ReadAll(select, Rows.ReadAlert);
    }

    public Task<int> PlanAsync(IReadOnlyList<PlannedDelivery> deliveries, PlanMark mark) => database.ExclusiveAsync(session =>
    {
        var now = time.GetUtcNow();
        var insert = session.Command("""
            INSERT INTO deliveries (delivery_id, channel, kind, subject, text, link, created_at)
            VALUES ($id, $channel, $kind, $subject, $text, $link, $now)
            ON CONFLICT DO NOTHING
            """);
        var id = insert.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Text);
        var channel = insert.Parameters.Add("$channel", Microsoft.Data.Sqlite.SqliteType.Text);
        var kind = insert.Parameters.Add("$kind", Microsoft.Data.Sqlite.SqliteType.Text);
        var subject = insert.Parameters.Add("$subject", Microsoft.Data.Sqlite.SqliteType.Text);
        var text = insert.Parameters.Add("$text", Microsoft.Data.Sqlite.SqliteType.Text);
        var link = insert.Parameters.Add("$link", Microsoft.Data.Sqlite.SqliteType.Text);
        insert.Parameters.AddWithValue("$now", Timestamp.FormatSortable(now));
        var told = session.Command("INSERT INTO delivery_alerts (alert_id, delivery_id) VALUES ($alert, $id) ON CONFLICT DO NOTHING");
        var toldAlert = told.Parameters.Add("$alert", Microsoft.Data.Sqlite.SqliteType.Integer);
        var toldId = told.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Text);

        var planned = 0;
        foreach (var delivery in deliveries)
        {
            var message = delivery.Message;
            id.Value = delivery.DeliveryId;
            channel.Value = delivery.Channel;
            kind.Value = message.Kind;
            subject.Value = message.Subject;
            text.Value = message.Text;
            link.Value = (object?)message.Link?.AbsoluteUri ?? DBNull.Value;
            if (insert.ExecuteNonQuery() == 0)
            {
                continue;
            }

            toldId.Value = delivery.DeliveryId;
            foreach (var alert in message.Alerts)
            {
                toldAlert.Value = alert.Id;
                told.ExecuteNonQuery();
            }

            SqliteWorkQueue.Send(session, Deliveries.QueueFor(delivery.Channel), delivery.DeliveryId, now);
            planned++;
        }

        foreach (var (consumer, upTo) in new[] { (Checkpoint, mark.AlertsUpTo), (AnnouncementCheckpoint, mark.AnnouncementsUpTo) })
        {
            if (upTo is null)
            {
                continue;
            }

            var checkpoint = session.Command("""
                INSERT INTO stream_checkpoints (consumer, last_seq) VALUES ($consumer, $seq)
                ON CONFLICT (consumer) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)
                """);
            checkpoint.Parameters.AddWithValue("$consumer", consumer);
            checkpoint.Parameters.AddWithValue("$seq", upTo);
            checkpoint.ExecuteNonQuery();
        }

        return planned;
    });

    public (DeliveryRecord Record, Announcement Message)? Find(string deliveryId)
    {
        using var session = database.Open();
        var select = session.Command($"SELECT {Columns}, text, link FROM deliveries WHERE delivery_id = $id");
        select.Parameters.AddWithValue("$id", deliveryId);
        var found = Rows.ReadAll(select, r => (Record: Read(r), Text: r.GetString(10), Link: r.IsDBNull(11) ? null : new Uri(r.GetString(11)))).SingleOrDefault();
        if (found.Record is null)
        {
            return null;
        }

        var alerts = session.Command($"""
            SELECT {Rows.AlertColumns} FROM alerts
            WHERE alert_id IN (SELECT alert_id FROM delivery_alerts WHERE delivery_id = $id)
            ORDER BY alert_id
            """);
        alerts.Parameters.AddWithValue("$id", deliveryId);
        var record = found.Record;
        return (record, new Announcement(record.Kind, record.Subject, found.Text, found.Link, Rows.ReadAll(alerts, Rows.ReadAlert)));
    }

    public Task RecordAttemptsAsync(IReadOnlyList<DeliveryAttempt> attempts) => database.ExclusiveAsync(session =>
    {
        var update = session.Command("""
            UPDATE deliveries SET status = $status, attempts = attempts + 1, last_attempt_at = $at, last_error = $error,
                delivered_at = CASE WHEN $status = 'delivered' THEN $at ELSE delivered_at END
            WHERE delivery_id = $id
            """);
        var status = update.Parameters.Add("$status", Microsoft.Data.Sqlite.SqliteType.Text);
        var at = update.Parameters.Add("$at", Microsoft.Data.Sqlite.SqliteType.Text);
        var error = update.Parameters.Add("$error", Microsoft.Data.Sqlite.SqliteType.Text);
        var id = update.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Text);
        foreach (var attempt in attempts)
        {
            status.Value = attempt.Status.ToWire();
            at.Value = Timestamp.FormatSortable(attempt.At);
            error.Value = (object?)attempt.Error ?? DBNull.Value;
            id.Value = attempt.DeliveryId;
            update.ExecuteNonQuery();
        }

        return attempts.Count;
    });

    public IReadOnlyList<DeliveryRecord> ForAlert(long alertId)
    {
        using var session = database.Open();
        var select = session.Command($"""
            SELECT {Columns} FROM deliveries
            WHERE delivery_id IN (SELECT delivery_id FROM delivery_alerts WHERE alert_id = $alert)
            ORDER BY created_at, delivery_id
            """);
        select.Parameters.AddWithValue("$alert", alertId);
        return Rows.ReadAll(select, Read);
    }

    private static DeliveryRecord Read(Microsoft.Data.Sqlite.SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Timestamp.ParseStored(r.GetString(4)),
        DeliveryStatuses.Parse(r.GetString(5)), r.GetInt32(6),
        r.IsDBNull(7) ? null : Timestamp.ParseStored(r.GetString(7)),
        r.IsDBNull(8) ? null : r.GetString(8),
        r.IsDBNull(9) ? null : Timestamp.ParseStored(r.GetString(9)));
}
