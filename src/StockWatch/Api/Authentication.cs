using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using StockWatch.Core.Access;

namespace StockWatch.Api;

/// <summary>
/// Bearer API keys. The middleware resolves the key (if any) for every request and, for an endpoint that states the
/// role it needs with <see cref="RequireRole"/>, refuses the request before anything of it is read: 401 without a key
/// or with one that is not accepted, 403 when its role is too low.
/// </summary>
internal static class Authentication
{
    private const string KeyItem = "stockwatch.key";

    public static ApiKey? Key(this HttpContext context) => context.Items[KeyItem] as ApiKey;

    /// <summary>Whether the request's key is still active (not revoked since the request began), for long requests.</summary>
    public static bool KeyStillActive(this HttpContext context) =>
        context.RequestServices.GetRequiredService<ApiKeys>().Verify(Presented(context)) is not null;

    public static IApplicationBuilder UseApiKeys(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var presented = Presented(context);
        var key = context.RequestServices.GetRequiredService<ApiKeys>().Verify(presented);
        context.Items[KeyItem] = key;
        if (context.GetEndpoint()?.Metadata.GetMetadata<RoleMetadata>() is { Role: var role } && Refusal(context, presented, key, role) is { } problem)
        {
            context.Response.StatusCode = problem.Status!.Value;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = problem,
            });
            return;
        }

        await next(context);
    });

    /// <summary>States the role an endpoint needs; <see cref="UseApiKeys"/> enforces it.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, Role role) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RoleMetadata(role));

    /// <summary>The key text after <c>Bearer</c>; empty for another scheme, <c>null</c> without the header.</summary>
    private static string? Presented(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.Length == 0 ? null
            : header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim()
            : string.Empty;
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails? Refusal(HttpContext context, string? presented, ApiKey? key, Role role)
    {
        if (key is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return ProblemExceptionHandler.Problem(StatusCodes.Status401Unauthorized, presented is null
                ? "This endpoint needs an API key: send 'Authorization: Bearer <key>' (create one with 'stockwatch keys create')."
                : "The API key is not accepted: it is unknown, revoked or mistyped; send 'Authorization: Bearer <key>' with a key from 'stockwatch keys create'.");
        }

        return key.Role < role
            ? ProblemExceptionHandler.Problem(StatusCodes.Status403Forbidden, $"The key '{key.Name}' has the {key.Role.ToWire()} role; this needs {role.ToWire()}.")
            : null;
    }

    /// <summary>Per-key token buckets (anonymous callers share one per address).</summary>
    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
                var partition = context.Key()?.KeyId ?? $"anonymous:{context.Connection.RemoteIpAddress}";
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.RateLimitBurst,
                    TokensPerPeriod = options.RateLimitPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                context.Response.Headers.RetryAfter = "1";
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = ProblemExceptionHandler.Problem(StatusCodes.Status429TooManyRequests,
                        "Too many requests for this key; slow down and retry after a second."),
                });
            };
        });

    public sealed record RoleMetadata(Role Role);

    /// <summary>Documents the problem responses an endpoint can give, besides 400/401/403/429 which every API call can.</summary>
    public static RouteHandlerBuilder Problems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.ProducesProblem(status);
        }

        return builder;
    }

    /// <summary>The problems every authenticated API call can answer with.</summary>
    public static RouteGroupBuilder WithCommonProblems(this RouteGroupBuilder group) => group.WithMetadata(
        new ProducesResponseTypeMetadata(StatusCodes.Status400BadRequest, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]),
        new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]),
        new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]),
        new ProducesResponseTypeMetadata(StatusCodes.Status429TooManyRequests, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
}
