using StockWatch.Core.Imports;
using StockWatch.Sqlite.Objects;

namespace StockWatch.Hosting;

/// <summary>
/// At start, removes what processes killed while writing left behind and nothing owns: partial objects in
/// <c>objects/.staging</c>, and uploads without an import (once the import worker has taken every queued job). Only what
/// is older than <see cref="Grace"/>, since another process (a second <c>serve</c>, a CLI command) may be writing a
/// younger one now.
/// </summary>
public sealed partial class LeftoversCleanup(FolderObjectStore objects, ImportJobs jobs, TimeProvider time, ILogger<LeftoversCleanup> logger)
    : BackgroundService
{
    /// <summary>How long a file must have been left unchanged before it counts as left behind.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    private static readonly TimeSpan JobsWait = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var writtenBefore = time.GetUtcNow() - Grace;
            var staged = objects.RemoveAbandonedStaging(writtenBefore);
            int? uploads;
            while ((uploads = jobs.RemoveOrphanedUploads(writtenBefore)) is null)
            {
                await Task.Delay(JobsWait, time, stoppingToken);
            }

            if (staged + uploads > 0)
            {
                LogRemoved(staged, uploads.Value);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFailed(ex); // what is left is only disk space: serve goes on
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Staged} partial objects and {Uploads} uploads without an import, left by processes that stopped while writing")]
    private partial void LogRemoved(int staged, int uploads);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove what stopped processes left behind in the object store")]
    private partial void LogFailed(Exception exception);
}
