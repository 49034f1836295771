using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Options;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;

namespace StockWatch.Cli;

/// <summary><c>stockwatch products list|show|set|delete</c>.</summary>
internal static class ProductsCommands
{
    private const string Source = "cli";

    public static Command Create() => new("products", "Read and change the catalogue.")
    {
        List(),
        Show(),
        Set(),
        Delete(),
    };

    private static Command List()
    {
        var lowStock = new Option<bool>("--low-stock") { Description = "Only products at or below their low-stock threshold." };
        var category = new Option<string?>("--category") { Description = "Only products in this category (regardless of case)." };
        var search = new Option<string?>("--search") { Description = "Only products whose id or name contains this text (regardless of case)." };
        var limit = new Option<string?>("--limit") { Description = $"At most this many (default {DefaultListed}, at most {MaxListed}); stderr says when there are more." };
        var command = new Command("list", "List products, ordered by id.") { lowStock, category, search, limit };
        command.SetReadHandler((context, _) =>
        {
            var store = context.Service<IInventoryStore>();
            var defaultThreshold = context.Service<IOptions<AlertOptions>>().Value.DefaultLowStockThreshold;
            var text = ProductQuery.SearchText(context.Get(search), "--search");

            var most = context.Parsed(limit, value => Values.ParseCount(value, "--limit", min: 1)) ?? DefaultListed;
            if (most > MaxListed)
            {
                throw StockWatchException.Invalid("--limit", $"--limit must be at most {MaxListed} (got {most}).");
            }

            // One more than asked for tells whether there are more.
            var products = store.ListProducts(new ProductQuery(context.Get(category), context.Get(lowStock), Limit: most + 1)
            {
                Search = text,
            }).ToList();
            if (products.Count > most)
            {
                products.RemoveAt(most);
                context.Error.WriteLine($"Showing the first {most} products by id; there are more: narrow with --search, --category or --low-stock, or raise --limit.");
            }

            context.Write(products.Select(p => ProductResponse.From(p) with
            {
                Status = p.StockStatus(defaultThreshold),
                EffectiveThreshold = p.ThresholdOr(defaultThreshold),
            }), output => Tables.Write(output,
                ["product_id", "product_name", "product_category", "stock_count", "threshold", "product_price", "status"],
                products.Select(p => new[]
                {
                    p.Id.Value, p.Name, p.Category, p.Stock.ToString(CultureInfo.InvariantCulture),
                    p.ThresholdOr(defaultThreshold).ToString(CultureInfo.InvariantCulture), p.Price.ToString(),
                    p.StockStatus(defaultThreshold) switch { "ok" => "ok", var status => status.ToUpperInvariant().Replace('_', ' ') },
                })));
            return Task.FromResult(CliApp.Ok);
        });
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The product id." };
        var command = new Command("show", "Show one product: its fields, status, days of cover, and its latest changes and sales.") { id };
        command.SetReadHandler((context, _) =>
        {
            var productId = ProductId.Parse(context.Get(id));
            var product = context.Service<IInventoryStore>().FindProduct(productId)
                ?? throw StockWatchException.NotFound($"Product {productId} does not exist.");
            var options = context.Service<IOptions<AlertOptions>>().Value;
            // The AWS shape's tables have no views of history yet: there, the product's own fields and status.
            var views = context.Embedded<ICatalogViews>();
            var response = views is null
                ? ProductResponse.From(product) with { Status = product.StockStatus(options.DefaultLowStockThreshold), EffectiveThreshold = product.ThresholdOr(options.DefaultLowStockThreshold) }
                : ProductResponse.WithCover([product], views, options, context.Service<TimeProvider>().GetUtcNow()).Single();
            List<ProductPoint> changes = [.. views?.History(productId, LatestShown).Reverse() ?? []];
            List<SaleResponse> sales = [.. views?.ListSales(new SaleQuery(productId, Limit: LatestShown)).Select(sale => SaleResponse.From(sale, replayed: false)) ?? []];
            var shown = response with { LatestChanges = views is null ? null : changes, LatestSales = views is null ? null : sales };
            context.Write(shown, output =>
            {
                Describe(output, shown);
                if (views is null)
                {
                    output.WriteLine("(days of cover and the latest changes and sales are not available on the AWS shape yet)");
                }

                if (changes.Count > 0)
                {
                    output.WriteLine();
                    output.WriteLine("Latest changes:");
                    Tables.Write(output, ["at", "kind", "stock_count", "product_price", "cause"], changes.Select(c => new[]
                    {
                        Timestamp.Format(c.At), c.Kind, c.Stock?.ToString(CultureInfo.InvariantCulture), c.Price?.ToString(CultureInfo.InvariantCulture), c.Cause,
                    }));
                }

                if (sales.Count > 0)
                {
                    output.WriteLine();
                    output.WriteLine("Latest sales:");
                    SalesCommands.WriteSales(output, sales);
                }
            });
            return Task.FromResult(CliApp.Ok);
        });
        return command;
    }

    private static Command Set()
    {
        var id = new Argument<string>("id") { Description = "The product id; the product is created when it does not exist." };
        var name = new Option<string?>("--name") { Description = "Product name (required to create a product)." };
        var category = new Option<string?>("--category") { Description = $"Category (default {Product.DefaultCategory})." };
        var price = new Option<string?>("--price") { Description = "Price, a decimal ≥ 0 with up to 4 decimals." };
        var stock = new Option<string?>("--stock") { Description = "Stock count, a whole number ≥ 0." };
        var threshold = new Option<string?>("--threshold") { Description = "Low-stock threshold, a whole number ≥ 0." };
        var command = new Command("set", "Change a product's fields, creating it when it does not exist.")
        {
            id, name, category, price, stock, threshold,
        };
        command.SetHandler(async (context, cancellationToken) =>
        {
            var request = new SetProductRequest(ProductId.Parse(context.Get(id)))
            {
                Name = context.Get(name),
                Category = context.Get(category),
                Price = context.Parsed(price, text => Money.Parse(text, "product_price")),
                Stock = context.Parsed(stock, text => Values.ParseCount(text, "stock_count")),
                LowStockThreshold = context.Parsed(threshold, text => Values.ParseCount(text, "low_stock_threshold")),
            };
            var (write, alerts) = await context.WithAlertsAsync(request.Id, () => context.Service<SetProduct>().HandleAsync(request, Source), cancellationToken);
            var product = ProductResponse.From(write.After!);
            context.Write(new { product, changed = write.Changed, alerts }, output =>
            {
                output.WriteLine(!write.Changed ? $"Product {product.ProductId} is unchanged."
                    : write.Before is null ? $"Created product {product.ProductId}."
                    : $"Updated product {product.ProductId} (version {product.Version}).");
                WriteAlerts(output, alerts);
            });
            return CliApp.Ok;
        });
        return command;
    }

    private static Command Delete()
    {
        var id = new Argument<string>("id") { Description = "The product id." };
        var command = new Command("delete", "Remove a product from the catalogue (its sales history stays).") { id };
        command.SetHandler(async (context, cancellationToken) =>
        {
            var productId = ProductId.Parse(context.Get(id));
            var (_, alerts) = await context.WithAlertsAsync(productId, () => context.Service<DeleteProduct>().HandleAsync(productId, expectedVersion: null, Source), cancellationToken);
            context.Write(new { product_id = productId.Value, deleted = true, alerts }, output =>
            {
                output.WriteLine($"Deleted product {productId}.");
                WriteAlerts(output, alerts);
            });
            return CliApp.Ok;
        });
        return command;
    }

    private const int DefaultListed = 1000;
    private const int MaxListed = 100_000;

    /// <summary>How many of a product's latest changes and sales <c>products show</c> lists.</summary>
    private const int LatestShown = 5;

    internal static void WriteAlerts(TextWriter output, IReadOnlyList<AlertResponse> alerts)
    {
        foreach (var alert in alerts)
        {
            output.WriteLine($"  alert {alert.AlertType}: {alert.Summary}");
        }
    }

    private static void Describe(TextWriter output, ProductResponse p)
    {
        output.WriteLine($"product_id:          {p.ProductId}");
        output.WriteLine($"product_name:        {p.ProductName}");
        output.WriteLine($"product_category:    {p.ProductCategory}");
        output.WriteLine($"stock_count:         {(p.StockCounted ? p.StockCount.ToString(CultureInfo.InvariantCulture) : "not counted yet")}");
        output.WriteLine($"product_price:       {p.ProductPrice.ToString(CultureInfo.InvariantCulture)}");
        output.WriteLine($"low_stock_threshold: {(p.LowStockThreshold?.ToString(CultureInfo.InvariantCulture) ?? $"(default, {p.EffectiveThreshold?.ToString(CultureInfo.InvariantCulture)})")}");
        output.WriteLine($"status:              {p.Status}");
        if (p.DaysOfCover is { } cover || p.LatestSales is not null)
        {
            output.WriteLine($"days_of_cover:       {p.DaysOfCover?.ToString(CultureInfo.InvariantCulture) ?? "(no sales in the forecast window)"}");
        }
        output.WriteLine($"last_alert_time:     {p.LastAlertTime ?? "(none)"}");
        output.WriteLine($"version:             {p.Version}");
        output.WriteLine($"updated_at:          {p.UpdatedAt}");
    }
}
