using StockWatch.Testing;

namespace StockWatch.Tests.Cli;

public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task SalesRecord_EightProcessesEachSellingOneOfFive_ExactlyFiveSucceedAndStockEndsAtZero()
    {
        (await Cli.RunAsync(_data.Path, "products", "set", "85123A", "--name", "Heart", "--stock", "5")).ExitCode.Should().Be(0);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            StockWatchProcess.RunAsync(_data.Path, "sales", "record", "--product", "85123A", "--quantity", "1", "--sale-id", $"S{i}")));

        results.Count(r => r.ExitCode == 0).Should().Be(5, string.Join(Environment.NewLine, results.Select(r => r.Error)));
        results.Where(r => r.ExitCode != 0).Should().AllSatisfy(r =>
        {
            r.ExitCode.Should().Be(1);
            r.Error.Should().StartWith("Not enough stock: product 85123A has 0, the sale needs 1.");
        });
        results.Should().AllSatisfy(r => r.Error.Should().NotContainEquivalentOf("locked"));
        var db = Path.Combine(_data.Path, "stockwatch.db");
        TestStore.ScalarIn(db, "SELECT stock_count FROM products").Should().Be(0);
        TestStore.ScalarIn(db, "SELECT COUNT(*) FROM sales").Should().Be(5);
        TestStore.ScalarIn(db, "SELECT COUNT(*) FROM alerts WHERE alert_type = 'OUT_OF_STOCK'").Should().Be(1);
        TestStore.ScalarIn(db, "SELECT COUNT(*) FROM changes WHERE seq > (SELECT last_seq FROM stream_checkpoints)").Should().Be(0);
    }

    [Fact]
    public async Task SalesRecord_EightProcessesEachSellingOutItsOwnProduct_EachPrintsItsOwnAlerts()
    {
        // Each process drains whatever is pending, often another's sale too (found by a fresh-user trial): each still
        // answers the alerts of its own sale, read from the store, whoever stored them.
        for (var i = 0; i < 8; i++)
        {
            (await Cli.RunAsync(_data.Path, "products", "set", $"P{i}", "--name", $"Product {i}", "--stock", "12")).ExitCode.Should().Be(0);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            StockWatchProcess.RunAsync(_data.Path, "sales", "record", "--product", $"P{i}", "--quantity", "12")));

        for (var i = 0; i < 8; i++)
        {
            var result = results[i];
            result.ExitCode.Should().Be(0, result.Error);
            var alerts = result.Output.Split(Environment.NewLine).Where(line => line.TrimStart().StartsWith("alert ", StringComparison.Ordinal)).ToList();
            alerts.Should().Equal([$"  alert LOW_STOCK: Low stock: P{i} has 0 in stock (threshold 10)", $"  alert OUT_OF_STOCK: Out of stock: P{i}"], result.Output);
        }
    }
}
