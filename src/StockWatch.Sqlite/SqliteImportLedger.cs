using System.Text.Json;
using Microsoft.Data.Sqlite;
using StockWatch.Core;
using StockWatch.Core.Imports;

namespace StockWatch.Sqlite;

/// <summary>The import ledger on SQLite; an import's completion is written by the import's own transaction.</summary>
public sealed class SqliteImportLedger(SqliteDatabase database) : IImportLedger
{
    public Task AddAsync(ImportRecord record) => database.ExclusiveAsync(session =>
    {
        var insert = session.Command("INSERT OR IGNORE INTO imports (import_id, status, source, created_at) VALUES ($id, $status, $source, $at)");
        insert.Parameters.AddWithValue("$id", record.ImportId);
        insert.Parameters.AddWithValue("$status", Wire(record.Status));
        insert.Parameters.AddWithValue("$source", record.Source);
        insert.Parameters.AddWithValue("$at", Timestamp.FormatSortable(record.CreatedAt));
        return insert.ExecuteNonQuery();
    });

    public ImportRecord? Find(string importId)
    {
        using var session = database.Open();
        var select = session.Command("SELECT import_id, status, source, created_at, finished_at, summary, error FROM imports WHERE import_id = $id");
        select.Parameters.AddWithValue("$id", importId);
        return Rows.ReadAll(select, Read).SingleOrDefault();
    }

    public IReadOnlyList<ImportRecord> List(int limit, DateTimeOffset? before = null)
    {
        using var session = database.Open();
        var select = session.Command("""
            SELECT import_id, status, source, created_at, finished_at, summary, error FROM imports
            WHERE $before IS NULL OR created_at < $before
            ORDER BY created_at DESC, import_id DESC LIMIT $limit
            """);
        select.Parameters.AddWithValue("$before", before is { } at ? Timestamp.FormatSortable(at) : DBNull.Value);
        select.Parameters.AddWithValue("$limit", limit);
        return Rows.ReadAll(select, Read);
    }

    public Task MarkAsync(string importId, ImportStatus status, DateTimeOffset? finishedAt = null, string? error = null, ImportSummary? summary = null) =>
        database.ExclusiveAsync(session =>
        {
            var update = session.Command("""
                UPDATE imports SET status = $status, finished_at = $at, error = $error, summary = $summary
                WHERE import_id = $id AND status <> 'done'
                """);
            update.Parameters.AddWithValue("$summary", summary is null ? DBNull.Value : JsonSerializer.Serialize(summary, ImportSummary.Json));
            update.Parameters.AddWithValue("$id", importId);
            update.Parameters.AddWithValue("$status", Wire(status));
            update.Parameters.AddWithValue("$at", finishedAt is { } at ? Timestamp.FormatSortable(at) : DBNull.Value);
            update.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            return update.ExecuteNonQuery();
        });

    private static ImportRecord Read(SqliteDataReader r) =>
        new(r.GetString(0), Enum.Parse<ImportStatus>(r.GetString(1), ignoreCase: true), r.GetString(2), Timestamp.ParseStored(r.GetString(3)))
        {
            FinishedAt = r.IsDBNull(4) ? null : Timestamp.ParseStored(r.GetString(4)),
            Summary = r.IsDBNull(5) ? null : JsonSerializer.Deserialize<ImportSummary>(r.GetString(5), ImportSummary.Json),
            Error = r.IsDBNull(6) ? null : r.GetString(6),
        };

    private static string Wire(ImportStatus status) => status.ToString().ToLowerInvariant();
}
