using System.Diagnostics;
using System.Net;
using StockWatch.Testing;

namespace StockWatch.Tests.Hosting;

public sealed class ServeTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Serve_Sigterm_FinishesProcessingAndExitsCleanly()
    {
        var cancel = TestContext.Current.CancellationToken;
        var port = StockWatchProcess.FreePort();
        (await Cli.Cli.RunAsync(_data.Path, "products", "set", "P", "--name", "Heart", "--stock", "50")).ExitCode.Should().Be(0);
        using var serve = StockWatchProcess.Start(_data.Path, "serve", "--urls", $"http://127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await WaitUntilHealthy(client, serve, cancel);

        using (var db = new TestStore(_data.Path))
        {
            for (var i = 0; i < 40; i++)
            {
                db.Sell("P", 1);
            }
        }

        using var kill = Process.Start("kill", ["-TERM", serve.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(cancel);
        using var exit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        exit.CancelAfter(TimeSpan.FromSeconds(30));
        await serve.Process.WaitForExitAsync(exit.Token);

        serve.Process.ExitCode.Should().Be(0, serve.Error);
        serve.Output.Should().Contain("Application is shutting down")
            .And.Contain("The stream processor stopped with every change processed");
        var path = Path.Combine(_data.Path, "stockwatch.db");
        TestStore.ScalarIn(path, "SELECT COUNT(*) FROM changes WHERE seq > (SELECT last_seq FROM stream_checkpoints)").Should().Be(0,
            "serve processes what is pending before it exits");
    }

    private static async Task WaitUntilHealthy(HttpClient client, StockWatchProcess.Child serve, CancellationToken cancel)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            serve.Process.HasExited.Should().BeFalse(serve.Error);
            deadline.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "serve starts in seconds");
            try
            {
                if ((await client.GetAsync("/health", cancel)).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100, cancel);
        }
    }

}
