using StockWatch.Core.Alerts;

namespace StockWatch.Core.Notifications;

public enum DeliveryStatus
{
    /// <summary>Queued, or failed and waiting for its next attempt.</summary>
    Pending,
    Delivered,

    /// <summary>Given up after <see cref="DeliveryOptions.MaxAge"/>; its message is in the dead-letter queue.</summary>
    Dead,
}

/// <summary>A message for one channel, before it is stored.</summary>
public sealed record PlannedDelivery(string DeliveryId, string Channel, Announcement Message);

/// <summary>A delivery's log: what it tells, to which channel, and how its attempts went.</summary>
public sealed record DeliveryRecord(
    string DeliveryId,
    string Channel,
    string Kind,
    string Subject,
    DateTimeOffset CreatedAt,
    DeliveryStatus Status,
    int Attempts,
    DateTimeOffset? LastAttemptAt,
    string? LastError,
    DateTimeOffset? DeliveredAt);

/// <summary>Where deliveries are kept: the delivery log, and the queue that carries each delivery to its channel.</summary>
public interface IDeliveryStore
{
    /// <summary>Up to <paramref name="max"/> stored alerts not planned yet, oldest first.</summary>
    IReadOnlyList<Alert> AlertsToPlan(int max);

    /// <summary>
    /// In one transaction: stores each delivery whose id is new, queues it, and (when given) marks the alerts up to
    /// <paramref name="alertsPlannedUpTo"/> as planned. Returns how many were new: planning twice plans once.
    /// </summary>
    Task<int> PlanAsync(IReadOnlyList<PlannedDelivery> deliveries, long? alertsPlannedUpTo);

    /// <summary>A delivery with the message it sends (its alerts read back from the store).</summary>
    (DeliveryRecord Record, Announcement Message)? Find(string deliveryId);

    /// <summary>Records one attempt: its outcome and, for a failure, the error.</summary>
    Task RecordAttemptAsync(string deliveryId, DeliveryStatus status, string? error, DateTimeOffset at);

    /// <summary>The deliveries that tell of an alert (on its own or in a digest), oldest first.</summary>
    IReadOnlyList<DeliveryRecord> ForAlert(long alertId);
}

public static class DeliveryStatuses
{
    public static string ToWire(this DeliveryStatus status) => status switch
    {
        DeliveryStatus.Delivered => "delivered",
        DeliveryStatus.Dead => "dead",
        _ => "pending",
    };

    public static DeliveryStatus Parse(string text) => text switch
    {
        "delivered" => DeliveryStatus.Delivered,
        "dead" => DeliveryStatus.Dead,
        _ => DeliveryStatus.Pending,
    };
}
