using Microsoft.Extensions.Options;
using StockWatch.Core.Monitoring;

namespace StockWatch.Hosting;

/// <summary>Evaluates the alarms every <c>StockWatch:Alarms:EvaluationInterval</c>.</summary>
public sealed class AlarmWorker(Alarms alarms, IOptions<AlarmOptions> options, TimeProvider time, ILogger<AlarmWorker> logger)
    : RepeatingService("alarms", time, logger, options.Value.EvaluationInterval)
{
    protected override Task WorkAsync(CancellationToken stoppingToken) => alarms.EvaluateAsync(stoppingToken);

    protected override Task WaitAsync(CancellationToken stoppingToken) => Task.Delay(options.Value.EvaluationInterval, Time, stoppingToken);
}
