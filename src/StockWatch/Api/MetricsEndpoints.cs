using Prometheus;
using StockWatch.Core.Access;

namespace StockWatch.Api;

/// <summary>
/// <c>GET /metrics</c>: StockWatch's measurements (<see cref="Core.Telemetry.Instruments"/>, on the BCL's Meter) and
/// the runtime's, in the Prometheus text format, exported by prometheus-net. Readers only: figures about the shop.
/// </summary>
public static class MetricsEndpoints
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointConventionBuilder MapMetricsEndpoint(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/metrics", Export).WithTags("Monitoring").RequireRole(Role.Reader).Problems(401, 403)
            .Produces(StatusCodes.Status200OK, contentType: "text/plain");

    public static async Task Export(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.ContentType = ContentType;
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, cancellationToken);
    }
}
