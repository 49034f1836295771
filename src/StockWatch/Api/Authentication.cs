using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using StockWatch.Core.Access;

namespace StockWatch.Api;

/// <summary>
/// Bearer API keys. The middleware resolves the key (if any) for every request; endpoints state the role they need
/// with <see cref="RequireRole"/>. No key, no access, except where an endpoint allows anonymous callers.
/// </summary>
internal static class Authentication
{
    private const string KeyItem = "stockwatch.key";

    public static ApiKey? Key(this HttpContext context) => context.Items[KeyItem] as ApiKey;

    public static IApplicationBuilder UseApiKeys(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            context.Items[KeyItem] = context.RequestServices.GetRequiredService<ApiKeys>().Verify(header["Bearer ".Length..].Trim());
        }

        await next(context);
    });

    /// <summary>401 without a valid key, 403 when its role is too low.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, Role role) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            if (context.Key() is not { } key)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return TypedResults.Problem(ProblemExceptionHandler.Problem(StatusCodes.Status401Unauthorized,
                    "This endpoint needs an API key: send 'Authorization: Bearer <key>' (create one with 'stockwatch keys create')."));
            }

            return key.Role < role
                ? TypedResults.Problem(ProblemExceptionHandler.Problem(StatusCodes.Status403Forbidden,
                    $"The key '{key.Name}' has the {key.Role.ToWire()} role; this needs {role.ToWire()}."))
                : await next(invocation);
        }).WithMetadata(new RoleMetadata(role));

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
