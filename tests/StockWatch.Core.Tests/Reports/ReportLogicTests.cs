using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Reports;

namespace StockWatch.Core.Tests.Reports;

public sealed class ReportLogicTests
{
    private static readonly ReportSchedule Thursdays = ReportSchedule.Parse("0 17 * * THU");

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("2026-11-26T16:59:59Z", "2026-11-19T17:00:00Z")]
    [InlineData("2026-11-26T17:00:00Z", "2026-11-26T17:00:00Z")]
    [InlineData("2026-11-30T09:00:00Z", "2026-11-26T17:00:00Z")]
    public void Latest_IsTheLastScheduledTimeAtOrBeforeNow(string now, string expected) =>
        Thursdays.Latest(At(now)).Should().Be(At(expected));

    [Fact]
    public void Next_IsStrictlyAfterNow() =>
        Thursdays.Next(At("2026-11-26T17:00:00Z")).Should().Be(At("2026-12-03T17:00:00Z"));

    [Fact]
    public void Latest_OfAMonthlySchedule_LooksFarEnoughBack() =>
        ReportSchedule.Parse("0 6 1 * *").Latest(At("2026-11-30T00:00:00Z")).Should().Be(At("2026-11-01T06:00:00Z"));

    [Theory]
    [InlineData("2026-W47", "2026-11-19T17:00:00Z")]
    [InlineData("2020-W53", "2020-12-31T17:00:00Z")]
    [InlineData(" 2027-W01 ", "2027-01-07T17:00:00Z")]
    public void InWeek_IsTheScheduledTimeOfThatIsoWeek(string week, string expected) =>
        Thursdays.InWeek(week).Should().Be(At(expected));

    [Theory]
    [InlineData("2026-W54")]
    [InlineData("2026-W00")]
    [InlineData("2026-47")]
    [InlineData("W47")]
    [InlineData("")]
    public void InWeek_NotAnIsoWeek_SaysWhatIsExpected(string week) =>
        FluentActions.Invoking(() => Thursdays.InWeek(week)).Should().Throw<StockWatchException>()
            .Which.Message.Should().StartWith("week must be an ISO week such as 2026-W47");

    [Theory]
    [InlineData("")]
    [InlineData("every thursday")]
    [InlineData("0 17 * * FRIDAY")]
    [InlineData("61 17 * * THU")]
    public void Validator_BadSchedule_NamesTheSetting(string schedule)
    {
        var result = new ReportOptionsValidator().Validate(null, new ReportOptions { Schedule = schedule });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("StockWatch:Reports:Schedule must be a cron expression");
    }

    [Fact]
    public void Validator_TopNOutOfRange_NamesTheSetting() =>
        new ReportOptionsValidator().Validate(null, new ReportOptions { TopN = 0 }).FailureMessage.Should().Contain("StockWatch:Reports:TopN must be from 1 to 1000");

    [Theory]
    // 28 units in the 28-day window: 1 a day. Lead time 7 + a week = 14 days; threshold 10 → 14 + 11 - stock.
    [InlineData(4, 10, 28, 1.0, 4.0, 21)]
    [InlineData(0, 10, 28, 1.0, 0.0, 25)]
    // Nothing sold: no cover figure; reorder only up to above the threshold.
    [InlineData(3, 10, 0, 0.0, null, 8)]
    // Returns outweigh sales: the rate is 0, not negative.
    [InlineData(3, 10, -5, 0.0, null, 8)]
    // Plenty in stock for the rate: nothing to reorder.
    [InlineData(10, 10, 7, 0.25, 40.0, 5)]
    public void Concern_DaysOfCoverAndReorderQuantity(int stock, int threshold, long unitsInWindow, double rate, double? cover, int reorder)
    {
        var concern = WeeklyReports.Concern(new StockRow(ProductId.Parse("P1"), "P", "C", stock, threshold, unitsInWindow), new AlertOptions());

        concern.DailyRate.Should().Be((decimal)rate);
        concern.DaysOfCover.Should().Be(cover is { } c ? (decimal)c : null);
        concern.ReorderQuantity.Should().Be(reorder);
    }

    [Fact]
    public void Html_EscapesEveryValue_AndUsesNoExternalResource()
    {
        var report = Sample("<script>alert(1)</script>", "=HYPERLINK(\"http://x\")");

        var html = ReportFormats.Html(report);

        html.Should().NotContain("<script").And.Contain("&lt;script&gt;alert(1)&lt;/script&gt;");
        html.Should().NotContainAny("src=", "href=", "@import", "url(");
        html.Should().Contain("<svg").And.Contain("=HYPERLINK(&quot;http://x&quot;)");
    }

    [Fact]
    public void Csv_NeutralisesFormulas()
    {
        var csv = ReportFormats.Csv(Sample("Plain", "=HYPERLINK(\"http://x\")"));

        csv.Should().Contain("\"'=HYPERLINK(\"\"http://x\"\")\"").And.NotContain(",=HYPERLINK");
        csv.Split('\n').Should().Contain("top_by_revenue").And.Contain("rank,product_id,product_name,product_category,units,revenue");
    }

    [Fact]
    public void Csv_NumbersStayNumbers_NegativeOnesToo_WithoutGrouping()
    {
        var report = Sample("-cmd", "Bakery") with { InventoryValue = 12_345.5m };

        var csv = ReportFormats.Csv(report).Split('\n');

        csv.Should().Contain("units,2,4,-50").And.Contain("2,P2,Bread,Bakery,-1,-1.2").And.Contain("inventory_value,12345.5,,");
        csv.Should().Contain("S1,'-cmd,4,10", "a text cell starting with - is still neutralised");
    }

    [Fact]
    public void ManyStockConcerns_ThePageShowsTheFastestSellingAndSaysHowManyMore_TheCsvListsThemAll()
    {
        var outOfStock = Enumerable.Range(0, 1200).Select(i => new StockConcern($"O{i:D4}", "Out", "C", 0, 10, i % 7 == 0 ? 2.5m : 0m, 0m, 11)).ToList();
        var report = Sample("A", "B") with { OutOfStock = outOfStock };

        var html = ReportFormats.Html(report);
        var csv = ReportFormats.Csv(report);

        html.Should().Contain("1,200 out of stock, 1 low").And.Contain("… and 1,176 more: the CSV and JSON list them all.");
        html.Should().Contain("<td>O0000</td>", "the fastest sellers come first").And.NotContain("<td>O0001</td>");
        csv.Split('\n').Count(line => line.StartsWith('O')).Should().Be(1200);
    }

    [Fact]
    public void Html_NamesTheWeekByItsEnd_AndItsTimesAsPeopleReadThem()
    {
        var html = ReportFormats.Html(Sample("A", "B") with { GeneratedAt = At("2026-11-30T03:07:42.7441704Z") });

        html.Should().Contain("<h1>Weekly report, week ending Thu 26 Nov 2026, 17:00 UTC</h1>")
            .And.Contain("Thu 19 Nov 2026 17:00 – Thu 26 Nov 2026 17:00 UTC · generated 2026-11-30 03:07 UTC");
    }

    [Theory]
    [InlineData(41.7, "▲ 41.7 % on the week before")]
    [InlineData(-0.1, "▼ 0.1 % on the week before")]
    [InlineData(12, "▲ 12 % on the week before")]
    public void Html_PercentagesAsRounded_WithoutFalsePrecision(double change, string shown)
    {
        var html = ReportFormats.Html(Sample("A", "B") with { Change = new ReportChange((decimal)change, 0, 0, 0) });

        html.Should().Contain(shown);
    }

    [Fact]
    public void Json_HasTheNamesOfTheSchema()
    {
        using var json = System.Text.Json.JsonDocument.Parse(ReportFormats.Json(Sample("A", "B")));
        var root = json.RootElement;

        root.GetProperty("schema_version").GetInt32().Should().Be(1);
        root.GetProperty("period").GetProperty("start").GetString().Should().Be("2026-11-19T17:00:00Z");
        root.GetProperty("totals").GetProperty("products_sold").GetInt64().Should().Be(2);
        var top = root.GetProperty("top_by_revenue")[0];
        (top.GetProperty("product_id").GetString(), top.GetProperty("product_name").GetString(), top.GetProperty("units").GetInt64(), top.GetProperty("revenue").GetDecimal())
            .Should().Be(("P1", "A", 3L, 7.5m));
        ReportFormats.ReadJson(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(ReportFormats.Json(Sample("A", "B"))))).Should().BeEquivalentTo(Sample("A", "B"));
    }

    private static WeeklyReport Sample(string name, string category)
    {
        var end = At("2026-11-26T17:00:00Z");
        ProductSales[] products = [new("P1", name, category, 3, 7.5m), new("P2", "Bread", "Bakery", -1, -1.2m)];
        return new WeeklyReport
        {
            ReportId = WeeklyReports.IdFor(end),
            Period = new ReportPeriod(end.AddDays(-7), end),
            GeneratedAt = end,
            Totals = new ReportTotals(2, 6.3m, 3, 2),
            PreviousTotals = new ReportTotals(4, 6.3m, 3, 2),
            Change = new ReportChange(-50, 0, 0, 0),
            TopByRevenue = products,
            TopByUnits = products,
            Categories = [new CategorySales(category, 3, 7.5m, 1)],
            Days = [new DaySales(new DateOnly(2026, 11, 20), 3, 7.5m)],
            SlowMovers = [new SlowMover("S1", name, 4, 10m)],
            SlowMoverCount = 1,
            LowStock = [new StockConcern("P1", name, category, 2, 10, 0.5m, 4m, 16)],
            OutOfStock = [new StockConcern("P3", name, category, 0, 10, 0m, null, 11)],
            AlertsByType = new Dictionary<string, long> { ["LOW_STOCK"] = 2 },
            InventoryValue = 12.5m,
        };
    }
}
