using System.Net;

namespace StockWatch.Tests.Api;

/// <summary>Every endpoint × no key / reader / writer / admin.</summary>
public sealed class RoleMatrixTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    public enum Caller { None, Reader, Writer, Admin }

    /// <summary>Each endpoint with the lowest caller it admits (None: anonymous).</summary>
    public static TheoryData<string, string, string?, Caller> Endpoints() => new()
    {
        { "GET", "/api/products", null, Caller.Reader },
        { "GET", "/api/products/M1", null, Caller.Reader },
        { "GET", "/api/products/M1/history", null, Caller.Reader },
        { "GET", "/api/products/M1/sales", null, Caller.Reader },
        { "GET", "/api/me", null, Caller.Reader },
        { "GET", "/api/summary", null, Caller.Reader },
        { "GET", "/api/status", null, Caller.Reader },
        { "PUT", "/api/products/M1", """{"product_name":"Matrix","stock_count":100,"product_price":1}""", Caller.Writer },
        { "PATCH", "/api/products/M1", """{"product_price":2}""", Caller.Writer },
        { "POST", "/api/products/M1/stock", """{"delta":1,"reason":"count"}""", Caller.Writer },
        { "POST", "/api/sales", """{"sale_id":"matrix","product_id":"M1","quantity":1}""", Caller.Writer },
        { "DELETE", "/api/products/M2", null, Caller.Admin },
        { "GET", "/api/alerts", null, Caller.Reader },
        { "GET", "/api/alerts/stream", null, Caller.Reader },
        { "GET", "/api/reports", null, Caller.Reader },
        { "POST", "/api/reports/weekly?end=2026-11-05T17:00:00Z", null, Caller.Writer },
        { "GET", "/health", null, Caller.None },
        { "GET", "/", null, Caller.None },
        { "GET", "/dashboard/app.js", null, Caller.None },
        { "GET", "/openapi/v1.json", null, Caller.None },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Endpoint_EachCaller_GetsInOnlyWithTheRoleItNeeds(string method, string path, string? body, Caller needed)
    {
        await server.CreateAsync("M1", stock: 100);
        foreach (var caller in Enum.GetValues<Caller>())
        {
            await server.CreateAsync("M2");
            using var client = server.Client(caller switch
            {
                Caller.Reader => server.ReaderKey,
                Caller.Writer => server.WriterKey,
                Caller.Admin => server.AdminKey,
                _ => null,
            });
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : ApiServerFixture.Json(body) };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

            var expected = caller >= needed ? "in" : caller == Caller.None ? "401" : "403";
            var actual = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => "401",
                HttpStatusCode.Forbidden => "403",
                _ when response.IsSuccessStatusCode => "in",
                var other => $"unexpected {(int)other}",
            };
            actual.Should().Be(expected, $"{caller} calling {method} {path}");
            if (actual is "401" or "403")
            {
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            }
        }
    }

    [Theory]
    [InlineData("Bearer sw_0000000000000000_notakey")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer sw_")]
    public async Task UnknownOrMalformedKey_Is401(string authorization)
    {
        using var client = server.Client(null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        using var response = await client.GetAsync("/api/products", TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
