using System.Text.Json;
using System.Text.Json.Serialization;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;

namespace StockWatch.Contracts;

/// <summary>The JSON shapes of the CLI's <c>--json</c> output and the HTTP API, named as the data dictionary names them.</summary>
public static class Wire
{
    /// <summary>
    /// For people reading the CLI's output: indented, and text as written (<c>"</c>, <c>&lt;</c>, <c>é</c> stay
    /// themselves instead of <c>\u0022</c>-style escapes, which only matter for JSON pasted into HTML).
    /// </summary>
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>For the HTTP API and event streams.</summary>
    public static readonly JsonSerializerOptions Compact = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// Data-dictionary names; nulls left out; unknown fields in a request refused rather than silently ignored; numbers
    /// must be JSON numbers.
    /// </summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
        // {"quantity":1,"quantity":500} is refused, not read as its last value.
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.Converters.Add(new UtcTimestampConverter());
        return options;
    }
}

public sealed record AlertResponse(
    long AlertId,
    string ProductId,
    string AlertTime,
    string AlertType,
    string Summary,
    AlertDetails Details,
    long? ChangeSeq,
    string? Cause)
{
    /// <summary>The product's category when the alert was raised.</summary>
    public string? Category { get; init; }

    /// <summary>How the channels were told of it (one alert's page and <c>alerts show</c> only).</summary>
    public List<DeliveryResponse>? Deliveries { get; init; }

    public static AlertResponse From(Alert a) => From(a, currency: null);

    /// <param name="currency">The ISO 4217 code the summary prints with amounts (<c>StockWatch:Currency</c>), if any.</param>
    public static AlertResponse From(Alert a, string? currency) => new(
        a.Id, a.ProductId.Value, Timestamp.Format(a.Time), a.Type.ToWire(), a.Describe(currency), a.Details, a.ChangeSequence, a.Cause) { Category = a.Category };
}

/// <summary>One delivery's log: to which channel, how many attempts, how it ended.</summary>
public sealed record DeliveryResponse(
    string DeliveryId,
    string Channel,
    string Kind,
    string Subject,
    string Status,
    int Attempts,
    string CreatedAt,
    string? LastAttemptAt,
    string? LastError,
    string? DeliveredAt)
{
    public static DeliveryResponse From(DeliveryRecord d) => new(
        d.DeliveryId, d.Channel, d.Kind, d.Subject, d.Status.ToWire(), d.Attempts, Timestamp.Format(d.CreatedAt),
        d.LastAttemptAt is { } attempted ? Timestamp.Format(attempted) : null, d.LastError, d.DeliveredAt is { } delivered ? Timestamp.Format(delivered) : null);
}

