using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Hosting;

namespace StockWatch.Api;

/// <summary>The HTTP API: its services and its pipeline.</summary>
public static class ApiServer
{
    public static WebApplicationBuilder AddStockWatchApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ApiOptions>().BindSection(ApiOptions.Section).ValidateOnStart();
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
        var routes = app.MapGroup(string.Empty);
        ((IEndpointConventionBuilder)routes).Finally(AnswerHeadLikeGet);
        routes.MapOpenApi("/openapi/v1.json");
        routes.MapHealth();
        routes.MapProducts();
        routes.MapSales();
        routes.MapAlerts();
        routes.MapImports();
        routes.MapReports();
        routes.MapMetricsEndpoint();
        routes.MapDashboard();
        return app;
    }

    /// <summary>
    /// Every GET endpoint answers HEAD too, with the same status and headers (<c>ETag</c> included): the handler runs
    /// as for GET and Kestrel sends no body for a HEAD request.
    /// </summary>
    private static void AnswerHeadLikeGet(EndpointBuilder endpoint)
    {
        if (endpoint.Metadata.OfType<HttpMethodMetadata>().LastOrDefault() is { } methods
            && methods.HttpMethods.Contains(HttpMethods.Get) && !methods.HttpMethods.Contains(HttpMethods.Head))
        {
            endpoint.Metadata.Add(new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Head], methods.AcceptCorsPreflight));
        }
    }
}
