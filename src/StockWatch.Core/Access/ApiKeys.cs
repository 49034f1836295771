using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace StockWatch.Core.Access;

/// <summary>
/// Creates and checks API keys. A key reads <c>sw_&lt;id&gt;_&lt;secret&gt;</c>: the id (64 random bits) finds the
/// stored key, the secret (256 random bits) is checked against its SHA-256 in constant time. Only the hash is stored;
/// the key is shown once, at creation.
/// </summary>
public sealed class ApiKeys(IApiKeyStore store, TimeProvider time)
{
    private const string Prefix = "sw_";

    /// <summary>
    /// Creates a key; returns it with the full key text, which is never stored. Without a name, the key is named
    /// <c>&lt;role&gt;-&lt;key id&gt;</c> (e.g. <c>reader-3f9a0c1d2b4e5f60</c>), unique like the id.
    /// </summary>
    public async Task<(ApiKey Key, string Secret)> CreateAsync(string? name, Role role)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var checkedName = Identifier.Require(name ?? $"{role.ToWire()}-{keyId}", "name", ApiKey.MaxNameLength);
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKey(keyId, checkedName, role, time.GetUtcNow());
        await store.AddAsync(key, Hash(secret));
        return (key, $"{Prefix}{keyId}_{secret}");
    }

    /// <summary>The active key the presented text belongs to, or <c>null</c>.</summary>
    public ApiKey? Verify(string? presented)
    {
        if (presented is null || !presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 200)
        {
            return null;
        }

        var rest = presented.AsSpan(Prefix.Length);
        var separator = rest.IndexOf('_');
        if (separator <= 0 || store.Find(rest[..separator].ToString()) is not var (key, hash) || key.RevokedAt is not null)
        {
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(Hash(rest[(separator + 1)..].ToString()), hash) ? key : null;
    }

    public IReadOnlyList<ApiKey> List() => store.List();

    public async Task RevokeAsync(string? name)
    {
        var checkedName = Identifier.Require(name, "name", ApiKey.MaxNameLength);
        if (!await store.RevokeAsync(checkedName, time.GetUtcNow()))
        {
            throw StockWatchException.NotFound($"There is no active key named {checkedName}.");
        }
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
