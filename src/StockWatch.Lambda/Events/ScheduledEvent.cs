using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StockWatch.Lambda.Events;

/// <summary>An EventBridge scheduled event, as a rule's schedule delivers it: <c>time</c> is when the schedule fired (UTC).</summary>
public sealed record ScheduledEvent(
    [property: JsonPropertyName("source")] string? Source,
    [property: JsonPropertyName("detail-type")] string? DetailType,
    [property: JsonPropertyName("time")] string? Time,
    [property: JsonPropertyName("id")] string? Id)
{
    /// <summary>Reads the event (UTF-8, with or without a byte order mark).</summary>
    /// <param name="function">The function's name, for the message.</param>
    /// <exception cref="InvalidEventException">Not JSON, not a scheduled event of <c>aws.events</c>, or no UTC <c>time</c>.</exception>
    public static (ScheduledEvent Event, DateTimeOffset Time) Read(Stream input, string function)
    {
        var read = LambdaEvents.Read(input, ScheduledEventJson.Default.ScheduledEvent, function, "an EventBridge scheduled event");

        if (read is not { Source: "aws.events", DetailType: "Scheduled Event" })
        {
            throw new InvalidEventException($"{function} takes an EventBridge scheduled event (source \"aws.events\", detail-type \"Scheduled Event\"); this one is {(read?.Source is { } source ? $"from \"{source}\"" : "of another kind")}.");
        }

        if (!DateTimeOffset.TryParseExact(read.Time, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            throw new InvalidEventException($"The scheduled event's time must be a UTC time such as 2026-11-26T17:00:00Z (got {(read.Time is null ? "none" : $"\"{read.Time}\"")}).");
        }

        return (read, time.ToUniversalTime());
    }
}

/// <summary>What <c>weekly-report</c> answers: the report and whether this invocation made it.</summary>
public sealed record WeeklyReportResponse(
    [property: JsonPropertyName("report_id")] string ReportId,
    [property: JsonPropertyName("report_location")] string ReportLocation,
    [property: JsonPropertyName("period_start")] string PeriodStart,
    [property: JsonPropertyName("period_end")] string PeriodEnd,
    [property: JsonPropertyName("created")] bool Created);

/// <summary>
/// What <c>reminder-sweep</c> answers: the sweep's key (<c>sweep-…</c>; none when nothing was due), how many reminders
/// its digest told (the sweep's, stored by this run or by one before it) and their products, and how many this run stored.
/// </summary>
public sealed record ReminderSweepResponse(
    [property: JsonPropertyName("sweep")] string? Sweep,
    [property: JsonPropertyName("reminded")] int Reminded,
    [property: JsonPropertyName("stored")] int Stored,
    [property: JsonPropertyName("products")] IReadOnlyList<string> Products);

[JsonSerializable(typeof(ScheduledEvent))]
[JsonSerializable(typeof(ReminderSweepResponse))]
[JsonSerializable(typeof(WeeklyReportResponse))]
internal sealed partial class ScheduledEventJson : JsonSerializerContext;
