using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StockWatch.Core.Imports;

// The change-stream feature's namespace (StockWatch.Core.Stream) would hide System.IO.Stream here.
using Stream = System.IO.Stream;

/// <summary>
/// Where an import paused (<see cref="ImportFile.HandlePartAsync"/>) and what it had learnt of the file so far, so that
/// the rest of the file is imported as if it had never paused: the line and byte offset the next record starts at,
/// how the file is read (delimiter, decimal separator, its content id), the summary so far, and the rows' memory (the
/// identities of the unnamed sales met, the product ids met, the products to create at the end). Its JSON (snake_case)
/// is what a checkpoint object holds; its size grows with the file's distinct rows (about 27 bytes each as base64).
/// </summary>
public sealed record ImportCheckpoint
{
    /// <summary>Where the next record starts: its physical line (1 is the header) and byte offset.</summary>
    public required CsvPosition Next { get; init; }

    public required char Delimiter { get; init; }

    public required char DecimalSeparator { get; init; }

    /// <summary>The content id of a sales file without sale ids (empty otherwise).</summary>
    public required string FileId { get; init; }

    /// <summary>When the import began: its change stamp and "now" for every part.</summary>
    public required DateTimeOffset Started { get; init; }

    public required ImportSummary Summary { get; init; }

    /// <summary>Sales files: the file had sales named by their line before (an import of an older version).</summary>
    public bool LegacyIds { get; init; }

    /// <summary>Sales files without sale ids: each content hash met (16 bytes) and its occurrences so far (4 bytes, big-endian).</summary>
    public byte[]? Identities { get; init; }

    /// <summary>Products files: each product id met and the line that named it first.</summary>
    public List<SeenProduct>? Seen { get; init; }

    /// <summary>Sales files with <c>--create-products</c>: the products to create at the end, as their latest row says.</summary>
    public List<CreatedProduct>? Created { get; init; }

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken) =>
        await JsonSerializer.SerializeAsync(output, this, ImportSummary.Json, cancellationToken);

    /// <exception cref="JsonException">Not a checkpoint.</exception>
    public static async Task<ImportCheckpoint> ReadAsync(Stream input, CancellationToken cancellationToken) =>
        await JsonSerializer.DeserializeAsync<ImportCheckpoint>(input, ImportSummary.Json, cancellationToken)
            ?? throw new JsonException("The checkpoint is empty.");

    internal static byte[] Pack(IReadOnlyDictionary<UInt128, int> occurrences)
    {
        var bytes = new byte[occurrences.Count * 20];
        var at = 0;
        foreach (var (key, count) in occurrences)
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes.AsSpan(at, 16), key);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at + 16, 4), count);
            at += 20;
        }

        return bytes;
    }

    internal static Dictionary<UInt128, int> Unpack(byte[]? bytes)
    {
        Dictionary<UInt128, int> occurrences = new((bytes?.Length ?? 0) / 20);
        for (var at = 0; bytes is not null && at + 20 <= bytes.Length; at += 20)
        {
            occurrences[BinaryPrimitives.ReadUInt128BigEndian(bytes.AsSpan(at, 16))] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 16, 4));
        }

        return occurrences;
    }
}

public sealed record SeenProduct(string Id, int Line);

/// <param name="Price">In ten-thousandths.</param>
public sealed record CreatedProduct(string Id, string Name, long Price, DateTimeOffset LatestSale);

/// <summary>What one part of an import did: the summary so far, and where to continue (null: the import is done).</summary>
public sealed record ImportPart(ImportSummary Summary, ImportCheckpoint? Next);
