using System.Diagnostics.Metrics;

namespace StockWatch.Core.Telemetry;

/// <summary>
/// StockWatch's measurements, on the BCL's <see cref="Meter"/> (no exporter here): <c>serve</c> publishes them at
/// <c>/metrics</c> in the Prometheus text format, named <c>stockwatch_…</c>.
/// </summary>
public static class Instruments
{
    public const string MeterName = "StockWatch";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> ProcessorInvocations = Meter.CreateCounter<long>("processor_invocations", description: "Steps run by each background processor.");
    public static readonly Counter<long> ProcessorErrors = Meter.CreateCounter<long>("processor_errors", description: "Steps of each background processor that failed.");
    public static readonly Histogram<double> ProcessorDuration = Meter.CreateHistogram<double>("processor_duration_seconds", "s", "How long each processor step took.");
    public static readonly Counter<long> Alerts = Meter.CreateCounter<long>("alerts", description: "Alerts stored, by type.");
    public static readonly Counter<long> ImportRows = Meter.CreateCounter<long>("import_rows", description: "Rows of imported files, by outcome.");
    public static readonly Counter<long> QueueSent = Meter.CreateCounter<long>("queue_sent", description: "Messages sent to each work queue.");
    public static readonly Counter<long> QueueReceived = Meter.CreateCounter<long>("queue_received", description: "Messages received from each work queue.");
    public static readonly Counter<long> QueueDeleted = Meter.CreateCounter<long>("queue_deleted", description: "Messages deleted (done) from each work queue.");
    public static readonly Counter<long> QueueDeadLettered = Meter.CreateCounter<long>("queue_dead_lettered", description: "Messages moved to each queue's dead-letter queue.");
    public static readonly Counter<long> Deliveries = Meter.CreateCounter<long>("deliveries", description: "Alert and announcement deliveries, by channel and outcome.");

    /// <summary>
    /// The queue figures read when metrics are collected (visible messages, age of the oldest); set by the host that
    /// owns the queues, the last one set wins.
    /// </summary>
    public static Func<IEnumerable<(string Queue, long Visible, double OldestAgeSeconds)>> Queues { get; set; } = () => [];

    private static readonly ObservableGauge<long> QueueVisible = Meter.CreateObservableGauge("queue_visible_messages", () =>
        Queues().Select(q => new Measurement<long>(q.Visible, Tag("queue", q.Queue))), description: "Messages waiting in each work queue.");

    private static readonly ObservableGauge<double> QueueOldest = Meter.CreateObservableGauge("queue_oldest_message_age_seconds", () =>
        Queues().Select(q => new Measurement<double>(q.OldestAgeSeconds, Tag("queue", q.Queue))), "s", "Age of the oldest message in each work queue.");

    public static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
