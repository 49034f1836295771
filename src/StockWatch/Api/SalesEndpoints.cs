using Microsoft.AspNetCore.Http.HttpResults;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Access;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Api;

/// <summary><c>/api/sales</c>.</summary>
public static class SalesEndpoints
{
    public static RouteGroupBuilder MapSales(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/sales").WithTags("Sales").WithCommonProblems();
        group.MapPost("/", Record).RequireRole(Role.Writer).Problems(404, 409, 413, 415);
        return group;
    }

    /// <summary>Records a sale: 201 the first time, 200 with the original result for the same sale_id, 409 on short stock.</summary>
    public static async Task<Results<Created<SaleResponse>, Ok<SaleResponse>>> Record(RecordSale recordSale, SaleBody body)
    {
        var request = new SaleRequest(
            SaleId.Parse(Required.Value(body.SaleId, "sale_id")),
            ProductId.Parse(Required.Value(body.ProductId, "product_id")),
            Values.RequireQuantity(Required.Value(body.Quantity, "quantity")))
        {
            Price = body.CurrentPrice is { } price ? Money.From(price, "current_price") : null,
            Date = body.SaleDate is { } date ? Timestamp.Parse(date, "sale_date") : null,
        };
        var decision = await recordSale.HandleAsync(request);
        var response = SaleResponse.From(decision.Sale, decision.Replayed);
        return decision.Replayed ? TypedResults.Ok(response) : TypedResults.Created((string?)null, response);
    }
}
