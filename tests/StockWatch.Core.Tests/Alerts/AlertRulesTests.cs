using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Stream;
using static StockWatch.Core.Alerts.AlertType;
using static StockWatch.Testing.Builders;

namespace StockWatch.Core.Tests.Alerts;

public sealed class AlertRulesTests
{
    private static readonly AlertOptions Options = new(); // threshold 10, cooldown 24 h, lead 7 days, window 28 days
    private static readonly Product P = Product(stock: 50, threshold: 10);
    private static readonly AlertState LowSinceAnHourAgo = AlertState.None with { LowStockAlertedAt = T0.AddHours(-1) };

    /// <summary>One edge case per row: the change, what the rules remember, the sales rate, the alerts expected.</summary>
    public sealed record Case(string Name, ChangeRecord Change, AlertState State, decimal DailyUnits, AlertType[] Expected)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases() =>
    [
        new Case("created above the threshold", Created(P), AlertState.None, 0, [ProductAdded]),
        new Case("created exactly at the threshold", Created(P with { Stock = 10 }), AlertState.None, 0, [ProductAdded, LowStock]),
        new Case("created already out of stock", Created(P with { Stock = 0 }), AlertState.None, 0, [ProductAdded, LowStock, OutOfStock]),
        new Case("created low by an import: no PRODUCT_ADDED", Created(P with { Stock = 5 }, cause: "import: 7"), AlertState.None, 0, [LowStock]),
        new Case("stock drops to exactly the threshold", Modified(P with { Stock = 11 }, P with { Stock = 10 }), AlertState.None, 0, [LowStock]),
        new Case("stock drops but stays above the threshold", Modified(P with { Stock = 12 }, P with { Stock = 11 }), AlertState.None, 0, []),
        new Case("stays low, reminder not due", Modified(P with { Stock = 9 }, P with { Stock = 8 }), LowSinceAnHourAgo, 0, []),
        new Case("stays low, one second before the cooldown",
            Modified(P with { Stock = 9 }, P with { Stock = 8 }),
            AlertState.None with { LowStockAlertedAt = T0 - Options.ReminderCooldown + TimeSpan.FromSeconds(1) }, 0, []),
        new Case("stays low, exactly at the cooldown: reminder",
            Modified(P with { Stock = 9 }, P with { Stock = 8 }),
            AlertState.None with { LowStockAlertedAt = T0 - Options.ReminderCooldown }, 0, [LowStock]),
        new Case("stays low, after the cooldown: reminder",
            Modified(P with { Stock = 9 }, P with { Stock = 8 }),
            AlertState.None with { LowStockAlertedAt = T0.AddHours(-25) }, 0, [LowStock]),
        new Case("low stock reaches 0", Modified(P with { Stock = 5 }, P with { Stock = 0 }), LowSinceAnHourAgo, 0, [OutOfStock]),
        new Case("plenty of stock reaches 0 at once", Modified(P with { Stock = 20 }, P with { Stock = 0 }), AlertState.None, 0, [LowStock, OutOfStock]),
        new Case("threshold 0: the last unit sold", Modified(P with { Stock = 1, LowStockThreshold = 0 }, P with { Stock = 0, LowStockThreshold = 0 }), AlertState.None, 0, [LowStock, OutOfStock]),
        new Case("threshold 0: stock 2 to 1 is not low", Modified(P with { Stock = 2, LowStockThreshold = 0 }, P with { Stock = 1, LowStockThreshold = 0 }), AlertState.None, 0, []),
        new Case("a return lifts stock above the threshold", Modified(P with { Stock = 8 }, P with { Stock = 15 }, cause: "sale: R1"), LowSinceAnHourAgo, 0, [BackInStock]),
        new Case("one unit above the threshold is back in stock", Modified(P with { Stock = 10 }, P with { Stock = 11 }), LowSinceAnHourAgo, 0, [BackInStock]),
        new Case("restocked from 0 but still low", Modified(P with { Stock = 0 }, P with { Stock = 5 }), LowSinceAnHourAgo, 0, []),
        new Case("raising the threshold makes it low", Modified(P with { Stock = 10, LowStockThreshold = 5 }, P with { Stock = 10, LowStockThreshold = 20 }), AlertState.None, 0, [LowStock]),
        new Case("no threshold of its own: the default applies", Modified(P with { Stock = 11, LowStockThreshold = null }, P with { Stock = 10, LowStockThreshold = null }), AlertState.None, 0, [LowStock]),
        new Case("price changed to the same value", Modified(P, P with { Price = Money.From(2.5500m, "p"), Version = 2 }), AlertState.None, 0, []),
        new Case("price changed", Modified(P with { Price = Money.From(2m, "p") }, P with { Price = Money.From(2.5m, "p") }), AlertState.None, 0, [PriceChanged]),
        new Case("renamed", Modified(P, P with { Name = "WHITE HEART HOLDER" }), AlertState.None, 0, [NameChanged]),
        new Case("moved to another category", Modified(P, P with { Category = "Garden" }), AlertState.None, 0, [CategoryChanged]),
        new Case("removed", Removed(P), AlertState.None, 0, [ProductRemoved]),
        new Case("cover drops below the lead time", Modified(P with { Stock = 50 }, P with { Stock = 40 }), AlertState.None, 6, [StockoutPredicted]),
        new Case("cover exactly at the lead time", Modified(P with { Stock = 50 }, P with { Stock = 42 }), AlertState.None, 6, []),
        new Case("cover still below the lead time: once per episode", Modified(P with { Stock = 40 }, P with { Stock = 35 }), AlertState.None with { StockoutEpisode = true }, 6, []),
        new Case("no sales: no prediction", Modified(P with { Stock = 50 }, P with { Stock = 11 }), AlertState.None, 0, []),
        new Case("out of stock at once: OUT_OF_STOCK, not a prediction", Modified(P with { Stock = 20 }, P with { Stock = 0 }), AlertState.None, 6, [LowStock, OutOfStock]),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluate_Case_RaisesExpectedAlerts(Case row)
    {
        var decision = AlertRules.Evaluate(row.Change, row.State, row.DailyUnits, Options);

        decision.Alerts.Select(a => a.Type).Should().BeEquivalentTo(row.Expected);
        decision.Alerts.Should().AllSatisfy(a =>
        {
            a.ProductId.Should().Be(row.Change.ProductId);
            a.Time.Should().Be(row.Change.ChangedAt);
        });
        decision.State.LastAlertTime.Should().Be(row.Expected.Length > 0 ? row.Change.ChangedAt : row.State.LastAlertTime);
    }

    [Fact]
    public void Evaluate_Reminder_IsMarkedAndRestartsTheCooldown()
    {
        var state = AlertState.None with { LowStockAlertedAt = T0.AddDays(-2) };

        var decision = AlertRules.Evaluate(Modified(P with { Stock = 9 }, P with { Stock = 8 }), state, 0, Options);

        decision.Alerts.Should().ContainSingle().Which.Details.Reminder.Should().BeTrue();
        decision.State.LowStockAlertedAt.Should().Be(T0);
    }

    [Fact]
    public void Evaluate_LowStock_CarriesStockThresholdAndCover()
    {
        var decision = AlertRules.Evaluate(Modified(P with { Stock = 11 }, P with { Stock = 9 }), AlertState.None, 3m, Options);

        var low = decision.Alerts.Single(a => a.Type == LowStock);
        low.Details.Should().BeEquivalentTo(new AlertDetails { Stock = 9, Threshold = 10, DaysOfCover = 3.0m });
        decision.State.LowStockAlertedAt.Should().Be(T0);
    }

    [Fact]
    public void Evaluate_BackInStock_EndsTheLowEpisode()
    {
        var decision = AlertRules.Evaluate(Modified(P with { Stock = 3 }, P with { Stock = 30 }), LowSinceAnHourAgo, 0, Options);

        decision.State.LowStockAlertedAt.Should().BeNull();
    }

    [Theory]
    [InlineData(2.00, 2.50, 25.00)]
    [InlineData(4.00, 3.00, -25.00)]
    [InlineData(3.00, 1.00, -66.67)]
    public void Evaluate_PriceChange_ReportsOldNewAndPercent(decimal oldPrice, decimal newPrice, decimal percent)
    {
        var change = Modified(P with { Price = Money.From(oldPrice, "p") }, P with { Price = Money.From(newPrice, "p") });

        var alert = AlertRules.Evaluate(change, AlertState.None, 0, Options).Alerts.Single();

        alert.Details.OldValue.Should().Be(Money.From(oldPrice, "p").ToString());
        alert.Details.NewValue.Should().Be(Money.From(newPrice, "p").ToString());
        alert.Details.PercentChange.Should().Be(percent);
    }

    [Fact]
    public void Evaluate_PriceChangeFromZero_HasNoPercent()
    {
        var change = Modified(P with { Price = Money.Zero }, P with { Price = Money.From(1m, "p") });

        AlertRules.Evaluate(change, AlertState.None, 0, Options).Alerts.Single().Details.PercentChange.Should().BeNull();
    }

    [Fact]
    public void Evaluate_CoverBackAboveLeadTime_ClosesTheEpisodeSoTheNextDropAlertsAgain()
    {
        var inEpisode = AlertState.None with { StockoutEpisode = true };

        var restocked = AlertRules.Evaluate(Modified(P with { Stock = 10 }, P with { Stock = 100 }), inEpisode, 6, Options);
        var dropped = AlertRules.Evaluate(Modified(P with { Stock = 100 }, P with { Stock = 30 }), restocked.State, 6, Options);

        restocked.State.StockoutEpisode.Should().BeFalse();
        dropped.Alerts.Select(a => a.Type).Should().Contain(StockoutPredicted);
        dropped.State.StockoutEpisode.Should().BeTrue();
    }

    [Fact]
    public void Evaluate_Removed_ForgetsTheProductsEpisodes()
    {
        var state = new AlertState(T0.AddHours(-2), T0.AddHours(-2), StockoutEpisode: true);

        var decision = AlertRules.Evaluate(Removed(P with { Stock = 3 }), state, 5, Options);

        decision.State.Should().Be(new AlertState(T0, null, false));
    }

    [Fact]
    public void NeedsSalesRate_RandomChanges_WhereItSaysNoTheDecisionIsTheSameAtEveryRate()
    {
        var random = new Random(21);
        var (without, with) = (0, 0);
        for (var i = 0; i < 20_000; i++)
        {
            var change = RandomChange(random);
            var state = new AlertState(
                random.Next(2) == 0 ? null : T0.AddHours(-random.Next(60)),
                random.Next(2) == 0 ? null : T0.AddHours(-random.Next(60)),
                random.Next(2) == 0);
            var rate = random.Next(4) == 0 ? 0 : random.Next(1, 4000) / 100m;
            var needs = AlertRules.NeedsSalesRate(change, Options);

            var atRate = AlertRules.Evaluate(change, state, rate, Options);
            var atNone = AlertRules.Evaluate(change, state, 0, Options);

            if (!needs)
            {
                atRate.State.Should().Be(atNone.State, $"{change} decided without a rate");
                atRate.Alerts.Should().BeEquivalentTo(atNone.Alerts, $"{change} decided without a rate");
                without++;
            }
            else
            {
                with++;
            }
        }

        without.Should().BeGreaterThan(1000, "removals and products whose stock is not counted are decided without a rate");
        with.Should().BeGreaterThan(1000);
    }

    [Fact]
    public void NeedsSalesRate_CountedProductWhoseStockDidNotMove_StillNeedsIt()
    {
        // Its days of cover move with sales and with time: a price change can open or close a stockout episode.
        var change = Modified(P with { Price = Money.From(2m, "p") }, P with { Price = Money.From(3m, "p") });

        AlertRules.NeedsSalesRate(change, Options).Should().BeTrue();
        AlertRules.Evaluate(change, AlertState.None, 10, Options).Alerts.Select(a => a.Type).Should().Contain(StockoutPredicted);
        AlertRules.Evaluate(change, AlertState.None with { StockoutEpisode = true }, 0, Options).State.StockoutEpisode.Should().BeFalse();
    }

    private static ChangeRecord RandomChange(Random random)
    {
        Product Image() => P with
        {
            Stock = random.Next(4) == 0 ? 0 : random.Next(0, 40),
            LowStockThreshold = random.Next(3) == 0 ? null : random.Next(0, 15),
            StockCounted = random.Next(3) != 0,
            Price = Money.From(random.Next(1, 5), "p"),
            Name = random.Next(2) == 0 ? "A" : "B",
        };

        var at = T0.AddMinutes(random.Next(1000));
        return random.Next(4) switch
        {
            0 => Created(Image(), at, random.Next(2) == 0 ? "cli" : "import: 1"),
            1 => Removed(Image(), at),
            _ => Modified(Image(), Image(), at),
        };
    }
}
