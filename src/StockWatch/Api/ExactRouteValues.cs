using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;

namespace StockWatch.Api;

/// <summary>
/// Route values decoded once and exactly. Kestrel decodes the path but leaves <c>%2F</c> encoded (a decoded slash
/// would split the segment), so a value's text cannot tell <c>A%2FB</c> (the id <c>A/B</c>) from <c>A%252FB</c> (the id
/// <c>A%2FB</c>). When the raw request target holds either escape, each route value that is a whole path segment is
/// decoded again, once, from its raw segment.
/// </summary>
internal static class ExactRouteValues
{
    public static IApplicationBuilder UseExactRouteValues(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is ['/', ..] && context.GetEndpoint() is RouteEndpoint endpoint
            && (raw.Contains("%2F", StringComparison.OrdinalIgnoreCase) || raw.Contains("%25", StringComparison.Ordinal)))
        {
            var segments = Segments(raw.Split('?', 2)[0]);
            var pattern = endpoint.RoutePattern.PathSegments;
            for (var i = 0; i < pattern.Count && i < segments.Count; i++)
            {
                if (pattern[i].Parts is [RoutePatternParameterPart { IsCatchAll: false } parameter])
                {
                    context.Request.RouteValues[parameter.Name] = Uri.UnescapeDataString(segments[i]);
                }
            }
        }

        return next(context);
    });

    /// <summary>The raw path's segments, still encoded, with dot segments resolved as Kestrel resolves them.</summary>
    private static List<string> Segments(string path)
    {
        List<string> segments = [];
        foreach (var segment in path.Split('/').Skip(1))
        {
            switch (Uri.UnescapeDataString(segment))
            {
                case ".":
                    break;
                case "..":
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    break;
                default:
                    segments.Add(segment);
                    break;
            }
        }

        return segments;
    }
}
