using System.Text.Json;
using Microsoft.Extensions.Options;
using StockWatch.Core;
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
/// Only regular files are imported, opened without following links and read up to <c>MaxUploadBytes</c>: anything
/// else (a link, a FIFO, a device, a folder, a file too large) is moved to <c>failed/</c> with the reason in its
/// <c>NAME.result.json</c>, or left where it is when it cannot be moved, and logged once. A name that is not valid
/// UTF-8 is imported under its readable form (U+FFFD for each such byte). One bad entry never holds up the others.
/// </remarks>
public sealed partial class ImportInbox(
    ImportJobs jobs, IImportLedger ledger, IObjectStore objects, ImportOptions options, string folder, ILogger<ImportInbox> logger)
{
    private Dictionary<string, (long, long, long, ulong)> _lastLook = [];
    private readonly HashSet<string> _reported = [];

    public string Folder => folder;

    public string Processing => Path.Combine(folder, ".processing");

    public string Processed => Path.Combine(folder, "processed");

    public string Failed => Path.Combine(folder, "failed");

    /// <summary>The inbox a data folder's settings name, or <c>null</c> when it is turned off.</summary>
    public static ImportInbox? Create(IServiceProvider services, string dataFolder)
    {
        var options = services.GetRequiredService<IOptions<ImportOptions>>().Value;
        return string.IsNullOrWhiteSpace(options.InboxFolder)
            ? null
            : new ImportInbox(
                services.GetRequiredService<ImportJobs>(),
                services.GetRequiredService<IImportLedger>(),
                services.GetRequiredService<IObjectStore>(),
                options,
                Path.GetFullPath(options.InboxFolder, dataFolder),
                services.GetRequiredService<ILogger<ImportInbox>>());
    }

    /// <summary>One look at the inbox: finishes the imports that are done, queues the files that are ready.</summary>
    public async Task ScanAsync(CancellationToken cancellationToken)
    {
        foreach (var path in new[] { Processing, Processed, Failed })
        {
            Directory.CreateDirectory(path);
        }

        foreach (var entry in InboxFiles.List(Processing))
        {
            await GuardedAsync(entry, () => FollowAsync(entry, cancellationToken));
        }

        Dictionary<string, (long, long, long, ulong)> look = [];
        foreach (var entry in InboxFiles.List(folder))
        {
            if (entry.Name.StartsWith('.') || entry.Name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase)
                || entry.Name.EndsWith(".part", StringComparison.OrdinalIgnoreCase) || entry.Path == Processed || entry.Path == Failed)
            {
                continue;
            }

            await GuardedAsync(entry, async () =>
            {
                if (!entry.IsRegularFile)
                {
                    await RefuseAsync(entry.Path, entry.DisplayName, InboxFiles.Describe(entry.Type), cancellationToken);
                }
                else if (_lastLook.GetValueOrDefault(entry.Name) != entry.Version)
                {
                    look[entry.Name] = entry.Version;
                }
                else
                {
                    var processing = Path.Combine(Processing, $"{ImportJobs.NewId()}.{entry.DisplayName}");
                    InboxFiles.Move(entry.Path, processing);
                    await FollowAsync(entry with { Name = Path.GetFileName(processing), Path = processing }, cancellationToken);
                }
            });
        }

        _lastLook = look;
    }

    /// <summary>Takes an entry of <c>.processing/</c> one step further: queued when its import is unknown, moved on when it finished.</summary>
    private async Task FollowAsync(InboxFiles.Entry entry, CancellationToken cancellationToken)
    {
        var name = entry.DisplayName;
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return;
        }

        var (importId, original) = (name[..dot], name[(dot + 1)..]);
        var record = ledger.Find(importId);
        if (record is null)
        {
            var (file, refusal) = entry.IsRegularFile ? InboxFiles.OpenRegular(entry.Path) : (null, InboxFiles.Describe(entry.Type));
            if (file is null)
            {
                await RefuseAsync(entry.Path, original, refusal!, cancellationToken);
                return;
            }

            try
            {
                await using var capped = new CappedStream(file, options.MaxUploadBytes, $"{ImportOptions.Section}:MaxUploadBytes");
                await jobs.EnqueueAsync(capped, options.InboxSettings(), $"inbox/{original}", cancellationToken, importId);
            }
            catch (StockWatchException ex)
            {
                await RefuseAsync(entry.Path, original, ex.Message, cancellationToken);
                return;
            }

            LogQueued(original, importId);
        }
        else if (record.Status is ImportStatus.Done or ImportStatus.Failed)
        {
            await FinishAsync(entry.Path, original, record, cancellationToken);
        }
    }

    /// <summary>Writes the result beside the file's destination, then moves the file there (the move is the last step).</summary>
    private async Task FinishAsync(string path, string original, ImportRecord record, CancellationToken cancellationToken)
    {
        var destination = FreeName(record.Status == ImportStatus.Failed ? Failed : Processed, original, record.ImportId);
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

    /// <summary>Moves an entry that is not imported to <c>failed/</c>, with the reason in its result.</summary>
    private async Task RefuseAsync(string path, string name, string reason, CancellationToken cancellationToken)
    {
        var destination = FreeName(Failed, name, ImportJobs.NewId());
        var result = new { Status = ImportStatus.Failed, Source = $"inbox/{name}", Error = $"Not imported: {reason}." };
        await File.WriteAllTextAsync($"{destination}.result.json", JsonSerializer.Serialize(result, ImportSummary.Json), cancellationToken);
        InboxFiles.Move(path, destination);
        LogRefused(name, reason, destination);
    }

    /// <summary>Handles one entry; a failure is logged once for that entry and leaves the others untouched.</summary>
    private async Task GuardedAsync(InboxFiles.Entry entry, Func<Task> handle)
    {
        try
        {
            await handle();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (_reported.Add(entry.Path))
            {
                LogLeft(ex, entry.DisplayName, ex.Message);
            }
        }
    }

    /// <summary><paramref name="name"/> in <paramref name="folder"/>, or with <paramref name="id"/> in it when that is taken.</summary>
    private static string FreeName(string folder, string name, string id)
    {
        var path = Path.Combine(folder, name);
        return File.Exists(path) || Directory.Exists(path)
            ? Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(name)}.{id}{Path.GetExtension(name)}")
            : path;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox file {File} queued as import {ImportId}")]
    private partial void LogQueued(string file, string importId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox file {File} (import {ImportId}) is {Status}; moved to {Destination}")]
    private partial void LogFinished(string file, string importId, ImportStatus status, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox entry {File} is not imported: {Reason}; moved to {Destination}")]
    private partial void LogRefused(string file, string reason, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox entry {File} is left where it is: {Reason}")]
    private partial void LogLeft(Exception exception, string file, string reason);
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
