using System.Diagnostics;

namespace StockWatch.Bench;

/// <summary>Throughput and latency percentiles of one measured run.</summary>
public sealed record Stats(int Events, double Seconds, double P50Us, double P99Us, double P999Us)
{
    public double PerSecond => Events / Seconds;

    public static Stats From(List<long> elapsedTicks, double seconds)
    {
        elapsedTicks.Sort();
        double Us(double p) => elapsedTicks[Math.Min(elapsedTicks.Count - 1, (int)(p * elapsedTicks.Count))] * 1e6 / Stopwatch.Frequency;
        return new Stats(elapsedTicks.Count, seconds, Us(0.50), Us(0.99), Us(0.999));
    }
}
