using StockWatch.Core.Imports;

namespace StockWatch.Hosting;

/// <summary>Runs queued imports one at a time; a job that fails for other reasons than its file returns to the queue.</summary>
public sealed class ImportWorker(ImportJobs jobs, TimeProvider time, ILogger<ImportWorker> logger)
    : RepeatingService(time, logger, TimeSpan.FromSeconds(5))
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);

    protected override async Task StepAsync(CancellationToken stoppingToken)
    {
        if (!await jobs.RunNextAsync(stoppingToken))
        {
            await Task.Delay(Idle, Time, stoppingToken);
        }
    }
}
