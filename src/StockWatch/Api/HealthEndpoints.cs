using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StockWatch.Contracts;
using StockWatch.Core.Catalog;

namespace StockWatch.Api;

/// <summary><c>/health</c>: liveness and readiness, open to anyone (it reveals no data).</summary>
public static class HealthEndpoints
{
    public static IServiceCollection AddStockWatchHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store").AddCheck<AlarmsHealthCheck>("alarms");
        return services;
    }

    public static IEndpointConventionBuilder MapHealth(this IEndpointRouteBuilder routes) =>
        routes.MapHealthChecks("/health", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            ResponseWriter = (context, report) =>
            {
                context.Response.ContentType = "application/json";
                return context.Response.WriteAsync(JsonSerializer.Serialize(new
                {
                    status = report.Status.ToString().ToLowerInvariant(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new
                    {
                        status = e.Value.Status.ToString().ToLowerInvariant(),
                        detail = e.Value.Description,
                    }),
                }, Wire.Compact));
            },
        }).WithTags("Health");

    /// <summary>Degraded while an alarm is on, with its reason.</summary>
    private sealed class AlarmsHealthCheck(Core.Monitoring.Alarms alarms) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(alarms.Active is [_, ..] active
                ? HealthCheckResult.Degraded(string.Join("; ", active.Select(a => $"{a.Type}: {a.Reason}")))
                : HealthCheckResult.Healthy("no alarm is on"));
    }

    /// <summary>Ready when the database answers a query.</summary>
    private sealed class StoreHealthCheck(IInventoryStore store) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                store.ListProducts(new ProductQuery(Limit: 1));
                return Task.FromResult(HealthCheckResult.Healthy("the database answers"));
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"the database does not answer: {ex.Message}"));
            }
        }
    }
}
