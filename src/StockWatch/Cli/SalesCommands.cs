using System.CommandLine;
using System.Globalization;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Cli;

/// <summary><c>stockwatch sales record</c>.</summary>
internal static class SalesCommands
{
    public static Command Create() => new("sales", "Record sales.") { Record() };

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
            var decision = await context.Service<RecordSale>().HandleAsync(request);
            var alerts = await context.DrainAlertsAsync(cancellationToken);
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
