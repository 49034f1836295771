using StockWatch.Core.Catalog;

namespace StockWatch.Core.Tests.Catalog;

public sealed class ValuesTests
{
    [Theory]
    [InlineData("85123A")]
    [InlineData("BANK CHARGES")]
    [InlineData("a")]
    [InlineData("ÄÖÜ-ß-日本")]
    [InlineData("1234567890123456789012345678901234567890123456789012345678901234")]
    public void ProductIdParse_RealSkus_AreValid(string id) => ProductId.Parse(id).Value.Should().Be(id);

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData(" 85123A", "must not start or end with a space")]
    [InlineData("85123A ", "must not start or end with a space")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345", "at most 64 characters (got 65)")]
    [InlineData("a\u0000b", "control characters")]
    [InlineData("a\nb", "control characters")]
    public void ProductIdParse_Invalid_NamesTheProblem(string id, string message)
    {
        var act = () => ProductId.Parse(id);

        act.Should().Throw<StockWatchException>()
            .Where(e => e.Kind == ErrorKind.Invalid && e.Field == "product_id")
            .WithMessage($"product_id *{message}*");
    }

    [Fact]
    public void ProductIdParse_BrokenSurrogatePair_IsRefused()
    {
        var id = "a" + (char)0xD800 + "b"; // built in code: test-data serialization would replace it

        FluentActions.Invoking(() => ProductId.Parse(id)).Should().Throw<StockWatchException>()
            .WithMessage("product_id contains an invalid character at position 2.");
    }

    [Fact]
    public void ProductId_IsCaseSensitive() => ProductId.Parse("abc").Should().NotBe(ProductId.Parse("ABC"));

    [Theory]
    [InlineData("0", 0)]
    [InlineData("2.55", 2.55)]
    [InlineData("0.0001", 0.0001)]
    [InlineData(" 12.5 ", 12.5)]
    [InlineData("1000000000", 1000000000)]
    public void MoneyParse_Valid(string text, decimal expected) => Money.Parse(text, "product_price").Value.Should().Be(expected);

    [Theory]
    [InlineData("-1", "must not be negative")]
    [InlineData("1.23456", "at most 4 decimals")]
    [InlineData("abc", "must be a number")]
    [InlineData("1,000", "must be a number")]
    [InlineData("1e5", "must be a number")]
    [InlineData("1000000000.01", "at most 1000000000")]
    [InlineData("99999999999999999999999999999999", "must be a number")]
    [InlineData("", "must not be empty")]
    public void MoneyParse_Invalid_NamesTheField(string text, string message) =>
        FluentActions.Invoking(() => Money.Parse(text, "product_price"))
            .Should().Throw<StockWatchException>().WithMessage($"product_price *{message}*");

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(10L)]
    [InlineData(125_000L)]
    [InlineData(100_000L)]
    [InlineData(123_456_789L)]
    [InlineData(10_000_000_000_000L)]
    [InlineData(-25_500L)]
    [InlineData(long.MaxValue)]
    public void MoneyFromTenThousandths_IsTheDecimalADivisionGives(long stored)
    {
        var money = Money.FromTenThousandths(stored);

        // The same bits, scale included: 125000 is 12.5, not 12.5000, wherever the value is written out.
        decimal.GetBits(money.Value).Should().Equal(decimal.GetBits(stored / 10_000m));
        money.Value.ToString(System.Globalization.CultureInfo.InvariantCulture).Should().Be((stored / 10_000m).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Money_RoundTripsThroughTenThousandths() =>
        Money.FromTenThousandths(Money.Parse("12.3456", "p").TenThousandths).Should().Be(Money.Parse("12.3456", "p"));

    [Theory]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    [InlineData("-2147483648")]
    public void ParseQuantity_Invalid_IsRefused(string text) =>
        FluentActions.Invoking(() => Values.ParseQuantity(text)).Should().Throw<StockWatchException>().WithMessage("quantity must be a non-zero whole number*");

    [Theory]
    [InlineData("-3", -3)]
    [InlineData("+7", 7)]
    public void ParseQuantity_ReturnsAreNegative(string text, int expected) => Values.ParseQuantity(text).Should().Be(expected);

    [Theory]
    [InlineData("-1")]
    [InlineData("2147483648")]
    [InlineData("1.0")]
    public void ParseCount_Invalid_IsRefused(string text) =>
        FluentActions.Invoking(() => Values.ParseCount(text, "stock_count")).Should().Throw<StockWatchException>()
            .WithMessage($"stock_count must be a whole number from 0 to 2147483647 (got \"{text}\").");

    [Theory]
    [InlineData("2026-11-24", "2026-11-24T00:00:00Z")]
    [InlineData("2026-11-24T17:00:00Z", "2026-11-24T17:00:00Z")]
    [InlineData("2026-11-24T18:00:00+01:00", "2026-11-24T17:00:00Z")]
    [InlineData("2026-11-24 17:00:00", "2026-11-24T17:00:00Z")]
    [InlineData("2026-11-24T17:00:00.5Z", "2026-11-24T17:00:00.5Z")]
    public void TimestampParse_IsoForms_AreUtc(string text, string expected) =>
        Timestamp.Format(Timestamp.Parse(text, "sale_date")).Should().Be(expected);

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-13-45")]
    [InlineData("24/11/2026")]
    [InlineData("2026-11-24T25:00:00Z")]
    public void TimestampParse_Invalid_IsRefused(string text) =>
        FluentActions.Invoking(() => Timestamp.Parse(text, "sale_date")).Should().Throw<StockWatchException>()
            .WithMessage("sale_date must be an ISO-8601 date*");

    [Fact]
    public void TimestampStoredForm_SortsAsTime()
    {
        var earlier = Timestamp.FormatSortable(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));
        var later = Timestamp.FormatSortable(new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1));

        string.CompareOrdinal(earlier, later).Should().BeNegative();
        Timestamp.ParseStored(later).Should().Be(new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\tinside")]
    public void ProductName_Invalid_CannotBeConstructed(string name) =>
        FluentActions.Invoking(() => Testing.Builders.Product(name: name)).Should().Throw<StockWatchException>()
            .Where(e => e.Field == "product_name");

    [Fact]
    public void ProductName_LongerThan200_CannotBeConstructed() =>
        FluentActions.Invoking(() => Testing.Builders.Product(name: new string('x', 201))).Should().Throw<StockWatchException>()
            .WithMessage("product_name must be at most 200 characters (got 201).");

    [Fact]
    public void ProductStock_Negative_CannotBeConstructed() =>
        FluentActions.Invoking(() => Testing.Builders.Product(stock: -1)).Should().Throw<StockWatchException>()
            .WithMessage("stock_count must not be negative (got -1).");
}
