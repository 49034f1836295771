using System.Globalization;
using System.Text.Json;
using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Aws;
using StockWatch.Core;
using StockWatch.Core.Imports;
using StockWatch.Core.Notifications;
using StockWatch.Core.Storage;
using StockWatch.Lambda.Events;

namespace StockWatch.Lambda;

/// <summary>
/// The <c>Import</c> function, on the import queue: each message is S3's notification of an object created under
/// <c>uploads/</c> ending in <c>.csv</c> (other keys, other events and S3's <c>s3:TestEvent</c> are skipped), or the
/// follow-up of an import that paused. The object is streamed from S3 (ranged reads, pinned to its version or ETag)
/// through the core's <see cref="ImportFile"/> into the tables, each row its own write; how to read it comes from the
/// object's metadata <c>x-amz-meta-stockwatch-import</c> (the import settings as JSON, as <c>stockwatch import</c>
/// writes it; none: everything detected). The import id follows from bucket, key and version (else ETag), so a
/// notification delivered again finds its <c>Imports</c> item and imports nothing. When done: <c>summary.json</c> and
/// <c>errors.csv</c> under <c>imports/&lt;import id&gt;/</c> (SSE-S3), the item done with the summary, one digest on the
/// channels (topic <c>IMPORT</c>). An import still running after <c>StockWatch:Aws:ImportBudget</c> pauses at the next
/// batch of rows: its checkpoint (<see cref="ImportCheckpoint"/>, and errors.csv so far) goes to
/// <c>imports/&lt;id&gt;/checkpoints/&lt;line&gt;/</c>, the item moves on to that line, and a follow-up message
/// (<see cref="ImportContinuation"/>) continues from there (docs/decisions/0015-aws-imports.md). A file that cannot be
/// imported (no usable header, the upload gone) marks the item failed and the message is done; any other failure
/// fails the message only (<c>batchItemFailures</c> by message id), to be retried and then dead-lettered.
/// Handler: <c>StockWatch.Lambda::StockWatch.Lambda.Import::Handler</c>.
/// </summary>
public sealed class Import
{
    public const string Name = "import";


    /// <summary>How long past its budget a part may take (its last batch, the checkpoint) before another delivery may run it.</summary>
    private static readonly TimeSpan HoldMargin = TimeSpan.FromMinutes(1);

    /// <summary>How often a running part notes how far it has read in the Imports item (for <c>stockwatch import</c>'s progress).</summary>
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    private readonly IAmazonS3 _s3;
    private readonly S3ObjectStore _objects;
    private readonly IAmazonSQS _sqs;
    private readonly ImportFile _importFile;
    private readonly DynamoImports _imports;
    private readonly IAnnouncements _announcements;
    private readonly EmfMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly AwsOptions _options;

    public Import() : this(LambdaServices.FromEnvironment)
    {
    }

    internal Import(IServiceProvider services)
    {
        _s3 = services.GetRequiredService<IAmazonS3>();
        _objects = services.GetRequiredService<S3ObjectStore>();
        _sqs = services.GetRequiredService<IAmazonSQS>();
        _importFile = services.GetRequiredService<ImportFile>();
        _imports = services.GetRequiredService<DynamoImports>();
        _announcements = services.GetRequiredService<IAnnouncements>();
        _metrics = services.GetRequiredService<EmfMetrics>();
        _time = services.GetRequiredService<TimeProvider>();
        _options = services.GetRequiredService<IOptions<AwsOptions>>().Value;
    }

    public static ObjectKey CheckpointKey(string importId, int line, string name) =>
        ObjectKey.Parse($"imports/{importId}/checkpoints/{line.ToString("D10", CultureInfo.InvariantCulture)}/{name}");

    /// <summary>Takes an SQS event; answers a partial batch response naming the messages to retry.</summary>
    /// <exception cref="InvalidEventException">The event is not an SQS event.</exception>
    public Task<Stream> Handler(Stream input) => _metrics.MeasureAsync(Name, async () =>
    {
        var started = _time.GetTimestamp();
        var sqsEvent = SqsEvent.Read(input, Name);
        List<BatchItemFailure> failures = [];
        foreach (var message in sqsEvent.Records!)
        {
            try
            {
                await HandleAsync(message.Body ?? string.Empty, () => _options.ImportQueueUrl is not null && _time.GetElapsedTime(started) >= _options.ImportBudget);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{Name}: message {message.MessageId} failed and is retried: {e.GetType().Name}: {e.Message}");
                failures.Add(new BatchItemFailure(message.MessageId!));
            }
        }

        return LambdaEvents.Write(new BatchResponse(failures));
    });

    private async Task HandleAsync(string body, Func<bool> pause)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new InvalidEventException($"The message is neither an S3 notification nor an import's follow-up: it is not JSON ({e.Message}).");
        }

        using (document)
        {
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("import_id", out _))
            {
                var continuation = document.Deserialize(SqsEventJson.Default.ImportContinuation)!;
                await ImportAsync(continuation, pause);
                return;
            }

            var notification = document.RootElement.ValueKind == JsonValueKind.Object ? document.Deserialize(SqsEventJson.Default.S3Notification) : null;
            if (notification?.Event == "s3:TestEvent")
            {
                return;
            }

            if (notification?.Records is not { } records)
            {
                throw new InvalidEventException("The message is neither an S3 notification (\"Records\") nor an import's follow-up (\"import_id\").");
            }

            foreach (var record in records)
            {
                var key = record.S3?.Object?.DecodedKey ?? string.Empty;
                if (record.EventSource != "aws:s3" || record.EventName?.StartsWith("ObjectCreated:", StringComparison.Ordinal) != true
                    || record.S3?.Bucket?.Name is not { Length: > 0 } bucket || !key.StartsWith(S3Imports.UploadsPrefix, StringComparison.Ordinal)
                    || !key.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
                {
                    Console.Error.WriteLine($"{Name}: {record.EventName} of {(key.Length == 0 ? "no object" : key)} is not an upload to import (uploads/*.csv); skipped.");
                    continue;
                }

                var (versionId, etag) = (S3ObjectStore.VersionOf(record.S3!.Object!.VersionId), record.S3.Object.ETag);
                await ImportAsync(new ImportContinuation(S3Imports.IdOf(bucket, key, versionId, etag), bucket, key, versionId, etag, 0), pause);
            }
        }
    }

    private async Task ImportAsync(ImportContinuation job, Func<bool> pause)
    {
        var item = await _imports.FindAsync(job.ImportId);
        if (item is { Status: ImportStatus.Done or ImportStatus.Failed })
        {
            Console.Error.WriteLine($"{Name}: {job.Key} is import {job.ImportId}, {item.Status.ToString().ToLowerInvariant()} already; nothing to do.");
            return;
        }

        S3ReadStream upload;
        IReadOnlyDictionary<string, string> metadata;
        try
        {
            (upload, metadata) = await S3ReadStream.OpenAsync(_s3, job.Bucket, job.Key, job.VersionId, job.ETag, CancellationToken.None);
        }
        catch (AmazonS3Exception e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.PreconditionFailed)
        {
            await FailAsync(job, item, $"The upload s3://{job.Bucket}/{job.Key} is gone or was replaced ({(int)e.StatusCode}): upload it again.");
            return;
        }

        await using (upload)
        {
            // Held for one stretch between checkpoints and a margin; each checkpoint renews it. A delivery that finds it
            // held comes back when the lease ends: if the holder died, it goes on from the holder's last checkpoint.
            var holder = Guid.NewGuid().ToString("N");
            var line = item is null && await _imports.StartAsync(job.ImportId, job.Key, upload.Length, _time.GetUtcNow(), LeaseEnd(), holder)
                ? 0 : await _imports.HoldAsync(job.ImportId, _time.GetUtcNow(), LeaseEnd(), holder);
            if (line is not { } from)
            {
                await ComeBackAsync(job);
                return;
            }

            ImportSettings settings;
            ImportCheckpoint? resume = null;
            try
            {
                settings = metadata.TryGetValue(S3Imports.SettingsMetadata, out var json)
                    ? JsonSerializer.Deserialize<ImportSettings>(json, ImportSummary.Json) ?? new ImportSettings()
                    : new ImportSettings();
                if (from > 0)
                {
                    await using var state = _objects.Open(CheckpointKey(job.ImportId, from, "state.json"))
                        ?? throw new InvalidOperationException($"The checkpoint of import {job.ImportId} at line {from} is missing.");
                    resume = await ImportCheckpoint.ReadAsync(state, CancellationToken.None);
                    Console.Error.WriteLine($"{Name}: import {job.ImportId} goes on from its checkpoint at line {from} (byte {resume.Next.Offset}).");
                }
            }
            catch (JsonException e)
            {
                await FailAsync(job, item, $"The import settings of {job.Key} (x-amz-meta-{S3Imports.SettingsMetadata}) are not valid: {e.Message}");
                return;
            }

            var errorsFile = Path.Combine(Path.GetTempPath(), $"stockwatch-{job.ImportId}-{holder}-errors.csv");
            try
            {
                await using var errors = new StreamWriter(errorsFile);
                if (resume is not null)
                {
                    await using var before = _objects.Open(CheckpointKey(job.ImportId, from, "errors.csv"));
                    if (before is not null)
                    {
                        await before.CopyToAsync(errors.BaseStream);
                    }
                }

                while (true)
                {
                    ImportPart part;
                    var stretch = _time.GetTimestamp();
                    var told = _time.GetTimestamp();
                    try
                    {
                        upload.Position = 0;
                        part = await _importFile.HandlePartAsync(upload, settings, job.ImportId, job.Key, resume,
                            () => pause() || _time.GetElapsedTime(stretch) >= _options.ImportCheckpointEvery,
                            errors, progress: share =>
                            {
                                if (_time.GetElapsedTime(told) >= ProgressEvery && share < 1)
                                {
                                    told = _time.GetTimestamp();
                                    _imports.ProgressAsync(job.ImportId, (long)(share * upload.Length)).GetAwaiter().GetResult();
                                }
                            }, beforeDone: summary =>
                            {
                                errors.Flush();
                                Finish(job, errorsFile, summary).GetAwaiter().GetResult();
                            });
                    }
                    catch (StockWatchException e) when (e.Kind == ErrorKind.Invalid)
                    {
                        await FailAsync(job, item, e.Message);
                        return;
                    }

                    if (part.Next is not { } checkpoint)
                    {
                        return;
                    }

                    await errors.FlushAsync();
                    var paused = pause();
                    if (!await CheckpointAsync(job, holder, checkpoint, errorsFile, paused ? null : LeaseEnd()))
                    {
                        Console.Error.WriteLine($"{Name}: import {job.ImportId} is held by another delivery (this one's lease ended); this one stops.");
                        return;
                    }

                    if (paused)
                    {
                        Console.Error.WriteLine($"{Name}: import {job.ImportId} paused at line {checkpoint.Next.Line} (byte {checkpoint.Next.Offset}); it continues in a follow-up message.");
                        await ContinueAsync(job with { Line = checkpoint.Next.Line });
                        return;
                    }

                    resume = checkpoint;
                }
            }
            finally
            {
                File.Delete(errorsFile);
            }
        }
    }

    /// <summary>The end of a lease taken now: one stretch between checkpoints (at most the budget) and a margin for its last batch and the checkpoint.</summary>
    private DateTimeOffset LeaseEnd() =>
        _time.GetUtcNow() + (_options.ImportCheckpointEvery < _options.ImportBudget ? _options.ImportCheckpointEvery : _options.ImportBudget) + HoldMargin;

    /// <summary>
    /// The import is held by another delivery: this message comes back (as a follow-up, delayed) when that lease ends,
    /// so that the import goes on if its holder died; a live holder has renewed its lease by then, or finished.
    /// </summary>
    private async Task ComeBackAsync(ImportContinuation job)
    {
        var item = await _imports.FindAsync(job.ImportId);
        if (item is not { Status: ImportStatus.Running } || _options.ImportQueueUrl is null)
        {
            return;
        }

        var delay = item.HeldUntil is { } until ? until - _time.GetUtcNow() : TimeSpan.Zero;
        var seconds = (int)Math.Clamp(Math.Ceiling(delay.TotalSeconds), 1, 900);
        Console.Error.WriteLine($"{Name}: import {job.ImportId} is held by another delivery; this message comes back in {seconds} s.");
        await _sqs.SendMessageAsync(new Amazon.SQS.Model.SendMessageRequest(_options.ImportQueueUrl,
            JsonSerializer.Serialize(job with { Line = item.NextLine }, SqsEventJson.Default.ImportContinuation)) { DelaySeconds = seconds });
    }

    /// <summary>Before the import is recorded done: its result in the bucket, and its digest told.</summary>
    private async Task Finish(ImportContinuation job, string errorsFile, ImportSummary summary)
    {
        await using (var errors = OpenShared(errorsFile))
        {
            await _objects.PutAsync(ImportJobs.ErrorsKey(job.ImportId), errors, CancellationToken.None);
        }

        await _objects.PutAsync(S3Imports.SummaryKey(job.ImportId), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(summary, ImportSummary.Json)), CancellationToken.None);
        var n = (long value) => value.ToString("N0", CultureInfo.InvariantCulture);
        await _announcements.AnnounceAsync(Announcement.ForImportDone(job.ImportId,
            $"Import {job.ImportId} of {job.Key}: {n(summary.Total)} rows, {n(summary.Accepted)} accepted, {n(summary.Rejected)} rejected, "
            + $"{n(summary.Unchanged)} unchanged, {n(summary.CreatedProducts)} new products.",
            _objects.LocationOf(S3Imports.SummaryKey(job.ImportId))));
    }

    /// <summary>The checkpoint and the errors so far kept, then the import moved on to it if this delivery still holds it.</summary>
    /// <param name="until">The lease renewed to (the import goes on here); null: let go (it goes on in a follow-up message).</param>
    private async Task<bool> CheckpointAsync(ImportContinuation job, string holder, ImportCheckpoint checkpoint, string errorsFile, DateTimeOffset? until)
    {
        var line = checkpoint.Next.Line;
        var state = Path.Combine(Path.GetTempPath(), $"stockwatch-{job.ImportId}-{holder}-state.json");
        try
        {
            await using (var output = File.Create(state))
            {
                await checkpoint.WriteAsync(output, CancellationToken.None);
            }

            await using (var input = File.OpenRead(state))
            {
                await _objects.PutAsync(CheckpointKey(job.ImportId, line, "state.json"), input, CancellationToken.None);
            }
        }
        finally
        {
            File.Delete(state);
        }

        await using (var errors = OpenShared(errorsFile))
        {
            await _objects.PutAsync(CheckpointKey(job.ImportId, line, "errors.csv"), errors, CancellationToken.None);
        }

        return await _imports.AdvanceAsync(job.ImportId, holder, checkpoint.Next, until);
    }

    /// <summary>The errors file for reading while its writer stays open.</summary>
    private static FileStream OpenShared(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

    private async Task ContinueAsync(ImportContinuation next) =>
        await _sqs.SendMessageAsync(_options.ImportQueueUrl, JsonSerializer.Serialize(next, SqsEventJson.Default.ImportContinuation));

    private async Task FailAsync(ImportContinuation job, ImportItem? item, string error)
    {
        Console.Error.WriteLine($"{Name}: import {job.ImportId} of {job.Key} failed: {error}");
        if (item is null)
        {
            await _imports.StartAsync(job.ImportId, job.Key, 0, _time.GetUtcNow(), _time.GetUtcNow(), holder: string.Empty);
        }

        await _imports.FailAsync(job.ImportId, error, _time.GetUtcNow());
        await _announcements.AnnounceAsync(new Announcement(Announcement.ImportDigest, $"Import {job.ImportId} failed", $"Import {job.ImportId} of {job.Key} failed: {error}", null, [])
        {
            Topic = Announcement.ImportTopic, Key = $"import-{job.ImportId}",
        });
    }
}
