using StockWatch.Core.Notifications;

namespace StockWatch.Testing;

/// <summary>A channel that keeps what it is sent; while <see cref="Down"/> it refuses every message, as a receiver that is off.</summary>
public sealed class RecordingChannel(string name = "recording") : IAlertChannel
{
    private readonly List<(string DeliveryId, Announcement Message)> _sent = [];

    public string Name => name;

    public ChannelFilter Filter { get; init; } = ChannelFilter.All;

    public bool Down { get; set; }

    public IReadOnlyList<Announcement> Messages
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent.Select(s => s.Message)];
            }
        }
    }

    public IReadOnlyList<string> DeliveryIds
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent.Select(s => s.DeliveryId)];
            }
        }
    }

    public Task SendAsync(string deliveryId, Announcement message, CancellationToken cancellationToken)
    {
        if (Down)
        {
            throw new IOException($"{name} is down");
        }

        lock (_sent)
        {
            _sent.Add((deliveryId, message));
        }

        return Task.CompletedTask;
    }
}
