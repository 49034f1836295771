using StockWatch.Core.Alerts;

namespace StockWatch.Core.Tests.Alerts;

public sealed class StockCoverTests
{
    private static readonly AlertOptions Options = new() { ForecastWindowDays = 28, LeadTimeDays = 7 };

    [Theory]
    // stock, threshold, units in window → rate (0.01), days of cover (0.1), reorder quantity
    [InlineData(0, 10, 0, 0, null, 11)]            // nothing sells: no cover; reorder up to the threshold + 1
    [InlineData(50, 10, -30, 0, null, 0)]          // more returned than sold: no rate
    [InlineData(14, 10, 28, 1, 14.0, 11)]          // 1 a day: 14 days; ⌈1 × 14⌉ + 10 + 1 − 14 = 11
    [InlineData(19, 5, 1, 0.04, 532.0, 0)]         // 1/28 a day: 19 × 28 = 532 days (the rounded 0.04 would say 475)
    [InlineData(3, 2, 100, 3.57, 0.8, 50)]         // ⌈3.5714 × 14⌉ = 50; + 2 + 1 − 3
    [InlineData(2147483647, 0, 1, 0.04, 60129542116.0, 0)]
    public void Of_EdgeCases(int stock, int threshold, long units, double rate, double? days, int reorder)
    {
        var cover = StockCover.Of(stock, threshold, units, Options);

        cover.Should().Be(new StockCover((decimal)rate, days is { } d ? (decimal)d : null, reorder));
    }

    [Fact]
    public void Days_IsTheSameFigureTheAlertsUse_FromTheUnroundedRate()
    {
        var rate = StockCover.Rate(1, Options);

        StockCover.Days(19, rate).Should().Be(StockCover.Of(19, 10, 1, Options).DaysOfCover).And.Be(532.0m);
    }
}
