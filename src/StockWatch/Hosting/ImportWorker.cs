using StockWatch.Core.Imports;

namespace StockWatch.Hosting;

/// <summary>Runs queued imports one at a time; a job that fails for other reasons than its file returns to the queue.</summary>
public sealed class ImportWorker(ImportJobs jobs, TimeProvider time, ILogger<ImportWorker> logger)
    : RepeatingService("imports", time, logger, TimeSpan.FromSeconds(5))
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);
    private bool _ranOne;

    protected override async Task WorkAsync(CancellationToken stoppingToken) => _ranOne = await jobs.RunNextAsync(stoppingToken);

    /// <summary>None while jobs are waiting; a second when the queue was empty.</summary>
    protected override Task WaitAsync(CancellationToken stoppingToken) => _ranOne ? Task.CompletedTask : Task.Delay(Idle, Time, stoppingToken);
}
