using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Core.Imports;

/// <summary>
/// The id of a sale a file does not name (no <c>sale_id</c>): what the row says (product, date, quantity, price as
/// written) and its occurrence among identical rows of the same file, as <c>row-HASH-N</c>. Two identical lines in one
/// file are two sales; the same lines in another file (saved again with other line endings, encoding or columns,
/// re-ordered, or an export of an overlapping period) are the same sales. The limit: identical sales in two files that
/// are not copies (the same product, second, quantity and price, sold again) are taken for one; a file that names its
/// sales has none (docs/decisions/0012-imports-you-can-trust.md).
/// </summary>
public sealed class SaleIdentity(bool dated, Dictionary<UInt128, int>? occurrences = null)
{
    private const string Prefix = "row-";

    private readonly Dictionary<UInt128, int> _occurrences = occurrences ?? [];
    private readonly StringBuilder _content = new(96);

    /// <summary>Each content met so far (its SHA-256 cut to 128 bits) and how often: what a paused import carries on with.</summary>
    public IReadOnlyDictionary<UInt128, int> Occurrences => _occurrences;

    /// <summary>
    /// What a row says, hashed (<paramref name="date"/> counts only when the file has a date column): no state is
    /// touched, so the reading thread may take it ahead of the rows being applied.
    /// </summary>
    public UInt128 ContentOf(ProductId product, DateTimeOffset? date, int quantity, Money? price)
    {
        _content.Clear()
            .Append(product.Value).Append('\u001f')
            .Append(dated && date is { } d ? Timestamp.FormatSortable(d) : string.Empty).Append('\u001f')
            .Append(quantity.ToString(CultureInfo.InvariantCulture)).Append('\u001f')
            .Append(price is { } p ? p.TenThousandths.ToString(CultureInfo.InvariantCulture) : string.Empty);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(_content.ToString()), hash);
        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    /// <summary>
    /// The id of the next row saying <paramref name="content"/> (<see cref="ContentOf"/>), counted in the order the rows
    /// are applied, so that the occurrences a paused import keeps are those of the rows it applied.
    /// </summary>
    public SaleId Next(UInt128 content)
    {
        var count = _occurrences[content] = _occurrences.GetValueOrDefault(content) + 1;
        Span<byte> prefix = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(prefix, content);
        return SaleId.Parse($"{Prefix}{Convert.ToHexStringLower(prefix[..12])}-{count}");
    }
}
