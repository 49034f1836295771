namespace StockWatch.Core.Alerts;

/// <summary>
/// How long a product's stock lasts at its recent sales rate, and what to reorder: the one computation behind the
/// alerts, the API, the dashboard and the weekly report, so that they never disagree.
/// </summary>
/// <param name="DailyRate">Net units sold a day over the forecast window (returns count against it; never below 0), to the hundredth.</param>
/// <param name="DaysOfCover">Stock divided by the unrounded daily rate, to a tenth of a day; <c>null</c> when nothing sells.</param>
/// <param name="ReorderQuantity">
/// Units to order so that the lead time and one week more are covered at that rate and the stock still ends above the
/// threshold: ⌈rate × (lead time + 7)⌉ + threshold + 1 − stock, at least 0.
/// </param>
public readonly record struct StockCover(decimal DailyRate, decimal? DaysOfCover, int ReorderQuantity)
{
    /// <param name="stock">Stock on hand.</param>
    /// <param name="threshold">The reorder point that applies (the product's own, else the default).</param>
    /// <param name="unitsInWindow">Net units sold in the <see cref="AlertOptions.ForecastWindowDays"/> days.</param>
    public static StockCover Of(int stock, int threshold, long unitsInWindow, AlertOptions options)
    {
        var rate = Rate(unitsInWindow, options);
        var need = Math.Ceiling(rate * (options.LeadTimeDays + 7)) + threshold + 1 - stock;
        return new StockCover(Math.Round(rate, 2), Days(stock, rate), (int)Math.Clamp(need, 0, int.MaxValue));
    }

    /// <summary>The unrounded daily rate of <paramref name="unitsInWindow"/>.</summary>
    public static decimal Rate(long unitsInWindow, AlertOptions options) => unitsInWindow > 0 ? unitsInWindow / (decimal)options.ForecastWindowDays : 0;

    /// <summary>Days of cover at an unrounded <paramref name="dailyRate"/>, to a tenth; <c>null</c> when nothing sells.</summary>
    public static decimal? Days(int stock, decimal dailyRate) => dailyRate > 0 ? Math.Round(stock / dailyRate, 1) : null;
}
