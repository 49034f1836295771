using System.Net;
using System.Text.Json;

namespace StockWatch.Tests.Api;

public sealed class ReportsApiTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MakeWeekly_Is201ThenTheSameReportWith200_AndItsContentInEachFormat()
    {
        await server.CreateAsync("REP-1", stock: 40, price: 2.5m);
        using var writer = server.Writer();
        using (var sale = await writer.PostAsync("/api/sales",
            ApiServerFixture.Json("""{"sale_id":"rep-s1","product_id":"REP-1","quantity":4,"sale_date":"2026-10-28T09:00:00Z"}"""), Cancel))
        {
            sale.StatusCode.Should().Be(HttpStatusCode.Created);
        }

        using var made = await writer.PostAsync("/api/reports/weekly?week=2026-W44", null, Cancel);
        using var again = await writer.PostAsync("/api/reports/weekly?end=2026-10-29T17:00:00Z", null, Cancel);

        made.StatusCode.Should().Be(HttpStatusCode.Created);
        made.Headers.Location!.ToString().Should().Be("/api/reports/weekly-20261029T1700Z");
        var report = JsonDocument.Parse(await made.Content.ReadAsStringAsync(Cancel)).RootElement;
        (report.GetProperty("period_start").GetString(), report.GetProperty("period_end").GetString(), report.GetProperty("created").GetBoolean())
            .Should().Be(("2026-10-22T17:00:00Z", "2026-10-29T17:00:00Z", true));
        report.GetProperty("report_location").GetString().Should().StartWith("file:///");
        report.GetProperty("totals").GetProperty("revenue").GetDecimal().Should().Be(10m);
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonDocument.Parse(await again.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("created").GetBoolean().Should().BeFalse();

        using var reader = server.Reader();
        var listed = JsonDocument.Parse(await reader.GetStringAsync("/api/reports", Cancel)).RootElement;
        listed.EnumerateArray().Select(r => r.GetProperty("report_id").GetString()).Should().Contain("weekly-20261029T1700Z");
        foreach (var (format, type, start) in new[] { ("json", "application/json", "{"), ("csv", "text/csv", "period"), ("html", "text/html", "<!DOCTYPE html>") })
        {
            using var content = await reader.GetAsync($"/api/reports/weekly-20261029T1700Z/content?format={format}", Cancel);
            content.StatusCode.Should().Be(HttpStatusCode.OK);
            content.Content.Headers.ContentType!.MediaType.Should().Be(type);
            (await content.Content.ReadAsStringAsync(Cancel)).Should().StartWith(start);
        }
    }

    [Theory]
    [InlineData("POST", "/api/reports/weekly?end=yesterday", 400, "end")]
    [InlineData("POST", "/api/reports/weekly?end=2026-11-05T17:00:00Z&week=2026-W45", 400, "week")]
    [InlineData("POST", "/api/reports/weekly?week=2026-W99", 400, "week")]
    [InlineData("GET", "/api/reports/weekly-20261029T1700Z/content?format=pdf", 400, "format")]
    [InlineData("GET", "/api/reports/no-such-report", 404, null)]
    [InlineData("GET", "/api/reports/no-such-report/content?format=html", 404, null)]
    [InlineData("GET", "/api/reports?limit=-1", 400, "limit")]
    public async Task BadRequest_IsAProblemNamingTheField(string method, string path, int status, string? field)
    {
        using var writer = server.Writer();
        using var response = await writer.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Cancel);

        ((int)response.StatusCode).Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        if (field is not null)
        {
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Equal(field);
        }
    }
}
