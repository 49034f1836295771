using StockWatch.Core.Storage;

namespace StockWatch.Sqlite.Objects;

/// <summary>
/// The embedded default's object store: a folder (<c>&lt;data&gt;/objects</c>). Objects are written to a temporary
/// file beside the store and renamed into place, so a reader sees the old object or the new one, never half of one.
/// </summary>
public sealed class FolderObjectStore : IObjectStore
{
    private const string Staging = ".staging";
    private readonly string _root;

    public FolderObjectStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(_root, Staging));
    }

    public async Task PutAsync(ObjectKey key, Stream content, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var staged = Path.Combine(_root, Staging, Guid.NewGuid().ToString("N"));
        try
        {
            await using (var file = new FileStream(staged, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Move(staged, path, overwrite: true);
        }
        finally
        {
            File.Delete(staged);
        }
    }

    public Stream? Open(ObjectKey key)
    {
        try
        {
            return new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public IReadOnlyList<ObjectInfo> List(string prefix)
    {
        var staging = Path.Combine(_root, Staging) + Path.DirectorySeparatorChar;
        List<ObjectInfo> objects = [];
        foreach (var path in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            var key = Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (path.StartsWith(staging, StringComparison.Ordinal) || !key.StartsWith(prefix, StringComparison.Ordinal) || !IsKey(key))
            {
                continue; // staging files, other prefixes, and files put there by hand under names no key can have
            }

            var info = new FileInfo(path);
            objects.Add(new ObjectInfo(ObjectKey.Parse(key), info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero)));
        }

        return [.. objects.OrderBy(o => o.Key.Value, StringComparer.Ordinal)];
    }

    public bool Delete(ObjectKey key)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    public Uri LocationOf(ObjectKey key) => new(PathOf(key));

    /// <summary>
    /// Deletes the partial objects that writers killed while writing left in the staging folder: those last written
    /// before <paramref name="writtenBefore"/> (a younger one may belong to a writer still at work).
    /// </summary>
    /// <returns>How many were deleted.</returns>
    public int RemoveAbandonedStaging(DateTimeOffset writtenBefore)
    {
        var abandoned = new DirectoryInfo(Path.Combine(_root, Staging)).EnumerateFiles()
            .Where(file => file.LastWriteTimeUtc < writtenBefore.UtcDateTime).ToList();
        abandoned.ForEach(file => file.Delete());
        return abandoned.Count;
    }

    private static bool IsKey(string text)
    {
        try
        {
            ObjectKey.Parse(text);
            return true;
        }
        catch (Core.StockWatchException)
        {
            return false;
        }
    }

    /// <summary>The file for a key; checked to lie under the root even though a valid key cannot leave it.</summary>
    private string PathOf(ObjectKey key)
    {
        var path = Path.GetFullPath(Path.Combine([_root, .. key.Segments]));
        return path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? path
            : throw new InvalidOperationException($"The object key {key} resolves outside the store.");
    }
}
