using System.Text.Json;

namespace StockWatch.Lambda.Local;

/// <summary>
/// Where <c>local-run</c> keeps each stream mapping's position across its restarts and crashes, as Lambda's event source
/// mapping keeps its own: one JSON file per stream (named by its ARN, so a new table's stream starts afresh) holding
/// <c>{"shard id": "last sequence number done with"}</c>, written whole to a temporary file, flushed to disk and renamed
/// over the last one, so a crash leaves the old positions or the new, never a part.
/// </summary>
/// <param name="folder">The folder of the files (made when first written).</param>
public sealed class StreamPositions(string folder)
{
    /// <summary>
    /// <c>positions</c> in the emulators' state folder (<c>STOCKWATCH_AWS_LOCAL_STATE</c>, which
    /// <c>deploy/aws/local/start.sh</c> exports); without it, <c>stockwatch/local-run/positions</c> in the user's local data folder.
    /// </summary>
    public static StreamPositions FromEnvironment() => new(Environment.GetEnvironmentVariable("STOCKWATCH_AWS_LOCAL_STATE") is { Length: > 0 } state
        ? Path.Combine(state, "positions")
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "stockwatch", "local-run", "positions"));

    /// <summary>The folder of the files.</summary>
    public string Folder => folder;

    /// <summary>The last sequence number done with per shard of the stream; empty when none is kept.</summary>
    /// <exception cref="InvalidOperationException">The file is not such a JSON object; the message names it.</exception>
    public IReadOnlyDictionary<string, string> Read(string streamArn)
    {
        var path = PathOf(streamArn);
        if (!File.Exists(path))
        {
            return new Dictionary<string, string>();
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not a JSON object of shard ids and sequence numbers ({e.Message}); delete it to read the stream from TRIM_HORIZON.");
        }
    }

    /// <summary>Replaces the stream's positions with <paramref name="positions"/> (shard id → last sequence number done with).</summary>
    public void Write(string streamArn, IReadOnlyDictionary<string, string> positions)
    {
        Directory.CreateDirectory(folder);
        var path = PathOf(streamArn);
        var staged = $"{path}.tmp";
        using (var file = new FileStream(staged, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(file, positions);
            file.Flush(flushToDisk: true);
        }

        File.Move(staged, path, overwrite: true);
    }

    private string PathOf(string streamArn) =>
        Path.Combine(folder, string.Concat(streamArn.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')) + ".json");
}
