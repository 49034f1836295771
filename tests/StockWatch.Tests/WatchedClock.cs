using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace StockWatch.Tests;

/// <summary>A fake clock that tells when a timer (a Task.Delay) was set, so the test moves time only once the scheduler waits.</summary>
public sealed class WatchedClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Channel<bool> _timers = Channel.CreateUnbounded<bool>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(true);
        return timer;
    }

    public async Task TimerCreated(CancellationToken cancellationToken) =>
        await _timers.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
}
