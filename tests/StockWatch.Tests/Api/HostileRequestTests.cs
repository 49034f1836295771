using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace StockWatch.Tests.Api;

/// <summary>Requests made to hurt: broken multipart uploads, dates at the ends of time, bodies sent without a key, revoked keys.</summary>
public sealed class HostileRequestTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Part(string boundary, string headers, string content) => $"--{boundary}\r\n{headers}\r\n\r\n{content}\r\n";

    public static TheoryData<string, string, string> BrokenMultiparts()
    {
        const string b = "XyZ";
        const string file = "Content-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv";
        return new TheoryData<string, string, string>
        {
            { "no boundary", "multipart/form-data", Part(b, file, "product_id,stock_count\nA,1") + $"--{b}--\r\n" },
            { "a boundary not in the body", $"multipart/form-data; boundary={b}", "product_id,stock_count\nA,1\n" },
            { "more than 1,024 parts", $"multipart/form-data; boundary={b}",
                string.Concat(Enumerable.Range(0, 1100).Select(i => Part(b, $"Content-Disposition: form-data; name=\"f{i}\"", "x"))) + $"--{b}--\r\n" },
            { "a part header over 16 KB", $"multipart/form-data; boundary={b}",
                Part(b, file + "\r\nX-Padding: " + new string('p', 17 * 1024), "product_id,stock_count\nA,1") + $"--{b}--\r\n" },
            { "a body cut short", $"multipart/form-data; boundary={b}", $"--{b}\r\n{file}\r\n\r\nproduct_id,stock_count\nA,1\n" },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenMultiparts))]
    public async Task Upload_BrokenMultipart_Is400NamingTheFile(string broken, string contentType, string body)
    {
        using var writer = server.Writer();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType).Should().BeTrue();

        using var response = await writer.PostAsync("/api/imports", content, Cancel);

        var problem = await Problem(response);
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, broken);
        problem.GetProperty("detail").GetString().Should().StartWith("The multipart body cannot be read");
        problem.GetProperty("errors").TryGetProperty("file", out _).Should().BeTrue();
    }

    [Theory]
    [InlineData("end=0001-01-01", "end")]
    [InlineData("end=9999-12-31T23:59:59Z", "end")]
    [InlineData("end=1900-01-01", "end")]
    [InlineData("week=0001-W01", "week")]
    [InlineData("week=1900-W01", "week")]
    public async Task MakeWeekly_AtTheEndsOfTime_Is400WithTheValidRange(string query, string field)
    {
        using var writer = server.Writer();

        using var response = await writer.PostAsync($"/api/reports/weekly?{query}", null, Cancel);

        var problem = await Problem(response);
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        problem.GetProperty("detail").GetString().Should().MatchRegex("1900.*9998");
        problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue();
    }

    [Fact]
    public async Task ReportCommand_AtTheEndsOfTime_ExitsTwoWithTheValidRange()
    {
        using var data = new Testing.TempFolder();
        using (new Testing.TestStore(data.Path))
        {
        }

        var result = await Cli.Cli.RunAsync(data.Path, "report", "weekly", "--end", "0001-01-01");

        result.ExitCode.Should().Be(2, result.Error);
        result.Error.Should().Contain("from 1900-01-15T00:00:00Z to 9998-12-31T00:00:00Z").And.NotContain("   at ");
    }

    [Theory]
    [InlineData("products", "list")]
    [InlineData("serve", "--urls", "http://127.0.0.1:0")]
    public async Task Command_DataPointingAtAFile_ExitsTwoWithASentence(params string[] args)
    {
        using var folder = new Testing.TempFolder();
        var file = Path.Combine(folder.Path, "not-a-folder");
        await File.WriteAllTextAsync(file, "x", Cancel);

        var result = await StockWatchProcess.RunAsync(file, args);

        result.ExitCode.Should().Be(2, result.Error);
        result.Error.Trim().Should().Be($"The data folder {file} is a file; give --data (or STOCKWATCH_DATA) a folder.");
    }

    [Theory]
    [InlineData("products", "set", "X", "--name", "x")]
    [InlineData("products", "list")]
    public async Task Command_DataBelowAFileOrEmpty_ExitsTwoWithASentence(params string[] args)
    {
        using var folder = new Testing.TempFolder();
        var file = Path.Combine(folder.Path, "not-a-folder");
        await File.WriteAllTextAsync(file, "x", Cancel);

        var below = await StockWatchProcess.RunAsync(Path.Combine(file, "sub"), args);
        var empty = await StockWatchProcess.RunAsync("", args);

        (below.ExitCode, empty.ExitCode).Should().Be((2, 2), below.Error + empty.Error);
        below.Error.Trim().Should().Be($"The data folder {Path.Combine(file, "sub")} cannot be: {file} is a file; give --data (or STOCKWATCH_DATA) a folder.");
        empty.Error.Should().Contain("The data folder is empty").And.NotContain("   at ");
    }

    [Theory]
    [InlineData("products", "list")]
    [InlineData("products", "show", "P1")]
    [InlineData("alerts", "list")]
    [InlineData("alerts", "show", "1")]
    [InlineData("keys", "list")]
    [InlineData("report", "weekly")]
    public async Task ReadCommand_FolderWithoutData_ExitsTwoAndCreatesNothing(params string[] args)
    {
        using var folder = new Testing.TempFolder();
        var mistyped = Path.Combine(folder.Path, "dta");

        foreach (var data in new[] { folder.Path, mistyped })
        {
            var result = await Cli.Cli.RunAsync(data, args);

            result.ExitCode.Should().Be(2, result.Error);
            result.Error.Should().Contain($"The data folder {data} holds no StockWatch data (no stockwatch.db)").And.NotContain("   at ");
        }

        Directory.EnumerateFileSystemEntries(folder.Path).Should().BeEmpty("a read creates no store");
    }

    [Fact]
    public async Task WriteCommand_FolderWithoutData_CreatesTheStore()
    {
        using var folder = new Testing.TempFolder();
        var data = Path.Combine(folder.Path, "new");

        (await Cli.Cli.RunAsync(data, "products", "set", "P1", "--name", "First", "--stock", "3")).ExitCode.Should().Be(0);

        var list = await Cli.Cli.RunAsync(data, "products", "list");
        list.ExitCode.Should().Be(0, list.Error);
        list.Output.Should().Contain("P1");
    }

    [Theory]
    [InlineData(null, "needs an API key")]
    [InlineData("Bearer sw_0123456789abcdef_wrong", "not accepted")]
    [InlineData("Basic dXNlcjpwYXNz", "not accepted")]
    public async Task Write_WithoutAValidKey_Is401BeforeTheBodyIsRead(string? authorization, string detail)
    {
        using var client = server.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/products/P1") { Content = ApiServerFixture.Json("{not json") };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.SendAsync(request, Cancel);

        var problem = await Problem(response);
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().Should().Be("Bearer");
        problem.GetProperty("detail").GetString().Should().Contain(detail);
    }

    [Fact]
    public async Task Upload_WithoutAKey_IsRefusedBeforeTheBodyIsSent()
    {
        // A client that waits for 100 Continue sends nothing when refused: the refusal came before the body was read.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port, Cancel);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /api/imports HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 1000000000\r\nExpect: 100-continue\r\n\r\n"), Cancel);

        using var reader = new StreamReader(stream);
        (await reader.ReadLineAsync(Cancel)).Should().Be("HTTP/1.1 401 Unauthorized");
    }

    [Fact]
    public async Task AlertStream_KeyRevokedWhileOpen_EndsWithinASecond()
    {
        var key = (await Cli.Cli.RunAsync(server.DataFolder, "keys", "create", "--role", "reader", "--name", "revoked-while-streaming")).Output.Trim();
        using var client = server.Client(key);
        using var response = await client.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead, Cancel);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        await using var stream = await response.Content.ReadAsStreamAsync(Cancel);
        using var events = new StreamReader(stream);
        (await events.ReadLineAsync(Cancel)).Should().StartWith(": stream of new alerts");

        (await Cli.Cli.RunAsync(server.DataFolder, "keys", "revoke", "revoked-while-streaming")).ExitCode.Should().Be(0);
        var revoked = Stopwatch.StartNew();
        while (await events.ReadLineAsync(Cancel).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Cancel) is not null)
        {
        }

        revoked.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "the stream checks its key at each poll (every 0.5 s)");
    }

    [Theory]
    [InlineData("*", HttpStatusCode.OK)]
    [InlineData("\"1\"", HttpStatusCode.OK)]
    [InlineData("W/\"1\"", HttpStatusCode.PreconditionFailed)]
    [InlineData("\"stale-0\"", HttpStatusCode.PreconditionFailed)]
    [InlineData("\"2\"", HttpStatusCode.PreconditionFailed)]
    [InlineData("\"0\"", HttpStatusCode.PreconditionFailed)]
    [InlineData("stale", HttpStatusCode.PreconditionFailed)]
    [InlineData("\"", HttpStatusCode.PreconditionFailed)]
    public async Task Patch_IfMatch_StarMatchesAnyVersion_AndAnyOtherTagIs412(string ifMatch, HttpStatusCode status)
    {
        var id = $"IFM-{Guid.NewGuid():N}";
        await server.CreateAsync(id);
        using var writer = server.Writer();
        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/products/{id}") { Content = ApiServerFixture.Json("""{"product_price":7}""") };
        patch.Headers.TryAddWithoutValidation("If-Match", ifMatch);

        using var response = await writer.SendAsync(patch, Cancel);

        response.StatusCode.Should().Be(status, await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Put_IfMatchStar_OnAProductThatDoesNotExist_Is412AndCreatesNothing()
    {
        using var writer = server.Writer();
        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/products/IFM-NONE")
        {
            Content = ApiServerFixture.Json("""{"product_name":"X","stock_count":1,"product_price":1}"""),
        };
        put.Headers.TryAddWithoutValidation("If-Match", "*");

        (await writer.SendAsync(put, Cancel)).StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        (await writer.GetAsync("/api/products/IFM-NONE", Cancel)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/api/products/HEAD-1")]
    [InlineData("/api/products/HEAD-1/history")]
    [InlineData("/api/products/HEAD-1/sales")]
    [InlineData("/api/products/NOPE")]
    [InlineData("/api/products?limit=5")]
    [InlineData("/api/alerts")]
    [InlineData("/api/reports")]
    [InlineData("/api/summary")]
    [InlineData("/health")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/")]
    public async Task Head_AnswersAsGetDoes_WithTheSameHeadersAndNoBody(string path)
    {
        await server.CreateAsync("HEAD-1");
        using var reader = server.Reader();

        using var get = await reader.GetAsync(path, Cancel);
        using var head = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Cancel);

        head.StatusCode.Should().Be(get.StatusCode);
        head.Headers.ETag.Should().Be(get.Headers.ETag);
        head.Content.Headers.ContentType?.MediaType.Should().Be(get.Content.Headers.ContentType?.MediaType);
        (await head.Content.ReadAsByteArrayAsync(Cancel)).Should().BeEmpty();
    }

    [Fact]
    public async Task Head_OnTheAlertStream_AnswersAtOnce()
    {
        using var reader = server.Reader();

        using var head = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/alerts/stream"), Cancel).WaitAsync(TimeSpan.FromSeconds(10), Cancel);

        head.StatusCode.Should().Be(HttpStatusCode.OK);
        head.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
    }
}
