using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using StockWatch.Hosting;
using StockWatch.Testing;

namespace StockWatch.Tests.Cli;

public sealed class KeysTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    private Task<Cli.Result> Run(params string[] args) => Cli.RunAsync(_data.Path, args);

    [Fact]
    public async Task KeysCreate_PrintsTheKeyAloneAndStoresOnlyItsHash()
    {
        var result = await Run("keys", "create", "--role", "writer", "--name", "till-1");

        result.ExitCode.Should().Be(0);
        var key = result.Output.TrimEnd();
        key.Should().MatchRegex("^sw_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", "a 64-bit id and a 256-bit secret").And.NotContain("\n");
        var secret = key[(key.LastIndexOf('_') + 1)..];
        var db = await File.ReadAllBytesAsync(Path.Combine(_data.Path, "stockwatch.db"), TestContext.Current.CancellationToken);
        System.Text.Encoding.ASCII.GetString(db).Should().NotContain(secret);
        var wal = Path.Combine(_data.Path, "stockwatch.db-wal");
        if (File.Exists(wal))
        {
            System.Text.Encoding.ASCII.GetString(await File.ReadAllBytesAsync(wal, TestContext.Current.CancellationToken)).Should().NotContain(secret);
        }
    }

    [Fact]
    public async Task KeysCreate_WithoutName_NamesTheKeyByRoleAndIdAndSaysSo()
    {
        var result = await Run("keys", "create", "--role", "reader");

        result.ExitCode.Should().Be(0);
        var keyId = result.Output.TrimEnd().Split('_')[1];
        result.Error.Should().Contain($"Created key reader-{keyId}; revoke it with 'stockwatch keys revoke reader-{keyId}'.");
        (await Run("keys", "revoke", $"reader-{keyId}")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task KeysList_ShowsNamesAndRolesButNoSecrets()
    {
        var key = (await Run("keys", "create", "--role", "reader", "--name", "auditor")).Output.TrimEnd();

        var list = await Run("keys", "list", "--json");

        using var json = JsonDocument.Parse(list.Output);
        var entry = json.RootElement.EnumerateArray().Single();
        (entry.GetProperty("name").GetString(), entry.GetProperty("role").GetString()).Should().Be(("auditor", "reader"));
        list.Output.Should().NotContain(key[3..]);
    }

    [Theory]
    [InlineData("role must be reader, writer or admin (got \"boss\")", "keys", "create", "--role", "boss", "--name", "x")]
    [InlineData("name must not be empty", "keys", "create", "--role", "reader", "--name", "")]
    [InlineData("name must not start or end with a space", "keys", "create", "--role", "reader", "--name", " x")]
    [InlineData("Option '--role' is required", "keys", "create", "--name", "x")]
    public async Task KeysCreate_BadInput_ExitsTwoAndCreatesNothing(string expected, params string[] args)
    {
        using (new TestStore(_data.Path))
        {
        }

        var result = await Run(args);

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain(expected);
        (await Run("keys", "list", "--json")).Output.Trim().Should().Be("[]");
    }

    [Fact]
    public async Task KeysCreate_SameNameTwice_IsRefused()
    {
        await Run("keys", "create", "--role", "reader", "--name", "dup");

        var again = await Run("keys", "create", "--role", "admin", "--name", "dup");

        again.ExitCode.Should().Be(1);
        again.Error.Should().Contain("An active key named dup exists already");
    }

    [Fact]
    public async Task KeysRevoke_Unknown_ExitsOne() =>
        (await Run("keys", "revoke", "nobody")).Should().Match<Cli.Result>(r => r.ExitCode == 1 && r.Error.Contains("There is no active key named nobody."));

    [Fact]
    public async Task KeysRevoke_WhileServing_TheKeyIsRefusedFromTheNextRequest()
    {
        var key = (await Run("keys", "create", "--role", "reader", "--name", "temp")).Output.TrimEnd();
        await using var app = StockWatchServer.Build(_data.Path, "http://127.0.0.1:0", demo: false);
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        (await client.GetAsync("/api/products", TestContext.Current.CancellationToken)).StatusCode.Should().Be(HttpStatusCode.OK);

        (await Run("keys", "revoke", "temp")).ExitCode.Should().Be(0);

        (await client.GetAsync("/api/products", TestContext.Current.CancellationToken)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
