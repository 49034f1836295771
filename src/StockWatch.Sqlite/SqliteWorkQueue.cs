using StockWatch.Core;
using StockWatch.Core.Queues;
using StockWatch.Core.Telemetry;

namespace StockWatch.Sqlite;

/// <summary>The work queue on SQLite. Receiving, deleting and dead-lettering are each one transaction.</summary>
public sealed class SqliteWorkQueue(SqliteDatabase database, TimeProvider time) : IWorkQueue
{
    public Task<string> SendAsync(string queue, string body) => database.ExclusiveAsync(session => Send(session, queue, body, time.GetUtcNow()));

    /// <summary>Sends within the caller's transaction: the message exists exactly when the caller's writes do.</summary>
    internal static string Send(SqliteSession session, string queue, string body, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7().ToString("N");
        var insert = session.Command("""
            INSERT INTO queue_messages (message_id, queue, body, sent_at, visible_at) VALUES ($id, $queue, $body, $now, $now)
            """);
        insert.Parameters.AddWithValue("$id", id);
        insert.Parameters.AddWithValue("$queue", queue);
        insert.Parameters.AddWithValue("$body", body);
        insert.Parameters.AddWithValue("$now", Timestamp.FormatSortable(now));
        insert.ExecuteNonQuery();
        Instruments.QueueSent.Add(1, Instruments.Tag("queue", queue));
        return id;
    }

    public Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int max, TimeSpan visibilityTimeout, int maxReceiveCount) =>
        database.ExclusiveAsync<IReadOnlyList<QueueMessage>>(session =>
        {
            var now = time.GetUtcNow();
            var select = session.Command("""
                SELECT message_id, body, receive_count, sent_at FROM queue_messages
                WHERE queue = $queue AND visible_at <= $now
                ORDER BY visible_at, sent_at
                LIMIT $max
                """);
            select.Parameters.AddWithValue("$queue", queue);
            select.Parameters.AddWithValue("$now", Timestamp.FormatSortable(now));
            select.Parameters.AddWithValue("$max", max);
            var candidates = Rows.ReadAll(select, r => (Id: r.GetString(0), Body: r.GetString(1), Count: r.GetInt32(2), SentAt: r.GetString(3)));

            List<QueueMessage> received = [];
            foreach (var (id, body, count, sentAt) in candidates)
            {
                if (count >= maxReceiveCount)
                {
                    Move(session, id, Queues.DeadLetter(queue), now);
                    Instruments.QueueDeadLettered.Add(1, Instruments.Tag("queue", queue));
                    continue;
                }

                var receipt = Guid.NewGuid().ToString("N");
                var take = session.Command("""
                    UPDATE queue_messages SET receive_count = receive_count + 1, visible_at = $visible, receipt = $receipt
                    WHERE message_id = $id
                    """);
                take.Parameters.AddWithValue("$visible", Timestamp.FormatSortable(now + visibilityTimeout));
                take.Parameters.AddWithValue("$receipt", receipt);
                take.Parameters.AddWithValue("$id", id);
                take.ExecuteNonQuery();
                received.Add(new QueueMessage(id, body, receipt, count + 1, Timestamp.ParseStored(sentAt)));
                Instruments.QueueReceived.Add(1, Instruments.Tag("queue", queue));
            }

            return received;
        });

    public async Task<bool> DeleteAsync(string queue, string receiptHandle) => await DeleteBatchAsync(queue, [receiptHandle]) == 1;

    public Task<int> DeleteBatchAsync(string queue, IReadOnlyCollection<string> receiptHandles) => receiptHandles.Count == 0
        ? Task.FromResult(0)
        : database.ExclusiveAsync(session =>
        {
            var delete = session.Command("DELETE FROM queue_messages WHERE queue = $queue AND receipt = $receipt");
            delete.Parameters.AddWithValue("$queue", queue);
            var receipt = delete.Parameters.Add("$receipt", Microsoft.Data.Sqlite.SqliteType.Text);
            var deleted = 0;
            foreach (var handle in receiptHandles)
            {
                receipt.Value = handle;
                deleted += delete.ExecuteNonQuery();
            }

            Instruments.QueueDeleted.Add(deleted, Instruments.Tag("queue", queue));
            return deleted;
        });

    public Task<bool> ChangeVisibilityAsync(string queue, string receiptHandle, TimeSpan timeout) => database.ExclusiveAsync(session =>
    {
        var change = session.Command("UPDATE queue_messages SET visible_at = $visible WHERE queue = $queue AND receipt = $receipt");
        change.Parameters.AddWithValue("$visible", Timestamp.FormatSortable(time.GetUtcNow() + timeout));
        change.Parameters.AddWithValue("$queue", queue);
        change.Parameters.AddWithValue("$receipt", receiptHandle);
        return change.ExecuteNonQuery() == 1;
    });

    public Task<bool> DeadLetterAsync(string queue, string receiptHandle) => database.ExclusiveAsync(session =>
    {
        var find = session.Command("SELECT message_id FROM queue_messages WHERE queue = $queue AND receipt = $receipt");
        find.Parameters.AddWithValue("$queue", queue);
        find.Parameters.AddWithValue("$receipt", receiptHandle);
        if (find.ExecuteScalar() is not string id)
        {
            return false;
        }

        Move(session, id, Queues.DeadLetter(queue), time.GetUtcNow());
        Instruments.QueueDeadLettered.Add(1, Instruments.Tag("queue", queue));
        return true;
    });

    public Task<int> RedriveAsync(string queue) => database.ExclusiveAsync(session =>
    {
        var redrive = session.Command("""
            UPDATE queue_messages SET queue = $queue, receive_count = 0, receipt = NULL, sent_at = $now, visible_at = $now WHERE queue = $dlq
            """);
        redrive.Parameters.AddWithValue("$queue", queue);
        redrive.Parameters.AddWithValue("$dlq", Queues.DeadLetter(queue));
        redrive.Parameters.AddWithValue("$now", Timestamp.FormatSortable(time.GetUtcNow()));
        return redrive.ExecuteNonQuery();
    });

    public QueueStats Stats(string queue)
    {
        var now = time.GetUtcNow();
        using var session = database.Open();
        var command = session.Command("""
            SELECT IFNULL(SUM(visible_at <= $now), 0), IFNULL(SUM(visible_at > $now), 0), MIN(sent_at)
            FROM queue_messages WHERE queue = $queue
            """);
        command.Parameters.AddWithValue("$queue", queue);
        command.Parameters.AddWithValue("$now", Timestamp.FormatSortable(now));
        using var reader = command.ExecuteReader();
        reader.Read();
        return new QueueStats(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : now - Timestamp.ParseStored(reader.GetString(2)));
    }

    private static void Move(SqliteSession session, string id, string queue, DateTimeOffset now)
    {
        var move = session.Command("UPDATE queue_messages SET queue = $queue, receipt = NULL, visible_at = $now WHERE message_id = $id");
        move.Parameters.AddWithValue("$queue", queue);
        move.Parameters.AddWithValue("$now", Timestamp.FormatSortable(now));
        move.Parameters.AddWithValue("$id", id);
        move.ExecuteNonQuery();
    }
}
