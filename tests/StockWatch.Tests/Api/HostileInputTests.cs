using System.Net;
using System.Text;
using System.Text.Json;

namespace StockWatch.Tests.Api;

/// <summary>Malformed, hostile and oversized bodies on every write endpoint: a precise 4xx problem, never a 500, nothing written.</summary>
public sealed class HostileInputTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private static readonly string[] WriteEndpoints = ["PUT /api/products/H1", "PATCH /api/products/H1", "POST /api/products/H1/stock", "POST /api/sales"];

    /// <summary>A body, and what the problem's detail must say (null: any detail).</summary>
    public static TheoryData<string, string, int, string?> Cases()
    {
        var data = new TheoryData<string, string, int, string?>();
        foreach (var endpoint in WriteEndpoints)
        {
            data.Add(endpoint, "{not json", 400, "must be one JSON object");
            data.Add(endpoint, "[1,2,3]", 400, "must be one JSON object");
            data.Add(endpoint, "\"a string\"", 400, "must be one JSON object");
            data.Add(endpoint, "null", 400, "must be a JSON object");
            data.Add(endpoint, "", 400, "must be a JSON object");
            data.Add(endpoint, """{"surprise":1}""", 400, "surprise is not a field of this request");
            data.Add(endpoint, "{\"a\":" + new string('[', 100) + new string(']', 100) + "}", 400, null);
        }

        data.Add("PUT /api/products/H1", """{"product_name":"X","stock_count":"5","product_price":1}""", 400, "stock_count has the wrong type");
        data.Add("PUT /api/products/H1", """{"product_name":"X","stock_count":99999999999,"product_price":1}""", 400, "stock_count has the wrong type or is out of range");
        data.Add("PUT /api/products/H1", """{"product_name":"X","stock_count":-1,"product_price":1}""", 400, "stock_count must not be negative");
        data.Add("PUT /api/products/H1", """{"product_name":"","stock_count":1,"product_price":1}""", 400, "product_name must not be empty");
        data.Add("PUT /api/products/H1", """{"product_name":null,"stock_count":1,"product_price":1}""", 400, "product_name is required");
        data.Add("PUT /api/products/H1", """{"stock_count":1,"product_price":1}""", 400, "product_name is required");
        data.Add("PUT /api/products/H1", """{"product_name":"X","stock_count":1,"product_price":1.23456}""", 400, "at most 4 decimals");
        data.Add("PUT /api/products/H1", """{"product_name":"X","stock_count":1,"product_price":1e400}""", 400, "product_price has the wrong type or is out of range");
        data.Add("PUT /api/products/H1", """{"product_name":"X","stock_count":1,"product_price":1,"low_stock_threshold":"ten"}""", 400, "low_stock_threshold must be a whole number");
        data.Add("PUT /api/products/%20H1", """{"product_name":"X","stock_count":1,"product_price":1}""", 400, "product_id must not start or end with a space");
        data.Add("PATCH /api/products/H1", """{"product_category":""}""", 400, "product_category must not be empty");
        data.Add("PATCH /api/products/H1", """{"product_price":-0.01}""", 400, "product_price must not be negative");
        data.Add("PATCH /api/products/H1", """{"product_name":"x\u0000y"}""", 400, "control characters");
        data.Add("POST /api/products/H1/stock", """{}""", 400, "exactly one of delta");
        data.Add("POST /api/products/H1/stock", """{"delta":1,"set":2}""", 400, "exactly one of delta");
        data.Add("POST /api/products/H1/stock", """{"delta":0}""", 400, "delta must not be 0");
        data.Add("POST /api/products/H1/stock", """{"set":-5}""", 400, "set must not be negative");
        data.Add("POST /api/products/H1/stock", """{"delta":-999}""", 409, "Not enough stock");
        data.Add("POST /api/sales", """{"product_id":"H1","quantity":1}""", 400, "sale_id is required");
        data.Add("POST /api/sales", """{"sale_id":"x","product_id":"H1","quantity":0}""", 400, "quantity must be a non-zero whole number");
        data.Add("POST /api/sales", """{"sale_id":"x","product_id":"H1","quantity":1.5}""", 400, "quantity has the wrong type");
        data.Add("POST /api/sales", """{"sale_id":"x","product_id":"H1","quantity":1,"current_price":-3}""", 400, "current_price must not be negative");
        data.Add("POST /api/sales", """{"sale_id":"x","product_id":"H1","quantity":1,"sale_date":"yesterday"}""", 400, "sale_date must be an ISO-8601 date");
        data.Add("POST /api/sales", """{"sale_id":" x","product_id":"H1","quantity":1}""", 400, "sale_id must not start or end with a space");
        data.Add("POST /api/sales", """{"sale_id":"x","product_id":"nope","quantity":1}""", 404, "Product nope does not exist");
        data.Add("POST /api/sales", """{"sale_id":"x","product_id":"H1","quantity":999}""", 409, "Not enough stock");
        data.Add("POST /api/sales", """{"sale_id":"x","product_id":"H1","quantity":1,"quantity":500}""", 400, "quantity is given twice");
        data.Add("POST /api/sales", """{"sale_id":"x","product_id":"H1","quantity":1,"sale_date":"0001-01-01T00:00:00Z"}""", 400, "sale_date 0001-01-01T00:00:00Z is before 1900-01-08T00:00:00Z");
        data.Add("PUT /api/products/H1", """{"product_name":""", 400, "The request body ends before its JSON does");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WriteEndpoint_BadBody_IsAPreciseProblemAndWritesNothing(string endpoint, string body, int status, string? detail)
    {
        await server.CreateAsync("H1", stock: 20);
        var before = await Snapshot();

        using var response = await Send(endpoint, new StringContent(body, Encoding.UTF8, "application/json"));

        ((int)response.StatusCode).Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        problem.RootElement.GetProperty("status").GetInt32().Should().Be(status);
        var text = problem.RootElement.GetProperty("detail").GetString();
        text.Should().NotBeNullOrWhiteSpace().And.NotContain(" at StockWatch").And.NotContain("Exception");
        if (detail is not null)
        {
            text.Should().Contain(detail);
        }

        (await Snapshot()).Should().Be(before);
    }

    [Theory]
    [MemberData(nameof(WriteEndpointNames))]
    public async Task WriteEndpoint_WrongMediaType_Is415(string endpoint)
    {
        using var response = await Send(endpoint, new StringContent("product_name=X", Encoding.UTF8, "application/x-www-form-urlencoded"));

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Should().Contain("send JSON as application/json");
    }

    [Theory]
    [MemberData(nameof(WriteEndpointNames))]
    public async Task WriteEndpoint_BodyOverTheLimit_Is413(string endpoint)
    {
        var huge = "{\"product_name\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";

        // Expect: 100-continue, as a careful client sends it: the server refuses on the declared length before the
        // body is sent, instead of closing the connection while a client is still writing (a broken pipe, not a 413).
        using var response = await Send(endpoint, new StringContent(huge, Encoding.UTF8, "application/json"), expectContinue: true);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    public static TheoryData<string> WriteEndpointNames() => [.. WriteEndpoints];

    private async Task<HttpResponseMessage> Send(string endpoint, HttpContent content, bool expectContinue = false)
    {
        var (method, path) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1]);
        using var client = server.Admin();
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
        request.Headers.ExpectContinue = expectContinue;
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private async Task<string> Snapshot()
    {
        using var client = server.Reader();
        using var product = JsonDocument.Parse(await client.GetStringAsync("/api/products/H1", TestContext.Current.CancellationToken));
        var p = product.RootElement;
        var sales = Testing.TestStore.ScalarIn(Path.Combine(server.DataFolder, "stockwatch.db"), "SELECT COUNT(*) FROM sales WHERE product_id = 'H1'");
        // What a write could change; last_alert_time moves on its own as the server processes alerts.
        return $"{p.GetProperty("version")} {p.GetProperty("stock_count")} {p.GetProperty("product_price")} {p.GetProperty("product_name")} {sales}";
    }
}
