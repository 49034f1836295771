using System.Text.Json;
using StockWatch.Testing;

namespace StockWatch.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    private Task<Cli.Result> Run(params string[] args) => Cli.RunAsync(_data.Path, args);

    [Fact]
    public async Task SalesRecord_TakingStockToTheThreshold_PrintsTheSaleAndItsAlertAtOnce()
    {
        await Run("products", "set", "85123A", "--name", "WHITE HANGING HEART T-LIGHT HOLDER", "--stock", "12", "--price", "2.55");

        var result = await Run("sales", "record", "--product", "85123A", "--quantity", "2", "--sale-id", "536365-1");

        result.ExitCode.Should().Be(0);
        result.Output.Should().Be(
            "Recorded sale 536365-1: 2 × 85123A at 2.55; stock now 10." + Environment.NewLine +
            "  alert LOW_STOCK: Low stock: 85123A has 10 in stock (threshold 10)" + Environment.NewLine);
    }

    [Fact]
    public async Task SalesRecord_Json_GivesTheSaleAndAlertsInDataDictionaryNames()
    {
        await Run("products", "set", "85123A", "--name", "Heart", "--stock", "1", "--price", "2.55");

        var result = await Run("sales", "record", "--product", "85123A", "--quantity", "1", "--sale-id", "S1", "--date", "2026-11-20", "--json");

        using var json = JsonDocument.Parse(result.Output);
        var sale = json.RootElement.GetProperty("sale");
        sale.GetProperty("sale_id").GetString().Should().Be("S1");
        sale.GetProperty("sale_date").GetString().Should().Be("2026-11-20T00:00:00Z");
        sale.GetProperty("current_price").GetDecimal().Should().Be(2.55m);
        sale.GetProperty("stock_after").GetInt32().Should().Be(0);
        json.RootElement.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("alert_type").GetString())
            .Should().Equal("OUT_OF_STOCK");
    }

    [Fact]
    public async Task SalesRecord_Replayed_ChangesNothingAndSaysSo()
    {
        await Run("products", "set", "85123A", "--name", "Heart", "--stock", "5");
        await Run("sales", "record", "--product", "85123A", "--quantity", "1", "--sale-id", "S1");

        var again = await Run("sales", "record", "--product", "85123A", "--quantity", "1", "--sale-id", "S1");

        again.ExitCode.Should().Be(0);
        again.Output.Should().StartWith("Sale S1 was already recorded; nothing changed.");
        (await Run("products", "show", "85123A", "--json")).Output.Should().Contain("\"stock_count\": 4");
    }

    [Fact]
    public async Task SalesRecord_ShortStock_ExitsOneAndChangesNothing()
    {
        await Run("products", "set", "85123A", "--name", "Heart", "--stock", "2");

        var result = await Run("sales", "record", "--product", "85123A", "--quantity", "3");

        result.ExitCode.Should().Be(1);
        result.Error.Should().Be("Not enough stock: product 85123A has 2, the sale needs 3." + Environment.NewLine);
        (await Run("products", "show", "85123A", "--json")).Output.Should().Contain("\"stock_count\": 2");
    }

    [Fact]
    public async Task ProductsShow_Unknown_ExitsOne()
    {
        using (new TestStore(_data.Path))
        {
        }

        var result = await Run("products", "show", "nope");

        result.ExitCode.Should().Be(1);
        result.Error.Should().Be("Product nope does not exist." + Environment.NewLine);
    }

    [Fact]
    public async Task ProductsList_LowStock_ShowsOnlyLowProductsWithTheirStatus()
    {
        await Run("products", "set", "A", "--name", "Plenty", "--stock", "50");
        await Run("products", "set", "B", "--name", "Few", "--stock", "3");
        await Run("products", "set", "C", "--name", "None", "--stock", "0", "--category", "Garden");

        var all = await Run("products", "list", "--json");
        var low = await Run("products", "list", "--low-stock");
        var garden = await Run("products", "list", "--category", "Garden", "--json");

        JsonDocument.Parse(all.Output).RootElement.GetArrayLength().Should().Be(3);
        low.Output.Should().Contain("Few").And.Contain("LOW").And.Contain("None").And.Contain("OUT").And.NotContain("Plenty");
        JsonDocument.Parse(garden.Output).RootElement.EnumerateArray().Select(p => p.GetProperty("product_id").GetString()).Should().Equal("C");
    }

    [Fact]
    public async Task ProductsList_NameWithSpectreMarkup_IsPrintedAsText()
    {
        await Run("products", "set", "X", "--name", "[red]bold[/] [[ ]]", "--stock", "50");

        var result = await Run("products", "list");

        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("[red]bold[/] [[ ]]");
    }

    [Fact]
    public async Task ProductsDelete_RaisesProductRemovedAndAlertsListShowsIt()
    {
        await Run("products", "set", "85123A", "--name", "Heart", "--stock", "50");

        var deleted = await Run("products", "delete", "85123A");
        var alerts = await Run("alerts", "list", "--type", "PRODUCT_REMOVED", "--json");

        deleted.Output.Should().StartWith("Deleted product 85123A.");
        JsonDocument.Parse(alerts.Output).RootElement.EnumerateArray().Single().GetProperty("summary").GetString()
            .Should().Be("Product removed: 85123A \"Heart\"");
        (await Run("products", "delete", "85123A")).ExitCode.Should().Be(1);
    }

    [Fact]
    public async Task ProductsSet_ExistingProduct_ChangesOnlyTheGivenFields()
    {
        await Run("products", "set", "85123A", "--name", "Heart", "--stock", "50", "--price", "2.55", "--category", "Home");

        var result = await Run("products", "set", "85123A", "--price", "3.10", "--json");

        using var json = JsonDocument.Parse(result.Output);
        var product = json.RootElement.GetProperty("product");
        (product.GetProperty("product_name").GetString(), product.GetProperty("product_category").GetString(),
            product.GetProperty("stock_count").GetInt32(), product.GetProperty("product_price").GetDecimal(), product.GetProperty("version").GetInt64())
            .Should().Be(("Heart", "Home", 50, 3.10m, 2L));
        json.RootElement.GetProperty("alerts")[0].GetProperty("details").GetProperty("percent_change").GetDecimal().Should().Be(21.57m);
    }

    [Fact]
    public async Task Help_ListsEveryCommand()
    {
        var result = await Run("--help");

        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("products").And.Contain("sales").And.Contain("alerts").And.Contain("serve").And.Contain("--json");
    }

    [Fact]
    public async Task Configuration_InvalidSettingInTheDataFolder_StopsWithItsName()
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "stockwatch.json"), """{ "StockWatch": { "Alerts": { "LeadTimeDays": 0 } } }""", TestContext.Current.CancellationToken);

        var result = await Run("products", "list");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("StockWatch:Alerts:LeadTimeDays must be from 1 to 365 (got 0).");
    }

    [Theory]
    [InlineData("""{ "StockWatch": { "Reports": { "Schedule": "every thursday" } } }""", "StockWatch:Reports:Schedule must be a cron expression", "report", "weekly")]
    [InlineData("""{ "StockWatch": { "Reports": { "TopN": 0 } } }""", "StockWatch:Reports:TopN must be from 1 to 1000 (got 0).", "report", "weekly")]
    [InlineData("""{ "StockWatch": { "Reports": { "Schedule": "0 17 * * THU" } } }""", null, "report", "weekly")]
    [InlineData("""{ "StockWatch": { "Imports": { "InboxScanInterval": "00:00:00" } } }""", "StockWatch:Imports:InboxScanInterval must be from", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("""{ "StockWatch": { "Imports": { "JobVisibilityTimeout": "-00:01:00" } } }""", "StockWatch:Imports:JobVisibilityTimeout must be at least", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("""{ "StockWatch": { "Imports": { "InboxFolder": "in\u0000box" } } }""", "StockWatch:Imports:InboxFolder is not a usable folder path", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("""{ "StockWatch": { "Alarms": { "EvaluationInterval": "00:00:00" } } }""", "StockWatch:Alarms:EvaluationInterval must be a positive duration", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("""{ "StockWatch": { "Alarms": { "QueueOldestMessageAge": "soon" } } }""", "StockWatch:Alarms:QueueOldestMessageAge", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("""{ "StockWatch": { "Channels": [ { "Name": "ops", "Type": "pager" } ] } }""", "StockWatch:Channels:0:Type must be one of log, webhook, email, sns (got \"pager\").", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("""{ "StockWatch": { "Channels": [ { "Name": "log", "Type": "log" }, { "Name": "hook", "Type": "webhook", "Url": "file:///etc/passwd", "Secret": "x" } ] } }""", "StockWatch:Channels:1:Url must be an absolute http:// or https:// URL", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("""{ "StockWatch": { "Channels": [ { "Name": "mail", "Type": "email", "From": "a@example.com", "To": "b@example.com" } ] } }""", "StockWatch:Channels:0:Host is required for an email channel", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("""{ "StockWatch": { "Channels": [ { "Name": "mail", "Type": "email", "Host": "localhost", "Port": "twenty-five", "From": "a@example.com", "To": "b@example.com" } ] } }""", "StockWatch:Channels:0:Port", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("""{ "StockWatch": { "Delivery": { "InitialBackoff": "-00:00:05" } } }""", "StockWatch:Delivery:InitialBackoff must be a positive duration", "serve", "--urls", "http://127.0.0.1:0")]
    [InlineData("""{ "StockWatch": { "Delivery": { "MaxAge": "00:00:00" } } }""", "StockWatch:Delivery:MaxAge must be a positive duration", "serve", "--urls", "http://127.0.0.1:0")]
    public async Task Configuration_ReportImportAlarmChannelAndDeliverySettings_AreCheckedAtStart(string json, string? expected, params string[] command)
    {
        using (new TestStore(_data.Path))
        {
        }

        await File.WriteAllTextAsync(Path.Combine(_data.Path, "stockwatch.json"), json, TestContext.Current.CancellationToken);

        var result = await StockWatchProcess.RunAsync(_data.Path, command);

        if (expected is null)
        {
            result.ExitCode.Should().Be(0, result.Error);
            return;
        }

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain(expected).And.NotContain(" at StockWatch");
    }

    [Fact]
    public async Task Configuration_WebhookWhoseSecretOnlyServeIsGiven_DoesNotStopOtherCommands()
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "stockwatch.json"),
            """{ "StockWatch": { "Channels": [ { "Name": "hook", "Type": "webhook", "Url": "https://hooks.example.com/stock" } ] } }""", TestContext.Current.CancellationToken);

        var set = await Run("products", "set", "CFG-1", "--name", "Configured", "--stock", "1");
        var serve = await StockWatchProcess.RunAsync(_data.Path, "serve", "--urls", "http://127.0.0.1:0");

        set.ExitCode.Should().Be(0, "only serve sends, so only serve needs the secret: {0}", set.Error);
        serve.ExitCode.Should().Be(2);
        serve.Error.Should().Contain("StockWatch:Channels:0:Secret is required");
    }

    [Fact]
    public async Task Configuration_UnparsableSetting_StopsWithItsName()
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "stockwatch.json"), """{ "StockWatch": { "Alerts": { "ReminderCooldown": "soon" } } }""", TestContext.Current.CancellationToken);

        var result = await Run("products", "list");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("StockWatch:Alerts:ReminderCooldown");
    }

    [Fact]
    public async Task Configuration_MalformedFile_StopsWithTheFileName()
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "stockwatch.json"), "{ not json", TestContext.Current.CancellationToken);

        var result = await Run("products", "list");

        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain("stockwatch.json");
    }

    [Fact]
    public async Task Configuration_EnvironmentVariable_OverridesTheDefaultThreshold()
    {
        var process = await StockWatchProcess.RunAsync(_data.Path, new Dictionary<string, string> { ["StockWatch__Alerts__DefaultLowStockThreshold"] = "2" },
            "products", "set", "85123A", "--name", "Heart", "--stock", "5");

        process.ExitCode.Should().Be(0, process.Error);
        process.Output.Should().Contain("PRODUCT_ADDED").And.NotContain("LOW_STOCK");
    }
}
