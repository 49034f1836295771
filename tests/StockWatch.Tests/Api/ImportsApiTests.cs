using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace StockWatch.Tests.Api;

public sealed class ImportsApiTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    private static Task<JsonElement> WaitUntilFinished(HttpClient client, Uri location) => Eventually.Until(
        async () => JsonDocument.Parse(await client.GetStringAsync(location, Cancel)).RootElement,
        record => record.GetProperty("status").GetString() is "done" or "failed",
        "the worker picks a job up within a second", Cancel);

    [Fact]
    public async Task Upload_TextCsv_Is202AndTheImportReportsRejectedRowsAndErrorsCsv()
    {
        using var client = server.Writer();

        using var response = await client.PostAsync("/api/imports?kind=products",
            Csv("product_id,product_name,stock_count\nIMP-A,Alpha,5\nIMP-B,Beta,x\nIMP-C,=cmd|' /C calc'!A0,-1\n"), Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var record = await WaitUntilFinished(client, response.Headers.Location!);
        var summary = record.GetProperty("summary");
        (summary.GetProperty("accepted").GetInt64(), summary.GetProperty("rejected").GetInt64()).Should().Be((1L, 2L));
        var errors = await client.GetStringAsync($"{response.Headers.Location}/errors.csv", Cancel);
        errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            "line,column,value,message",
            "3,stock_count,x,\"stock_count must be a whole number from 0 to 2147483647 (got \"\"x\"\").\"",
            "4,stock_count,-1,\"stock_count must be a whole number from 0 to 2147483647 (got \"\"-1\"\").\"");
    }

    [Fact]
    public async Task Preview_ShowsTheFirstRowsAsReadAndDecided_AndWritesNothing()
    {
        using var client = server.Writer();
        await server.CreateAsync("PRE-STOCKED", stock: 2);

        using var response = await client.PostAsync(
            "/api/imports/preview?map=Artikel=product_id&map=Menge=quantity&map=Datum=sale_date&decimal_separator=,&date_format=dd.MM.yyyy&rows=3",
            Csv("Artikel;Menge;Datum;Preis;Filiale\nPRE-STOCKED;1;01.12.2026;1,50;Nord\nPRE-STOCKED;5;02.12.2026;1,50;Nord\nPRE-STOCKED;x;03.12.2026;1,50;Nord\nPRE-STOCKED;1;04.12.2026;1,50;Nord\n"), Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Cancel));
        var preview = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        (preview.GetProperty("kind").GetString(), preview.GetProperty("delimiter").GetString()).Should().Be(("sales", ";"));
        preview.GetProperty("columns").EnumerateArray().Select(c => $"{c.GetProperty("name").GetString()}={(c.TryGetProperty("field", out var f) ? f.GetString() : "-")}")
            .Should().Equal("Artikel=product_id", "Menge=quantity", "Datum=sale_date", "Preis=-", "Filiale=-");
        var rows = preview.GetProperty("rows").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("line").GetInt32()).Should().Equal(2, 3, 4);
        rows[0].GetProperty("values").GetProperty("sale_date").GetString().Should().Be("2026-12-01T00:00:00Z");
        rows[0].GetProperty("problems").GetArrayLength().Should().Be(0);
        rows[1].GetProperty("problems")[0].GetString().Should().Contain("Not enough stock", "1 of 2 is sold by the row before: the rows are decided in order");
        rows[2].GetProperty("problems")[0].GetString().Should().Contain("quantity");
        JsonDocument.Parse(await client.GetStringAsync("/api/products/PRE-STOCKED", Cancel)).RootElement.GetProperty("stock_count").GetInt32()
            .Should().Be(2, "a preview writes nothing");
    }

    [Theory]
    [InlineData("/api/imports/preview?rows=101", "rows must be at most 100")]
    [InlineData("/api/imports/preview?row=3", "\\\"row\\\" is not an import option; the options are kind, dry_run, map, date_format, decimal_separator, delimiter, stock, create_products, rows")]
    [InlineData("/api/imports/preview?map=Nope=product_id", "the header has no column Nope")]
    public async Task Preview_BadOptions_Are400NamingThem(string path, string message)
    {
        using var client = server.Writer();

        using var response = await client.PostAsync(path, Csv("product_id,product_name\nP,Name\n"), Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(Cancel)).Should().Contain(message);
    }

    [Fact]
    public async Task List_GivesTheLatestImportsNewestFirstWithTheirCounts_AndPagesBack()
    {
        using var client = server.Writer();
        List<string> ids = [];
        foreach (var name in new[] { "LIST-1", "LIST-2", "LIST-3" })
        {
            using var response = await client.PostAsync("/api/imports?kind=products", Csv($"product_id,product_name\n{name},Listed\n{name}-bad,\"unclosed\n"), Cancel);
            ids.Add((await WaitUntilFinished(client, response.Headers.Location!)).GetProperty("import_id").GetString()!);
        }

        var latest = JsonDocument.Parse(await client.GetStringAsync("/api/imports?limit=2", Cancel)).RootElement.EnumerateArray().ToList();
        var older = JsonDocument.Parse(await client.GetStringAsync(
            $"/api/imports?limit=1&before={Uri.EscapeDataString(latest[^1].GetProperty("created_at").GetString()!)}", Cancel)).RootElement.EnumerateArray().ToList();

        latest.Concat(older).Select(i => i.GetProperty("import_id").GetString()).Should().Equal(ids[2], ids[1], ids[0]);
        latest[0].GetProperty("status").GetString().Should().Be("done");
        (latest[0].GetProperty("accepted").GetInt64(), latest[0].GetProperty("rejected").GetInt64()).Should().Be((1L, 1L));
        latest[0].TryGetProperty("errors", out _).Should().BeFalse("the rows are for GET /api/imports/{id}");
        (await client.GetAsync("/api/imports?limit=201", Cancel)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Upload_WithAMisspeltOption_Is400NamingIt_AndImportsNothing()
    {
        using var client = server.Writer();

        using var response = await client.PostAsync("/api/imports?dryrun=true", Csv("product_id,product_name\nDRY-1,Dry\n"), Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(Cancel)).Should().Contain("\\\"dryrun\\\" is not an import option").And.Contain("dry_run");
        (await client.GetAsync("/api/products/DRY-1", Cancel)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Upload_MultipartWithMappedColumns_Imports()
    {
        using var client = server.Writer();
        using var form = new MultipartFormDataContent { { Csv("SKU,Title,Qty\nIMP-M,Mapped,4\n"), "file", "shop.csv" } };

        using var response = await client.PostAsync("/api/imports?kind=products&map=SKU=product_id&map=Title=product_name&map=Qty=stock_count", form, Cancel);
        var record = await WaitUntilFinished(client, response.Headers.Location!);

        record.GetProperty("source").GetString().Should().Be("shop.csv");
        record.GetProperty("summary").GetProperty("accepted").GetInt64().Should().Be(1);
        (await client.GetStringAsync("/api/products/IMP-M", Cancel)).Should().Contain("\"stock_count\":4");
    }

    [Fact]
    public async Task Upload_UnusableFile_FailsWithTheReason()
    {
        using var client = server.Writer();

        using var response = await client.PostAsync("/api/imports", Csv(""), Cancel);
        var record = await WaitUntilFinished(client, response.Headers.Location!);

        record.GetProperty("status").GetString().Should().Be("failed");
        record.GetProperty("error").GetString().Should().Be("The file is empty: it has no header line.");
    }

    [Theory]
    [InlineData("?kind=orders", "kind must be products or sales")]
    [InlineData("?dry_run=perhaps", "dry_run must be true or false")]
    [InlineData("?map=nonsense", "map takes COLUMN=field")]
    public async Task Upload_BadOptions_Is400(string query, string detail)
    {
        using var client = server.Writer();

        using var response = await client.PostAsync($"/api/imports{query}", Csv("product_id\nA\n"), Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(Cancel)).Should().Contain(detail);
    }

    [Fact]
    public async Task Upload_JsonBody_Is415()
    {
        using var client = server.Writer();

        using var response = await client.PostAsync("/api/imports", ApiServerFixture.Json("{}"), Cancel);

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Upload_Reader_Is403AndUnknownImportIs404()
    {
        using var reader = server.Reader();

        (await reader.PostAsync("/api/imports", Csv("product_id\nA\n"), Cancel)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await reader.GetAsync("/api/imports/imp-nope", Cancel)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await reader.GetAsync("/api/imports/imp-nope/errors.csv", Cancel)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}

/// <summary>A server that takes uploads of at most 4 KiB.</summary>
public sealed class SmallUploadServerFixture : ApiServerFixture
{
    protected override Dictionary<string, string?> Settings => new() { ["StockWatch:Imports:MaxUploadBytes"] = "4096" };
}

public sealed class UploadLimitTests(SmallUploadServerFixture server) : IClassFixture<SmallUploadServerFixture>
{
    [Fact]
    public async Task Upload_OverTheLimit_Is413AndNothingIsQueued()
    {
        using var client = server.Writer();
        var big = "product_id,product_name\n" + string.Concat(Enumerable.Range(0, 500).Select(i => $"P{i},Product {i}\n"));

        using var response = await client.PostAsync("/api/imports", new StringContent(big, Encoding.UTF8, new MediaTypeHeaderValue("text/csv")), TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        Testing.TestStore.ScalarIn(Path.Combine(server.DataFolder, "stockwatch.db"), "SELECT COUNT(*) FROM queue_messages WHERE queue = 'imports'").Should().Be(0);
    }
}
