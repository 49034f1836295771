using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;

namespace StockWatch.Core.Tests.Alerts;

public sealed class ReminderDueTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly AlertOptions Options = new() { ReminderCooldown = TimeSpan.FromHours(24), ForecastWindowDays = 28 };

    [Theory]
    [InlineData(3, 10, 24 * 60, true)]      // exactly a cooldown since the last low-stock alert
    [InlineData(3, 10, 24 * 60 - 1, false)] // a minute short of it
    [InlineData(0, 10, 72 * 60, true)]      // out of stock is low too
    [InlineData(10, 10, 48 * 60, true)]     // at the threshold
    [InlineData(11, 10, 48 * 60, false)]    // above it: not low
    public void Due_RemindsWhenLowForACooldownSinceTheLastAlert(int stock, int threshold, int minutesSinceAlert, bool due)
    {
        var product = new LowProduct(ProductId.Parse("P-1"), "Home", stock, threshold, 56, Now.AddMinutes(-minutesSinceAlert));

        var reminders = ReminderSweep.Due([product], Now, Options);

        reminders.Should().HaveCount(due ? 1 : 0);
        if (due)
        {
            var alert = reminders[0].Reminder;
            (alert.Type, alert.Time, alert.Details.Reminder, alert.Details.Stock, alert.Details.Threshold).Should().Be((AlertType.LowStock, Now, true, stock, threshold));
            alert.Details.DaysOfCover.Should().Be(StockCover.Of(stock, threshold, 56, Options).DaysOfCover, "days of cover from the one StockCover");
        }
    }
}
