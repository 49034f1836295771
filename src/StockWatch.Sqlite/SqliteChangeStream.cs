using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Stream;

namespace StockWatch.Sqlite;

/// <summary>
/// The change stream on SQLite, processed in batches (docs/decisions/0017). A step reads a batch of changes with their
/// products' alert states in one statement, their new images and sales windows in one statement each, decides every
/// change in memory, and in the same immediate transaction stores the alerts, the states that changed and the new
/// checkpoint. Two processors on one database (the CLI draining while <c>serve</c> runs) take turns and never process a
/// change twice.
/// </summary>
public sealed class SqliteChangeStream(SqliteDatabase database, TimeProvider time) : IChangeStream
{
    /// <summary>Changes the lane looks at per step for new single writes (a range of the log, read by its key).</summary>
    private const int LaneScan = 4096;

    // Used only inside the steps, which this process runs one at a time (the database's write queue). The backlog's
    // windows move forward with its sales marks; the lane reads newer marks, so it keeps windows of its own.
    private readonly SalesRates _rates = new();
    private readonly SalesRates _laneRates = new();
    private readonly Dictionary<string, long> _laneFrom = new(StringComparer.Ordinal);

    // Old images read as the new images of changes before them, by sequence, until their own change is read.
    private const int MaxImagesAhead = 100_000;
    private readonly Dictionary<long, Product?> _images = [];

    // A step's alert states by product, as stored and as decided so far; kept from step to step (a batch's would be
    // allocated anew each step on the large-object heap, collected only with the whole heap).
    private readonly Dictionary<ProductId, (AlertState Stored, AlertState Current)> _states = [];

    // A batch of an import's held changes: its products (as JSON for the statements), their states, those with sales.
    private readonly System.Buffers.ArrayBufferWriter<byte> _idsJson = new(1 << 16);
    private readonly Dictionary<ProductId, AlertState> _batchStates = [];
    private readonly HashSet<ProductId> _batchSold = [];

    // The next batch of the held run, decoded on another core while this one is decided and written: decoding took a
    // fifth of the drain's thread, and the drain of 1M held changes ran about 6 % faster (runs alternating both builds).
    // A step that asks for other changes than those decoded decodes its own.
    private (ImportedChanges.Run Run, long First, long Last, Task<ImportedChanges.Change[]> Changes)? _decodedAhead;

    // The times of the alerts and states stored (an import's changes share one).
    private readonly StoredTimes _times = new();

    public Task<StreamBatch> ProcessNextAsync(string consumer, int maxChanges, ChangeHandler handler, SalesWindowOf? windows = null) =>
        database.ExclusiveAsync(session => ProcessNext(session, consumer, maxChanges, handler, windows));

    public Task<StreamBatch> ProcessNewestAsync(string consumer, int maxChanges, ChangeHandler handler, SalesWindowOf? windows = null) =>
        database.ExclusiveAsync(session => ProcessNewest(session, consumer, maxChanges, handler, windows));

    private StreamBatch ProcessNext(SqliteSession session, string consumer, int maxChanges, ChangeHandler handler, SalesWindowOf? windows)
    {
        var checkpoint = Checkpoint(session, consumer);
        var imported = database.Imported.Holding(checkpoint + 1);
        if (imported is not null && !IsStoredAs(session, imported, checkpoint + 1, Math.Min(imported.Last, checkpoint + maxChanges)))
        {
            database.Imported.Forget(imported);
            imported = null;
        }

        if (imported is null)
        {
            _decodedAhead = null;
        }

        var changes = imported is not null
            ? ReadImported(session, imported, checkpoint + 1, maxChanges)
            : ReadChanges(session, $"{ChangeQuery} WHERE c.seq > ?1 ORDER BY c.seq LIMIT ?2", query =>
            {
                query.Integer(1, checkpoint);
                query.Integer(2, maxChanges);
            });
        if (changes.Count == 0)
        {
            // A run handed over after the stream had read its changes back is let go here too.
            database.Imported.Passed(checkpoint);
            return new StreamBatch(0, []);
        }

        var last = changes[^1].Sequence;
        database.Imported.Passed(last);
        var ahead = ReadAhead(session, consumer, checkpoint, last);
        var stored = Decide(session, ahead.Count == 0 ? changes : changes.FindAll(c => !ahead.Contains(c.Sequence)), handler, windows, _rates);

        var save = session.Command(
            "INSERT INTO stream_checkpoints (consumer, last_seq) VALUES ($consumer, $seq) ON CONFLICT (consumer) DO UPDATE SET last_seq = excluded.last_seq");
        save.Parameters.AddWithValue("$consumer", consumer);
        save.Parameters.AddWithValue("$seq", last);
        save.ExecuteNonQuery();
        if (ahead.Count > 0)
        {
            var passed = session.Command("DELETE FROM stream_ahead WHERE consumer = $consumer AND seq <= $seq");
            passed.Parameters.AddWithValue("$consumer", consumer);
            passed.Parameters.AddWithValue("$seq", last);
            passed.ExecuteNonQuery();
        }

        return new StreamBatch(changes.Count, stored);
    }

    private StreamBatch ProcessNewest(SqliteSession session, string consumer, int maxChanges, ChangeHandler handler, SalesWindowOf? windows)
    {
        var checkpoint = Checkpoint(session, consumer);
        var newest = (long)session.Command("SELECT IFNULL(MAX(seq), 0) FROM changes").ExecuteScalar()!;
        var from = _laneFrom.TryGetValue(consumer, out var mark) && mark > checkpoint ? mark : checkpoint;
        var (to, products) = SingleWrites(session, from, newest);
        if (products.Count == 0 && to < newest)
        {
            // An import's run of changes: the lane goes on after the newest import's last change (found from the end of
            // the log, over the single writes since it), so that what was committed after it goes first.
            var skip = session.Command("SELECT IFNULL((SELECT seq FROM changes WHERE seq > $to AND stamp IS NOT NULL ORDER BY seq DESC LIMIT 1), $to)");
            skip.Parameters.AddWithValue("$to", to);
            from = (long)skip.ExecuteScalar()!;
            (to, products) = SingleWrites(session, from, newest);
        }

        if (products.Count == 0)
        {
            _laneFrom[consumer] = to;
            return new StreamBatch(0, []);
        }

        List<Read> changes = [];
        if (products.Count > 0)
        {
            // Each product's unprocessed changes up to the scanned range, in order: a per-product prefix even when cut
            // at maxChanges, so a product's changes are still decided in their order.
            changes = ReadChanges(session, $"""
                {ChangeQuery}
                WHERE c.product_id IN (SELECT value FROM json_each(?1)) AND c.seq > ?2 AND c.seq <= ?3
                  AND c.seq NOT IN (SELECT a.seq FROM stream_ahead a WHERE a.consumer = ?4 AND a.seq > ?2)
                ORDER BY c.seq LIMIT ?5
                """, query =>
            {
                query.Constant(1, JsonSerializer.Serialize(products));
                query.Integer(2, checkpoint);
                query.Integer(3, to);
                query.Constant(4, consumer);
                query.Integer(5, maxChanges);
            });
        }

        var stored = Decide(session, changes, handler, windows, _laneRates);
        var record = session.Command("INSERT INTO stream_ahead (consumer, seq) VALUES ($consumer, $seq)");
        foreach (var change in changes)
        {
            record.Parameters.Clear();
            record.Parameters.AddWithValue("$consumer", consumer);
            record.Parameters.AddWithValue("$seq", change.Sequence);
            record.ExecuteNonQuery();
        }

        if (changes.Count < maxChanges)
        {
            _laneFrom[consumer] = to;
        }

        return new StreamBatch(changes.Count, stored);
    }

    /// <summary>The products of the single writes in the next <see cref="LaneScan"/> changes after <paramref name="from"/>, and where that range ends.</summary>
    private static (long To, List<string> Products) SingleWrites(SqliteSession session, long from, long newest)
    {
        var to = Math.Min(newest, from + LaneScan);
        var single = session.Command("SELECT DISTINCT product_id FROM changes WHERE seq > $from AND seq <= $to AND stamp IS NULL");
        single.Parameters.AddWithValue("$from", from);
        single.Parameters.AddWithValue("$to", to);
        return (to, Rows.ReadAll(single, reader => reader.GetString(0)));
    }

    public long Pending(string consumer)
    {
        using var session = database.Open();
        var command = session.Command("""
            SELECT (SELECT COUNT(*) FROM changes WHERE seq > c.last_seq) - (SELECT COUNT(*) FROM stream_ahead WHERE consumer = $consumer AND seq > c.last_seq)
            FROM (SELECT IFNULL((SELECT last_seq FROM stream_checkpoints WHERE consumer = $consumer), 0) AS last_seq) c
            """);
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

    /// <summary>
    /// Decides <paramref name="changes"/> (in sequence order; each product's are consecutive in its history) and stores
    /// the alerts and the states that changed.
    /// </summary>
    // A step runs its loops over thousands of changes a few hundred times in a process: compiled optimized at once, not
    // first in the runtime's quick tier (measured: most of a 200,000-change drain ran there).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private List<Alert> Decide(SqliteSession session, List<Read> changes, ChangeHandler handler, SalesWindowOf? windows, SalesRates rates)
    {
        List<Alert> stored = [];
        if (changes.Count == 0)
        {
            return stored;
        }

        rates.Begin(session, changes[0].SalesMark, changes[^1].SalesMark);
        if (windows is not null)
        {
            List<(ProductId, SalesWindow)> wanted = [];
            foreach (var read in changes)
            {
                if (read.HasSales && windows(read.Record) is { } window)
                {
                    wanted.Add((read.ProductId, window));
                }
            }

            rates.Prefetch(session, wanted);
        }

        var states = _states;
        states.Clear();
        var sales = new SalesHistory(rates, session);
        using var insert = new BulkStatement(session, InsertSql);
        foreach (var read in changes)
        {
            var change = read.Record;
            ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(states, change.ProductId, out var known);
            if (!known)
            {
                state = (read.State, read.State);
            }

            (sales.Mark, sales.None) = (read.SalesMark, !read.HasSales);
            var decision = handler(change, state.Current, sales);
            for (var i = 0; i < decision.Alerts.Count; i++)
            {
                if (Insert(insert, decision.Alerts[i], change, _times) is { } saved)
                {
                    stored.Add(saved);
                }
            }

            state.Current = decision.State;
        }

        using var save = new BulkStatement(session, SaveStateSql);
        foreach (var (productId, (before, after)) in states)
        {
            if (after != before)
            {
                SaveState(save, productId, after, _times);
            }
        }

        return stored;
    }

    private static long Checkpoint(SqliteSession session, string consumer)
    {
        var command = session.Command("SELECT IFNULL((SELECT last_seq FROM stream_checkpoints WHERE consumer = $consumer), 0)");
        command.Parameters.AddWithValue("$consumer", consumer);
        return (long)command.ExecuteScalar()!;
    }

    private static HashSet<long> ReadAhead(SqliteSession session, string consumer, long after, long last)
    {
        var command = session.Command("SELECT seq FROM stream_ahead WHERE consumer = $consumer AND seq > $after AND seq <= $last");
        command.Parameters.AddWithValue("$consumer", consumer);
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$last", last);
        return [.. Rows.ReadAll(command, reader => reader.GetInt64(0))];
    }

    /// <summary>
    /// The change with its stored old image (and, before migration 8, its new one), time, cause and sales mark, the
    /// product's alert state, what its new image is (migration 8 stores it once): the sequence of the product's next
    /// change, whose old image it is, else (no next change) the product's row; and whether the product had any sale by
    /// the change (without one, every window of it holds 0 units, and none is read); the import's stamp, whose time and
    /// cause the change has (<c>change_log</c>'s join, made in memory: a batch's changes share one or two stamps).
    /// </summary>
    private const string ChangeQuery = """
        SELECT c.seq, c.product_id, c.kind, c.old_image, c.new_image, c.changed_at, c.cause, c.sales_mark,
               s.last_alert_time, s.low_stock_alerted_at, s.stockout_episode,
               CASE WHEN c.needs_image THEN (SELECT n.seq FROM changes n WHERE n.product_id = c.product_id AND n.seq > c.seq ORDER BY n.seq LIMIT 1) END,
               p.product_name, p.product_category, p.stock_count, p.product_price_e4, p.low_stock_threshold, p.version,
               p.stock_counted, p.updated_at,
               c.kind <> 'REMOVE' AND EXISTS (SELECT 1 FROM sales x WHERE x.product_id = c.product_id AND x.rowid <= c.sales_mark),
               c.stamp
        FROM (SELECT c.*, c.kind <> 'REMOVE' AND c.new_image IS NULL AS needs_image FROM changes c) c
        LEFT JOIN alert_state s ON s.product_id = c.product_id
        LEFT JOIN products p ON c.needs_image AND p.product_id = c.product_id
        """;

    /// <summary>
    /// Reads changes with <see cref="ChangeQuery"/> (through SQLite's own API: the batch reads a score of columns per
    /// change). A change's new image is the old image of its product's next change: taken from the changes read when
    /// that one is among them, else read with the others' in one statement.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private List<Read> ReadChanges(SqliteSession session, string sql, Action<BulkStatement> bind)
    {
        List<Read> rows = [];
        var images = _images;
        using (var query = new BulkStatement(session, sql))
        {
            bind(query);
            var (changed, updated) = (new StoredTimes(), new StoredTimes());
            var (causeText, ownCause) = (Array.Empty<byte>(), string.Empty);
            var (stamp, stamped) = (-1L, (ChangedAt: default(DateTimeOffset), Cause: string.Empty));
            while (query.Read())
            {
                // A single write's own time and cause, else its import's (a batch's changes share one or two).
                var (changedAt, cause) = (default(DateTimeOffset), string.Empty);
                if (query.IsNull(21))
                {
                    if (!query.GetBytes(6).SequenceEqual(causeText))
                    {
                        causeText = query.GetBytes(6).ToArray();
                        ownCause = query.GetText(6);
                    }

                    (changedAt, cause) = (changed.Parse(query.GetBytes(5)), ownCause);
                }
                else
                {
                    if (query.GetInteger(21) != stamp)
                    {
                        stamp = query.GetInteger(21);
                        stamped = Stamp(session, stamp);
                    }

                    (changedAt, cause) = stamped;
                }

                var kind = query.GetBytes(2) switch
                {
                    var k when k.SequenceEqual("INSERT"u8) => ChangeKind.Insert,
                    var k when k.SequenceEqual("MODIFY"u8) => ChangeKind.Modify,
                    _ => ChangeKind.Remove,
                };
                var id = ProductId.Parse(query.GetText(1));
                var sequence = query.GetInteger(0);
                var row = new Read(
                    new ChangeRecord(
                        sequence,
                        id,
                        kind,
                        images.Remove(sequence, out var parsed) ? parsed : query.IsNull(3) ? null : Rows.ReadImage(query.GetBytes(3)),
                        kind == ChangeKind.Remove || query.IsNull(4) ? null : Rows.ReadImage(query.GetBytes(4)),
                        changedAt,
                        cause),
                    query.GetInteger(7),
                    query.IsNull(10) ? AlertState.None : ReadState(query, 8))
                {
                    NextSequence = query.IsNull(11) ? null : query.GetInteger(11),
                    HasSales = query.GetInteger(20) != 0,
                };
                if (kind != ChangeKind.Remove && row.NewImage is null && row.NextSequence is null && !query.IsNull(12))
                {
                    row.NewImage = Rows.ReadProduct(query, 12, id, updated);
                }

                rows.Add(row);
            }
        }

        List<Read> later = [];
        foreach (var row in rows)
        {
            if (row.NextSequence is { } next)
            {
                if (IndexOf(rows, next) is var index and >= 0)
                {
                    row.NewImage = rows[index].OldImage;
                }
                else
                {
                    later.Add(row);
                }
            }
        }

        if (later.Count > 0)
        {
            // Each such image is its change's old image when that change is read in a later step: kept for it, so that
            // it is parsed once (a sales import's products mostly change again only in a later step).
            if (images.Count > MaxImagesAhead)
            {
                images.Clear();
            }

            using var query = new BulkStatement(session, "SELECT n.seq, n.old_image FROM changes n WHERE n.seq IN (SELECT value FROM json_each(?1))");
            query.Constant(1, JsonSerializer.Serialize(later.ConvertAll(row => row.NextSequence)));
            while (query.Read())
            {
                images[query.GetInteger(0)] = query.IsNull(1) ? null : Rows.ReadImage(query.GetBytes(1));
            }

            foreach (var row in later)
            {
                row.NewImage = images[row.NextSequence!.Value];
            }
        }

        return rows;
    }

    /// <summary>
    /// Up to <paramref name="maxChanges"/> changes from <paramref name="first"/> of an import this process committed, as
    /// <see cref="ReadChanges"/> reads them, from the images the import handed over: only their products' alert states
    /// and, when there are sales, whether each product had one are read (one statement each).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private List<Read> ReadImported(SqliteSession session, ImportedChanges.Run imported, long first, int maxChanges)
    {
        var last = Math.Min(imported.Last, first + maxChanges - 1);
        _idsJson.ResetWrittenCount();
        if (last < first)
        {
            return [];
        }

        var held = _decodedAhead is { } ahead && ahead.Run == imported && ahead.First == first && ahead.Last == last
            ? ahead.Changes.GetAwaiter().GetResult()
            : Decode(imported, first, last, null);
        _decodedAhead = null;

        // The states: those in the span of the batch's ids when they are ASCII (a file sorted by SKU, as exported, makes
        // the span hold little else; sorted as SQLite sorts, byte by byte), at most a few per change; otherwise, or past
        // that, those of the batch's ids one by one.
        var states = _batchStates;
        states.Clear();
        var (low, high, ascii) = (held[0].Product.Value, held[0].Product.Value, true);
        foreach (var change in held)
        {
            var id = change.Product.Value;
            ascii &= Ascii.IsValid(id);
            (low, high) = (string.CompareOrdinal(id, low) < 0 ? id : low, string.CompareOrdinal(id, high) > 0 ? id : high);
        }

        var spanned = false;
        if (ascii)
        {
            using var span = new BulkStatement(session, $"{StateQuery} WHERE product_id BETWEEN ?1 AND ?2 LIMIT ?3");
            span.Text(1, low);
            span.Text(2, high);
            span.Integer(3, 4 * held.Length);
            spanned = ReadStates(span, states) < 4 * held.Length;
        }

        if (!spanned)
        {
            states.Clear();
            using var each = new BulkStatement(session, $"{StateQuery} WHERE product_id IN (SELECT value FROM json_each(?1))");
            each.Text(1, Ids());
            ReadStates(each, states);
        }

        // Whether each product had a sale by the batch's last change (sales are only added): without one it had none by
        // any of its changes; with one, each change's windows are still read as of its own mark, which counts right.
        var sold = _batchSold;
        sold.Clear();
        if (held[^1].SalesMark > 0)
        {
            using var query = new BulkStatement(session, """
                SELECT j.value FROM json_each(?1) j
                WHERE EXISTS (SELECT 1 FROM sales x WHERE x.product_id = j.value AND x.rowid <= ?2)
                """);
            query.Text(1, Ids());
            query.Integer(2, held[^1].SalesMark);
            while (query.Read())
            {
                sold.Add(ProductId.Parse(query.GetText(0)));
            }
        }

        var (changedAt, cause) = imported.Stamp;
        var rows = new List<Read>(held.Length);
        var sequence = first;
        foreach (var change in held)
        {
            rows.Add(new Read(
                new ChangeRecord(
                    sequence++,
                    change.Product,
                    change.Before is null ? ChangeKind.Insert : ChangeKind.Modify,
                    change.Before,
                    change.After,
                    changedAt,
                    cause),
                change.SalesMark,
                states.Count == 0 ? AlertState.None : states.GetValueOrDefault(change.Product, AlertState.None))
            {
                HasSales = sold.Count > 0 && sold.Contains(change.Product),
            });
        }

        if (last < imported.Last)
        {
            // Into the batch's array, done with here.
            var (next, nextLast) = (last + 1, Math.Min(imported.Last, last + maxChanges));
            _decodedAhead = (imported, next, nextLast, Task.Run(() => Decode(imported, next, nextLast, held)));
        }

        return rows;

        static ImportedChanges.Change[] Decode(ImportedChanges.Run run, long first, long last, ImportedChanges.Change[]? reuse)
        {
            var changes = reuse?.Length == last - first + 1 ? reuse : new ImportedChanges.Change[last - first + 1];
            run.Read(first, changes);
            return changes;
        }

        // The batch's products as a JSON array, written once and only when a statement takes them one by one: each as
        // often as it changes (IN takes each once).
        ReadOnlySpan<byte> Ids()
        {
            var ids = _idsJson;
            if (ids.WrittenCount == 0)
            {
                using var json = new Utf8JsonWriter(ids);
                json.WriteStartArray();
                foreach (var change in held)
                {
                    json.WriteStringValue(change.Product.Value);
                }

                json.WriteEndArray();
            }

            return ids.WrittenSpan;
        }
    }

    /// <summary>
    /// Whether the stored changes <paramref name="first"/> and <paramref name="last"/> are those of the held run: of its
    /// import (their stamp's cause names its id). They are unless the database is not the one the import wrote, e.g. a
    /// data folder deleted and made anew under the running process (found by a fresh-user trial): then the changes are
    /// read back, never decided from another import's images.
    /// </summary>
    private static bool IsStoredAs(SqliteSession session, ImportedChanges.Run run, long first, long last)
    {
        var command = session.Command("""
            SELECT COUNT(*) FROM changes c JOIN change_stamps s ON s.stamp = c.stamp
            WHERE c.seq IN ($first, $last) AND s.cause = $cause AND s.changed_at = $at
            """);
        command.Parameters.AddWithValue("$first", first);
        command.Parameters.AddWithValue("$last", last);
        command.Parameters.AddWithValue("$cause", run.Stamp.Cause);
        command.Parameters.AddWithValue("$at", Timestamp.FormatSortable(run.Stamp.Time));
        return (long)command.ExecuteScalar()! == (first == last ? 1 : 2);
    }

    private const string StateQuery = "SELECT product_id, last_alert_time, low_stock_alerted_at, stockout_episode FROM alert_state";

    /// <summary>Reads the states <see cref="StateQuery"/> selects into <paramref name="states"/>; returns how many.</summary>
    private static int ReadStates(BulkStatement query, Dictionary<ProductId, AlertState> states)
    {
        var count = 0;
        while (query.Read())
        {
            count++;
            states[ProductId.Parse(query.GetText(0))] = ReadState(query, 1);
        }

        return count;
    }

    /// <summary>An alert state from <c>last_alert_time, low_stock_alerted_at, stockout_episode</c> at column <paramref name="first"/> on.</summary>
    private static AlertState ReadState(BulkStatement row, int first) => new(
        row.IsNull(first) ? null : Timestamp.ParseStored(row.GetText(first)),
        row.IsNull(first + 1) ? null : Timestamp.ParseStored(row.GetText(first + 1)),
        row.GetInteger(first + 2) != 0);

    /// <summary>The index of the change <paramref name="sequence"/> in <paramref name="rows"/> (in sequence order), or -1.</summary>
    private static int IndexOf(List<Read> rows, long sequence)
    {
        var (low, high) = (0, rows.Count - 1);
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var found = rows[middle].Sequence;
            if (found == sequence)
            {
                return middle;
            }

            (low, high) = found < sequence ? (middle + 1, high) : (low, middle - 1);
        }

        return -1;
    }

    /// <summary>An import's time and cause: its row of <c>change_stamps</c>.</summary>
    private static (DateTimeOffset ChangedAt, string Cause) Stamp(SqliteSession session, long stamp)
    {
        var command = session.Command("SELECT changed_at, cause FROM change_stamps WHERE stamp = $stamp");
        command.Parameters.AddWithValue("$stamp", stamp);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? (Timestamp.ParseStored(reader.GetString(0)), reader.GetString(1))
            : throw new InvalidOperationException($"The change stamp {stamp} is missing from change_stamps.");
    }

    private const string SaveStateSql = """
        INSERT INTO alert_state (product_id, last_alert_time, low_stock_alerted_at, stockout_episode)
        VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (product_id) DO UPDATE SET last_alert_time = excluded.last_alert_time,
            low_stock_alerted_at = excluded.low_stock_alerted_at, stockout_episode = excluded.stockout_episode
        """;

    private static void SaveState(BulkStatement save, ProductId id, AlertState state, StoredTimes times)
    {
        save.Text(1, id.Value);
        Time(save, 2, state.LastAlertTime, times);
        Time(save, 3, state.LowStockAlertedAt, times);
        save.Integer(4, state.StockoutEpisode ? 1 : 0);
        save.Execute();
    }

    // Without RETURNING: SQLite runs a statement with RETURNING into a temporary table of its own, made and dropped on
    // each execution, which cost a third of the insert (the drain of 1M held changes: 550 ms of its 29k alerts' inserts
    // before, 340 after). The id is the row id the insert made, when it made one.
    private const string InsertSql = """
        INSERT INTO alerts (product_id, alert_time, alert_type, details, change_seq, cause, category)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT (change_seq, alert_type) DO NOTHING
        """;

    /// <summary>Stores an alert unless this change already stored one of its type (<see cref="InsertSql"/>).</summary>
    private static Alert? Insert(BulkStatement insert, NewAlert alert, ChangeRecord change, StoredTimes times)
    {
        var category = (change.NewImage ?? change.OldImage)?.Category;
        insert.Text(1, alert.ProductId.Value);
        insert.Text(2, times.Format(alert.Time));
        insert.Text(3, alert.Type.ToWire());
        insert.Text(4, Rows.WriteDetails(alert.Details));
        insert.Integer(5, change.Sequence);
        insert.Text(6, change.Cause);
        if (category is null)
        {
            insert.Null(7);
        }
        else
        {
            insert.Text(7, category);
        }

        if (insert.Execute() == 0)
        {
            return null;
        }

        return new Alert(insert.LastInsertRowId, alert.ProductId, alert.Type, alert.Time, alert.Details) { ChangeSequence = change.Sequence, Cause = change.Cause, Category = category };
    }

    private static void Time(BulkStatement statement, int index, DateTimeOffset? time, StoredTimes times)
    {
        if (time is { } t)
        {
            statement.Text(index, times.Format(t));
        }
        else
        {
            statement.Null(index);
        }
    }

    /// <summary>A change as read, with what was read with it (its <see cref="Record"/> complete once its new image is set).</summary>
    private sealed class Read(ChangeRecord record, long salesMark, AlertState state)
    {
        public ChangeRecord Record { get; private set; } = record;

        public long Sequence => Record.Sequence;
        public ProductId ProductId => Record.ProductId;
        public Product? OldImage => Record.OldImage;

        /// <summary>The new image: read with the change, or set once read after it (the change's record then anew).</summary>
        public Product? NewImage
        {
            get => Record.NewImage;
            set => Record = Record with { NewImage = value };
        }

        /// <summary>The product's next change, whose old image is this one's new image; <c>null</c>: none, or not needed.</summary>
        public long? NextSequence { get; init; }

        /// <summary>Whether the product had a sale by the change (its sales mark).</summary>
        public bool HasSales { get; init; }
        public long SalesMark { get; } = salesMark;

        /// <summary>The product's stored alert state when the batch was read.</summary>
        public AlertState State { get; } = state;
    }

    /// <summary>The sales as they were when the change was written: rows up to its sales mark.</summary>
    private sealed class SalesHistory(SalesRates rates, SqliteSession session) : ISalesHistory
    {
        public long Mark { get; set; }

        /// <summary>True when the product had no sale by the change.</summary>
        public bool None { get; set; }

        public long NetUnitsSold(ProductId id, DateTimeOffset from, DateTimeOffset to) => None ? 0 : rates.NetUnitsSold(session, id, from, to, Mark);
    }
}
