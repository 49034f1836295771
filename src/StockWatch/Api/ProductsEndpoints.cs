using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Access;
using StockWatch.Core.Catalog;

namespace StockWatch.Api;

/// <summary><c>/api/products</c>: HTTP to the catalogue use cases, nothing more.</summary>
public static class ProductsEndpoints
{
    private const string Source = "api";
    private const int MaxPage = 1000;

    public static RouteGroupBuilder MapProducts(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/products").WithTags("Products").WithCommonProblems();
        group.MapGet("/", List).RequireRole(Role.Reader);
        group.MapGet("/{id}", Get).RequireRole(Role.Reader).Problems(404);
        group.MapPut("/{id}", Put).RequireRole(Role.Writer).Problems(412, 413, 415);
        group.MapPatch("/{id}", Patch).RequireRole(Role.Writer).Problems(404, 412, 413, 415);
        group.MapDelete("/{id}", Delete).RequireRole(Role.Admin).Problems(404, 412);
        group.MapPost("/{id}/stock", MoveStock).RequireRole(Role.Writer).Problems(404, 409, 412, 413, 415);
        return group;
    }

    /// <summary>Lists products in id order, a page at a time.</summary>
    public static Ok<ProductPage> List(IInventoryStore store, string? category, string? low_stock, string? limit, string? cursor)
    {
        var size = limit is null ? 100 : Values.ParseCount(limit, "limit", min: 1);
        if (size > MaxPage)
        {
            throw StockWatchException.Invalid("limit", $"limit must be at most {MaxPage} (got {size}).");
        }

        var lowOnly = low_stock?.Trim().ToLowerInvariant() switch
        {
            null or "" or "false" => false,
            "true" => true,
            _ => throw StockWatchException.Invalid("low_stock", $"low_stock must be true or false (got {Text.Quote(low_stock)})."),
        };
        var page = store.ListProducts(new ProductQuery(category, lowOnly, size + 1, cursor is null ? null : DecodeCursor(cursor)));
        var items = page.Take(size).Select(ProductResponse.From).ToList();
        return TypedResults.Ok(new ProductPage(items, page.Count > size ? EncodeCursor(page[size - 1].Id) : null));
    }

    /// <summary>One product, with its version as ETag.</summary>
    public static Ok<ProductResponse> Get(HttpContext context, IInventoryStore store, string id)
    {
        var productId = ProductId.Parse(id);
        var product = store.FindProduct(productId) ?? throw StockWatchException.NotFound($"Product {productId} does not exist.");
        return WithETag(context, product);
    }

    /// <summary>Creates or replaces a product; <c>If-Match</c> makes the replace conditional.</summary>
    public static async Task<Results<Created<ProductResponse>, Ok<ProductResponse>>> Put(
        HttpContext context, SetProduct setProduct, string id, ProductBody body)
    {
        var (threshold, _) = body.Threshold();
        var write = await setProduct.HandleAsync(new SetProductRequest(ProductId.Parse(id))
        {
            Mode = SetMode.Replace,
            Name = Required.Value(body.ProductName, "product_name"),
            Category = body.ProductCategory,
            Stock = Values.RequireCount(Required.Value(body.StockCount, "stock_count"), "stock_count"),
            Price = Money.From(Required.Value(body.ProductPrice, "product_price"), "product_price"),
            LowStockThreshold = threshold,
            ExpectedVersion = IfMatch(context),
        }, Source);
        var response = WithETag(context, write.After!);
        return write.Before is null ? TypedResults.Created($"/api/products/{Uri.EscapeDataString(id)}", response.Value) : response;
    }

    /// <summary>Changes the given fields of an existing product.</summary>
    public static async Task<Ok<ProductResponse>> Patch(HttpContext context, SetProduct setProduct, string id, ProductBody body)
    {
        var (threshold, clear) = body.Threshold();
        var write = await setProduct.HandleAsync(new SetProductRequest(ProductId.Parse(id))
        {
            Mode = SetMode.Patch,
            Name = body.ProductName,
            Category = body.ProductCategory,
            Stock = body.StockCount is { } stock ? Values.RequireCount(stock, "stock_count") : null,
            Price = body.ProductPrice is { } price ? Money.From(price, "product_price") : null,
            LowStockThreshold = threshold,
            ClearThreshold = clear,
            ExpectedVersion = IfMatch(context),
        }, Source);
        return WithETag(context, write.After!);
    }

    public static async Task<NoContent> Delete(HttpContext context, DeleteProduct deleteProduct, string id)
    {
        await deleteProduct.HandleAsync(ProductId.Parse(id), IfMatch(context), Source);
        return TypedResults.NoContent();
    }

    /// <summary>Moves stock by a delta or to a count; stock never goes below 0 (409).</summary>
    public static async Task<Ok<ProductResponse>> MoveStock(HttpContext context, MoveStock moveStock, string id, StockBody body)
    {
        var movement = (body.Delta, body.Set) switch
        {
            ({ } delta, null) => StockMovement.By(delta, body.Reason),
            (null, { } set) => StockMovement.To(set, body.Reason),
            _ => throw StockWatchException.Invalid("delta", "Give exactly one of delta (a change) or set (a new count)."),
        };
        var write = await moveStock.HandleAsync(ProductId.Parse(id), movement, IfMatch(context));
        return WithETag(context, write.After!);
    }

    private static Ok<ProductResponse> WithETag(HttpContext context, Product product)
    {
        context.Response.Headers.ETag = $"\"{product.Version.ToString(CultureInfo.InvariantCulture)}\"";
        return TypedResults.Ok(ProductResponse.From(product));
    }

    /// <summary>The version an <c>If-Match: "3"</c> header expects; <c>null</c> without the header.</summary>
    private static long? IfMatch(HttpContext context)
    {
        var header = context.Request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0)
        {
            return null;
        }

        var tag = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        return tag.Length > 2 && tag[0] == '"' && tag[^1] == '"'
            && long.TryParse(tag.AsSpan(1, tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw StockWatchException.Invalid("If-Match", $"If-Match must be an ETag such as \"3\", as GET returned it (got {Text.Quote(header)}).");
    }

    private static string EncodeCursor(ProductId after) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(after.Value));

    private static ProductId DecodeCursor(string cursor)
    {
        try
        {
            return ProductId.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)));
        }
        catch (Exception ex) when (ex is FormatException or StockWatchException)
        {
            throw StockWatchException.Invalid("cursor", "cursor must be a next_cursor value from a previous page.");
        }
    }
}
