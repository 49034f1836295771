using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace StockWatch.Tests.Api;

/// <summary>
/// "Never a 500" as a property: every operation of the served OpenAPI document gets hostile path values, query
/// values, bodies and headers, generated with a fixed seed, and no answer is a 5xx.
/// </summary>
public sealed class HostileCorpusTests(ApiServerFixture server) : IClassFixture<ApiServerFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly string[] Texts =
    [
        "", " ", "0", "-1", "1e400", "99999999999999999999", "1.5", "true", "null", "0001-01-01", "9999-12-31T23:59:59Z", "0001-W01",
        "2026-W99", "..", ".", "%", "%2F", "%252F", "A/B", "../../etc/passwd", "\u0000", "\u202Eevil", "😀", "中文", "<script>alert(1)</script>",
        "' OR 1=1 --", "=cmd|' /C calc'!A0", "${jndi:x}", new string('x', 5000), "\uFFFD\uFFFE", "a\r\nX-Injected: 1",
    ];

    private static readonly string[] Bodies =
    [
        "", "null", "{", "[]", "\"x\"", "{}", "{\"a\":" + new string('[', 2000), "{\"product_id\":{\"$gt\":\"\"}}",
        "{\"quantity\":1e400,\"stock_count\":-99999999999}", "\u0000\u0001", "product_id,stock_count\nA,1",
    ];

    private static readonly string[] ContentTypes =
        ["application/json", "text/csv", "multipart/form-data", "multipart/form-data; boundary=", "application/x-www-form-urlencoded", "text/plain; charset=utf-999"];

    [Fact]
    public async Task EveryOperation_WithHostileInput_NeverAnswers5xx()
    {
        await server.CreateAsync("CORPUS-1");
        using var admin = server.Admin();
        var document = JsonDocument.Parse(await admin.GetStringAsync("/openapi/v1.json", Cancel)).RootElement;
        var random = new Random(16);
        var operations = 0;
        List<string> failures = [];
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                operations++;
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                var query = operation.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList()
                    : [];
                for (var round = 0; round < 40; round++)
                {
                    var target = Target(path.Name, query, random, hostilePath: round % 2 == 0, hostileQuery: round % 4 < 2);
                    using var request = new HttpRequestMessage(method, target);
                    if (round % 3 != 2 && operation.Value.TryGetProperty("requestBody", out _) || round % 7 == 0)
                    {
                        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Pick(Bodies, random)));
                        request.Content.Headers.TryAddWithoutValidation("Content-Type", Pick(ContentTypes, random));
                    }

                    Headers(request, random, round);
                    using var response = await admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancel);
                    if ((int)response.StatusCode >= 500)
                    {
                        failures.Add($"{method} {target} → {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancel)}");
                    }
                }
            }
        }

        operations.Should().BeGreaterThan(15, "the document lists every endpoint");
        failures.Should().BeEmpty();
    }

    [Theory]
    [InlineData("/api/products/%zz")]
    [InlineData("/api/products/%FF%FE")]
    [InlineData("/api/products/%00")]
    [InlineData("/api/products/%C0%AF")]
    [InlineData("/api/products/A%2F..%2F..%2Fhealth")]
    [InlineData("/api/products/%2E%2E/history")]
    [InlineData("/api/products/x?limit=%zz&cursor=%FF")]
    [InlineData("/api/reports/weekly?end=%00")]
    public async Task RawTarget_ThatNoClientLibraryWouldSend_NeverAnswers5xx(string target)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port, Cancel);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.AdminKey}\r\nConnection: close\r\n\r\n"), Cancel);

        using var reader = new StreamReader(stream);
        var status = await reader.ReadLineAsync(Cancel);

        status.Should().MatchRegex(@"^HTTP/1\.1 [1-4]\d\d ", target);
    }

    private static string Target(string template, List<string> query, Random random, bool hostilePath, bool hostileQuery)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(template, @"\{[^}]+\}",
            _ => Uri.EscapeDataString(hostilePath ? Pick(Texts, random) : "CORPUS-1") is { Length: > 0 } value ? value : "%20");
        if (query.Count == 0)
        {
            return path;
        }

        var pairs = query.Where(_ => random.Next(3) > 0)
            .Select(name => $"{name}={Uri.EscapeDataString(hostileQuery ? Pick(Texts, random) : "1")}");
        return $"{path}?{string.Join('&', pairs)}";
    }

    private static void Headers(HttpRequestMessage request, Random random, int round)
    {
        switch (round % 5)
        {
            case 0:
                request.Headers.TryAddWithoutValidation("If-Match", Pick(["*", "\"stale-0\"", "W/", "\"", "\"1\", *", new string('"', 3000)], random));
                break;
            case 1:
                request.Headers.TryAddWithoutValidation("Last-Event-ID", Pick(["-1", "99999999999999999999999", "x"], random));
                request.Headers.TryAddWithoutValidation("Accept", "*/*;q=garbage");
                break;
            case 2:
                request.Headers.Authorization = null;
                request.Headers.TryAddWithoutValidation("Authorization", Pick(["Bearer ", "Bearer sw_x_y", "Bearer " + new string('k', 5000), "Basic Og==", "Bearer sw_%00_%00"], random));
                break;
            case 3:
                request.Headers.TryAddWithoutValidation("Range", "bytes=999999999999-");
                request.Headers.TryAddWithoutValidation("If-None-Match", "*");
                break;
        }
    }

    private static string Pick(string[] values, Random random) => values[random.Next(values.Length)];
}
