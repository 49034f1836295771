using System.Net;
using System.Text.Json;

namespace StockWatch.Tests.Api;

/// <summary><c>GET /api/alerts</c> filtered and paged on the server, and <c>/api/alerts/counts</c>, as the dashboard uses them.</summary>
public sealed class AlertsApiTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> Get(HttpClient client, string path) =>
        JsonDocument.Parse(await client.GetStringAsync(path, Cancel)).RootElement.Clone();

    [Fact]
    public async Task Alerts_FilteredByTypeAndProduct_PageBackWithBefore_AndCountByType()
    {
        using var reader = server.Reader();
        using var writer = server.Writer();
        for (var i = 0; i < 5; i++)
        {
            await server.CreateAsync($"PAGE-{i}", stock: 11, threshold: 10);
            (await writer.PostAsync("/api/sales", ApiServerFixture.Json($$"""{"sale_id":"page-{{i}}","product_id":"PAGE-{{i}}","quantity":3}"""), Cancel))
                .EnsureSuccessStatusCode();
        }

        var lows = await Eventually.Until(
            () => Get(reader, "/api/alerts?type=LOW_STOCK&limit=1000"),
            all => all.EnumerateArray().Count(a => a.GetProperty("product_id").GetString()!.StartsWith("PAGE-", StringComparison.Ordinal)) == 5,
            "the processor makes the alerts", Cancel);
        var newest = await Get(reader, "/api/alerts?type=LOW_STOCK&limit=2");
        var older = await Get(reader, $"/api/alerts?type=LOW_STOCK&limit=2&before={newest[0].GetProperty("alert_id").GetInt64()}");

        older.EnumerateArray().Concat(newest.EnumerateArray()).Select(a => a.GetProperty("alert_id").GetInt64())
            .Should().Equal(lows.EnumerateArray().TakeLast(4).Select(a => a.GetProperty("alert_id").GetInt64()), "the page before ends where the newest began");
        var one = await Get(reader, "/api/alerts?product_id=PAGE-3");
        one.EnumerateArray().Select(a => a.GetProperty("alert_type").GetString()).Should().Equal("PRODUCT_ADDED", "LOW_STOCK");
        var counts = await Get(reader, "/api/alerts/counts?product_id=PAGE-3");
        counts.GetProperty("total").GetInt64().Should().Be(2);
        counts.GetProperty("by_type").GetProperty("LOW_STOCK").GetInt64().Should().Be(1);
        counts.GetProperty("by_type").GetProperty("OUT_OF_STOCK").GetInt64().Should().Be(0, "every type is named");
        var future = await Get(reader, "/api/alerts/counts?since=2999-01-01");
        future.GetProperty("total").GetInt64().Should().Be(0);
        (await Get(reader, "/api/alerts?until=2000-01-01")).GetArrayLength().Should().Be(0);
        // An alert id is 64-bit (the AWS shape's are): one past int's range pages back from there.
        (await Get(reader, "/api/alerts?before=3000000000")).GetArrayLength().Should().BePositive();
    }

    [Theory]
    [InlineData("/api/alerts?before=0", "before must be")]
    [InlineData("/api/alerts?before=99999999999999999999", "before must be a whole number from 1 to 9223372036854775807")]
    [InlineData("/api/alerts?until=soon", "until must be")]
    [InlineData("/api/alerts?since=2026-12-02&until=2026-12-01", "until (2026-12-01T00:00:00Z) must be after since")]
    [InlineData("/api/alerts/counts?product_id=%20x", "product_id must not start or end with a space")]
    public async Task Alerts_BadFilters_Are400NamingTheField(string path, string message)
    {
        using var reader = server.Reader();

        using var response = await reader.GetAsync(path, Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(Cancel)).Should().Contain(message);
    }
}
