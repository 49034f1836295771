using System.Net;
using System.Text.Json;

namespace StockWatch.Tests.Api;

public sealed class ApiBehaviourTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> Body(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;

    [Fact]
    public async Task Put_CreatesWith201ThenReplacesWith200_AndReturnsTheVersionAsETag()
    {
        using var client = server.Writer();

        using var created = await client.PutAsync("/api/products/B1", ApiServerFixture.Json("""{"product_name":"Heart","stock_count":5,"product_price":2.55,"low_stock_threshold":3}"""), Cancel);
        using var replaced = await client.PutAsync("/api/products/B1", ApiServerFixture.Json("""{"product_name":"Heart","stock_count":7,"product_price":2.55}"""), Cancel);

        created.StatusCode.Should().Be(HttpStatusCode.Created);
        created.Headers.ETag!.Tag.Should().Be("\"1\"");
        replaced.StatusCode.Should().Be(HttpStatusCode.OK);
        replaced.Headers.ETag!.Tag.Should().Be("\"2\"");
        var body = await Body(replaced);
        body.GetProperty("stock_count").GetInt32().Should().Be(7);
        body.TryGetProperty("low_stock_threshold", out _).Should().BeFalse("PUT replaces: a threshold left out is the default");
    }

    [Fact]
    public async Task Put_IfNoneMatchStar_CreatesOnce_AndRefusesToReplaceWith412()
    {
        using var writer = server.Writer();
        HttpRequestMessage Create(string name, string ifNoneMatch = "*")
        {
            var request = new HttpRequestMessage(HttpMethod.Put, "/api/products/CREATE-ONLY")
            {
                Content = ApiServerFixture.Json($$"""{"product_name":"{{name}}","stock_count":1,"product_price":1}"""),
            };
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
            return request;
        }

        using var first = await writer.SendAsync(Create("First"), Cancel);
        using var second = await writer.SendAsync(Create("Second"), Cancel);
        using var tagged = await writer.SendAsync(Create("Third", "\"1\""), Cancel);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        second.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        (await Body(second)).GetProperty("detail").GetString().Should().Be("Product CREATE-ONLY exists already; open it to change it.");
        tagged.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Body(await writer.GetAsync("/api/products/CREATE-ONLY", Cancel))).GetProperty("product_name").GetString().Should().Be("First");
    }

    [Fact]
    public async Task Patch_StaleIfMatch_Is412AndChangesNothing()
    {
        await server.CreateAsync("B2", stock: 5);
        using var client = server.Writer();
        using var first = await client.GetAsync("/api/products/B2", Cancel);
        var etag = first.Headers.ETag!.Tag;
        using var change = new HttpRequestMessage(HttpMethod.Patch, "/api/products/B2") { Content = ApiServerFixture.Json("""{"product_price":3}""") };
        change.Headers.TryAddWithoutValidation("If-Match", etag);
        (await client.SendAsync(change, Cancel)).StatusCode.Should().Be(HttpStatusCode.OK);

        using var stale = new HttpRequestMessage(HttpMethod.Patch, "/api/products/B2") { Content = ApiServerFixture.Json("""{"product_price":4}""") };
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        using var response = await client.SendAsync(stale, Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        (await Body(await client.GetAsync("/api/products/B2", Cancel))).GetProperty("product_price").GetDecimal().Should().Be(3m);
    }

    [Fact]
    public async Task Patch_ThresholdNull_FallsBackToTheDefault()
    {
        await server.CreateAsync("B3", threshold: 4);
        using var client = server.Writer();

        using var response = await client.PatchAsync("/api/products/B3", ApiServerFixture.Json("""{"low_stock_threshold":null}"""), Cancel);

        (await Body(response)).TryGetProperty("low_stock_threshold", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Sales_SameSaleIdAgain_Is200WithTheOriginalResult()
    {
        await server.CreateAsync("B4", stock: 5);
        using var client = server.Writer();
        const string Sale = """{"sale_id":"B4-1","product_id":"B4","quantity":2,"sale_date":"2026-11-20"}""";

        using var first = await client.PostAsync("/api/sales", ApiServerFixture.Json(Sale), Cancel);
        using var again = await client.PostAsync("/api/sales", ApiServerFixture.Json(Sale), Cancel);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        var (original, replay) = (await Body(first), await Body(again));
        replay.GetProperty("stock_after").GetInt32().Should().Be(original.GetProperty("stock_after").GetInt32()).And.Be(3);
        replay.GetProperty("replayed").GetBoolean().Should().BeTrue();
        (await Body(await client.GetAsync("/api/products/B4", Cancel))).GetProperty("stock_count").GetInt32().Should().Be(3);
    }

    [Fact]
    public async Task Sales_MoreThanInStock_Is409AndChangesNothing()
    {
        await server.CreateAsync("B5", stock: 2);
        using var client = server.Writer();

        using var response = await client.PostAsync("/api/sales", ApiServerFixture.Json("""{"sale_id":"B5-1","product_id":"B5","quantity":3}"""), Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await Body(response)).GetProperty("detail").GetString().Should().Be("Not enough stock: product B5 has 2, the sale needs 3.");
        (await Body(await client.GetAsync("/api/products/B5", Cancel))).GetProperty("stock_count").GetInt32().Should().Be(2);
    }

    [Fact]
    public async Task Delete_Admin_Is204ThenTheProductIs404()
    {
        await server.CreateAsync("B6");
        using var client = server.Admin();

        (await client.DeleteAsync("/api/products/B6", Cancel)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var gone = await client.GetAsync("/api/products/B6", Cancel);

        gone.StatusCode.Should().Be(HttpStatusCode.NotFound);
        gone.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task List_PagedWithCursors_VisitsEveryProductOnce()
    {
        for (var i = 0; i < 7; i++)
        {
            await server.CreateAsync($"PAGE-{i}");
        }

        using var client = server.Reader();
        List<string> seen = [];
        string? cursor = null;
        do
        {
            var page = await Body(await client.GetAsync($"/api/products?limit=3{(cursor is null ? "" : $"&cursor={cursor}")}", Cancel));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("product_id").GetString()!));
            cursor = page.TryGetProperty("next_cursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        seen.Where(id => id.StartsWith("PAGE-", StringComparison.Ordinal)).Should().Equal(Enumerable.Range(0, 7).Select(i => $"PAGE-{i}"));
        seen.Should().OnlyHaveUniqueItems();
    }

    [Theory]
    [InlineData("/api/products?limit=0", "limit")]
    [InlineData("/api/products?limit=5000", "limit must be at most 1000")]
    [InlineData("/api/products?low_stock=maybe", "low_stock must be true or false")]
    [InlineData("/api/products?cursor=%%%", "cursor must be a next_cursor value")]
    [InlineData("/api/products?sort=price", "sort must be one of product_id, product_name, product_category, stock_count, product_price")]
    [InlineData("/api/products?sort=stock_count&order=up", "order must be asc or desc")]
    [InlineData("/api/products?sort=stock_count&cursor=WyJwcm9kdWN0X2lkIixmYWxzZSxudWxsLCJBIl0", "cursor must be a next_cursor value from a previous page of the same sort and order")]
    [InlineData("/api/products?cursor=WzEsMiwzXQ", "cursor must be a next_cursor value")]
    [InlineData("/api/products/P%20/history", "product_id must not start or end with a space")]
    [InlineData("/api/products/A/sales?limit=-1", "limit must be a whole number from 1")]
    [InlineData("/api/alerts?type=NOPE", "type must be one of")]
    [InlineData("/api/alerts?since=tuesday", "since must be an ISO-8601 date")]
    public async Task Query_Invalid_Is400WithTheParameterNamed(string path, string detail)
    {
        using var client = server.Reader();

        using var response = await client.GetAsync(path, Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Body(response)).GetProperty("detail").GetString().Should().Contain(detail);
    }

    [Fact]
    public async Task Products_HostileSearch_IsRefusedWhenTooLong_AndTakenLiterallyOtherwise()
    {
        using var client = server.Reader();

        using var tooLong = await client.GetAsync($"/api/products?q={new string('x', 201)}", Cancel);
        tooLong.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Body(tooLong)).GetProperty("detail").GetString().Should().Be("q must be at most 200 characters (got 201).");
        using var control = await client.GetAsync("/api/products?q=a%00b", Cancel);
        control.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Body(control)).GetProperty("detail").GetString().Should().Be("q must not contain control characters.");
        foreach (var hostile in new[] { "%", "_", "' OR 1=1 --", "\\", "<script>" })
        {
            using var response = await client.GetAsync($"/api/products?q={Uri.EscapeDataString(hostile)}", Cancel);
            response.StatusCode.Should().Be(HttpStatusCode.OK, hostile);
            (await Body(response)).GetProperty("items").GetArrayLength().Should().Be(0, $"no product has {hostile} in its id or name");
        }
    }

    [Fact]
    public async Task Products_SortedAndSearched_PageWithCursorsOfTheirOwnSort_WithStatusAndCover()
    {
        await server.CreateAsync("SRT-1", stock: 7, threshold: 5);
        await server.CreateAsync("SRT-2", stock: 3, threshold: 5);
        await server.CreateAsync("SRT-3", stock: 7, threshold: 5);
        using var writer = server.Writer();
        (await writer.PostAsync("/api/sales", ApiServerFixture.Json("""{"sale_id":"srt-sale","product_id":"SRT-1","quantity":2}"""), Cancel)).EnsureSuccessStatusCode();
        using var client = server.Reader();

        var first = await Body(await client.GetAsync("/api/products?q=srt-&sort=stock_count&order=desc&limit=2", Cancel));
        var second = await Body(await client.GetAsync($"/api/products?q=srt-&sort=stock_count&order=desc&limit=2&cursor={first.GetProperty("next_cursor").GetString()}", Cancel));

        var items = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).ToList();
        items.Select(p => p.GetProperty("product_id").GetString()).Should().Equal("SRT-3", "SRT-1", "SRT-2");
        second.TryGetProperty("next_cursor", out var none).Should().BeFalse(none.ToString());
        items.Select(p => p.GetProperty("status").GetString()).Should().Equal(["ok", "low", "low"], "SRT-1 sold down to its threshold");
        items[1].GetProperty("days_of_cover").GetDecimal().Should().Be(70.0m, "5 left at 2 units in 28 days: 1/14 a day, the figure the alerts give too");
        items[0].TryGetProperty("days_of_cover", out _).Should().BeFalse("nothing sold");
        items[2].GetProperty("effective_threshold").GetInt32().Should().Be(5);

        var history = await Body(await client.GetAsync("/api/products/SRT-1/history", Cancel));
        history.EnumerateArray().Select(p => p.GetProperty("stock").GetInt32()).Should().Equal(7, 5);
        var sales = await Body(await client.GetAsync("/api/products/SRT-1/sales", Cancel));
        sales.EnumerateArray().Select(p => p.GetProperty("sale_id").GetString()).Should().Equal("srt-sale");
        (await client.GetAsync("/api/products/NOPE-1/history", Cancel)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Alert_ById_ShowsItsDeliveryLog_And404sAnUnknownOne()
    {
        await server.CreateAsync("LOG-1", stock: 3);
        using var reader = server.Reader();
        var alert = await Eventually.Until(async () => (await Body(await reader.GetAsync("/api/alerts?product_id=LOG-1&type=LOW_STOCK", Cancel))).Clone(),
            alerts => alerts.GetArrayLength() == 1, "the stream processor stores the alert", Cancel);
        var id = alert[0].GetProperty("alert_id").GetInt64();

        var shown = await Eventually.Until(async () => await Body(await reader.GetAsync($"/api/alerts/{id}", Cancel)),
            body => body.GetProperty("deliveries").EnumerateArray().Any(d => d.GetProperty("status").GetString() == "delivered"),
            "serve plans and makes the delivery to its log channel", Cancel);

        shown.GetProperty("alert_type").GetString().Should().Be("LOW_STOCK");
        var delivery = shown.GetProperty("deliveries").EnumerateArray().Should().ContainSingle().Subject;
        (delivery.GetProperty("channel").GetString(), delivery.GetProperty("kind").GetString(), delivery.GetProperty("attempts").GetInt32())
            .Should().Be(("log", "alert", 1));
        delivery.GetProperty("delivery_id").GetString().Should().Be($"alert-{id}-log");
        using var unknown = await reader.GetAsync("/api/alerts/999999", Cancel);
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Body(unknown)).GetProperty("detail").GetString().Should().Be("There is no alert 999999.");
        using var bad = await reader.GetAsync("/api/alerts/abc", Cancel);
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using var anonymous = await server.Client(null).GetAsync($"/api/alerts/{id}", Cancel);
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AlertStream_SaleTakingStockLow_ArrivesWithinASecond()
    {
        await server.CreateAsync("B7", stock: 12);
        using var client = server.Reader();
        using var stream = await client.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead, Cancel);
        stream.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(Cancel));
        (await reader.ReadLineAsync(Cancel)).Should().StartWith(":", "the stream opens with a comment once it is listening");

        using var writer = server.Writer();
        var sold = System.Diagnostics.Stopwatch.StartNew();
        (await writer.PostAsync("/api/sales", ApiServerFixture.Json("""{"sale_id":"B7-1","product_id":"B7","quantity":3}"""), Cancel)).EnsureSuccessStatusCode();
        using var within = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        within.CancelAfter(TimeSpan.FromSeconds(5));
        // B7's PRODUCT_ADDED may come first: it is stored by the stream processor after the create returned.
        string? data = null;
        while (data is null || !data.Contains("\"alert_type\":\"LOW_STOCK\"", StringComparison.Ordinal))
        {
            var line = await reader.ReadLineAsync(within.Token);
            data = line?.StartsWith("data: ", StringComparison.Ordinal) == true && line.Contains("\"product_id\":\"B7\"", StringComparison.Ordinal) ? line : data;
        }

        sold.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        data.Should().Contain("\"cause\":\"sale: B7-1\"");
    }

    [Fact]
    public async Task Sales_ManyParallelClients_SellExactlyTheStockWithNoLostUpdate()
    {
        await server.CreateAsync("B8", stock: 150, threshold: 0);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 16).Select(async client =>
        {
            using var http = server.Writer();
            List<HttpStatusCode> mine = [];
            for (var i = 0; i < 13; i++)
            {
                using var response = await http.PostAsync("/api/sales",
                    ApiServerFixture.Json($$"""{"sale_id":"B8-{{client}}-{{i}}","product_id":"B8","quantity":1}"""), Cancel);
                mine.Add(response.StatusCode);
            }

            return mine;
        }));

        var all = statuses.SelectMany(s => s).ToList();
        all.Count(s => s == HttpStatusCode.Created).Should().Be(150);
        all.Count(s => s == HttpStatusCode.Conflict).Should().Be(16 * 13 - 150);
        using var reader = server.Reader();
        (await Body(await reader.GetAsync("/api/products/B8", Cancel))).GetProperty("stock_count").GetInt32().Should().Be(0);
        Testing.TestStore.ScalarIn(Path.Combine(server.DataFolder, "stockwatch.db"), "SELECT COUNT(*) FROM sales WHERE product_id = 'B8'").Should().Be(150);
    }

    [Fact]
    public async Task Health_IsOpenAndChecksTheStore()
    {
        using var client = server.Client(null);

        var health = await Body(await client.GetAsync("/health", Cancel));

        health.GetProperty("status").GetString().Should().Be("healthy");
        health.GetProperty("checks").GetProperty("store").GetProperty("status").GetString().Should().Be("healthy");
    }

    [Fact]
    public async Task OpenApi_DescribesEveryEndpoint()
    {
        using var client = server.Client(null);

        var paths = (await Body(await client.GetAsync("/openapi/v1.json", Cancel))).GetProperty("paths");

        paths.EnumerateObject().Select(p => p.Name).Should().Contain(
            ["/api/products", "/api/products/{id}", "/api/products/{id}/stock", "/api/products/{id}/history", "/api/products/{id}/sales", "/api/sales",
             "/api/alerts", "/api/alerts/{id}", "/api/alerts/stream", "/api/me", "/api/summary", "/api/status"]);
        var sale = paths.GetProperty("/api/sales").GetProperty("post").GetProperty("responses");
        sale.EnumerateObject().Select(r => r.Name).Should().Contain(["201", "200", "400", "401", "403", "404", "409", "413", "415", "429"]);
        sale.GetProperty("409").GetProperty("content").TryGetProperty("application/problem+json", out _).Should().BeTrue();
    }
}

/// <summary>A server whose keys may make 2 requests at once and 1 a second.</summary>
public sealed class RateLimitedServerFixture : ApiServerFixture
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["StockWatch:Api:RateLimitPerSecond"] = "1",
        ["StockWatch:Api:RateLimitBurst"] = "2",
    };
}

public sealed class RateLimitTests(RateLimitedServerFixture server) : IClassFixture<RateLimitedServerFixture>
{
    [Fact]
    public async Task Requests_BeyondTheKeysBurst_Are429WithRetryAfter()
    {
        using var client = server.Reader();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync("/api/alerts", TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                response.Headers.RetryAfter.Should().NotBeNull();
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            }
        }

        statuses.Should().Contain(HttpStatusCode.TooManyRequests);
        statuses.Take(2).Should().AllBeEquivalentTo(HttpStatusCode.OK);
    }
}
