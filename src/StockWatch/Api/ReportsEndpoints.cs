using Microsoft.AspNetCore.Http.HttpResults;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Access;
using StockWatch.Core.Reports;

namespace StockWatch.Api;

/// <summary><c>/api/reports</c>: the weekly reports made, their content, and one made on demand.</summary>
public static class ReportsEndpoints
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        ["json"] = "application/json; charset=utf-8",
        ["csv"] = "text/csv; charset=utf-8",
        ["html"] = "text/html; charset=utf-8",
    };

    public static RouteGroupBuilder MapReports(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/reports").WithTags("Reports").WithCommonProblems();
        group.MapGet("/", List).RequireRole(Role.Reader);
        group.MapPost("/weekly", Make).RequireRole(Role.Writer).Problems(409)
            .Produces<ReportResponse>(StatusCodes.Status201Created).Produces<ReportResponse>(StatusCodes.Status200OK);
        group.MapGet("/{id}", Get).RequireRole(Role.Reader).Problems(404);
        group.MapGet("/{id}/content", Content).RequireRole(Role.Reader).Problems(404)
            .Produces(StatusCodes.Status200OK, contentType: "text/html");
        return group;
    }

    /// <summary>The reports made, newest period first (at most <c>limit</c>, default 50).</summary>
    public static Ok<List<ReportResponse>> List(IReportLedger ledger, string? limit) =>
        TypedResults.Ok(ledger.List(limit is null ? 50 : Math.Min(Values.ParseCount(limit, "limit", min: 1), 1000)).Select(ReportResponse.From).ToList());

    /// <summary>
    /// Makes the weekly report of the period ending at <c>end</c> (ISO-8601) or at the scheduled time of <c>week</c>
    /// (<c>2026-W47</c>), by default of the latest scheduled time: 201 when made now, 200 with the report made before,
    /// 409 while the period has not ended (the problem names when it can be made). <c>preview=true</c>: 200 with the
    /// report's JSON (or with <c>format=html</c> its page) as it stands, for any period, stored nowhere. <c>rebuild=true</c>: 201 with a new version of an
    /// ended period's report, made from the sales stored now and announced as an update.
    /// </summary>
    public static async Task<IResult> Make(
        WeeklyReports reports, string? end, string? week, string? preview, string? rebuild, string? format, CancellationToken cancellationToken)
    {
        var periodEnd = reports.PeriodEnd(end, week);
        var (previewing, rebuilding) = (Values.ParseFlag(preview, "preview"), Values.ParseFlag(rebuild, "rebuild"));
        if (previewing && rebuilding)
        {
            throw StockWatchException.Invalid("preview", "Give preview=true or rebuild=true, not both.");
        }

        if (format is not null && !previewing)
        {
            throw StockWatchException.Invalid("format", "format goes with preview=true; a stored report's content is at /api/reports/{id}/content?format=….");
        }

        if (previewing)
        {
            return (format ?? "json").Trim().ToLowerInvariant() switch
            {
                "json" => TypedResults.Text(ReportFormats.Json(reports.Preview(periodEnd)), "application/json; charset=utf-8"),
                "html" => TypedResults.Text(ReportFormats.Html(reports.Preview(periodEnd)), "text/html; charset=utf-8"),
                _ => throw StockWatchException.Invalid("format", $"A preview's format must be json or html (got {Text.Quote(format)})."),
            };
        }

        var made = rebuilding ? await reports.RebuildAsync(periodEnd, cancellationToken) : await reports.MakeAsync(periodEnd, cancellationToken);
        var response = ReportResponse.From(made);
        return made.Created ? TypedResults.Created($"/api/reports/{Uri.EscapeDataString(made.Report.ReportId)}", response) : TypedResults.Ok(response);
    }

    public static Ok<ReportResponse> Get(IReportLedger ledger, string id) => TypedResults.Ok(ReportResponse.From(Find(ledger, id)));

    /// <summary>The report as <c>json</c> (the default), <c>csv</c> or <c>html</c>.</summary>
    public static FileStreamHttpResult Content(IReportLedger ledger, WeeklyReports reports, string id, string? format)
    {
        var name = (format ?? "json").Trim().ToLowerInvariant();
        var contentType = ContentTypes.GetValueOrDefault(name)
            ?? throw StockWatchException.Invalid("format", $"format must be json, csv or html (got {Text.Quote(format)}).");
        var report = Find(ledger, id);
        var content = reports.Open(report, name) ?? throw StockWatchException.NotFound($"The {name} content of report {id} is missing.");
        return TypedResults.File(content, contentType, name == "html" ? null : $"{report.ReportId}.{name}");
    }

    private static Report Find(IReportLedger ledger, string id) =>
        ledger.Find(id) ?? throw StockWatchException.NotFound($"Report {id} does not exist.");
}
