using System.CommandLine;
using System.Globalization;
using AnsiConsole = Spectre.Console.AnsiConsole;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Stream;

namespace StockWatch.Cli;

/// <summary><c>stockwatch import FILE</c>: exit 0 when every row was accepted, 1 when some were rejected, 2 on a usage or file error.</summary>
internal static class ImportCommand
{
    private const int Shown = 50;

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The CSV file." };
        var kind = new Option<string?>("--kind") { Description = "products or sales (default: detected from the header)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and report without writing anything." };
        var map = new Option<string[]>("--map") { Description = "COLUMN=field: read a column under another name (e.g. StockCode=product_id); repeatable." };
        var dateFormat = new Option<string[]>("--date-format")
        {
            Description = "A sale_date format, e.g. dd/MM/yyyy HH:mm (default ISO-8601); times are UTC. Repeatable: each is tried in order.",
        };
        var decimalSeparator = new Option<string?>("--decimal-separator")
        {
            Description = "'.' (default) or ',' for numbers such as 1.234,56; a ;-separated file written with decimal commas is detected.",
        };
        var delimiter = new Option<string?>("--delimiter") { Description = "',', ';' or 'tab' (default: detected)." };
        var stock = new Option<string?>("--stock") { Description = "apply (default) moves stock; ignore records history only." };
        var createProducts = new Option<bool>("--create-products") { Description = "Create products that sales name but the catalogue lacks (stock 0)." };
        var command = new Command("import", "Import a CSV file of products or sales.")
        {
            file, kind, dryRun, map, dateFormat, decimalSeparator, delimiter, stock, createProducts,
        };
        command.SetHandler(async (context, cancellationToken) =>
        {
            var settings = new ImportSettings
            {
                Kind = context.Get(kind) is { } k ? ImportOptionText.Kind(k) : null,
                DryRun = context.Get(dryRun),
                Map = ImportOptionText.Map(context.Get(map) ?? []),
                DateFormats = ImportOptionText.DateFormats(context.Get(dateFormat) ?? []),
                DecimalSeparator = context.Get(decimalSeparator) is { } separator ? ImportOptionText.DecimalSeparator(separator) : null,
                Delimiter = context.Get(delimiter) is { } d ? ImportOptionText.Delimiter(d) : null,
                Stock = context.Get(stock) is { } s ? ImportOptionText.Stock(s) : StockMode.Apply,
                CreateProducts = context.Get(createProducts),
            };
            var path = context.Get(file);
            await using var stream = OpenFile(path);
            var importFile = context.Service<ImportFile>();
            var importId = ImportJobs.NewId();
            // On the embedded store, the alerts this import causes are counted from the store after it (see below).
            var views = context.Embedded<ICatalogViews>();
            var lastAlert = views is null ? null : context.Service<IInventoryStore>().ListAlerts(new AlertQuery(Limit: 1)).LastOrDefault()?.Id;
            ImportSummary summary;
            if (context.OnAws && !settings.DryRun)
            {
                (importId, summary) = await ThroughTheBucketAsync(context, stream, path, settings, cancellationToken);
            }
            else if (!context.Json && !Console.IsOutputRedirected && ReferenceEquals(context.Out, Console.Out))
            {
                ImportSummary? result = null;
                var bar = AnsiConsole.Progress();
                bar.AutoClear = true;
                await bar.StartAsync(async progress =>
                {
                    var task = progress.AddTask($"Importing {Path.GetFileName(path)}", maxValue: 1);
                    result = await importFile.HandleAsync(stream, settings, importId, Path.GetFileName(path), progress: share => task.Value = share);
                });
                summary = result!;
            }
            else
            {
                summary = await importFile.HandleAsync(stream, settings, importId, Path.GetFileName(path));
            }

            if (!settings.DryRun)
            {
                await context.DrainAsync(cancellationToken);
            }

            // Counted from the store, not from what this process drained: a running serve may have drained some of them,
            // and this process may have drained other changes' too. A dry run stores none; on AWS the functions make them.
            var alertsByType = settings.DryRun || views is null
                ? []
                : views.CountAlerts(new AlertQuery(AfterId: lastAlert) { Cause = $"{ChangeRecord.ImportCause} {importId}" }).ToDictionary(c => c.Key.ToWire(), c => c.Value);
            context.Write(new { import_id = importId, file = path, summary, alerts = alertsByType }, output => Describe(output, path, summary, alertsByType));
            if (context.Json && Cut(summary) is { Count: > 0 } cut)
            {
                context.Error.WriteLine($"The JSON lists the first {ImportSummary.MaxListed:N0} of each list; this import had more: {string.Join(", ", cut)}.");
            }

            return summary.Rejected == 0 ? CliApp.Ok : CliApp.Refused;
        });
        return command;
    }

    /// <summary>
    /// The AWS shape's import: the file uploaded under the bucket's <c>uploads/</c> with its settings, then imported by
    /// the <c>Import</c> function (on AWS from S3's notification; locally <c>local-run</c> sends it); waits for its
    /// <c>Imports</c> item, telling how far it got, and answers its summary.
    /// </summary>
    private static async Task<(string ImportId, ImportSummary Summary)> ThroughTheBucketAsync(
        CommandContext context, Stream stream, string path, ImportSettings settings, CancellationToken cancellationToken)
    {
        // What the embedded import would refuse before any row, refused here before anything is uploaded.
        ImportFile.CheckHeader(stream, settings);
        var imports = context.Service<Aws.S3Imports>();
        var (importId, key) = await imports.UploadAsync(stream, path, settings, cancellationToken);
        var bucket = context.Service<Aws.S3ObjectStore>().Bucket;
        var waiting = $"Uploaded to s3://{bucket}/{key}; import {importId} waits for the Import function (locally: local-run)...";
        Console.Error.WriteLine(waiting);
        var shown = -1;
        var summary = await imports.WaitAsync(importId, item =>
        {
            var percent = item is { Size: > 0 } ? (int)(100 * item.Read / item.Size) : -1;
            if (item is { Status: ImportStatus.Running } && percent != shown)
            {
                shown = percent;
                Console.Error.WriteLine($"Importing {Path.GetFileName(path)}: {Math.Max(percent, 0)} % read.");
            }
        }, cancellationToken);
        return (importId, summary);
    }

    private static FileStream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw StockWatchException.Invalid("file", $"Cannot read {path}: {ex.Message}");
        }
    }

    private static void Describe(TextWriter output, string path, ImportSummary s, Dictionary<string, long> alerts)
    {
        var n = (long value) => value.ToString("N0", CultureInfo.InvariantCulture);
        var unchanged = s.Kind == ImportKind.Sales ? "already recorded" : "unchanged";
        output.WriteLine($"{(s.DryRun ? "Checked (dry run, nothing written)" : "Imported")} {s.Kind.ToString().ToLowerInvariant()} from {path}: "
            + $"{n(s.Total)} rows, {n(s.Accepted)} accepted, {n(s.Rejected)} rejected, {n(s.Unchanged)} {unchanged}."
            + string.Concat(s.Notes.Select(note => " " + note)));
        if (s.CreatedProducts > 0)
        {
            output.WriteLine($"New products: {n(s.CreatedProducts)} ({string.Join(", ", s.NewProducts.Take(10))}{(s.CreatedProducts > 10 ? ", …" : "")}).");
        }

        Problems(output, "Rejected", s.Errors, s.Rejected);
        Problems(output, "Warnings", s.Warnings, s.Warned);
        if (alerts.Count > 0)
        {
            output.WriteLine("Alerts: " + string.Join(", ", alerts.OrderBy(a => a.Key).Select(a => $"{n(a.Value)} {a.Key}")) + " (see 'stockwatch alerts list').");
        }
    }

    /// <summary>The summary's lists cut at <see cref="ImportSummary.MaxListed"/>, with how many there were (of errors: rejected rows).</summary>
    private static List<string> Cut(ImportSummary s)
    {
        List<string> cut = [];
        if (s.Errors.Count == ImportSummary.MaxListed)
        {
            cut.Add($"errors ({s.Rejected:N0} rows rejected)");
        }

        if (s.Warned > s.Warnings.Count)
        {
            cut.Add($"warnings ({s.Warned:N0})");
        }

        if (s.CreatedProducts > s.NewProducts.Count)
        {
            cut.Add($"new products ({s.CreatedProducts:N0})");
        }

        return cut;
    }

    private static void Problems(TextWriter output, string title, List<RowProblem> problems, long count)
    {
        if (count == 0)
        {
            return;
        }

        output.WriteLine($"{title} ({count:N0}):");
        foreach (var p in problems.Take(Shown))
        {
            output.WriteLine($"  line {p.Line}{(p.Column is null ? "" : $", {p.Column}")}{(p.Value is null ? "" : $" \"{p.Value}\"")}: {p.Message}");
        }

        if (count > Shown)
        {
            output.WriteLine($"  … and {count - Shown:N0} more (the first {ImportSummary.MaxListed:N0} with --json).");
        }
    }
}
