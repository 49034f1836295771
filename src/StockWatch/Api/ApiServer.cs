using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using StockWatch.Contracts;

namespace StockWatch.Api;

/// <summary>The HTTP API: its services and its pipeline.</summary>
public static class ApiServer
{
    public static WebApplicationBuilder AddStockWatchApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(form => form.MultipartBodyLengthLimit = long.MaxValue);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ApiOptions>>((kestrel, api) =>
        {
            kestrel.Limits.MaxRequestBodySize = api.Value.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        services.Configure<JsonOptions>(json => Wire.Configure(json.SerializerOptions));
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = ProblemExceptionHandler.Explain);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddApiRateLimiting();
        services.AddStockWatchHealth();
        services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapStockWatchApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseExactRouteValues();
        app.UseApiKeys();
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/v1.json");
        app.MapHealth();
        app.MapProducts();
        app.MapSales();
        app.MapAlerts();
        app.MapImports();
        app.MapReports();
        app.MapMetricsEndpoint();
        app.MapDashboard();
        return app;
    }
}
