using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Testing;

namespace StockWatch.Tests.Imports;

public sealed class ImportCrashTests : IDisposable
{
    private const int Products = 500;
    private const int Sales = 300_000;
    private readonly TempFolder _crashed = new();
    private readonly TempFolder _clean = new();

    public void Dispose()
    {
        _crashed.Dispose();
        _clean.Dispose();
    }

    [Fact]
    public async Task QueuedImport_ServeKilledAtRandomPoints_CompletesExactlyOnceLikeACleanRun()
    {
        var cancel = TestContext.Current.CancellationToken;
        var file = Path.Combine(_crashed.Path, "sales.csv");
        await WriteFiles(file, cancel);
        foreach (var folder in new[] { _crashed.Path, _clean.Path })
        {
            (await Cli.Cli.RunAsync(folder, "import", Path.Combine(_crashed.Path, "products.csv"))).ExitCode.Should().Be(0);
        }

        // The clean run: the same file imported once, start to end.
        var clean = await Cli.Cli.RunAsync(_clean.Path, "import", file, "--json");
        clean.ExitCode.Should().Be(0, clean.Error);

        // The crashed run: the same file queued, with serve killed at random points while it imports.
        var importId = await Enqueue(file, cancel);
        var random = new Random(2026);
        var environment = new Dictionary<string, string> { ["StockWatch__Imports__JobVisibilityTimeout"] = "00:00:01" };
        var kills = 0;
        // Three interruptions: within the job's five receives before it would go to the dead-letter queue.
        for (; kills < 3 && Status(importId) != "done"; kills++)
        {
            using var serve = StockWatchProcess.Start(_crashed.Path, environment, "serve", "--urls", "http://127.0.0.1:0");
            await Task.Delay(random.Next(300, 2500), cancel);
        }

        using (StockWatchProcess.Start(_crashed.Path, environment, "serve", "--urls", "http://127.0.0.1:0"))
        {
            var waited = Stopwatch.StartNew();
            while (Status(importId) != "done")
            {
                TestStore.ScalarIn(Path.Combine(_crashed.Path, "stockwatch.db"), "SELECT COUNT(*) FROM queue_messages WHERE queue = 'imports-dlq'")
                    .Should().Be(0, "the job must not be dead-lettered");
                waited.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(2), "the job is retried after its visibility timeout");
                await Task.Delay(100, cancel);
            }
        }

        kills.Should().Be(3, "the import was interrupted each time before it could finish");
        var crashedDb = Path.Combine(_crashed.Path, "stockwatch.db");
        var cleanDb = Path.Combine(_clean.Path, "stockwatch.db");
        foreach (var sql in new[]
        {
            "SELECT COUNT(*) FROM sales",
            "SELECT SUM(quantity) FROM sales",
            "SELECT SUM(stock_count * 1000 + length(product_id)) FROM products",
            "SELECT COUNT(*) FROM change_log WHERE cause LIKE 'import:%'",
        })
        {
            TestStore.ScalarIn(crashedDb, sql).Should().Be(TestStore.ScalarIn(cleanDb, sql), sql);
        }

        var summary = JsonDocument.Parse(Summary(importId)!).RootElement;
        var cleanSummary = JsonDocument.Parse(clean.Output).RootElement.GetProperty("summary");
        foreach (var count in new[] { "total", "accepted", "rejected", "unchanged" })
        {
            summary.GetProperty(count).GetInt64().Should().Be(cleanSummary.GetProperty(count).GetInt64(), count);
        }
    }

    [Fact]
    public async Task QueuedImport_ServeKilledWhileImporting_CompletesWithinAMinuteOfTheRestart()
    {
        var cancel = TestContext.Current.CancellationToken;
        var importId = await EnqueueLongImport(cancel);
        using (var serve = StockWatchProcess.Start(_crashed.Path, "serve", "--urls", "http://127.0.0.1:0"))
        {
            await Eventually.Until(() => Task.FromResult(Status(importId)), status => status == "running", "serve starts the import", cancel);
            serve.Process.Kill(); // SIGKILL: no shutdown, the job stays received
        }

        using var restarted = StockWatchProcess.Start(_crashed.Path, "serve", "--urls", "http://127.0.0.1:0");
        await ReceivedAgainThenDone(importId, "the job's visibility lapses within a minute once no heartbeat extends it", cancel);
    }

    [Fact]
    public async Task QueuedImport_SigtermWhileImporting_StopsWithinFiveSecondsAndCompletesAfterTheRestart()
    {
        var cancel = TestContext.Current.CancellationToken;
        var importId = await EnqueueLongImport(cancel);
        var environment = new Dictionary<string, string> { ["StockWatch__Imports__JobVisibilityTimeout"] = "00:00:03" };
        using (var serve = StockWatchProcess.Start(_crashed.Path, environment, "serve", "--urls", "http://127.0.0.1:0"))
        {
            await Eventually.Until(() => Task.FromResult(Status(importId)), status => status == "running", "serve starts the import", cancel);
            var stopping = Stopwatch.StartNew();
            using var term = Process.Start("kill", ["-TERM", serve.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await serve.Process.WaitForExitAsync(cancel).WaitAsync(TimeSpan.FromSeconds(30), cancel);

            stopping.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), serve.Output);
            Status(importId).Should().Be("running", "the import was stopped, not committed");
        }

        using var restarted = StockWatchProcess.Start(_crashed.Path, environment, "serve", "--urls", "http://127.0.0.1:0");
        await ReceivedAgainThenDone(importId, "the job is received again", cancel);
        TestStore.ScalarIn(Path.Combine(_crashed.Path, "stockwatch.db"), "SELECT COUNT(*) FROM sales").Should().Be(Sales);
    }

    /// <summary>A sales import of some seconds, queued with its products in place.</summary>
    private async Task<string> EnqueueLongImport(CancellationToken cancel)
    {
        var file = Path.Combine(_crashed.Path, "sales.csv");
        await WriteFiles(file, cancel);
        (await Cli.Cli.RunAsync(_crashed.Path, "import", Path.Combine(_crashed.Path, "products.csv"))).ExitCode.Should().Be(0);
        return await Enqueue(file, cancel);
    }

    /// <summary>
    /// The restarted serve receives the job a second time within a minute (the promise), and the import then runs to its
    /// end, in what time this machine gives it (its speed is the benchmark's business).
    /// </summary>
    private async Task ReceivedAgainThenDone(string importId, string because, CancellationToken cancel)
    {
        var waited = Stopwatch.StartNew();
        while (TestStore.ScalarIn(Path.Combine(_crashed.Path, "stockwatch.db"), "SELECT IFNULL(MAX(receive_count), 0) FROM queue_messages WHERE queue = 'imports'") < 2
            && Status(importId) != "done")
        {
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(1), because);
            await Task.Delay(100, cancel);
        }

        while (Status(importId) != "done")
        {
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(5), "the job received again runs to its end");
            await Task.Delay(100, cancel);
        }
    }

    private string? Status(string importId) => Query(importId, "status");

    private string? Summary(string importId) => Query(importId, "summary");

    private string? Query(string importId, string column)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_crashed.Path, "stockwatch.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {column} FROM imports WHERE import_id = $id";
        command.Parameters.AddWithValue("$id", importId);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Queues the file the way POST /api/imports does, without a server: through the composed services.</summary>
    private async Task<string> Enqueue(string file, CancellationToken cancel)
    {
        using var services = Composed.Services(_crashed.Path);
        var jobs = services.GetRequiredService<Core.Imports.ImportJobs>();
        await using var upload = File.OpenRead(file);
        return await jobs.EnqueueAsync(upload, new Core.Imports.ImportSettings(), "sales.csv", cancel);
    }

    private async Task WriteFiles(string sales, CancellationToken cancel)
    {
        var products = new StringBuilder("product_id,product_name,stock_count\n");
        for (var p = 0; p < Products; p++)
        {
            products.Append($"SKU{p:D4},Product {p},1000000\n");
        }

        await File.WriteAllTextAsync(Path.Combine(_crashed.Path, "products.csv"), products.ToString(), cancel);
        var random = new Random(7);
        await using var writer = new StreamWriter(sales);
        await writer.WriteLineAsync("sale_id,product_id,sale_date,quantity,current_price");
        for (var s = 0; s < Sales; s++)
        {
            await writer.WriteLineAsync($"S{s},SKU{random.Next(Products):D4},2026-11-{1 + s % 20:D2},{random.Next(1, 4)},{random.Next(100, 999) / 100m}");
        }
    }
}
