using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Access;
using StockWatch.Hosting;
using StockWatch.Testing;

namespace StockWatch.Tests.Api;

/// <summary>A real <c>serve</c> (Kestrel on a free loopback port) over a fresh data folder, with a key per role.</summary>
public class ApiServerFixture : IAsyncLifetime
{
    private readonly TempFolder _data = new();
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;
    public string ReaderKey { get; private set; } = null!;
    public string WriterKey { get; private set; } = null!;
    public string AdminKey { get; private set; } = null!;
    public string DataFolder => _data.Path;

    protected virtual Dictionary<string, string?> Settings => [];

    public virtual async ValueTask InitializeAsync()
    {
        _app = StockWatchServer.Build(_data.Path, "http://127.0.0.1:0", demo: false, Settings);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
        var keys = _app.Services.GetRequiredService<ApiKeys>();
        ReaderKey = (await keys.CreateAsync("reader", Role.Reader)).Secret;
        WriterKey = (await keys.CreateAsync("writer", Role.Writer)).Secret;
        AdminKey = (await keys.CreateAsync("admin", Role.Admin)).Secret;
    }

    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Changes the server's stream processor has still to process (its lane may take new writes ahead of older ones).</summary>
    public long PendingChanges => _app!.Services.GetRequiredService<Core.Stream.IChangeStream>().Pending(Core.Stream.StreamProcessor.Consumer);

    public HttpClient Reader() => Client(ReaderKey);
    public HttpClient Writer() => Client(WriterKey);
    public HttpClient Admin() => Client(AdminKey);

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Creates a product through the API.</summary>
    public async Task CreateAsync(string id, int stock = 50, decimal price = 2.55m, int threshold = 10)
    {
        using var client = Writer();
        var response = await client.PutAsync($"/api/products/{Uri.EscapeDataString(id)}",
            Json($$"""{"product_name":"Product {{id}}","stock_count":{{stock}},"product_price":{{price}},"low_stock_threshold":{{threshold}}}"""));
        response.EnsureSuccessStatusCode();
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _data.Dispose();
        GC.SuppressFinalize(this);
    }
}
