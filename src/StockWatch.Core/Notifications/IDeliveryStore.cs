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

/// <summary>How far planning got: the last alert id or the last announcement id planned (at most one of them moves per plan).</summary>
public sealed record PlanMark(long? AlertsUpTo = null, long? AnnouncementsUpTo = null);

/// <summary>How one attempt at a delivery went.</summary>
public sealed record DeliveryAttempt(string DeliveryId, DeliveryStatus Status, string? Error, DateTimeOffset At);

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

/// <summary>Where announcements (reports, alarms) go to be told on the channels.</summary>
public interface IAnnouncements
{
    /// <summary>Records an announcement for <c>serve</c> to plan, or tells it at once (the AWS shape); one with the <see cref="Announcement.Key"/> of an earlier one is dropped.</summary>
    Task AnnounceAsync(Announcement announcement);
}

/// <summary>
/// Where announcements and deliveries are kept: announcements recorded by any process, the delivery log, and the queue
/// that carries each delivery to its channel.
/// </summary>
public interface IDeliveryStore : IAnnouncements
{
    /// <summary>Up to <paramref name="max"/> stored alerts not planned yet, oldest first.</summary>
    IReadOnlyList<Alert> AlertsToPlan(int max);

    /// <summary>Up to <paramref name="max"/> recorded announcements not planned yet, oldest first, each with its id.</summary>
    IReadOnlyList<(long Id, Announcement Message)> AnnouncementsToPlan(int max);

    /// <summary>
    /// In one transaction: stores each delivery whose id is new, queues it, and marks the alerts or announcements up to
    /// the given ids as planned. Returns how many were new: planning twice plans once.
    /// </summary>
    Task<int> PlanAsync(IReadOnlyList<PlannedDelivery> deliveries, PlanMark mark);

    /// <summary>A delivery with the message it sends (its alerts read back from the store).</summary>
    (DeliveryRecord Record, Announcement Message)? Find(string deliveryId);

    /// <summary>Records attempts, each with its outcome and, for a failure, the error; all in one transaction.</summary>
    Task RecordAttemptsAsync(IReadOnlyList<DeliveryAttempt> attempts);

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
