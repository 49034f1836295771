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
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.Value.MaxUploadBytes;
        }

        if (context.Request.Query.Keys.FirstOrDefault(key => !UploadParameters.Contains(key)) is { } unknown)
        {
            throw StockWatchException.Invalid(unknown,
                $"{Text.Quote(unknown)} is not an import option; the options are {string.Join(", ", UploadParameters)}. Nothing was imported.");
        }

        var settings = new ImportSettings
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
        var cancellationToken = context.RequestAborted;
        string importId;
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
            await using var upload = file.OpenReadStream();
            importId = await jobs.EnqueueAsync(upload, settings, Path.GetFileName(file.FileName), cancellationToken);
        }
        else if (context.Request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true)
        {
            importId = await jobs.EnqueueAsync(context.Request.Body, settings, "upload.csv", cancellationToken);
        }
        else
        {
            throw new BadHttpRequestException("Send the file as text/csv or as a multipart/form-data part named 'file'.", StatusCodes.Status415UnsupportedMediaType);
        }

        return TypedResults.Accepted($"/api/imports/{importId}", new ImportAccepted(importId));
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
