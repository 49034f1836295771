using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using StockWatch.Core;

namespace StockWatch.Api;

/// <summary>
/// Every expected failure as RFC 9457 problem+json with field-level detail: domain errors, unreadable JSON, bodies
/// that are too large. Bad input never reaches the generic 500 handler.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (Describe(exception) is not var (status, detail, field))
        {
            return false;
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = Problem(status, detail, field),
        });
    }

    /// <summary>A sentence for the problems the framework answers by itself (status code pages).</summary>
    public static void Explain(ProblemDetailsContext context)
    {
        context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
        {
            StatusCodes.Status404NotFound => "There is nothing at this address; see /openapi/v1.json for the API.",
            StatusCodes.Status405MethodNotAllowed => "This address does not take that method; see /openapi/v1.json for the API.",
            StatusCodes.Status413PayloadTooLarge => "The request body is larger than this endpoint accepts.",
            StatusCodes.Status415UnsupportedMediaType =>
                "This endpoint does not take that Content-Type: send JSON as application/json, and CSV uploads as text/csv or multipart/form-data.",
            _ => null,
        };
    }

    public static ProblemDetails Problem(int status, string detail, string? field = null)
    {
        var problem = new ProblemDetails { Status = status, Detail = detail };
        if (field is not null)
        {
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [detail] };
        }

        return problem;
    }

    private static (int Status, string Detail, string? Field)? Describe(Exception exception) => exception switch
    {
        StockWatchException ex => (ex.Kind switch
        {
            ErrorKind.Invalid => StatusCodes.Status400BadRequest,
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            ErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status412PreconditionFailed,
        }, ex.Message, ex.Field),
        BadHttpRequestException { InnerException: JsonException json } => Json(json),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (StatusCodes.Status413PayloadTooLarge, "The request body is larger than this endpoint accepts.", null),
        BadHttpRequestException ex when ex.Message.Contains("no body was provided", StringComparison.Ordinal)
            || ex.Message.Contains("was not provided from body", StringComparison.Ordinal) =>
            (StatusCodes.Status400BadRequest, "The request body must be a JSON object.", null),
        BadHttpRequestException ex => (ex.StatusCode, ex.Message, null),
        _ => null,
    };

    /// <summary>Names the field and position of unreadable JSON, without echoing the parser's internals.</summary>
    private static (int, string, string?) Json(JsonException json)
    {
        var at = json.LineNumber is { } line ? $" (line {line + 1}, column {json.BytePositionInLine + 1})" : string.Empty;
        if (json.Message.Contains("could not be mapped", StringComparison.Ordinal) && json.Message.Split('\'') is [_, var unknown, ..])
        {
            return (StatusCodes.Status400BadRequest, $"{unknown} is not a field of this request{at}.", unknown);
        }

        var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        if (json.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return (StatusCodes.Status400BadRequest, $"{field ?? "A field"} is given twice{at}; give each field once.", field);
        }

        if (json.Message.Contains("at the end of the JSON payload", StringComparison.Ordinal))
        {
            return (StatusCodes.Status400BadRequest, $"The request body ends before its JSON does{at}.", null);
        }

        return field is null
            ? (StatusCodes.Status400BadRequest, $"The request body must be one JSON object{at}.", null)
            : (StatusCodes.Status400BadRequest, $"{field} has the wrong type or is out of range{at}.", field);
    }
}
