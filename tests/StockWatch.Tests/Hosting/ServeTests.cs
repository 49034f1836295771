using System.Diagnostics;
using System.Net;
using StockWatch.Testing;

namespace StockWatch.Tests.Hosting;

public sealed class ServeTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("notaurl", "--urls takes http:// or https:// addresses")]
    [InlineData("http://127.0.0.1:99999", "--urls takes http:// or https:// addresses")]
    [InlineData("ftp://127.0.0.1:5080", "--urls takes http:// or https:// addresses")]
    [InlineData("BUSY", "Is another serve running there?")]
    public async Task Serve_ABadOrBusyAddress_ExitsTwoNamingUrls(string urls, string message)
    {
        using var busy = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        urls = urls == "BUSY" ? $"http://127.0.0.1:{((IPEndPoint)busy.LocalEndpoint).Port}" : urls;

        var result = await StockWatchProcess.RunAsync(_data.Path, "serve", "--urls", urls);

        result.ExitCode.Should().Be(2, result.Error);
        result.Error.Should().Contain(message).And.NotContain("unexpectedly");
    }

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

    [Fact]
    public async Task Serve_Sigterm_StopsWithinFiveSeconds_WithOpenStreamsASlowUploadAndAFifoInTheInbox()
    {
        var cancel = TestContext.Current.CancellationToken;
        var port = StockWatchProcess.FreePort();
        var key = (await Cli.Cli.RunAsync(_data.Path, "keys", "create", "--role", "writer", "--name", "holder")).Output.Trim();
        Directory.CreateDirectory(Path.Combine(_data.Path, "inbox"));
        Mono.Unix.Native.Syscall.mkfifo(Path.Combine(_data.Path, "inbox", "pipe.csv"), Mono.Unix.Native.FilePermissions.ACCESSPERMS).Should().Be(0);
        using var serve = StockWatchProcess.Start(_data.Path, new Dictionary<string, string> { ["StockWatch__Imports__InboxScanInterval"] = "00:00:00.05" },
            "serve", "--urls", $"http://127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        await WaitUntilHealthy(client, serve, cancel);

        List<HttpResponseMessage> streams = [];
        for (var i = 0; i < 3; i++)
        {
            streams.Add(await client.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead, cancel));
        }

        // An upload that sends its headers and a little of its body, then nothing more.
        using var upload = new System.Net.Sockets.TcpClient();
        await upload.ConnectAsync("127.0.0.1", port, cancel);
        await upload.GetStream().WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            $"POST /api/imports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\nproduct_id,stock_count\n"), cancel);
        await Eventually.Until(() => Task.FromResult(File.Exists(Path.Combine(_data.Path, "inbox", "failed", "pipe.csv.result.json"))), done => done,
            "the inbox has moved the FIFO away", cancel);

        var stopping = Stopwatch.StartNew();
        using var kill = Process.Start("kill", ["-TERM", serve.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(cancel);
        using var exit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        exit.CancelAfter(TimeSpan.FromSeconds(30));
        await serve.Process.WaitForExitAsync(exit.Token);

        stopping.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), serve.Output);
        streams.ForEach(stream => stream.Dispose());
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
