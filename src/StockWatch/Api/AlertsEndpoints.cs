using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Access;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Notifications;
using StockWatch.Core.Stream;

namespace StockWatch.Api;

/// <summary><c>/api/alerts</c> and the live stream of new alerts.</summary>
public static class AlertsEndpoints
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public static RouteGroupBuilder MapAlerts(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/alerts").WithTags("Alerts").WithCommonProblems();
        group.MapGet("/", List).RequireRole(Role.Reader);
        group.MapGet("/counts", Counts).RequireRole(Role.Reader);
        group.MapGet("/{id}", Show).RequireRole(Role.Reader).Produces<AlertResponse>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/stream", Stream).RequireRole(Role.Reader).Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return group;
    }

    /// <summary>
    /// Stored alerts, oldest first: the newest <c>limit</c> (default 100, at most 1000) of a <c>type</c>, of a
    /// <c>product_id</c>, raised at or after <c>since</c> and before <c>until</c>; <c>before</c> (an alert id) gives the
    /// page of older ones.
    /// </summary>
    public static Ok<List<AlertResponse>> List(
        IInventoryStore store, IOptions<SiteOptions> site, string? since, string? until, string? type, string? product_id, string? limit, string? before)
    {
        var query = Filter(since, until, product_id) with
        {
            Type = type is null ? null : AlertTypes.Parse(type, "type"),
            Limit = limit is null ? 100 : Math.Min(Values.ParseCount(limit, "limit", min: 1), 1000),
            BeforeId = before is null ? null : Values.ParseId(before, "before"),
        };
        return TypedResults.Ok(store.ListAlerts(query).Select(a => AlertResponse.From(a, site.Value.Code)).ToList());
    }

    /// <summary>How many alerts of each type the filters select (every type named, 0 when none), and their total.</summary>
    public static Ok<AlertCounts> Counts(ICatalogViews views, string? since, string? until, string? product_id)
    {
        var counts = views.CountAlerts(Filter(since, until, product_id));
        return TypedResults.Ok(new AlertCounts(
            counts.Values.Sum(),
            Enum.GetValues<AlertType>().ToDictionary(type => type.ToWire(), type => counts.GetValueOrDefault(type))));
    }

    private static AlertQuery Filter(string? since, string? until, string? product_id)
    {
        var query = new AlertQuery(
            since is null ? null : Timestamp.Parse(since, "since"),
            ProductId: product_id is null ? null : ProductId.Parse(product_id))
        {
            Until = until is null ? null : Timestamp.Parse(until, "until"),
        };
        return query is { Since: { } from, Until: { } to } && to <= from
            ? throw StockWatchException.Invalid("until", $"until ({Timestamp.Format(to)}) must be after since ({Timestamp.Format(from)}).")
            : query;
    }

    /// <summary>One alert with its delivery log: each channel's delivery, its attempts and how it ended.</summary>
    public static Ok<AlertResponse> Show(string id, IInventoryStore store, IDeliveryStore deliveries, IOptions<SiteOptions> site) =>
        TypedResults.Ok(WithDeliveries(Values.ParseId(id, "alert_id"), store, deliveries, site.Value.Code));

    /// <summary>The alert and its deliveries, for the API and <c>alerts show</c>; amounts with <paramref name="currency"/>.</summary>
    /// <param name="deliveries">The delivery log; <c>null</c> on the AWS shape, which keeps none (the answer's deliveries are then null).</param>
    public static AlertResponse WithDeliveries(long alertId, IInventoryStore store, IDeliveryStore? deliveries, string? currency) =>
        store.FindAlert(alertId) is { } alert
            ? AlertResponse.From(alert, currency) with { Deliveries = deliveries is null ? null : [.. deliveries.ForAlert(alertId).Select(DeliveryResponse.From)] }
            : throw StockWatchException.NotFound($"There is no alert {alertId}.");

    /// <summary>
    /// Server-Sent Events: each new alert as an <c>alert</c> event whose id is the alert id, so a client that
    /// reconnects with <c>Last-Event-ID</c> misses nothing. The stream ends within a second of its key being revoked.
    /// </summary>
    public static async Task Stream(
        HttpContext context, IInventoryStore store, IChangeStream changes, IOptions<SiteOptions> site, IHostApplicationLifetime lifetime, CancellationToken requestAborted)
    {
        // A stream never ends by itself: it ends when the client goes, or at once when serve stops.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stopping.Token;
        var last = long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var resume)
            ? resume
            : store.ListAlerts(new AlertQuery(Limit: 1)).LastOrDefault()?.Id ?? 0;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await context.Response.WriteAsync(": stream of new alerts\n\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested && context.KeyStillActive())
            {
                // Alerts are stored by commits: this process's wake the stream at once, other processes' are polled.
                var wake = changes.WaitForChangesAsync(Poll, cancellationToken);
                foreach (var alert in store.ListAlerts(new AlertQuery(AfterId: last, Limit: 500)))
                {
                    var json = JsonSerializer.Serialize(AlertResponse.From(alert, site.Value.Code), Wire.Compact);
                    await context.Response.WriteAsync($"id: {alert.Id}\nevent: alert\ndata: {json}\n\n", cancellationToken);
                    last = alert.Id;
                }

                await context.Response.Body.FlushAsync(cancellationToken);
                await wake;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away or the server is stopping.
        }
    }
}
