using Microsoft.Data.Sqlite;
using StockWatch.Core;
using StockWatch.Core.Access;

namespace StockWatch.Sqlite;

public sealed class SqliteApiKeyStore(SqliteDatabase database) : IApiKeyStore
{
    private const string Columns = "key_id, name, role, created_at, revoked_at, secret_hash";

    public async Task AddAsync(ApiKey key, byte[] secretHash)
    {
        try
        {
            await database.ExclusiveAsync(session =>
            {
                var insert = session.Command($"INSERT INTO api_keys ({Columns}) VALUES ($id, $name, $role, $created, NULL, $hash)");
                insert.Parameters.AddWithValue("$id", key.KeyId);
                insert.Parameters.AddWithValue("$name", key.Name);
                insert.Parameters.AddWithValue("$role", key.Role.ToWire());
                insert.Parameters.AddWithValue("$created", Timestamp.FormatSortable(key.CreatedAt));
                insert.Parameters.AddWithValue("$hash", secretHash);
                return insert.ExecuteNonQuery();
            });
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */)
        {
            throw StockWatchException.Conflict($"An active key named {key.Name} exists already; revoke it or choose another name.", "name");
        }
    }

    public (ApiKey Key, byte[] SecretHash)? Find(string keyId)
    {
        using var session = database.Open();
        var command = session.Command($"SELECT {Columns} FROM api_keys WHERE key_id = $id");
        command.Parameters.AddWithValue("$id", keyId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (Read(reader), (byte[])reader.GetValue(5)) : null;
    }

    public IReadOnlyList<ApiKey> List()
    {
        using var session = database.Open();
        return Rows.ReadAll(session.Command($"SELECT {Columns} FROM api_keys ORDER BY created_at, name"), Read);
    }

    public Task<bool> RevokeAsync(string name, DateTimeOffset at) => database.ExclusiveAsync(session =>
    {
        var update = session.Command("UPDATE api_keys SET revoked_at = $at WHERE name = $name AND revoked_at IS NULL");
        update.Parameters.AddWithValue("$at", Timestamp.FormatSortable(at));
        update.Parameters.AddWithValue("$name", name);
        return update.ExecuteNonQuery() == 1;
    });

    private static ApiKey Read(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), Roles.Parse(reader.GetString(2)), Timestamp.ParseStored(reader.GetString(3)))
        {
            RevokedAt = reader.IsDBNull(4) ? null : Timestamp.ParseStored(reader.GetString(4)),
        };
}
