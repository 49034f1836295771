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
public sealed class ImportFile(IImportStore store, TimeProvider time)
{
    /// <param name="file">A seekable stream (a file or a stored upload).</param>
    /// <param name="importId">Names the import in change records (<c>import: id</c>) and in the ledger.</param>
    /// <param name="source">Where the file came from, for people (a file name).</param>
    /// <param name="errors">Receives every rejected row as errors.csv, beyond the first ones the summary keeps.</param>
    /// <param name="progress">Told the share of the file read so far, now and then.</param>
    /// <param name="beforeDone">
    /// Runs once every row is read, before the import is recorded as done in its transaction: whatever it keeps (the
    /// queued import's errors.csv) exists before anyone can see the import done.
    /// </param>
    public async Task<ImportSummary> HandleAsync(
        Stream file, ImportSettings settings, string importId, string source, TextWriter? errors = null, Action<double>? progress = null,
        Action? beforeDone = null)
    {
        using var csv = CsvReader.Open(file, settings.Delimiter);
        if (!csv.Read())
        {
            throw StockWatchException.Invalid("file", "The file is empty: it has no header line.");
        }

        if (csv.RecordError is { } headerError)
        {
            throw StockWatchException.Invalid("header", $"The header (line 1) cannot be read: {headerError}.");
        }

        var columns = ImportColumns.Resolve([.. csv.Fields], settings);
        var fileId = columns.Kind == ImportKind.Sales ? await FileIdAsync(file) : string.Empty;
        var now = time.GetUtcNow();
        return await store.ImportAsync(new ChangeStamp(now, $"import: {importId}"), settings.DryRun, session =>
        {
            errors?.WriteLine(CsvCells.Row(RowProblem.CsvHeader));
            var summary = new ImportSummary
            {
                Kind = columns.Kind,
                DryRun = settings.DryRun,
                OnError = errors is null ? null : problem => errors.WriteLine(problem.ToCsv()),
            };
            foreach (var ignored in columns.Ignored)
            {
                summary.Warn(new RowProblem(1, ignored, null, $"Column {ignored} is not a StockWatch field and is ignored."));
            }

            IRows rows = columns.Kind == ImportKind.Products
                ? new ProductRows(session, columns)
                : new SaleRows(session, columns, settings, fileId, now);
            foreach (var batch in RowBatches.Read(csv, columns, rows, () => (double)file.Position / Math.Max(1, file.Length)))
            {
                summary.Total += batch.Rows.Count;
                rows.Apply(batch.Rows, summary);
                progress?.Invoke(batch.Read);
            }

            rows.Finish();
            beforeDone?.Invoke();
            if (!settings.DryRun)
            {
                session.RecordDone(importId, source, summary, now);
                Instruments.ImportRows.Add(summary.Accepted, Instruments.Tag("outcome", "accepted"));
                Instruments.ImportRows.Add(summary.Rejected, Instruments.Tag("outcome", "rejected"));
                Instruments.ImportRows.Add(summary.Unchanged, Instruments.Tag("outcome", "unchanged"));
            }

            progress?.Invoke(1);
            return summary;
        });
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

    /// <summary>A row as the reading thread leaves it: what it asks for, or why it cannot be applied.</summary>
    private readonly record struct ReadRow(int Line, object? Value, List<RowProblem>? Problems);

    private sealed record Batch(List<ReadRow> Rows, double Read);

    /// <summary>One kind of file: rows are read and checked on the reading thread, then applied in order on the writing one.</summary>
    private interface IRows
    {
        /// <summary>Checks one row's cells, without the store (this runs on the reading thread); null when it has problems.</summary>
        object? Read(Cells cells);

        void Apply(List<ReadRow> rows, ImportSummary summary);

        void Finish();
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
                    batches.Add(new Batch(batch, position()), stop);
                    batch = new List<ReadRow>(Size);
                }
            }

            if (batch.Count > 0)
            {
                batches.Add(new Batch(batch, position()), stop);
            }
        }

        private static ReadRow ReadOne(CsvReader csv, ImportColumns columns, IRows rows)
        {
            var line = csv.RecordLine;
            if (csv.RecordError is { } error)
            {
                return new ReadRow(line, null, [new RowProblem(line, null, null, $"Line {line}: {error}.")]);
            }

            if (csv.Fields.Count != columns.Header.Count)
            {
                return new ReadRow(line, null, [new RowProblem(line, null, null,
                    $"Line {line} has {csv.Fields.Count} fields; the header has {columns.Header.Count}.")]);
            }

            var cells = new Cells(columns, csv.Fields, line);
            var value = rows.Read(cells);
            return new ReadRow(line, value, cells.Problems ?? (value is null ? [] : null));
        }
    }

    /// <summary>Reads the cells of one row, collecting every problem instead of stopping at the first.</summary>
    private sealed class Cells(ImportColumns columns, IReadOnlyList<string> record, int line)
    {
        public int Line => line;

        /// <summary>The problems found so far; null while there are none (most rows).</summary>
        public List<RowProblem>? Problems { get; private set; }

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

    /// <summary>Products: an upsert by product_id; a column left out (or a cell left empty) keeps the stored value.</summary>
    private sealed class ProductRows(IImportSession session, ImportColumns columns) : IRows
    {
        private readonly SeenIds _seen = new();

        public object? Read(Cells cells)
        {
            var id = cells.Get("product_id", value => (ProductId?)ProductId.Parse(value), required: true);
            var request = new SetProductRequest(id ?? default)
            {
                Name = cells.Get("product_name", value => Text.RequireName(value, "product_name", Product.MaxNameLength)),
                Category = cells.Get("product_category", value => Text.RequireName(value, "product_category", Product.MaxCategoryLength)),
                Stock = cells.Get("stock_count", value => (int?)Values.ParseCount(value, "stock_count")),
                Price = cells.Get("product_price", value => (Money?)Money.Parse(value, "product_price")),
                LowStockThreshold = cells.Get("low_stock_threshold", value => (int?)Values.ParseCount(value, "low_stock_threshold")),
            };
            if (cells.Problems is not null || id is not { } productId)
            {
                return null;
            }

            // Repeats are found here, on the reading thread; the warning is given in line order when the row is applied.
            return new ProductRow(request, _seen.FirstOn(productId, cells.Line));
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

            var known = session.FindProducts(ids);
            var repeats = rows.Exists(row => row.Value is ProductRow { FirstOn: not null });
            foreach (var row in rows)
            {
                if (row.Problems is { } problems)
                {
                    summary.Reject(problems);
                    continue;
                }

                var (request, firstOn) = (ProductRow)row.Value!;
                var productId = request.Id;
                if (firstOn is { } first)
                {
                    summary.Warn(new RowProblem(row.Line, columns.NameOf("product_id"), productId.Value,
                        $"Product {productId} appears again (first on line {first}); the last row wins."));
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

    private sealed record ProductRow(SetProductRequest Request, int? FirstOn);

    private sealed record SaleRow(SaleId SaleId, ProductId ProductId, int Quantity, DateTimeOffset Date, Money? Price, string? Name);

    /// <summary>
    /// Sales: each recorded once (a sale_id seen before is skipped); stock moves row by row against a running count
    /// per product (clamped at 0 with a warning), and each touched product is written once at the end.
    /// </summary>
    private sealed class SaleRows(IImportSession session, ImportColumns columns, ImportSettings settings, string fileId, DateTimeOffset now) : IRows
    {
        private readonly Dictionary<ProductId, (Product? Before, Product Current)> _touched = [];

        public object? Read(Cells cells)
        {
            var saleId = cells.Get("sale_id", value => (SaleId?)SaleId.Parse(value)) ?? SaleId.Parse($"{fileId}-{cells.Line}");
            var productId = cells.Get("product_id", value => (ProductId?)ProductId.Parse(value), required: true);
            var quantity = cells.Get("quantity", value => (int?)Values.ParseQuantity(value), required: true);
            var date = cells.Get("sale_date", ParseDate) ?? now;
            var price = cells.Get("current_price", value => (Money?)Money.Parse(value, "current_price"));
            var name = cells.Get("product_name", value => Text.RequireName(value, "product_name", Product.MaxNameLength));
            return cells.Problems is not null || productId is not { } id || quantity is not { } units
                ? null
                : new SaleRow(saleId, id, units, date, price, name);
        }

        public void Apply(List<ReadRow> rows, ImportSummary summary)
        {
            foreach (var row in rows)
            {
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
            var (saleId, id, units) = (row.SaleId, row.ProductId, row.Quantity);
            var product = Current(id);
            var created = product is null;
            if (product is null)
            {
                if (!settings.CreateProducts)
                {
                    if (session.SaleExists(saleId))
                    {
                        summary.Unchanged++;
                    }
                    else
                    {
                        summary.Reject([new RowProblem(line, columns.NameOf("product_id"), id.Value,
                            $"Product {id} does not exist; add it first or import with --create-products.")]);
                    }

                    return;
                }

                product = new Product { Id = id, Name = row.Name ?? id.Value, Price = row.Price ?? Money.Zero };
            }

            int? stockAfter = null;
            var clamped = false;
            if (settings.Stock == StockMode.Apply)
            {
                var stock = (long)product.Stock - units;
                clamped = stock < 0;
                stockAfter = (int)Math.Min(Math.Max(stock, 0), int.MaxValue);
            }

            // A sale recorded before (this file imported again) is skipped, and moves nothing.
            if (!session.TryInsertSale(new Sale(saleId, id, row.Date, units, row.Price ?? product.Price) { StockAfter = stockAfter }))
            {
                summary.Unchanged++;
                return;
            }

            if (created)
            {
                _touched[id] = (null, product);
                Created(summary, id);
            }

            if (clamped)
            {
                summary.Warn(new RowProblem(line, columns.NameOf("quantity"), units.ToString(CultureInfo.InvariantCulture),
                    $"Product {id} had {product.Stock} in stock, fewer than the {units} sold; its stock is set to 0."));
            }

            if (stockAfter is { } after)
            {
                _touched[id] = (_touched.TryGetValue(id, out var seen) ? seen.Before : product, product with { Stock = after });
            }

            summary.Accepted++;
        }

        public void Finish()
        {
            foreach (var (before, current) in _touched.Values)
            {
                if (before is null || !current.SameContentAs(before))
                {
                    session.WriteProduct(before, current);
                }
            }
        }

        private Product? Current(ProductId id) => _touched.TryGetValue(id, out var touched) ? touched.Current : session.FindProduct(id);

        private DateTimeOffset? ParseDate(string text)
        {
            if (settings.DateFormat is not { } format)
            {
                return Timestamp.Parse(text, "sale_date");
            }

            return DateTime.TryParseExact(text.Trim(), format, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
                ? new DateTimeOffset(date, TimeSpan.Zero)
                : throw StockWatchException.Invalid("sale_date", $"sale_date must match the date format {format} (got {Text.Quote(text)}).");
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
