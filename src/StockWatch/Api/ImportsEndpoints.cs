using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Access;
using StockWatch.Core.Imports;
using StockWatch.Core.Storage;

namespace StockWatch.Api;

/// <summary><c>/api/imports</c>: upload a CSV file, follow its import.</summary>
public static class ImportsEndpoints
{
    private static readonly string[] UploadParameters =
        ["kind", "dry_run", "map", "date_format", "decimal_separator", "delimiter", "stock", "create_products"];

    public static RouteGroupBuilder MapImports(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/imports").WithTags("Imports").WithCommonProblems();
        group.MapPost("/", Upload).RequireRole(Role.Writer).Problems(413, 415)
            .Accepts<IFormFile>("text/csv", "multipart/form-data");
        group.MapPost("/preview", Preview).RequireRole(Role.Writer).Problems(413, 415)
            .Accepts<IFormFile>("text/csv", "multipart/form-data");
        group.MapGet("/", List).RequireRole(Role.Reader);
        group.MapGet("/{id}", Get).RequireRole(Role.Reader).Problems(404);
        group.MapGet("/{id}/errors.csv", Errors).RequireRole(Role.Reader).Problems(404).Produces(StatusCodes.Status200OK, contentType: "text/csv");
        return group;
    }

    /// <summary>
    /// Stores the upload (a <c>text/csv</c> body or a multipart <c>file</c>) and queues its import: 202 with the
    /// import's id. The query takes the <c>import</c> command's options: kind, dry_run, map (repeatable),
    /// date_format (repeatable, tried in order), decimal_separator, delimiter, stock, create_products.
    /// </summary>
    public static async Task<Accepted<ImportAccepted>> Upload(
        HttpContext context, ImportJobs jobs, IOptions<ImportOptions> options,
        string? kind, string? dry_run, [FromQuery] string[]? map, [FromQuery] string[]? date_format, string? decimal_separator,
        string? delimiter, string? stock, string? create_products)
    {
        var settings = Settings(context, options.Value, kind, dry_run, map, date_format, decimal_separator, delimiter, stock, create_products);
        var (upload, name) = await BodyAsync(context);
        var importId = await jobs.EnqueueAsync(upload, settings, name, context.RequestAborted);
        return TypedResults.Accepted($"/api/imports/{importId}", new ImportAccepted(importId));
    }

    /// <summary>
    /// The first <c>rows</c> (default 10, at most 100) of a file as its import would read and decide them now, writing
    /// nothing: the same body and options as an upload. Only the body's first MiB is read (up to its last whole line).
    /// </summary>
    public static async Task<Ok<ImportPreview>> Preview(
        HttpContext context, ImportFile importFile, IOptions<ImportOptions> options,
        string? kind, [FromQuery] string[]? map, [FromQuery] string[]? date_format, string? decimal_separator,
        string? delimiter, string? stock, string? create_products, string? rows)
    {
        var count = rows is null ? 10 : Values.ParseCount(rows, "rows", min: 1);
        if (count > 100)
        {
            throw StockWatchException.Invalid("rows", $"rows must be at most 100 (got {count}).");
        }

        var settings = Settings(context, options.Value, kind, null, map, date_format, decimal_separator, delimiter, stock, create_products, "rows");
        // The request's body and a form's file stream belong to the request, which disposes them.
        var (upload, _) = await BodyAsync(context);
        var head = new byte[PreviewBytes];
        var length = await upload.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, context.RequestAborted);
        var cut = length == head.Length && await upload.ReadAsync(new byte[1], context.RequestAborted) > 0;
        if (cut)
        {
            length = Array.LastIndexOf(head, (byte)'\n') + 1;
            if (length == 0)
            {
                throw StockWatchException.Invalid("file", "The file's first line is longer than 1 MiB: it is no CSV header (an import refuses it too).");
            }
        }

        using var file = new MemoryStream(head, 0, length, writable: false);
        var preview = await importFile.PreviewAsync(file, settings, count);
        return TypedResults.Ok(cut && preview.Rows.Count < count
            ? preview with { Notes = [.. preview.Notes, $"Only the file's first MiB was read for this preview; the line after line {preview.Rows.LastOrDefault()?.Line ?? 1} goes past it."] }
            : preview);
    }

    private const int PreviewBytes = 1 << 20;

    /// <summary>The import's settings from the query, which takes the <c>import</c> command's options and nothing else.</summary>
    private static ImportSettings Settings(
        HttpContext context, ImportOptions options, string? kind, string? dry_run, string[]? map, string[]? date_format, string? decimal_separator,
        string? delimiter, string? stock, string? create_products, params string[] also)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxUploadBytes;
        }

        if (context.Request.Query.Keys.FirstOrDefault(key => !UploadParameters.Contains(key) && !also.Contains(key)) is { } unknown)
        {
            throw StockWatchException.Invalid(unknown,
                $"{Text.Quote(unknown)} is not an import option; the options are {string.Join(", ", UploadParameters.Concat(also))}. Nothing was imported.");
        }

        return new ImportSettings
        {
            Kind = kind is null ? null : ImportOptionText.Kind(kind),
            DryRun = Values.ParseFlag(dry_run, "dry_run"),
            Map = ImportOptionText.Map(map ?? []),
            DateFormats = ImportOptionText.DateFormats(date_format ?? []),
            DecimalSeparator = decimal_separator is null ? null : ImportOptionText.DecimalSeparator(decimal_separator),
            Delimiter = delimiter is null ? null : ImportOptionText.Delimiter(delimiter),
            Stock = stock is null ? StockMode.Apply : ImportOptionText.Stock(stock),
            CreateProducts = Values.ParseFlag(create_products, "create_products"),
        };
    }

    /// <summary>The uploaded file (a <c>text/csv</c> body or a multipart <c>file</c>) and its name; the request disposes it.</summary>
    private static async Task<(Stream File, string Name)> BodyAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        if (context.Request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await context.Request.ReadFormAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException and not BadHttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                // The form reader's limits (1,024 parts, 16 KB of part headers) and a body cut short or without its boundary.
                throw StockWatchException.Invalid("file", $"The multipart body cannot be read: {ex.Message}");
            }

            var file = form.Files.GetFile("file") ?? form.Files.FirstOrDefault()
                ?? throw StockWatchException.Invalid("file", "The multipart body has no file; send the CSV as a part named 'file'.");
            return (file.OpenReadStream(), Path.GetFileName(file.FileName));
        }

        if (context.Request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true)
        {
            return (context.Request.Body, "upload.csv");
        }

        throw new BadHttpRequestException("Send the file as text/csv or as a multipart/form-data part named 'file'.", StatusCodes.Status415UnsupportedMediaType);
    }

    /// <summary>
    /// The latest imports (<c>limit</c>, default 20, at most 200), newest first; <c>before</c> (a time) gives older
    /// ones. Each with its status and counts, without its lists of errors and warnings (<c>GET /api/imports/{id}</c>).
    /// </summary>
    public static Ok<List<ImportListItem>> List(IImportLedger ledger, string? limit, string? before)
    {
        var count = limit is null ? 20 : Values.ParseCount(limit, "limit", min: 1);
        if (count > 200)
        {
            throw StockWatchException.Invalid("limit", $"limit must be at most 200 (got {count}).");
        }

        return TypedResults.Ok(ledger.List(count, before is null ? null : Timestamp.Parse(before, "before")).Select(ImportListItem.From).ToList());
    }

    /// <summary>The import's status and, once done, its counts, first errors and warnings.</summary>
    public static Ok<ImportRecord> Get(IImportLedger ledger, string id) =>
        TypedResults.Ok(ledger.Find(id) ?? throw StockWatchException.NotFound($"Import {id} does not exist."));

    /// <summary>Every rejected row as CSV: line, column, value, message (cells safe to open in a spreadsheet).</summary>
    public static Results<FileStreamHttpResult, NotFound<ProblemDetails>> Errors(IImportLedger ledger, IObjectStore objects, string id)
    {
        var record = ledger.Find(id) ?? throw StockWatchException.NotFound($"Import {id} does not exist.");
        return objects.Open(ImportJobs.ErrorsKey(record.ImportId)) is { } errors
            ? TypedResults.File(errors, "text/csv", $"{record.ImportId}-errors.csv")
            : throw StockWatchException.NotFound($"Import {id} has no errors.csv yet (it is {record.Status.ToString().ToLowerInvariant()}).");
    }
}

public sealed record ImportAccepted(string ImportId);

/// <summary>One import in the list: what it was, how it ended, and its counts (rows, not the rows themselves).</summary>
public sealed record ImportListItem(
    string ImportId, ImportStatus Status, string Source, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string? Error,
    ImportKind? Kind, bool? DryRun, long? Total, long? Accepted, long? Rejected, long? Unchanged, long? CreatedProducts)
{
    public static ImportListItem From(ImportRecord r) => new(
        r.ImportId, r.Status, r.Source, r.CreatedAt, r.FinishedAt, r.Error,
        r.Summary?.Kind, r.Summary?.DryRun, r.Summary?.Total, r.Summary?.Accepted, r.Summary?.Rejected, r.Summary?.Unchanged, r.Summary?.CreatedProducts);
}
