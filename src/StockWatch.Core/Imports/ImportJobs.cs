using System.Text.Json;
using Microsoft.Extensions.Options;
using StockWatch.Core.Queues;
using StockWatch.Core.Storage;

namespace StockWatch.Core.Imports;

// The change-stream feature's namespace (StockWatch.Core.Stream) would hide System.IO.Stream here.
using Stream = System.IO.Stream;

/// <summary>A queued import: which upload, how to read it.</summary>
public sealed record ImportJob(string ImportId, string Source, ImportSettings Settings);

/// <summary>
/// Imports through the work queue (the local form of "an upload to S3 triggers the import"): the upload is stored,
/// recorded as queued and a job sent; a worker runs it. The import's own transaction marks it done, so a job
/// received again after a crash finds it done and is only deleted: each import is applied exactly once.
/// </summary>
public sealed class ImportJobs(
    IObjectStore objects, IWorkQueue queue, IImportLedger ledger, ImportFile importFile, TimeProvider time, IOptions<ImportOptions> options)
{
    public const string Queue = "imports";
    public const int MaxReceiveCount = 5;

    private const string UploadsPrefix = "uploads/";

    public static ObjectKey UploadKey(string importId) => ObjectKey.Parse($"{UploadsPrefix}{importId}.csv");

    public static ObjectKey ErrorsKey(string importId) => ObjectKey.Parse($"imports/{importId}/errors.csv");

    public static string NewId() => $"imp-{Guid.CreateVersion7():N}"[..20];

    /// <summary>
    /// Stores the upload, queues its job and records it as queued. The job is sent before the record is added, so a
    /// crash in between leaves a job whose worker adds the record (<see cref="RunNextAsync"/>), never a record that
    /// waits forever for a job. Enqueuing the same <paramref name="importId"/> again is harmless.
    /// </summary>
    /// <param name="importId">A new id when <c>null</c>; the inbox passes its own, so a retry after a crash reuses it.</param>
    public async Task<string> EnqueueAsync(
        Stream upload, ImportSettings settings, string source, CancellationToken cancellationToken, string? importId = null)
    {
        importId ??= NewId();
        await objects.PutAsync(UploadKey(importId), upload, cancellationToken);
        await queue.SendAsync(Queue, JsonSerializer.Serialize(new ImportJob(importId, source, settings), ImportSummary.Json));
        await ledger.AddAsync(new ImportRecord(importId, ImportStatus.Queued, source, time.GetUtcNow()));
        return importId;
    }

    /// <summary>
    /// Deletes the uploads no import owns (a process killed after storing an upload and before queuing its job): those
    /// without an import record, last written before <paramref name="writtenBefore"/> (a younger one may be being
    /// queued now). Only while the queue holds no job, since a job not received yet may be its upload's only owner.
    /// </summary>
    /// <returns>How many were deleted; <c>null</c> while jobs are queued or running.</returns>
    public int? RemoveOrphanedUploads(DateTimeOffset writtenBefore)
    {
        if (queue.Stats(Queue) is not { Visible: 0, InFlight: 0 })
        {
            return null;
        }

        var orphans = objects.List(UploadsPrefix)
            .Where(upload => upload.LastModified < writtenBefore && ledger.Find(Path.GetFileNameWithoutExtension(upload.Key.Value)) is null)
            .ToList();
        return orphans.Count(upload => objects.Delete(upload.Key));
    }

    /// <summary>
    /// Runs the next queued import, if there is one; false when the queue is empty. While it runs, its job is kept
    /// hidden by a heartbeat, so a job whose process died is received again within one visibility timeout.
    /// </summary>
    public async Task<bool> RunNextAsync(CancellationToken cancellationToken)
    {
        var visibility = options.Value.JobVisibilityTimeout;
        var messages = await queue.ReceiveAsync(Queue, 1, visibility, MaxReceiveCount);
        if (messages is not [var message])
        {
            return false;
        }

        using var working = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = HeartbeatAsync(message.ReceiptHandle, visibility, working.Token);
        try
        {
            var job = JsonSerializer.Deserialize<ImportJob>(message.Body, ImportSummary.Json)!;
            var record = ledger.Find(job.ImportId);
            if (record is null)
            {
                await ledger.AddAsync(new ImportRecord(job.ImportId, ImportStatus.Queued, job.Source, message.SentAt));
            }

            if (record is not { Status: ImportStatus.Done or ImportStatus.Failed })
            {
                await RunAsync(job, cancellationToken);
            }
        }
        finally
        {
            await working.CancelAsync();
            await heartbeat;
        }

        await queue.DeleteAsync(Queue, message.ReceiptHandle);
        return true;
    }

    /// <summary>
    /// Hides the job for another <paramref name="visibility"/> every third of it (SQS's ChangeMessageVisibility), until
    /// <paramref name="stop"/> or until the receipt is stale (the job was received again after this process stalled).
    /// </summary>
    private async Task HeartbeatAsync(string receiptHandle, TimeSpan visibility, CancellationToken stop)
    {
        using var beat = new PeriodicTimer(visibility / 3, time);
        try
        {
            while (await beat.WaitForNextTickAsync(stop) && await queue.ChangeVisibilityAsync(Queue, receiptHandle, visibility))
            {
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the import is over
        }
    }

    private async Task RunAsync(ImportJob job, CancellationToken cancellationToken)
    {
        await ledger.MarkAsync(job.ImportId, ImportStatus.Running);
        var errorsFile = Path.Combine(Path.GetTempPath(), $"stockwatch-{job.ImportId}-errors.csv");
        try
        {
            await using var upload = objects.Open(UploadKey(job.ImportId))
                ?? throw StockWatchException.Invalid("file", $"The upload of import {job.ImportId} is missing from the object store.");
            await using var errors = new StreamWriter(errorsFile);

            // errors.csv is stored before the import is recorded done (in the import's transaction), so a client that
            // sees it done finds its errors.csv. A crash before the commit runs the import again and stores it again.
            var summary = await importFile.HandleAsync(upload, job.Settings, job.ImportId, job.Source, errors, beforeDone: _ =>
            {
                errors.Dispose();
                using var written = File.OpenRead(errorsFile);
                objects.PutAsync(ErrorsKey(job.ImportId), written, CancellationToken.None).GetAwaiter().GetResult();
            });
            if (job.Settings.DryRun)
            {
                await ledger.MarkAsync(job.ImportId, ImportStatus.Done, time.GetUtcNow(), summary: summary);
            }
        }
        catch (StockWatchException ex)
        {
            // The file itself is unusable (empty, no usable header): retrying cannot help.
            await ledger.MarkAsync(job.ImportId, ImportStatus.Failed, time.GetUtcNow(), ex.Message);
        }
        finally
        {
            File.Delete(errorsFile);
        }
    }
}

/// <summary>The import options as text, shared by the CLI's options and the API's query parameters.</summary>
public static class ImportOptionText
{
    public static ImportKind Kind(string text) => text.Trim().ToLowerInvariant() switch
    {
        "products" => ImportKind.Products,
        "sales" => ImportKind.Sales,
        _ => throw StockWatchException.Invalid("kind", $"kind must be products or sales (got {Text.Quote(text)})."),
    };

    public static StockMode Stock(string text) => text.Trim().ToLowerInvariant() switch
    {
        "apply" => StockMode.Apply,
        "ignore" => StockMode.Ignore,
        _ => throw StockWatchException.Invalid("stock", $"stock must be apply or ignore (got {Text.Quote(text)})."),
    };

    public static char Delimiter(string text) => text switch
    {
        "," or ";" => text[0],
        "tab" or "\\t" or "\t" => '\t',
        _ => throw StockWatchException.Invalid("delimiter", $"delimiter must be ',', ';' or 'tab' (got {Text.Quote(text)})."),
    };

    /// <summary>The sale date formats, each a .NET date format; an empty one is refused.</summary>
    public static string[] DateFormats(IEnumerable<string> formats) =>
        [.. formats.Select(format => string.IsNullOrWhiteSpace(format)
            ? throw StockWatchException.Invalid("date_format", "date_format must not be empty; give a .NET date format such as dd/MM/yyyy HH:mm.")
            : format)];

    public static char DecimalSeparator(string text) => text.Trim() switch
    {
        "." => '.',
        "," => ',',
        _ => throw StockWatchException.Invalid("decimal_separator", $"decimal_separator must be '.' or ',' (got {Text.Quote(text)})."),
    };

    public static Dictionary<string, string> Map(IEnumerable<string> pairs)
    {
        Dictionary<string, string> map = new(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in pairs)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0 || at == pair.Length - 1)
            {
                throw StockWatchException.Invalid("map", $"map takes COLUMN=field, such as StockCode=product_id (got {Text.Quote(pair)}).");
            }

            map[pair[..at].Trim()] = pair[(at + 1)..].Trim();
        }

        return map;
    }
}
