namespace StockWatch.Core.Access;

/// <summary>What a key may do; each role includes the ones before it.</summary>
public enum Role
{
    Reader = 1,
    Writer = 2,
    Admin = 3,
}

public static class Roles
{
    public static string ToWire(this Role role) => role.ToString().ToLowerInvariant();

    public static Role Parse(string? text, string field = "role") => text?.Trim().ToLowerInvariant() switch
    {
        "reader" => Role.Reader,
        "writer" => Role.Writer,
        "admin" => Role.Admin,
        _ => throw StockWatchException.Invalid(field, $"{field} must be reader, writer or admin (got {Text.Quote(text)})."),
    };
}

/// <summary>A stored API key: never the secret itself, only its hash.</summary>
public sealed record ApiKey(string KeyId, string Name, Role Role, DateTimeOffset CreatedAt)
{
    public const int MaxNameLength = 64;

    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>The API key port: keys by id, with the hash of their secret.</summary>
public interface IApiKeyStore
{
    /// <summary>Stores a new key; a conflict when an active key already has its name.</summary>
    Task AddAsync(ApiKey key, byte[] secretHash);

    (ApiKey Key, byte[] SecretHash)? Find(string keyId);

    IReadOnlyList<ApiKey> List();

    /// <summary>Revokes the active key with that name; false when there is none.</summary>
    Task<bool> RevokeAsync(string name, DateTimeOffset at);
}
