using StockWatch.Core.Catalog;

namespace StockWatch.Core.Stream;

public enum ChangeKind
{
    Insert,
    Modify,
    Remove,
}

/// <summary>
/// One write to one product, as the change stream carries it: the old and the new image (NEW_AND_OLD_IMAGES),
/// and its <see cref="Sequence"/> in the stream (a product's changes are in sequence order too).
/// </summary>
public sealed record ChangeRecord(
    long Sequence,
    ProductId ProductId,
    ChangeKind Kind,
    Product? OldImage,
    Product? NewImage,
    DateTimeOffset ChangedAt,
    string Cause)
{
    /// <summary>How an import's changes name their cause: <c>import: ID</c>.</summary>
    public const string ImportCause = "import:";

    /// <summary>Imports announce new products in their summary instead of one alert each.</summary>
    public bool IsFromImport => Cause.StartsWith(ImportCause, StringComparison.Ordinal);
}
