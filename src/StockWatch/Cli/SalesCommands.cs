using System.CommandLine;
using System.Globalization;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Cli;

/// <summary><c>stockwatch sales record|list</c>.</summary>
internal static class SalesCommands
{
    private const int MaxListed = 10_000;

    public static Command Create() => new("sales", "Record and list sales.") { Record(), List() };

    private static Command List()
    {
        var product = new Option<string?>("--product") { Description = "Only this product's sales." };
        var since = new Option<string?>("--since") { Description = "Only sales at or after this time, ISO-8601 UTC; a bare date means 00:00 UTC." };
        var until = new Option<string?>("--until") { Description = "Only sales before this time, ISO-8601 UTC; a bare date means 00:00 UTC." };
        var limit = new Option<string?>("--limit") { Description = $"At most this many, newest first (default 100, at most {MaxListed})." };
        var command = new Command("list", "List sales, newest first.") { product, since, until, limit };
        command.SetReadHandler((context, _) =>
        {
            var query = new SaleQuery(
                context.Parsed(product, ProductId.Parse),
                context.Parsed(since, text => Timestamp.Parse(text, "--since")),
                context.Parsed(until, text => Timestamp.Parse(text, "--until")),
                context.Parsed(limit, text => Values.ParseCount(text, "--limit", min: 1)) ?? 100);
            if (query.Limit > MaxListed)
            {
                throw StockWatchException.Invalid("--limit", $"--limit must be at most {MaxListed} (got {query.Limit}).");
            }

            if (query is { Since: { } from, Until: { } to } && to <= from)
            {
                throw StockWatchException.Invalid("--until", $"--until ({Timestamp.Format(to)}) must be after --since ({Timestamp.Format(from)}).");
            }

            var views = context.Embedded<ICatalogViews>()
                ?? throw StockWatchException.Invalid("StockWatch:Store", "sales list reads the embedded SQLite store; it is not available on the AWS shape (StockWatch:Store=dynamodb) yet.");
            List<SaleResponse> sales = [.. views.ListSales(query).Select(sale => SaleResponse.From(sale, replayed: false))];
            context.Write(sales, output => WriteSales(output, sales));
            return Task.FromResult(CliApp.Ok);
        });
        return command;
    }

    internal static void WriteSales(TextWriter output, IEnumerable<SaleResponse> sales) =>
        Tables.Write(output, ["sale_id", "product_id", "sale_date", "quantity", "current_price", "stock_after"], sales.Select(s => new[]
        {
            s.SaleId, s.ProductId, s.SaleDate, s.Quantity.ToString(CultureInfo.InvariantCulture),
            s.CurrentPrice.ToString(CultureInfo.InvariantCulture), s.StockAfter?.ToString(CultureInfo.InvariantCulture),
        }));

    private static Command Record()
    {
        var product = new Option<string>("--product") { Description = "The product sold.", Required = true };
        var quantity = new Option<string>("--quantity") { Description = "Units sold; a negative number records a return.", Required = true };
        var saleId = new Option<string?>("--sale-id") { Description = "The sale's unique id; recording the same id again changes nothing." };
        var price = new Option<string?>("--price") { Description = "Unit price (default: the product's price)." };
        var date = new Option<string?>("--date") { Description = "When it was sold, ISO-8601 UTC; a bare date means 00:00 UTC (default: now)." };
        var command = new Command("record", "Record a sale and take its units out of stock.") { product, quantity, saleId, price, date };
        command.SetHandler(async (context, cancellationToken) =>
        {
            var request = new SaleRequest(
                context.Get(saleId) is { } id ? SaleId.Parse(id) : SaleId.New(),
                ProductId.Parse(context.Get(product)),
                Values.ParseQuantity(context.Get(quantity)))
            {
                Price = context.Parsed(price, text => Money.Parse(text, "current_price")),
                Date = context.Parsed(date, text => Timestamp.Parse(text, "sale_date")),
            };
            var (decision, alerts) = await context.WithAlertsAsync(request.ProductId, () => context.Service<RecordSale>().HandleAsync(request), cancellationToken);
            var sale = SaleResponse.From(decision.Sale, decision.Replayed);
            context.Write(new { sale, alerts }, output =>
            {
                output.WriteLine(decision.Replayed
                    ? $"Sale {sale.SaleId} was already recorded; nothing changed."
                    : $"Recorded sale {sale.SaleId}: {sale.Quantity} × {sale.ProductId} at {sale.CurrentPrice.ToString(CultureInfo.InvariantCulture)}; stock now {sale.StockAfter}.");
                ProductsCommands.WriteAlerts(output, alerts);
            });
            return CliApp.Ok;
        });
        return command;
    }
}
