using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Notifications;

namespace StockWatch.Core.Tests.Notifications;

public sealed class ChannelSettingsTests
{
    private static readonly DeliveryOptions Retries = new() { InitialBackoff = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromMinutes(10) };

    private static Alert AlertOf(AlertType type, string? category) =>
        new(1, ProductId.Parse("P-1"), type, DateTimeOffset.UnixEpoch, new AlertDetails()) { Category = category };

    [Fact]
    public void Filter_PassesAnAlertWhenItsTypeAndCategoryAreListed_CaseInsensitively()
    {
        var filter = new ChannelFilter(["low_stock", "OUT_OF_STOCK"], ["Tools"]);

        filter.Accepts(AlertOf(AlertType.LowStock, "tools")).Should().BeTrue();
        filter.Accepts(AlertOf(AlertType.PriceChanged, "Tools")).Should().BeFalse("the type is not listed");
        filter.Accepts(AlertOf(AlertType.LowStock, "Garden")).Should().BeFalse("the category is not listed");
        filter.Accepts(AlertOf(AlertType.LowStock, null)).Should().BeFalse("an alert of no known category is not in a listed one");
        filter.Accepts("WEEKLY_REPORT").Should().BeFalse("a report is a topic, and the types do not list it");
        ChannelFilter.All.Accepts(AlertOf(AlertType.ProductRemoved, null)).Should().BeTrue();
        new ChannelFilter([], ["Tools"]).Accepts("QUEUE_STUCK").Should().BeTrue("categories do not apply to alarms and reports");
    }

    [Theory]
    [InlineData(1, 0.0, 2.5)]
    [InlineData(1, 0.999, 4.9975)]
    [InlineData(2, 0.0, 5)]
    [InlineData(3, 0.5, 15)]
    [InlineData(8, 0.0, 300)]
    [InlineData(9, 1.0, 600)]
    [InlineData(5000, 0.0, 300)]
    public void Backoff_DoublesPerFailureUpToTheMaximum_WithHalfOfItRandom(int failures, double jitter, double seconds) =>
        Deliveries.Backoff(failures, jitter, Retries).TotalSeconds.Should().BeApproximately(seconds, 0.001);

    [Fact]
    public void ChannelsValidator_NamesEachBadSettingWithItsIndex()
    {
        var options = new ChannelsOptions
        {
            Channels =
            [
                new ChannelOptions { Name = "ops", Type = "pager" },
                new ChannelOptions { Name = "hook", Type = "webhook", Url = "ftp://example.com/x" },
                new ChannelOptions { Name = "mail", Type = "email", Port = 0, From = "not an address", To = ["a@example.com", "nope"] },
                new ChannelOptions { Name = "hook", Type = "log", AlertTypes = ["LOW_STOCK", "SOLD_OUT"] },
                new ChannelOptions { Name = "bad name!", Type = "sns" },
            ],
        };

        var failures = new ChannelsOptionsValidator().Validate(null, options).Failures!.ToList();

        failures.Should().BeEquivalentTo(
        [
            "StockWatch:Channels:0:Type must be one of log, webhook, email, sns (got \"pager\").",
            "StockWatch:Channels:1:Url must be an absolute http:// or https:// URL (got \"ftp://example.com/x\").",
            "StockWatch:Channels:1:Secret is required: webhooks are signed with it (set it as the environment variable StockWatch__Channels__1__Secret).",
            "StockWatch:Channels:2:Host is required for an email channel (the SMTP server).",
            "StockWatch:Channels:2:Port must be from 1 to 65535 (got 0).",
            "StockWatch:Channels:2:From must be an e-mail address (got \"not an address\").",
            "StockWatch:Channels:2:To must be one or more e-mail addresses, as a list or separated by ',' (got \"a@example.com,nope\").",
            "StockWatch:Channels:3:Name 'hook' is used by another channel; names must be unique.",
            $"StockWatch:Channels:3:AlertTypes has \"SOLD_OUT\"; each must be one of {string.Join(", ", AlertTypes.All)}, WEEKLY_REPORT.",
            "StockWatch:Channels:4:Name must be 1 to 64 letters, digits, '-' or '_' (got \"bad name!\").",
            "StockWatch:Channels:4:TopicArn must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:stockwatch-alerts (got nothing).",
        ]);
    }

    [Fact]
    public void ChannelsValidator_AcceptsAGoodSet_AndNoneMeansOneLogChannel()
    {
        var options = new ChannelsOptions
        {
            Channels =
            [
                new ChannelOptions { Name = "hook", Type = "Webhook", Url = "https://hooks.example.com/stock", Secret = "s3cret", AlertTypes = ["WEEKLY_REPORT"] },
                new ChannelOptions { Name = "mail", Type = "email", Host = "smtp.example.com", Port = 587, From = "stock@example.com", To = ["a@example.com", "b@example.com"] },
            ],
        };

        new ChannelsOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
        new ChannelsOptions().Effective.Should().ContainSingle().Which.Type.Should().Be("log");
    }

    [Fact]
    public void DeliveryValidator_NamesNonPositiveDurations_AndABackoffRangeTheWrongWayRound()
    {
        new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { InitialBackoff = TimeSpan.Zero, MaxAge = TimeSpan.FromHours(-1) })
            .FailureMessage.Should().Contain("StockWatch:Delivery:InitialBackoff must be a positive duration")
            .And.Contain("StockWatch:Delivery:MaxAge must be a positive duration");
        new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { InitialBackoff = TimeSpan.FromMinutes(20) })
            .FailureMessage.Should().Contain("StockWatch:Delivery:MaxBackoff (00:10:00) must not be shorter than InitialBackoff (00:20:00).");
    }
}
