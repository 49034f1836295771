namespace StockWatch.Core.Storage;

/// <summary>An object as listed: its key, size and when it was written.</summary>
public sealed record ObjectInfo(ObjectKey Key, long Size, DateTimeOffset LastModified);

/// <summary>
/// The object store port (S3 in the AWS shape, a folder in the embedded default): uploads under <c>uploads/</c>, import
/// results under <c>imports/</c>, reports under <c>reports/</c>. A reader never sees half an object.
/// </summary>
public interface IObjectStore
{
    /// <summary>Writes the object whole, replacing any object with that key.</summary>
    Task PutAsync(ObjectKey key, System.IO.Stream content, CancellationToken cancellationToken);

    /// <summary>The object's content, or <c>null</c> when there is none.</summary>
    System.IO.Stream? Open(ObjectKey key);

    /// <summary>Objects whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IReadOnlyList<ObjectInfo> List(string prefix);

    /// <summary>Deletes the object; false when there was none.</summary>
    bool Delete(ObjectKey key);

    /// <summary>Where the object is, for people and links: <c>file://…</c> or <c>s3://…</c>.</summary>
    Uri LocationOf(ObjectKey key);
}

/// <summary>
/// An object's key: 1–1,024 characters of letters, digits and <c>! - _ . * ' ( )</c> in segments separated by
/// <c>/</c>, with no empty, <c>.</c> or <c>..</c> segment. Such a key names the same object on S3 and in a folder and
/// cannot leave the store.
/// </summary>
public readonly record struct ObjectKey
{
    public const int MaxLength = 1024;
    private const string Field = "key";

    private ObjectKey(string value) => Value = value;

    public string Value { get; }

    public IEnumerable<string> Segments => Value.Split('/');

    public static ObjectKey Parse(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw StockWatchException.Invalid(Field, "An object key must not be empty.");
        }

        if (value.Length > MaxLength)
        {
            throw StockWatchException.Invalid(Field, $"An object key must be at most {MaxLength} characters (got {value.Length}).");
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && "!-_.*'()/".IndexOf(c, StringComparison.Ordinal) < 0)
            {
                throw StockWatchException.Invalid(Field, $"The object key {Text.Quote(value)} contains {Text.Quote(c.ToString())}; use letters, digits and ! - _ . * ' ( ) /.");
            }
        }

        if (value.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw StockWatchException.Invalid(Field, $"The object key {Text.Quote(value)} has an empty, '.' or '..' segment.");
        }

        return new ObjectKey(value);
    }

    public override string ToString() => Value ?? string.Empty;
}
