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
