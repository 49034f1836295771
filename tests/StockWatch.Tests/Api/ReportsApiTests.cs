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

    [Fact]
    public async Task MakeWeekly_OfAPeriodNotEnded_Is409NamingWhenItCanBeMade_AndStoresNothing()
    {
        using var writer = server.Writer();

        using var response = await writer.PostAsync("/api/reports/weekly?week=2030-W01", null, Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        problem.GetProperty("detail").GetString().Should()
            .Be("The week ending Thu 3 Jan 2030, 17:00 UTC has not ended yet: its report can be made from 2030-01-03T17:00:00Z. "
                + "Use preview=true to see its figures so far without storing them.");
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Equal("end");
        using var reader = server.Reader();
        (await reader.GetAsync("/api/reports/weekly-20300103T1700Z", Cancel)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Preview_OfAnyPeriod_IsTheReportSoFar_StoredNowhere()
    {
        await server.CreateAsync("PRE-1", stock: 40, price: 3m);
        using var writer = server.Writer();
        var today = DateTimeOffset.UtcNow;
        using (var sale = await writer.PostAsync("/api/sales", ApiServerFixture.Json(
            $$"""{"sale_id":"pre-s1","product_id":"PRE-1","quantity":5,"sale_date":"{{today.AddHours(-1):yyyy-MM-dd'T'HH:mm:ss'Z'}}"}"""), Cancel))
        {
            sale.StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var end = today.AddDays(3).ToString("yyyy-MM-dd'T'HH:00:00'Z'", System.Globalization.CultureInfo.InvariantCulture);
        using var preview = await writer.PostAsync($"/api/reports/weekly?end={end}&preview=true", null, Cancel);

        preview.StatusCode.Should().Be(HttpStatusCode.OK);
        var report = JsonDocument.Parse(await preview.Content.ReadAsStringAsync(Cancel)).RootElement;
        report.GetProperty("period").GetProperty("end").GetString().Should().Be(end);
        report.GetProperty("top_by_units").EnumerateArray().Select(p => (p.GetProperty("product_id").GetString(), p.GetProperty("units").GetInt64()))
            .Should().Contain(("PRE-1", 5L));
        using var reader = server.Reader();
        var listed = JsonDocument.Parse(await reader.GetStringAsync("/api/reports", Cancel)).RootElement;
        listed.EnumerateArray().Select(r => r.GetProperty("period_end").GetString()).Should().NotContain(end);
        using var made = await writer.PostAsync($"/api/reports/weekly?end={end}", null, Cancel);
        made.StatusCode.Should().Be(HttpStatusCode.Conflict, "the preview made nothing the period could be returned as");
    }

    [Fact]
    public async Task Rebuild_AfterALateSale_IsANewVersionOfTheSamePeriod_WithTheSaleCounted()
    {
        await server.CreateAsync("LATE-1", stock: 40, price: 2m);
        using var writer = server.Writer();
        async Task Sale(string id, int quantity)
        {
            using var sale = await writer.PostAsync("/api/sales",
                ApiServerFixture.Json($$"""{"sale_id":"{{id}}","product_id":"LATE-1","quantity":{{quantity}},"sale_date":"2026-10-14T09:00:00Z"}"""), Cancel);
            sale.StatusCode.Should().Be(HttpStatusCode.Created);
        }

        await Sale("late-s1", 3);
        using var first = await writer.PostAsync("/api/reports/weekly?end=2026-10-15T17:00:00Z", null, Cancel);
        await Sale("late-s2", 4);
        using var found = await writer.PostAsync("/api/reports/weekly?end=2026-10-15T17:00:00Z", null, Cancel);
        using var rebuilt = await writer.PostAsync("/api/reports/weekly?end=2026-10-15T17:00:00Z&rebuild=true", null, Cancel);
        using var reader = server.Reader();
        using var readerRebuild = await reader.PostAsync("/api/reports/weekly?end=2026-10-15T17:00:00Z&rebuild=true", null, Cancel);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        var stored = JsonDocument.Parse(await found.Content.ReadAsStringAsync(Cancel)).RootElement;
        (stored.GetProperty("version").GetInt32(), stored.GetProperty("totals").GetProperty("units").GetInt64()).Should().Be((1, 3L), "a stored report is returned as made");
        rebuilt.StatusCode.Should().Be(HttpStatusCode.Created);
        var version2 = JsonDocument.Parse(await rebuilt.Content.ReadAsStringAsync(Cancel)).RootElement;
        (version2.GetProperty("report_id").GetString(), version2.GetProperty("version").GetInt32(), version2.GetProperty("totals").GetProperty("units").GetInt64())
            .Should().Be(("weekly-20261015T1700Z", 2, 7L));
        version2.GetProperty("report_location").GetString().Should().EndWith("/weekly-20261015T1700Z-v2.html");
        readerRebuild.StatusCode.Should().Be(HttpStatusCode.Forbidden, "a rebuild writes: writers only");
        var got = JsonDocument.Parse(await reader.GetStringAsync("/api/reports/weekly-20261015T1700Z", Cancel)).RootElement;
        got.GetProperty("version").GetInt32().Should().Be(2);
        var content = JsonDocument.Parse(await reader.GetStringAsync("/api/reports/weekly-20261015T1700Z/content", Cancel)).RootElement;
        (content.GetProperty("version").GetInt32(), content.GetProperty("totals").GetProperty("units").GetInt64()).Should().Be((2, 7L));
    }

    [Theory]
    [InlineData("POST", "/api/reports/weekly?week=2026-W40&preview=maybe", 400, "preview")]
    [InlineData("POST", "/api/reports/weekly?week=2026-W40&preview=true&rebuild=true", 400, "preview")]
    [InlineData("POST", "/api/reports/weekly?end=2030-01-01T00:00:00Z&rebuild=true", 409, "end")]
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
