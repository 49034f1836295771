using System.CommandLine;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Catalog;

namespace StockWatch.Cli;

/// <summary><c>stockwatch stock adjust</c>: deliveries, counts and write-offs as a change to stock on hand.</summary>
internal static class StockCommands
{
    public static Command Create() => new("stock", "Move stock on hand.") { Adjust() };

    private static Command Adjust()
    {
        var id = new Argument<string>("id") { Description = "The product id." };
        var by = new Option<string>("--by")
        {
            Description = "Units to add (a delivery, a found item) or, negative, to remove (damage, a miscount); not 0. Stock never goes below 0.",
            Required = true,
        };
        var reason = new Option<string?>("--reason") { Description = $"Why, as the product's history shows it (default \"adjustment\"; at most {StockMovement.MaxReasonLength} characters)." };
        var command = new Command("adjust", "Add or remove units of a product's stock; its history records the reason.") { id, by, reason };
        command.SetHandler(async (context, cancellationToken) =>
        {
            var productId = ProductId.Parse(context.Get(id));
            var movement = StockMovement.By(Values.ParseQuantity(context.Get(by), "--by"), context.Get(reason));
            var (write, alerts) = await context.WithAlertsAsync(productId, () => context.Service<MoveStock>().HandleAsync(productId, movement), cancellationToken);
            var product = ProductResponse.From(write.After!);
            context.Write(new { product, alerts }, output =>
            {
                output.WriteLine($"Stock of {product.ProductId} {(movement.Delta > 0 ? "+" : "")}{movement.Delta} ({movement.Reason}): now {product.StockCount}.");
                ProductsCommands.WriteAlerts(output, alerts);
            });
            return CliApp.Ok;
        });
        return command;
    }
}
