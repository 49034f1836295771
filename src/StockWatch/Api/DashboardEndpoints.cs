using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Access;
using StockWatch.Core.Catalog;
using Microsoft.Extensions.Options;
using StockWatch.Core.Monitoring;
using StockWatch.Core.Notifications;
using StockWatch.Core.Queues;

namespace StockWatch.Api;

/// <summary>
/// The dashboard: its shell (HTML, CSS, JavaScript embedded in the executable, open to anyone, as it holds no data) at
/// <c>/</c>, and the few read models it needs beyond the API's resources. Its data comes through the API with the
/// user's key.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>
    /// Scripts only from the shell itself (no inline script, so data that slipped into the page could not run);
    /// inline styles for the report's own page, shown in a sandboxed frame.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self' blob:; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly Dictionary<string, (string Resource, string ContentType)> Files = new(StringComparer.Ordinal)
    {
        ["/"] = ("Dashboard.index.html", "text/html; charset=utf-8"),
        ["/dashboard/app.js"] = ("Dashboard.app.js", "text/javascript; charset=utf-8"),
        ["/dashboard/app.css"] = ("Dashboard.app.css", "text/css; charset=utf-8"),
    };

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        foreach (var (path, (resource, contentType)) in Files)
        {
            var content = Read(resource);
            routes.MapGet(path, (HttpContext context) =>
            {
                var headers = context.Response.Headers;
                headers.CacheControl = "no-cache";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                return Results.Bytes(content, contentType);
            }).ExcludeFromDescription();
        }

        var api = routes.MapGroup("/api").WithTags("Dashboard").WithCommonProblems();
        api.MapGet("/me", Me).RequireRole(Role.Reader);
        api.MapGet("/summary", Summary).RequireRole(Role.Reader);
        api.MapGet("/status", Status).RequireRole(Role.Reader);
        return routes;
    }

    /// <summary>The caller's key: its name and role (the dashboard shows write controls to writers only), and the currency of amounts.</summary>
    public static Ok<MeResponse> Me(HttpContext context, IOptions<SiteOptions> site) =>
        context.Key() is { } key ? TypedResults.Ok(new MeResponse(key.KeyId, key.Name, key.Role.ToWire()) { Currency = site.Value.Code }) : throw new InvalidOperationException("RequireRole admits no anonymous caller.");

    /// <summary>Products, low and out of stock, inventory value, units sold in the last 7 days, categories.</summary>
    public static Ok<CatalogSummary> Summary(ICatalogViews views, TimeProvider time) => TypedResults.Ok(views.Summary(time.GetUtcNow()));

    /// <summary>The alarms that are on, and each watched queue with its dead-letter queue.</summary>
    public static Ok<StatusResponse> Status(Alarms alarms, IWorkQueue queue) => TypedResults.Ok(new StatusResponse(
        [.. alarms.Active.Select(a => new AlarmResponse(a.Type, a.Subject, Timestamp.Format(a.Since), a.Reason))],
        [.. alarms.QueuesAndDeadLetters
            .Select(name => (Name: name, Stats: queue.Stats(name)))
            .Select(q => new QueueResponse(q.Name, q.Stats.Visible, q.Stats.InFlight, q.Stats.OldestAge?.TotalSeconds))]));

    private static byte[] Read(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The dashboard file {resource} is missing from the executable.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
