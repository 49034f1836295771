using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using StockWatch.Core;
using StockWatch.Core.Imports;
using StockWatch.Core.Storage;

namespace StockWatch.Aws;

/// <summary>
/// Imports through the bucket, as the AWS shape runs them: a CSV put under <c>uploads/</c> (ending in <c>.csv</c>) is
/// imported by the <c>Import</c> function, reading how from the object's metadata <c>x-amz-meta-stockwatch-import</c>
/// (the import settings as JSON); its result lands under <c>imports/&lt;import id&gt;/</c> and in the <c>Imports</c>
/// table. The import id follows from bucket, key and version (else ETag), so the function and the uploader name it alike.
/// </summary>
public sealed class S3Imports(S3ObjectStore objects, DynamoImports imports, TimeProvider time)
{
    public const string UploadsPrefix = "uploads/";

    /// <summary>The user metadata (<c>x-amz-meta-…</c>) holding an upload's import settings as JSON.</summary>
    public const string SettingsMetadata = "stockwatch-import";

    /// <summary>How often <see cref="WaitAsync"/> reads the Imports item.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    /// <summary>The import id of an uploaded object: <c>imp-</c> and 16 hex digits of SHA-256 over bucket, key and version (else ETag).</summary>
    public static string IdOf(string bucket, string key, string? versionId, string? etag) =>
        "imp-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{bucket}\n{key}\n{versionId ?? etag?.Trim('"') ?? string.Empty}")))[..16];

    public static ObjectKey SummaryKey(string importId) => ObjectKey.Parse($"imports/{importId}/summary.json");

    /// <summary>
    /// Uploads a file to <c>uploads/&lt;time&gt;-&lt;random&gt;/&lt;name&gt;</c> (a new key each time, so each upload is
    /// an import of its own, as each <c>stockwatch import</c> is) with its settings, streamed in parts.
    /// </summary>
    /// <returns>The import id and the key.</returns>
    public async Task<(string ImportId, string Key)> UploadAsync(Stream file, string fileName, ImportSettings settings, CancellationToken cancellationToken)
    {
        var name = string.Concat(Path.GetFileName(fileName).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-'));
        var key = $"{UploadsPrefix}{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}/"
            + (name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? name : $"{name}.csv");
        var (etag, version) = await objects.PutAsync(ObjectKey.Parse(key), file,
            new Dictionary<string, string> { [SettingsMetadata] = JsonSerializer.Serialize(settings, ImportSummary.Json) }, cancellationToken);
        return (IdOf(objects.Bucket, key, version, etag), key);
    }

    /// <summary>Reads the import's item until it is done or failed, telling <paramref name="progress"/> the share read.</summary>
    /// <exception cref="StockWatchException">The import failed (the function's reason).</exception>
    public async Task<ImportSummary> WaitAsync(string importId, Action<ImportItem?> progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            var item = await imports.FindAsync(importId, cancellationToken);
            progress(item);
            switch (item)
            {
                case { Status: ImportStatus.Done, Summary: { } summary }:
                    return JsonSerializer.Deserialize<ImportSummary>(summary, ImportSummary.Json)!;
                case { Status: ImportStatus.Failed }:
                    throw StockWatchException.Invalid("file", item.Error ?? $"Import {importId} failed.");
            }

            await Task.Delay(Poll, time, cancellationToken);
        }
    }
}
