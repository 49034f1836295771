using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Notifications;

namespace StockWatch.Core.Tests.Notifications;

public sealed class SiteOptionsTests
{
    private static readonly SiteOptions Linked = new() { Currency = "eur", PublicUrl = "https://stock.example.com/" };

    private static Alert PriceChange(long id) =>
        new(id, ProductId.Parse("P-1"), AlertType.PriceChanged, DateTimeOffset.UnixEpoch, new AlertDetails { OldValue = "2.50", NewValue = "2.75", PercentChange = 10 });

    private static Alert Low(long id) =>
        new(id, ProductId.Parse($"L-{id}"), AlertType.LowStock, DateTimeOffset.UnixEpoch, new AlertDetails { Stock = 3, Threshold = 10, Reminder = true });

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("EUR", "https://stock.example.com", null)]
    [InlineData("gbp", "http://127.0.0.1:5080/stock/", null)]
    [InlineData("euro", null, "StockWatch:Currency must be an ISO 4217 currency code of 3 letters such as EUR or GBP (got \"euro\").")]
    [InlineData("€", null, "StockWatch:Currency must be an ISO 4217 currency code of 3 letters")]
    [InlineData("E1R", null, "StockWatch:Currency must be")]
    [InlineData(null, "stock.example.com", "StockWatch:PublicUrl must be the dashboard's absolute http or https address")]
    [InlineData(null, "ftp://stock.example.com", "StockWatch:PublicUrl must be")]
    [InlineData(null, "file:///srv/stockwatch", "StockWatch:PublicUrl must be")]
    [InlineData(null, "https://stock.example.com/?a=1", "StockWatch:PublicUrl must be")]
    public void Validator_TakesA3LetterCodeAndAnHttpAddress_NamingTheSettingOtherwise(string? currency, string? url, string? failure)
    {
        var result = new SiteOptionsValidator().Validate(null, new SiteOptions { Currency = currency, PublicUrl = url });

        if (failure is null)
        {
            result.Succeeded.Should().BeTrue(result.FailureMessage);
        }
        else
        {
            result.Failures.Should().ContainSingle().Which.Should().StartWith(failure);
        }
    }

    [Fact]
    public void ForAlert_WithCurrencyAndPublicUrl_PrintsTheCode_AndLinksTheAlertsPage()
    {
        var message = Announcement.ForAlert(PriceChange(42), Linked);

        message.Text.Should().Be("Price of P-1 changed from 2.50 EUR to 2.75 EUR (+10 %)");
        message.Link.Should().Be(new Uri("https://stock.example.com/#/alerts/42"));
    }

    [Fact]
    public void ForAlert_WithoutSettings_HasBareAmountsAndNoLink()
    {
        var message = Announcement.ForAlert(PriceChange(42));

        message.Text.Should().Be("Price of P-1 changed from 2.50 to 2.75 (+10 %)");
        message.Link.Should().BeNull();
    }

    [Fact]
    public void ForReminders_ListsTheFirst25WithTheirLinks_AndCountsTheRest()
    {
        var message = Announcement.ForReminders([.. Enumerable.Range(1, 30).Select(i => Low(i))], Linked);

        var lines = message.Text.Split('\n');
        lines[0].Should().Be("30 products are still low: 30 LOW_STOCK");
        lines[1].Should().Be("- Still low: L-1 has 3 in stock (threshold 10) https://stock.example.com/#/alerts/1");
        lines.Should().HaveCount(1 + Announcement.DigestLines + 1);
        lines[^1].Should().Be("… and 5 more.");
        message.Link.Should().Be(new Uri("https://stock.example.com/#/alerts"));
        message.Kind.Should().Be(Announcement.ReminderDigest);
    }
}
