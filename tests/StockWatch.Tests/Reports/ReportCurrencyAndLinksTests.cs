using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Notifications;
using StockWatch.Testing;

namespace StockWatch.Tests.Reports;

/// <summary>StockWatch:Currency with every amount of the report and its messages; StockWatch:PublicUrl as their links.</summary>
public sealed class ReportCurrencyAndLinksTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    public void Dispose() => _data.Dispose();

    private async Task Run(params string[] args)
    {
        var result = await Cli.Cli.RunAsync(_data.Path, args);
        result.ExitCode.Should().Be(0, result.Error);
    }

    [Theory]
    [InlineData("StockWatch__Currency", "euro", "StockWatch:Currency must be an ISO 4217 currency code of 3 letters such as EUR or GBP (got \"euro\").", "report", "weekly")]
    [InlineData("StockWatch__PublicUrl", "stock.example.com", "StockWatch:PublicUrl must be the dashboard's absolute http or https address", "serve")]
    public async Task BadSetting_StopsTheProcessAtStart_WithExit2NamingIt(string variable, string value, string expected, params string[] command)
    {
        await Run("products", "set", "P-1", "--name", "Mug", "--price", "3", "--stock", "20");

        var result = await StockWatchProcess.RunAsync(_data.Path, new Dictionary<string, string> { [variable] = value }, command);

        result.ExitCode.Should().Be(2, result.Output + result.Error);
        result.Error.Should().Contain(expected).And.NotContain("   at ");
    }

    [Fact]
    public async Task Report_WithCurrencyAndPublicUrl_ShowsTheCodeWithEveryAmount_AndIsAnnouncedWithTheDashboardsLink()
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "stockwatch.json"),
            """{ "StockWatch": { "Currency": "EUR", "PublicUrl": "https://stock.example.com" } }""", _cancel);
        await Run("products", "set", "P-1", "--name", "Mug", "--price", "3", "--stock", "20");
        await Run("sales", "record", "--product", "P-1", "--quantity", "4", "--date", "2026-11-10T10:00:00Z");

        var made = await Cli.Cli.RunAsync(_data.Path, "report", "weekly", "--week", "2026-W46", "--json");

        made.ExitCode.Should().Be(0, made.Error);
        var html = new Uri(JsonDocument.Parse(made.Output).RootElement.GetProperty("report_location").GetString()!).LocalPath;
        var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(html, ".json"), _cancel)).RootElement;
        json.GetProperty("currency").GetString().Should().Be("EUR");
        var csv = await File.ReadAllTextAsync(Path.ChangeExtension(html, ".csv"), _cancel);
        csv.Should().Contain("revenue_eur,12").And.Contain("rank,product_id,product_name,product_category,units,revenue_eur\n")
            .And.Contain("date,units,revenue_eur\n").And.Contain("product_id,product_name,stock,stock_value_eur\n");
        var page = await File.ReadAllTextAsync(html, _cancel);
        page.Should().Contain("Net revenue<b>12 EUR</b>").And.Contain("<th class=\"n\">Revenue (EUR)</th>").And.Contain("Inventory value<b>48 EUR</b>");

        var channel = new RecordingChannel();
        using var services = Composed.Services(_data.Path, new Dictionary<string, string?> { ["StockWatch:Currency"] = "EUR", ["StockWatch:PublicUrl"] = "https://stock.example.com" },
            s => s.AddSingleton<IAlertChannel>(channel));
        await services.GetRequiredService<Notifier>().PlanAsync(_cancel);
        await services.GetRequiredService<Deliveries>().RunOnceAsync(_cancel);
        var report = channel.Messages.Should().ContainSingle(m => m.Kind == Announcement.WeeklyReport).Subject;
        report.Link.Should().Be(new Uri("https://stock.example.com/#/reports/weekly-20261112T1700Z"));
        report.Text.Should().Be("Weekly report, week ending Thu 12 Nov 2026, 17:00 UTC: 4 units, revenue 12.00 EUR, 0 low and 0 out of stock. "
            + "https://stock.example.com/#/reports/weekly-20261112T1700Z");
        channel.Messages.Where(m => m.Kind == Announcement.SingleAlert).Should().AllSatisfy(m => m.Link!.AbsoluteUri.Should().StartWith("https://stock.example.com/#/alerts/"));
    }
}
