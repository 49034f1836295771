using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

using StockWatch.Core.Telemetry;

namespace StockWatch.Core.Imports;

// The change-stream feature's namespace (StockWatch.Core.Stream) would hide System.IO.Stream here.
using Stream = System.IO.Stream;

/// <summary>
/// Imports one CSV file of products or sales, streaming it row by row inside one write transaction: after a crash it
/// is applied wholly or not at all, and a dry run is the same run rolled back. Valid rows are applied, invalid ones
/// reported with line, column, value and reason.
/// </summary>
public sealed partial class ImportFile(IImportStore store, TimeProvider time, Microsoft.Extensions.Options.IOptions<ImportOptions> options)
{
    /// <summary>How many records are looked at to tell a decimal comma from a decimal point.</summary>
    private const int DetectionRecords = 1000;

    private static readonly string[] NumberFields = ["stock_count", "product_price", "low_stock_threshold", "quantity", "current_price"];

    /// <param name="file">A seekable stream (a file or a stored upload).</param>
    /// <param name="importId">Names the import in change records (<c>import: id</c>) and in the ledger.</param>
    /// <param name="source">Where the file came from, for people (a file name).</param>
    /// <param name="errors">Receives every rejected row as errors.csv, beyond the first ones the summary keeps.</param>
    /// <param name="progress">Told the share of the file read so far, now and then.</param>
    /// <param name="beforeDone">
    /// Runs once every row is read, with the summary, before the import is recorded as done in its transaction: whatever
    /// it keeps (the queued import's errors.csv) exists before anyone can see the import done.
    /// </param>
    public async Task<ImportSummary> HandleAsync(
        Stream file, ImportSettings settings, string importId, string source, TextWriter? errors = null, Action<double>? progress = null,
        Action<ImportSummary>? beforeDone = null) =>
        (await HandlePartAsync(file, settings, importId, source, resume: null, pause: null, errors, progress, beforeDone)).Summary;

    /// <summary>
    /// Imports a file, or the part of it from <paramref name="resume"/>, until the end or until <paramref name="pause"/>
    /// says stop: then the rows applied so far stay applied and the answer carries the checkpoint to continue from
    /// (the line and byte offset of the next record, the summary so far and what the rows remember of the file), so
    /// that the parts together import what one run would. Only a store that writes each row on its own (DynamoDB) makes
    /// sense of parts: on SQLite each part is its own transaction.
    /// </summary>
    /// <param name="resume">Where an earlier part paused; the file's start when null. The file must be the same.</param>
    /// <param name="pause">Asked after each batch of rows is applied; true: pause there (a file whose positions are not known, UTF-16, never pauses).</param>
    /// <param name="errors">As for <see cref="HandleAsync"/>; a part that resumes writes no header line.</param>
    public Task<ImportPart> HandlePartAsync(
        Stream file, ImportSettings settings, string importId, string source, ImportCheckpoint? resume, Func<bool>? pause,
        TextWriter? errors = null, Action<double>? progress = null, Action<ImportSummary>? beforeDone = null) =>
        RunAsync(file, settings, importId, source, resume, pause, errors, progress, beforeDone, preview: null);

    /// <summary>
    /// The first <paramref name="rows"/> rows as the import would read and decide them against the store as it is now,
    /// writing nothing: how the header maps onto StockWatch's fields, the notes on how the file is read (a detected
    /// decimal comma), and each row's values as read, or why it would be refused.
    /// </summary>
    /// <exception cref="StockWatchException">The file or the settings cannot be imported at all (as for an import).</exception>
    public async Task<ImportPreview> PreviewAsync(Stream file, ImportSettings settings, int rows)
    {
        var preview = new ImportPreview(ImportKind.Products, string.Empty, [], [], []) { Wanted = rows };
        var summary = (await RunAsync(file, settings with { DryRun = true }, "preview", "preview", null, null, null, null, null, preview)).Summary;
        var refusals = summary.Errors.ToLookup(problem => problem.Line);
        return preview with
        {
            Kind = summary.Kind,
            Notes = summary.Notes,
            Rows = [.. preview.Rows.Select(row => row with { Problems = [.. refusals[row.Line].Select(problem => problem.Message)] })],
        };
    }

    /// <summary>
    /// What can be checked of a file before importing it, without the store: that it has a header line that can be
    /// read, and that the header and the settings (<c>--map</c>, <c>--kind</c>, <c>--stock ignore</c>'s sale_date) make an
    /// import. The AWS shape's CLI checks so before it uploads. The stream is left at its start.
    /// </summary>
    /// <exception cref="StockWatchException">What an import would refuse the file with, before any row.</exception>
    public static void CheckHeader(Stream file, ImportSettings settings)
    {
        OpenHeader(file, settings.Delimiter, settings, out _).Dispose();
        file.Position = 0;
    }

    /// <summary>The file's reader after its header, and how the header's columns map onto StockWatch's fields.</summary>
    /// <exception cref="StockWatchException">The file is empty, its header cannot be read or does not fit the settings.</exception>
    private static CsvReader OpenHeader(Stream file, char? delimiter, ImportSettings settings, out ImportColumns columns)
    {
        var header = CsvReader.Open(file, delimiter);
        try
        {
            if (!header.Read())
            {
                throw StockWatchException.Invalid("file", "The file is empty: it has no header line.");
            }

            if (header.RecordError is { } headerError)
            {
                throw StockWatchException.Invalid("header", $"The header (line {header.RecordLine}) cannot be read: {headerError}.");
            }

            columns = ImportColumns.Resolve([.. header.Fields], settings);
            header.ExpectedFields = columns.Header.Count;
            if (columns.Kind == ImportKind.Sales && !columns.Has("sale_date") && settings.Stock == StockMode.Ignore)
            {
                throw StockWatchException.Invalid("sale_date",
                    $"A sales history (--stock ignore) needs a sale_date column (the header has {string.Join(", ", columns.Header)}); name it so or use --map COLUMN=sale_date.");
            }

            return header;
        }
        catch
        {
            header.Dispose();
            throw;
        }
    }

    /// <param name="preview">When given: a dry run of its <see cref="ImportPreview.Wanted"/> first rows, each kept in it as read.</param>
    private async Task<ImportPart> RunAsync(
        Stream file, ImportSettings settings, string importId, string source, ImportCheckpoint? resume, Func<bool>? pause,
        TextWriter? errors, Action<double>? progress, Action<ImportSummary>? beforeDone, ImportPreview? preview)
    {
        using var header = OpenHeader(file, resume?.Delimiter ?? settings.Delimiter, settings, out var columns);
        List<string> notes = [];
        if (columns.Kind == ImportKind.Sales && !columns.Has("sale_date"))
        {
            notes.Add("The file has no sale_date column: every sale is dated at the time of this import.");
        }

        var numbers = resume is not null ? CellNumbers.For(resume.DecimalSeparator)
            : settings.DecimalSeparator is { } separator ? CellNumbers.For(separator) : DetectNumbers(file, header.Delimiter, columns, notes);
        var fileId = resume?.FileId ?? (columns.Kind == ImportKind.Sales && !columns.Has("sale_id") ? await FileIdAsync(file) : string.Empty);
        var now = resume?.Started ?? time.GetUtcNow();
        using var rest = resume is null ? null : CsvReader.Open(file, header.Delimiter, from: resume.Next);
        var csv = rest ?? header;
        csv.ExpectedFields = columns.Header.Count;
        if (preview is not null)
        {
            preview.Delimiter = csv.Delimiter.ToString();
            preview.Columns.AddRange(columns.Header.Select((column, i) => new ImportPreview.Column(column, columns.FieldAt(i))));
        }

        return await store.ImportAsync(new ChangeStamp(now, $"import: {importId}"), settings.DryRun, session =>
        {
            Action<RowProblem>? onError = errors is null ? null : problem => errors.WriteLine(problem.ToCsv());
            ImportSummary summary;
            if (resume is null)
            {
                errors?.WriteLine(CsvCells.Row(RowProblem.CsvHeader));
                summary = new ImportSummary { Kind = columns.Kind, DryRun = settings.DryRun, Notes = notes, OnError = onError };
                foreach (var ignored in columns.Ignored)
                {
                    summary.Warn(new RowProblem(1, ignored, null, $"Column {ignored} is not a StockWatch field and is ignored."));
                }
            }
            else
            {
                summary = resume.Summary.Continued(onError);
            }

            IRows rows = columns.Kind == ImportKind.Products
                ? new ProductRows(session, columns, numbers, resume)
                : new SaleRows(session, columns, settings, numbers, options.Value.FutureTolerance, fileId, now, resume);
            foreach (var batch in RowBatches.Read(csv, columns, rows, () => (double)file.Position / Math.Max(1, file.Length)))
            {
                if (preview is not null)
                {
                    var wanted = batch.Rows.Take(preview.Wanted - preview.Rows.Count).ToList();
                    preview.Rows.AddRange(wanted.Select(row => new ImportPreview.Row(row.Line, Fields(row.Value), [])));
                    summary.Total += wanted.Count;
                    rows.Apply(wanted, summary);
                    if (preview.Rows.Count == preview.Wanted)
                    {
                        break;
                    }

                    continue;
                }

                summary.Total += batch.Rows.Count;
                rows.Apply(batch.Rows, summary);
                progress?.Invoke(batch.Read);
                if (batch.Next is { } next && pause?.Invoke() == true)
                {
                    return new ImportPart(summary, rows.Save(new ImportCheckpoint
                    {
                        Next = next, Delimiter = csv.Delimiter, DecimalSeparator = numbers.DecimalSeparator, FileId = fileId, Started = now, Summary = summary,
                    }));
                }
            }

            rows.Finish();
            beforeDone?.Invoke(summary);
            if (!settings.DryRun)
            {
                session.RecordDone(importId, source, summary, now);
                Instruments.ImportRows.Add(summary.Accepted, Instruments.Tag("outcome", "accepted"));
                Instruments.ImportRows.Add(summary.Rejected, Instruments.Tag("outcome", "rejected"));
                Instruments.ImportRows.Add(summary.Unchanged, Instruments.Tag("outcome", "unchanged"));
            }

            progress?.Invoke(1);
            return new ImportPart(summary, null);
        });
    }

    /// <summary>A row's values as read, by field, as text (a row with problems has none).</summary>
    private static Dictionary<string, string?> Fields(object? value) => value switch
    {
        ProductRow { Request: var r } => new()
        {
            ["product_id"] = r.Id.Value, ["product_name"] = r.Name, ["product_category"] = r.Category,
            ["stock_count"] = Invariant(r.Stock), ["product_price"] = r.Price?.ToString(), ["low_stock_threshold"] = Invariant(r.LowStockThreshold),
        },
        SaleRow r => new()
        {
            ["sale_id"] = r.Given?.Value, ["product_id"] = r.ProductId.Value, ["sale_date"] = r.Date is { } date ? Timestamp.Format(date) : null,
            ["quantity"] = Invariant(r.Quantity), ["current_price"] = r.Price?.ToString(), ["product_name"] = r.Name,
        },
        _ => [],
    };

    private static string? Invariant(int? number) => number?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A <c>;</c>-separated file whose numeric cells (of the first <see cref="DetectionRecords"/> records; cells that are
    /// numbers in neither reading left out) all read with a decimal comma, one at least holding a comma, is read that
    /// way, and the summary says so; any other file with a decimal point. The stream is put back where the reader left it.
    /// </summary>
    private static CellNumbers DetectNumbers(Stream file, char delimiter, ImportColumns columns, List<string> notes)
    {
        if (delimiter != ';')
        {
            return CellNumbers.Point;
        }

        var resume = file.Position;
        file.Position = 0;
        var (commas, fits) = (0, true);
        using (var sample = CsvReader.Open(file, delimiter))
        {
            sample.Read();
            for (var records = 0; fits && records < DetectionRecords && sample.Read(); records++)
            {
                if (sample.RecordError is not null || sample.Fields.Count != columns.Header.Count)
                {
                    continue;
                }

                foreach (var field in NumberFields)
                {
                    // A cell neither reading fits (a typo such as "x") tells nothing: the row is refused either way.
                    if (columns.Cell(sample.Fields, field) is { Length: > 0 } cell && !string.IsNullOrWhiteSpace(cell)
                        && (CellNumbers.Comma.Fits(cell) || CellNumbers.Point.Fits(cell)))
                    {
                        commas += cell.Contains(',', StringComparison.Ordinal) ? 1 : 0;
                        fits &= CellNumbers.Comma.Fits(cell);
                    }
                }
            }
        }

        file.Position = resume;
        if (commas == 0 || !fits)
        {
            return CellNumbers.Point;
        }

        notes.Add("Numbers are read with a decimal comma (1.234,56), as this ;-separated file writes them; use --decimal-separator . to read them otherwise.");
        return CellNumbers.Comma;
    }

    /// <summary>
    /// Names a sales file by its content, for the ids of the sales its rows do not name (<c>FILEID-LINE</c>), so that the
    /// same file imported again names them alike. Read from the start, then the stream is put back where the reader left it.
    /// </summary>
    private static async Task<string> FileIdAsync(Stream file)
    {
        var resume = file.Position;
        file.Position = 0;
        var hash = await SHA256.HashDataAsync(file);
        file.Position = resume;
        return Convert.ToHexStringLower(hash)[..16];
    }

    /// <summary>A row as the reading thread leaves it: what it asks for, or why it cannot be applied, and what to warn of.</summary>
    private readonly record struct ReadRow(int Line, object? Value, List<RowProblem>? Problems, List<RowProblem>? Warnings = null);

    /// <param name="Next">Where the record after the batch starts (null: not known).</param>
    private sealed record Batch(List<ReadRow> Rows, double Read, CsvPosition? Next);

    /// <summary>One kind of file: rows are read and checked on the reading thread, then applied in order on the writing one.</summary>
    private interface IRows
    {
        /// <summary>Checks one row's cells, without the store (this runs on the reading thread); null when it has problems.</summary>
        object? Read(Cells cells);

        void Apply(List<ReadRow> rows, ImportSummary summary);

        void Finish();

        /// <summary>What the rows remember of the file, into a checkpoint.</summary>
        ImportCheckpoint Save(ImportCheckpoint checkpoint);
    }

    /// <summary>
    /// Reads and checks the file on a thread of its own, <see cref="Size"/> rows at a time and a few batches ahead, while
    /// the caller applies the batches before: the parsing and the writing each have a core. Memory stays bounded by
    /// the batches in flight.
    /// </summary>
    private static class RowBatches
    {
        // Small batches: the rows in flight live through a garbage collection or two, and copying them is its cost.
        private const int Size = 256;
        private const int Ahead = 4;

        public static IEnumerable<Batch> Read(CsvReader csv, ImportColumns columns, IRows rows, Func<double> position)
        {
            using var batches = new BlockingCollection<Batch>(Ahead);
            using var stop = new CancellationTokenSource();
            // A thread of its own (it blocks while the batches ahead are full), not one of the pool's.
            var reader = Task.Factory.StartNew(() =>
            {
                try
                {
                    ReadAll(csv, columns, rows, position, batches, stop.Token);
                }
                finally
                {
                    batches.CompleteAdding();
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                foreach (var batch in batches.GetConsumingEnumerable())
                {
                    yield return batch;
                }
            }
            finally
            {
                // The reader stops before the file can be closed: when applying failed, at its next batch.
                stop.Cancel();
                ((IAsyncResult)reader).AsyncWaitHandle.WaitOne();
            }

            // A file that could not be read to the end fails the import (rolled back) instead of importing part of it.
            reader.GetAwaiter().GetResult();
        }

        private static void ReadAll(
            CsvReader csv, ImportColumns columns, IRows rows, Func<double> position, BlockingCollection<Batch> batches, CancellationToken stop)
        {
            var batch = new List<ReadRow>(Size);
            while (csv.Read())
            {
                batch.Add(ReadOne(csv, columns, rows));
                if (batch.Count == Size)
                {
                    batches.Add(new Batch(batch, position(), csv.Position), stop);
                    batch = new List<ReadRow>(Size);
                }
            }

            if (batch.Count > 0)
            {
                // The file's last rows: nothing is left to continue with, so no pause after them.
                batches.Add(new Batch(batch, position(), null), stop);
            }
        }

        private static ReadRow ReadOne(CsvReader csv, ImportColumns columns, IRows rows)
        {
            var line = csv.RecordLine;
            if (csv.RecordError is { } error)
            {
                return new ReadRow(line, null, [new RowProblem(line, null, null, $"{error}.")]);
            }

            if (csv.Fields.Count != columns.Header.Count)
            {
                return new ReadRow(line, null, [new RowProblem(line, null, null,
                    $"the row has {csv.Fields.Count} fields; the header has {columns.Header.Count}.")]);
            }

            var cells = new Cells(columns, csv.Fields, line);
            var value = rows.Read(cells);
            return new ReadRow(line, value, cells.Problems ?? (value is null ? [] : null), cells.Warnings);
        }
    }

    /// <summary>Reads the cells of one row, collecting every problem instead of stopping at the first.</summary>
    private sealed class Cells(ImportColumns columns, IReadOnlyList<string> record, int line)
    {
        public int Line => line;

        /// <summary>The problems found so far; null while there are none (most rows).</summary>
        public List<RowProblem>? Problems { get; private set; }

        /// <summary>What was read but changed on the way (a line break in a name); null while nothing was (most rows).</summary>
        public List<RowProblem>? Warnings { get; private set; }

        /// <summary>
        /// A name or category: a line break, carriage return or tab in it (a spreadsheet cell with Alt+Enter) is
        /// whitespace, stored as one space, with a warning; other control characters stay refused.
        /// </summary>
        public string? Name(string field, int maxLength) => Get(field, value =>
        {
            if (value.AsSpan().IndexOfAny('\r', '\n', '\t') >= 0)
            {
                var flattened = LineBreaks().Replace(value, " ");
                (Warnings ??= []).Add(new RowProblem(line, columns.NameOf(field), Text.Quote(value).Trim('"'),
                    $"{field} holds a line break or tab; it is stored as one space."));
                value = flattened;
            }

            return Text.RequireName(value, field, maxLength);
        });

        /// <summary>The parsed cell; <c>default</c> when the column is missing or the cell empty (no value given).</summary>
        public T? Get<T>(string field, Func<string, T> parse, bool required = false)
        {
            var raw = columns.Cell(record, field);
            if (string.IsNullOrWhiteSpace(raw))
            {
                if (required)
                {
                    Add(new RowProblem(line, columns.NameOf(field), raw, $"{field} is required."));
                }

                return default;
            }

            try
            {
                return parse(raw);
            }
            catch (StockWatchException ex)
            {
                Add(new RowProblem(line, columns.NameOf(field), Text.Quote(raw).Trim('"'), ex.Message));
                return default;
            }
        }

        private void Add(RowProblem problem) => (Problems ??= []).Add(problem);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"[\r\n\t]+")]
    private static partial System.Text.RegularExpressions.Regex LineBreaks();

    /// <summary>Products: an upsert by product_id; a column left out (or a cell left empty) keeps the stored value.</summary>
    private sealed class ProductRows(IImportSession session, ImportColumns columns, CellNumbers numbers, ImportCheckpoint? resume) : IRows
    {
        private readonly SeenIds _seen = Seen(resume);

        private static SeenIds Seen(ImportCheckpoint? resume)
        {
            var seen = new SeenIds();
            foreach (var (id, line) in resume?.Seen ?? [])
            {
                seen.FirstOn(ProductId.Parse(id), line);
            }

            return seen;
        }

        public ImportCheckpoint Save(ImportCheckpoint checkpoint) => checkpoint with { Seen = [.. _seen.All().Select(seen => new SeenProduct(seen.Id, seen.Line))] };

        public object? Read(Cells cells)
        {
            var id = cells.Get("product_id", value => (ProductId?)ProductId.Parse(value), required: true);
            var request = new SetProductRequest(id ?? default)
            {
                Name = cells.Name("product_name", Product.MaxNameLength),
                Category = cells.Name("product_category", Product.MaxCategoryLength),
                Stock = cells.Get("stock_count", value => (int?)numbers.Count(value, "stock_count")),
                Price = cells.Get("product_price", value => (Money?)numbers.Price(value, "product_price")),
                LowStockThreshold = cells.Get("low_stock_threshold", value => (int?)numbers.Count(value, "low_stock_threshold")),
            };
            if (cells.Problems is not null || id is not { } productId)
            {
                return null;
            }

            return new ProductRow(request);
        }

        public void Apply(List<ReadRow> rows, ImportSummary summary)
        {
            // The batch's products are looked up together; when an id repeats within the batch, its later rows see the
            // earlier ones' writes through the dictionary.
            List<ProductId> ids = new(rows.Count);
            foreach (var row in rows)
            {
                if (row.Problems is null)
                {
                    ids.Add(((ProductRow)row.Value!).Request.Id);
                }
            }

            // Repeats are found in the order rows are applied (not as the reading thread reads ahead), so the ids a
            // paused import keeps are those of the rows it applied.
            var firstOns = rows.Select(row => row.Problems is null ? _seen.FirstOn(((ProductRow)row.Value!).Request.Id, row.Line) : null).ToList();
            var known = session.FindProducts(ids);
            var repeats = firstOns.Exists(first => first is not null);
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                Warn(row, summary);
                if (row.Problems is { } problems)
                {
                    summary.Reject(problems);
                    continue;
                }

                var request = ((ProductRow)row.Value!).Request;
                var productId = request.Id;
                if (firstOns[i] is { } first)
                {
                    summary.Warn(new RowProblem(row.Line, columns.NameOf("product_id"), productId.Value,
                        $"Product {productId} appears again (first on line {first}); each row is applied in turn (with its alerts), so the last one stays."));
                }

                var before = known.GetValueOrDefault(productId);
                Product after;
                try
                {
                    after = SetProduct.Apply(before, request);
                }
                catch (StockWatchException ex)
                {
                    summary.Reject([new RowProblem(row.Line, columns.NameOf(ex.Field ?? "product_id"), null, ex.Message)]);
                    continue;
                }

                if (before is not null && after.SameContentAs(before))
                {
                    summary.Unchanged++;
                    continue;
                }

                var stored = session.WriteProduct(before, after);
                if (repeats)
                {
                    known[productId] = stored;
                }

                summary.Accepted++;
                if (before is null)
                {
                    Created(summary, productId);
                }
            }
        }

        public void Finish()
        {
        }
    }

    private sealed record ProductRow(SetProductRequest Request);

    /// <param name="Given">The file's sale_id; null: the sale is named by <paramref name="Content"/> and its occurrence, when applied.</param>
    private sealed record SaleRow(SaleId? Given, UInt128 Content, SaleId? LegacyId, ProductId ProductId, int Quantity, DateTimeOffset? Date, Money? Price, string? Name);

    /// <summary>
    /// Sales, each row decided as <see cref="RecordSale"/> decides a single sale (the same refusals, the same stock
    /// move) and written as its own product change, so the stream raises the alerts the rows would raise one by one.
    /// A sale is recorded once: by its sale_id, or, when the file names none, by what it says and its occurrence among
    /// identical rows of the file (<see cref="SaleIdentity"/>). Products the file names but the catalogue lacks are
    /// created at the end (<c>--create-products</c>), with the name and price of their most recent row.
    /// </summary>
    private sealed class SaleRows(
        IImportSession session, ImportColumns columns, ImportSettings settings, CellNumbers numbers, TimeSpan futureTolerance, string fileId, DateTimeOffset now,
        ImportCheckpoint? resume) : IRows
    {
        private readonly Dictionary<ProductId, Product> _current = [];
        private readonly Dictionary<ProductId, (DateTimeOffset Date, Product Product)> _created = (resume?.Created ?? []).ToDictionary(
            created => ProductId.Parse(created.Id),
            created => (created.LatestSale, new Product
            {
                Id = ProductId.Parse(created.Id), Name = created.Name, Price = Money.FromTenThousandths(created.Price), StockCounted = false,
            }));
        private readonly SaleIdentity _identity = new(columns.Has("sale_date"), resume is null ? null : ImportCheckpoint.Unpack(resume.Identities));
        private readonly bool _legacyIds = resume?.LegacyIds ?? (fileId.Length > 0 && session.HasSalesNamed($"{fileId}-"));

        public ImportCheckpoint Save(ImportCheckpoint checkpoint) => checkpoint with
        {
            LegacyIds = _legacyIds,
            Identities = ImportCheckpoint.Pack(_identity.Occurrences),
            Created = [.. _created.Select(pair => new CreatedProduct(pair.Key.Value, pair.Value.Product.Name, pair.Value.Product.Price.TenThousandths, pair.Value.Date))],
        };

        public object? Read(Cells cells)
        {
            var given = cells.Get("sale_id", value => (SaleId?)SaleId.Parse(value));
            var productId = cells.Get("product_id", value => (ProductId?)ProductId.Parse(value), required: true);
            var quantity = cells.Get("quantity", value => (int?)numbers.Quantity(value, "quantity"), required: true);
            var date = cells.Get("sale_date", ParseDate, required: columns.Has("sale_date"));
            var price = cells.Get("current_price", value => (Money?)numbers.Price(value, "current_price"));
            var name = cells.Name("product_name", Product.MaxNameLength);
            if (cells.Problems is not null || productId is not { } id || quantity is not { } units)
            {
                return null;
            }

            var legacy = given is null && _legacyIds ? SaleId.Parse($"{fileId}-{cells.Line}") : (SaleId?)null;
            return new SaleRow(given, given is null ? _identity.ContentOf(id, date, units, price) : default, legacy, id, units, date, price, name);
        }

        public void Apply(List<ReadRow> rows, ImportSummary summary)
        {
            foreach (var row in rows)
            {
                Warn(row, summary);
                if (row.Problems is { } problems)
                {
                    summary.Reject(problems);
                }
                else
                {
                    Apply(row.Line, (SaleRow)row.Value!, summary);
                }
            }
        }

        private void Apply(int line, SaleRow row, ImportSummary summary)
        {
            var saleId = row.Given ?? _identity.Next(row.Content);
            // A sale this file named by its line, in a version before sales were named by their content.
            if (row.LegacyId is { } legacy && session.FindSale(legacy) is not null)
            {
                summary.Unchanged++;
                return;
            }

            // Decided as new first (most rows are): a sale recorded before is found when its insert finds the id taken,
            // or when the decision refuses it, and is then decided again as a replay.
            var id = row.ProductId;
            var product = Current(id);
            var creating = product is null && settings.CreateProducts;
            if (creating)
            {
                product = new Product { Id = id, Name = row.Name ?? id.Value, Price = row.Price ?? Money.Zero, StockCounted = false };
            }

            var request = new SaleRequest(saleId, id, row.Quantity) { Price = row.Price, Date = row.Date };
            var movesStock = settings.Stock == StockMode.Apply && !creating && !_created.ContainsKey(id);
            SaleDecision? decision = null;
            StockWatchException? refused = null;
            try
            {
                decision = RecordSale.Decide(null, product, request, now, futureTolerance, movesStock);
            }
            catch (StockWatchException ex)
            {
                refused = ex;
            }

            if (decision is null || !session.TryInsertSale(decision.Sale))
            {
                // Refused as a new sale, or its id is taken: a sale recorded before is a replay (or a conflict).
                try
                {
                    decision = session.FindSale(saleId) is { } existing
                        ? RecordSale.Decide(existing, product, request, now, futureTolerance, movesStock)
                        : throw refused!;
                }
                catch (StockWatchException ex)
                {
                    summary.Reject([new RowProblem(line, columns.NameOf(ex.Field ?? "product_id"), null, ex.Kind == ErrorKind.NotFound
                        ? $"Product {id} does not exist; add it first or import with --create-products."
                        : ex.Message)]);
                    return;
                }
            }

            if (decision.Replayed)
            {
                // A sale recorded before whose product the catalogue still lacks (a part run again after its process
                // died: its sales were written, its products were to be created at the end) still names a product to create.
                if (creating || _created.ContainsKey(id))
                {
                    Remember(id, decision.Sale, product!, row, summary);
                }

                summary.Unchanged++;
                return;
            }

            if (creating || _created.ContainsKey(id))
            {
                Remember(id, decision.Sale, product!, row, summary);
            }
            else if (decision.ProductAfter is { } after && !after.SameContentAs(product!))
            {
                _current[id] = session.WriteProduct(product, after);
            }

            summary.Accepted++;
        }

        /// <summary>A product to create keeps the name and price of its most recent row (the first of equal dates).</summary>
        private void Remember(ProductId id, Sale sale, Product product, SaleRow row, ImportSummary summary)
        {
            if (!_created.TryGetValue(id, out var latest))
            {
                Created(summary, id);
                _created[id] = (sale.SaleDate, product);
            }
            else if (sale.SaleDate > latest.Date)
            {
                _created[id] = (sale.SaleDate, latest.Product with { Name = row.Name ?? latest.Product.Name, Price = row.Price ?? latest.Product.Price });
            }
        }

        public void Finish()
        {
            foreach (var (_, product) in _created.Values)
            {
                session.WriteProduct(null, product);
            }
        }

        private Product? Current(ProductId id) =>
            _created.TryGetValue(id, out var created) ? created.Product
            : _current.TryGetValue(id, out var current) ? current
            : session.FindProduct(id);

        private DateTimeOffset? ParseDate(string text)
        {
            if (settings.DateFormats.Count == 0)
            {
                return Timestamp.Parse(text, "sale_date");
            }

            foreach (var format in settings.DateFormats)
            {
                if (DateTime.TryParseExact(text.Trim(), format, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
                {
                    return new DateTimeOffset(date, TimeSpan.Zero);
                }
            }

            throw StockWatchException.Invalid("sale_date",
                $"sale_date must match the date format{(settings.DateFormats.Count > 1 ? "s" : "")} {string.Join(" or ", settings.DateFormats)} (got {Text.Quote(text)}).");
        }
    }

    private static void Warn(ReadRow row, ImportSummary summary)
    {
        foreach (var warning in row.Warnings ?? [])
        {
            summary.Warn(warning);
        }
    }

    private static void Created(ImportSummary summary, ProductId id)
    {
        summary.CreatedProducts++;
        if (summary.NewProducts.Count < ImportSummary.MaxListed)
        {
            summary.NewProducts.Add(id.Value);
        }
    }
}
