using System.Net;
using System.Text.Json;
using StockWatch.Testing;

namespace StockWatch.Tests.Api;

/// <summary>Every id the store accepts reaches its own product through every <c>/api/products/{id}…</c> endpoint and the CLI.</summary>
public sealed class ProductIdTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string PathOf(string id) => $"/api/products/{Uri.EscapeDataString(id)}";

    [Fact]
    public async Task EveryAllowedId_ReachesItsOwnProduct_ThroughEveryProductEndpoint()
    {
        var ids = ProductIds.All;
        using var writer = server.Writer();
        using var admin = server.Admin();
        for (var i = 0; i < ids.Count; i++)
        {
            using var created = await writer.PutAsync(PathOf(ids[i]),
                ApiServerFixture.Json($$"""{"product_name":"Id {{i}}","stock_count":{{100 + i}},"product_price":1}"""), Cancel);
            created.StatusCode.Should().Be(HttpStatusCode.Created, ids[i]);
            created.Headers.Location!.OriginalString.Should().Be(PathOf(ids[i]));
        }

        for (var i = 0; i < ids.Count; i++)
        {
            var (id, path) = (ids[i], PathOf(ids[i]));
            var product = await Json(await writer.GetAsync(path, Cancel), id);
            (product.GetProperty("product_id").GetString(), product.GetProperty("stock_count").GetInt32()).Should().Be((id, 100 + i), "each id reaches its own product");

            using var patch = new HttpRequestMessage(HttpMethod.Patch, path) { Content = ApiServerFixture.Json("""{"product_price":2}""") };
            patch.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            (await Json(await writer.SendAsync(patch, Cancel), id)).GetProperty("product_id").GetString().Should().Be(id);
            (await Json(await writer.PostAsync($"{path}/stock", ApiServerFixture.Json("""{"delta":-1}"""), Cancel), id))
                .GetProperty("stock_count").GetInt32().Should().Be(99 + i);
            (await Json(await writer.PostAsync("/api/sales",
                ApiServerFixture.Json(JsonSerializer.Serialize(new { sale_id = $"id-sale-{i}", product_id = id, quantity = 1 })), Cancel), id))
                .GetProperty("product_id").GetString().Should().Be(id);
            (await Json(await writer.GetAsync($"{path}/history", Cancel), id)).GetArrayLength().Should().Be(4, id);
            (await Json(await writer.GetAsync($"{path}/sales", Cancel), id)).EnumerateArray().Single().GetProperty("sale_id").GetString().Should().Be($"id-sale-{i}");
            (await Json(await writer.GetAsync($"/api/alerts?product_id={Uri.EscapeDataString(id)}", Cancel), id)).ValueKind.Should().Be(JsonValueKind.Array);
        }

        for (var i = 0; i < ids.Count; i += 2)
        {
            using var delete = new HttpRequestMessage(HttpMethod.Delete, PathOf(ids[i]));
            delete.Headers.TryAddWithoutValidation("If-Match", "\"4\"");
            (await admin.SendAsync(delete, Cancel)).StatusCode.Should().Be(HttpStatusCode.NoContent, ids[i]);
        }

        for (var i = 0; i < ids.Count; i++)
        {
            (await writer.GetAsync(PathOf(ids[i]), Cancel)).StatusCode.Should().Be(i % 2 == 0 ? HttpStatusCode.NotFound : HttpStatusCode.OK, ids[i]);
        }
    }

    [Fact]
    public async Task EveryAllowedId_ReachesItsOwnProduct_ThroughTheCli()
    {
        using var data = new TempFolder();
        var ids = ProductIds.All;
        for (var i = 0; i < ids.Count; i++)
        {
            // An id that starts with '-' goes after "--", as any argument that looks like an option does.
            string[] id = ids[i].StartsWith('-') ? ["--", ids[i]] : [ids[i]];
            var set = await Cli.Cli.RunAsync(data.Path, ["products", "set", "--name", $"Id {i}", "--stock", $"{100 + i}", "--price", "1", .. id]);
            set.ExitCode.Should().Be(0, $"{ids[i]}: {set.Error}");
        }

        for (var i = 0; i < ids.Count; i++)
        {
            string[] id = ids[i].StartsWith('-') ? ["--", ids[i]] : [ids[i]];
            var shown = await Cli.Cli.RunAsync(data.Path, ["products", "show", "--json", .. id]);
            shown.ExitCode.Should().Be(0, $"{ids[i]}: {shown.Error}");
            var product = JsonDocument.Parse(shown.Output).RootElement;
            (product.GetProperty("product_id").GetString(), product.GetProperty("stock_count").GetInt32()).Should().Be((ids[i], 100 + i));
            var sold = await Cli.Cli.RunAsync(data.Path, "sales", "record", $"--product={ids[i]}", "--quantity", "1", "--sale-id", $"cli-{i}");
            sold.ExitCode.Should().Be(0, $"{ids[i]}: {sold.Error}");
            (await Cli.Cli.RunAsync(data.Path, "alerts", "list", $"--product={ids[i]}")).ExitCode.Should().Be(0, ids[i]);
            (await Cli.Cli.RunAsync(data.Path, ["products", "delete", .. id])).ExitCode.Should().Be(0, ids[i]);
        }

        TestStore.ScalarIn(Path.Combine(data.Path, "stockwatch.db"), "SELECT COUNT(*) FROM sales").Should().Be(ids.Count);
        TestStore.ScalarIn(Path.Combine(data.Path, "stockwatch.db"), "SELECT COUNT(*) FROM products").Should().Be(0);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response, string id)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Cancel);
            response.IsSuccessStatusCode.Should().BeTrue($"{id}: {(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}
