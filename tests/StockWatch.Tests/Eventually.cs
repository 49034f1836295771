using System.Diagnostics;

namespace StockWatch.Tests;

/// <summary>Waiting for another process to reach a state it reports only when asked (an import's status, /health).</summary>
public static class Eventually
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Reads until <paramref name="done"/> holds, at most 30 s; returns what was read last.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, string because, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            waited.Elapsed.Should().BeLessThan(Timeout, because);
            await Task.Delay(50, cancellationToken);
        }
    }
}
