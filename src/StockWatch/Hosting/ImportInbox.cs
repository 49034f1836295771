using System.Text.Json;
using Microsoft.Extensions.Options;
using StockWatch.Core.Imports;
using StockWatch.Core.Storage;

namespace StockWatch.Hosting;

/// <summary>
/// The inbox folder: the local form of "a file uploaded to S3 triggers its import". A CSV file dropped in the inbox
/// is imported through the work queue like an upload, then moved to <c>processed/</c> (or <c>failed/</c> when it could
/// not be read as products or sales at all) with <c>NAME.result.json</c>, and <c>NAME.errors.csv</c> when rows were
/// rejected, beside it.
/// </summary>
/// <remarks>
/// Each step survives a crash: a file is first renamed into <c>.processing/</c> under its import's id (a rename is
/// atomic); a file found there without an import is queued again under the same id; one whose import has finished is
/// moved on. A file is taken once it is unchanged between two looks, so one still being copied in is left alone, as
/// are names starting with <c>.</c> or ending in <c>.tmp</c> or <c>.part</c>.
/// </remarks>
public sealed partial class ImportInbox(ImportJobs jobs, IImportLedger ledger, IObjectStore objects, string folder, ImportSettings settings, ILogger<ImportInbox> logger)
{
    private Dictionary<string, (long Length, DateTime Written)> _lastLook = [];

    public string Folder => folder;

    public string Processing => Path.Combine(folder, ".processing");

    public string Processed => Path.Combine(folder, "processed");

    public string Failed => Path.Combine(folder, "failed");

    /// <summary>The inbox a data folder's settings name, or <c>null</c> when it is turned off.</summary>
    public static ImportInbox? Create(IServiceProvider services, string dataFolder)
    {
        var options = services.GetRequiredService<IOptions<ImportOptions>>().Value;
        var setting = options.InboxFolder;
        return string.IsNullOrWhiteSpace(setting)
            ? null
            : new ImportInbox(
                services.GetRequiredService<ImportJobs>(),
                services.GetRequiredService<IImportLedger>(),
                services.GetRequiredService<IObjectStore>(),
                Path.GetFullPath(setting, dataFolder),
                options.InboxSettings(),
                services.GetRequiredService<ILogger<ImportInbox>>());
    }

    /// <summary>One look at the inbox: finishes the imports that are done, queues the files that are ready.</summary>
    public async Task ScanAsync(CancellationToken cancellationToken)
    {
        foreach (var path in new[] { Processing, Processed, Failed })
        {
            Directory.CreateDirectory(path);
        }

        foreach (var path in Directory.EnumerateFiles(Processing))
        {
            await FollowAsync(path, cancellationToken);
        }

        Dictionary<string, (long, DateTime)> look = [];
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles())
        {
            if (file.Name.StartsWith('.') || file.Name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase)
                || file.Name.EndsWith(".part", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var seen = (file.Length, file.LastWriteTimeUtc);
            if (_lastLook.GetValueOrDefault(file.Name) != seen)
            {
                look[file.Name] = seen;
                continue;
            }

            var processing = Path.Combine(Processing, $"{ImportJobs.NewId()}.{file.Name}");
            File.Move(file.FullName, processing);
            await FollowAsync(processing, cancellationToken);
        }

        _lastLook = look;
    }

    /// <summary>Takes a file in <c>.processing/</c> one step further: queued when its import is unknown, moved on when it finished.</summary>
    private async Task FollowAsync(string path, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(path);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return;
        }

        var (importId, original) = (name[..dot], name[(dot + 1)..]);
        var record = ledger.Find(importId);
        if (record is null)
        {
            await using var file = File.OpenRead(path);
            await jobs.EnqueueAsync(file, settings, $"inbox/{original}", cancellationToken, importId);
            LogQueued(original, importId);
        }
        else if (record.Status is ImportStatus.Done or ImportStatus.Failed)
        {
            await FinishAsync(path, original, record, cancellationToken);
        }
    }

    /// <summary>Writes the result beside the file's destination, then moves the file there (the move is the last step).</summary>
    private async Task FinishAsync(string path, string original, ImportRecord record, CancellationToken cancellationToken)
    {
        var destination = Path.Combine(record.Status == ImportStatus.Failed ? Failed : Processed, original);
        if (File.Exists(destination))
        {
            destination = Path.Combine(Path.GetDirectoryName(destination)!,
                $"{Path.GetFileNameWithoutExtension(original)}.{record.ImportId}{Path.GetExtension(original)}");
        }

        await File.WriteAllTextAsync($"{destination}.result.json", JsonSerializer.Serialize(record, ImportSummary.Json), cancellationToken);
        if (record.Summary is { Rejected: > 0 } && objects.Open(ImportJobs.ErrorsKey(record.ImportId)) is { } errors)
        {
            await using (errors)
            await using (var copy = File.Create($"{destination}.errors.csv"))
            {
                await errors.CopyToAsync(copy, cancellationToken);
            }
        }

        File.Move(path, destination, overwrite: true);
        LogFinished(original, record.ImportId, record.Status, destination);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox file {File} queued as import {ImportId}")]
    private partial void LogQueued(string file, string importId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox file {File} (import {ImportId}) is {Status}; moved to {Destination}")]
    private partial void LogFinished(string file, string importId, ImportStatus status, string destination);
}

/// <summary>Looks at the inbox every <c>StockWatch:Imports:InboxScanInterval</c>.</summary>
public sealed partial class ImportInboxWorker(ImportInbox? inbox, IOptions<ImportOptions> options, TimeProvider time, ILogger<ImportInboxWorker> logger)
    : RepeatingService("inbox", time, logger, options.Value.InboxScanInterval)
{
    protected override Task WorkAsync(CancellationToken stoppingToken) => inbox?.ScanAsync(stoppingToken) ?? Task.CompletedTask;

    protected override Task WaitAsync(CancellationToken stoppingToken) =>
        Task.Delay(inbox is null ? Timeout.InfiniteTimeSpan : options.Value.InboxScanInterval, Time, stoppingToken);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (inbox is not null)
        {
            LogWatching(inbox.Folder);
        }

        return base.StartAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching the inbox {Folder} for CSV files to import")]
    private partial void LogWatching(string folder);
}
