using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Access;
using StockWatch.Core.Alerts;
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
        group.MapGet("/{id}/history", History).RequireRole(Role.Reader).Problems(404);
        group.MapGet("/{id}/sales", Sales).RequireRole(Role.Reader).Problems(404);
        group.MapPut("/{id}", Put).RequireRole(Role.Writer).Problems(412, 413, 415);
        group.MapPatch("/{id}", Patch).RequireRole(Role.Writer).Problems(404, 412, 413, 415);
        group.MapDelete("/{id}", Delete).RequireRole(Role.Admin).Problems(404, 412);
        group.MapPost("/{id}/stock", MoveStock).RequireRole(Role.Writer).Problems(404, 409, 412, 413, 415);
        return group;
    }

    /// <summary>
    /// Lists products a page at a time: filtered by category, low stock and a search (<c>q</c>) on id and name, sorted
    /// by <c>sort</c> (default product_id) in <c>order</c> (asc or desc). Each comes with its status and days of cover.
    /// </summary>
    public static Ok<ProductPage> List(
        IInventoryStore store, ICatalogViews views, IOptions<AlertOptions> alerts, TimeProvider time,
        string? category, string? low_stock, string? limit, string? cursor, string? q, string? sort, string? order)
    {
        var size = limit is null ? 100 : Values.ParseCount(limit, "limit", min: 1);
        if (size > MaxPage)
        {
            throw StockWatchException.Invalid("limit", $"limit must be at most {MaxPage} (got {size}).");
        }

        var lowOnly = Values.ParseFlag(low_stock, "low_stock");
        var descending = order?.Trim().ToLowerInvariant() switch
        {
            null or "" or "asc" => false,
            "desc" => true,
            _ => throw StockWatchException.Invalid("order", $"order must be asc or desc (got {Text.Quote(order)})."),
        };
        var search = ProductQuery.SearchText(q, "q");
        var by = sort is null ? ProductSort.Id : ProductSorts.Parse(sort);
        (object? Value, ProductId? Id) after = cursor is null ? (null, null) : DecodeCursor(cursor, by, descending);
        var page = store.ListProducts(new ProductQuery(category, lowOnly, size + 1, after.Id)
        {
            Search = search,
            Sort = by,
            Descending = descending,
            AfterValue = after.Value,
        });
        var items = ProductResponse.WithCover([.. page.Take(size)], views, alerts.Value, time.GetUtcNow());
        return TypedResults.Ok(new ProductPage(items, page.Count > size ? EncodeCursor(by, descending, page[size - 1]) : null));
    }

    /// <summary>One product, with its status, days of cover, and its version as ETag.</summary>
    public static Ok<ProductResponse> Get(HttpContext context, IInventoryStore store, ICatalogViews views, IOptions<AlertOptions> alerts, TimeProvider time, string id)
    {
        var product = Find(store, id);
        context.Response.Headers.ETag = ETag(product);
        return TypedResults.Ok(ProductResponse.WithCover([product], views, alerts.Value, time.GetUtcNow()).Single());
    }

    /// <summary>The product's stock and price after each of its latest changes (default 200), oldest first.</summary>
    public static Ok<List<ProductPoint>> History(IInventoryStore store, ICatalogViews views, string id, string? limit)
    {
        var count = limit is null ? 200 : Math.Min(Values.ParseCount(limit, "limit", min: 1), 1000);
        return TypedResults.Ok(views.History(Find(store, id).Id, count).ToList());
    }

    /// <summary>The product's latest sales (default 20), newest first.</summary>
    public static Ok<List<SaleResponse>> Sales(IInventoryStore store, ICatalogViews views, string id, string? limit)
    {
        var count = limit is null ? 20 : Math.Min(Values.ParseCount(limit, "limit", min: 1), 1000);
        return TypedResults.Ok(views.ListSales(new SaleQuery(Find(store, id).Id, Limit: count)).Select(sale => SaleResponse.From(sale, replayed: false)).ToList());
    }

    private static Product Find(IInventoryStore store, string id)
    {
        var productId = ProductId.Parse(id);
        return store.FindProduct(productId) ?? throw StockWatchException.NotFound($"Product {productId} does not exist.");
    }

    /// <summary>
    /// Creates or replaces a product; <c>If-Match</c> makes the replace conditional, <c>If-None-Match: *</c> makes it a
    /// create only (412 when the product exists).
    /// </summary>
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
            ExpectedVersion = IfNoneMatch(context) ?? IfMatch(context, id),
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
            ExpectedVersion = IfMatch(context, id),
        }, Source);
        return WithETag(context, write.After!);
    }

    public static async Task<NoContent> Delete(HttpContext context, DeleteProduct deleteProduct, string id)
    {
        await deleteProduct.HandleAsync(ProductId.Parse(id), IfMatch(context, id), Source);
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
        var write = await moveStock.HandleAsync(ProductId.Parse(id), movement, IfMatch(context, id));
        return WithETag(context, write.After!);
    }

    private static Ok<ProductResponse> WithETag(HttpContext context, Product product)
    {
        context.Response.Headers.ETag = ETag(product);
        return TypedResults.Ok(ProductResponse.From(product));
    }

    private static string ETag(Product product) => $"\"{product.Version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>
    /// The version an <c>If-Match</c> header expects: <c>null</c> without the header, <see cref="Versions.AnyExisting"/>
    /// for <c>*</c>, else the version of its first strong tag in StockWatch's form (<c>"3"</c>); If-Match compares
    /// strongly (RFC 9110 §13.1.1), so a weak tag (<c>W/"3"</c>) matches nothing.
    /// </summary>
    /// <exception cref="StockWatchException">412 when no tag can match: another server's tag, or no entity tag at all.</exception>
    private static long? IfMatch(HttpContext context, string id)
    {
        if (context.Request.Headers.IfMatch.Count == 0)
        {
            return null;
        }

        var tags = context.Request.GetTypedHeaders().IfMatch;
        if (tags.Any(tag => tag.Equals(Microsoft.Net.Http.Headers.EntityTagHeaderValue.Any)))
        {
            return Versions.AnyExisting;
        }

        foreach (var tag in tags)
        {
            if (!tag.IsWeak && long.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0)
            {
                return version;
            }
        }

        throw StockWatchException.PreconditionFailed(
            $"If-Match {Text.Quote(context.Request.Headers.IfMatch.ToString())} matches no version of product {id}; send the ETag a GET returned, or *.");
    }

    /// <summary><see cref="Versions.NoneExisting"/> for <c>If-None-Match: *</c>, <c>null</c> without the header.</summary>
    /// <exception cref="StockWatchException">400 for any other If-None-Match, or with If-Match too.</exception>
    private static long? IfNoneMatch(HttpContext context)
    {
        if (context.Request.Headers.IfNoneMatch.Count == 0)
        {
            return null;
        }

        return context.Request.Headers.IfNoneMatch.ToString().Trim() == "*" && context.Request.Headers.IfMatch.Count == 0
            ? Versions.NoneExisting
            : throw StockWatchException.Invalid("If-None-Match", "If-None-Match takes only * here (create, never replace), and not together with If-Match.");
    }

    /// <summary>The sort, its direction, and the last product's sort value and id, as base64url JSON.</summary>
    private static string EncodeCursor(ProductSort sort, bool descending, Product last) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new object?[] { sort.ToWire(), descending, sort.ValueOf(last), last.Id.Value }));

    private static (object? Value, ProductId Id) DecodeCursor(string cursor, ProductSort sort, bool descending)
    {
        try
        {
            var parts = JsonDocument.Parse(Base64Url.DecodeFromChars(cursor)).RootElement;
            if (parts.GetArrayLength() != 4 || parts[0].GetString() != sort.ToWire() || parts[1].GetBoolean() != descending)
            {
                throw new FormatException("another sort");
            }

            object? value = parts[2].ValueKind switch
            {
                JsonValueKind.Number => parts[2].GetInt64(),
                JsonValueKind.String => parts[2].GetString(),
                _ => null,
            };
            return (value, ProductId.Parse(parts[3].GetString()));
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or IndexOutOfRangeException or StockWatchException)
        {
            throw StockWatchException.Invalid("cursor", "cursor must be a next_cursor value from a previous page of the same sort and order.");
        }
    }
}
