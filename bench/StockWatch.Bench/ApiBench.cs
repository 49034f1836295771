using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Bench;

/// <summary>
/// Sales through the HTTP API of a real <c>stockwatch serve</c> process on loopback, against the same sales recorded
/// through the store directly, in the same run: peak throughput of each, and the API's latency at a steady 1,000
/// sales a second.
/// </summary>
public static class ApiBench
{
    public const int Clients = 32;
    public const int Rate = 1000;
    private static readonly TimeSpan Run = TimeSpan.FromSeconds(8);

    public sealed record Result(Stats Direct, Stats ApiPeak, Stats ApiAtRate);

    public static async Task<Result> RunAsync(string work)
    {
        var direct = await DirectAsync(Path.Combine(work, "api-direct"));
        var folder = Path.Combine(work, "api-served");
        Seeding.Create(folder).Database.Dispose();
        var key = (await Stockwatch(folder, "keys", "create", "--role", "writer", "--name", "bench")).Trim();
        var port = FreePort();
        using var serve = Start(folder, "serve", "--urls", $"http://127.0.0.1:{port}");
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            await WaitUntilUp(http);
            await PeakAsync(http, "warm", TimeSpan.FromSeconds(3));
            var peak = await PeakAsync(http, "peak", Run);
            var atRate = await AtRateAsync(http);
            return new Result(direct, peak, atRate);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
        }
    }

    /// <summary>The store's own peak: as many writers as the API has clients, no HTTP.</summary>
    private static async Task<Stats> DirectAsync(string folder)
    {
        var (database, store) = Seeding.Create(folder);
        using (database)
        {
            var record = new RecordSale(store, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new StockWatch.Core.Imports.ImportOptions()));
            await Loop(Clients, TimeSpan.FromSeconds(3), (client, i) => record.HandleAsync(Sale("warm", client, i)));
            return await Loop(Clients, Run, (client, i) => record.HandleAsync(Sale("direct", client, i)));
        }
    }

    private static Task<Stats> PeakAsync(HttpClient http, string run, TimeSpan length) =>
        Loop(Clients, length, (client, i) => Post(http, Sale(run, client, i)));

    /// <summary>Open loop: request i is sent at start + i/Rate whatever came before; latency counts from that moment.</summary>
    private static async Task<Stats> AtRateAsync(HttpClient http)
    {
        var count = (int)(Rate * Run.TotalSeconds);
        var latencies = new long[count];
        var begin = Stopwatch.GetTimestamp();
        var requests = new List<Task>(count);
        // A 1 ms timer sends whatever has fallen due: no spinning, which would take a core from the server.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < count && await timer.WaitForNextTickAsync();)
        {
            for (var now = Stopwatch.GetTimestamp(); i < count && Due(i) <= now; i++)
            {
                var index = i;
                requests.Add(Task.Run(async () =>
                {
                    await Post(http, Sale("rate", 0, index));
                    latencies[index] = Stopwatch.GetTimestamp() - Due(index);
                }));
            }
        }

        await Task.WhenAll(requests);
        return Stats.From([.. latencies], Stopwatch.GetElapsedTime(begin).TotalSeconds);

        long Due(int i) => begin + i * Stopwatch.Frequency / Rate;
    }

    private static async Task<Stats> Loop(int clients, TimeSpan length, Func<int, int, Task> call)
    {
        var latencies = new List<long>[clients];
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var mine = latencies[client] = [];
            for (var i = 0; total.Elapsed < length; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await call(client, i);
                mine.Add(Stopwatch.GetTimestamp() - start);
            }
        })));
        return Stats.From([.. latencies.SelectMany(l => l)], total.Elapsed.TotalSeconds);
    }

    private static SaleRequest Sale(string run, int client, int i) =>
        new(SaleId.Parse($"{run}-{client}-{i}"), Seeding.Id(client * 7919 + i), 1);

    private static async Task Post(HttpClient http, SaleRequest sale)
    {
        var body = $$"""{"sale_id":"{{sale.Id}}","product_id":"{{sale.ProductId}}","quantity":{{sale.Quantity}}}""";
        using var response = await http.PostAsync("/api/sales", new StringContent(body, Encoding.UTF8, "application/json"));
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /api/sales answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task WaitUntilUp(HttpClient http)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("stockwatch serve did not come up.");
    }

    private static async Task<string> Stockwatch(string folder, params string[] args)
    {
        using var process = Start(folder, args);
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"stockwatch {args[0]} failed: {await process.StandardError.ReadToEndAsync()}");
    }

    private static Process Start(string folder, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stockwatch.dll"));
        foreach (var arg in args.Append("--data").Append(folder))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // Capacity is measured here, not the per-key limit that protects a real server.
        start.Environment["StockWatch__Api__RateLimitPerSecond"] = "10000000";
        start.Environment["StockWatch__Api__RateLimitBurst"] = "10000000";
        return Process.Start(start)!;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
