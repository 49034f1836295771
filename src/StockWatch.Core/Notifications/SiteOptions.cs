using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace StockWatch.Core.Notifications;

/// <summary>
/// <c>StockWatch:Currency</c> and <c>StockWatch:PublicUrl</c>: the money every amount is in, and where people open the
/// dashboard, for the report, the dashboard and the messages (docs/decisions/0016-report-periods-and-links.md).
/// </summary>
public sealed partial class SiteOptions
{
    public const string CurrencySetting = "StockWatch:Currency";
    public const string PublicUrlSetting = "StockWatch:PublicUrl";

    /// <summary>An ISO 4217 code (<c>EUR</c>), shown with every amount; none by default (amounts are bare numbers).</summary>
    public string? Currency { get; set; }

    /// <summary>
    /// The dashboard's address as people reach it (<c>https://stock.example.com</c>): with it, messages link to the
    /// dashboard's page for their alert, product or report; without it, they say where a file is on the server.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>The currency code, upper-cased, or <c>null</c>.</summary>
    public string? Code => string.IsNullOrWhiteSpace(Currency) ? null : Currency.Trim().ToUpperInvariant();

    /// <summary>An amount as messages print it: <c>1,234.50 EUR</c>, or <c>1,234.50</c> without a currency.</summary>
    public string Amount(decimal value) => WithCode(value.ToString("N2", CultureInfo.InvariantCulture), Code);

    /// <summary><paramref name="text"/> followed by the currency code, when there is one.</summary>
    public static string WithCode(string text, string? code) => code is null ? text : $"{text} {code}";

    /// <summary>The dashboard's page <c>#/<paramref name="page"/></c> under <see cref="PublicUrl"/>, or <c>null</c> without it.</summary>
    public Uri? Dashboard(string page) =>
        string.IsNullOrWhiteSpace(PublicUrl) ? null : new Uri($"{PublicUrl.Trim().TrimEnd('/')}/#/{page}");

    public Uri? Alert(long alertId) => Dashboard($"alerts/{alertId}");

    public Uri? Report(string reportId) => Dashboard($"reports/{Uri.EscapeDataString(reportId)}");

    [GeneratedRegex("^[A-Za-z]{3}$")]
    internal static partial Regex CurrencyCode();
}

public sealed class SiteOptionsValidator : IValidateOptions<SiteOptions>
{
    public ValidateOptionsResult Validate(string? name, SiteOptions options)
    {
        List<string> failures = [];
        if (!string.IsNullOrWhiteSpace(options.Currency) && !SiteOptions.CurrencyCode().IsMatch(options.Currency.Trim()))
        {
            failures.Add($"{SiteOptions.CurrencySetting} must be an ISO 4217 currency code of 3 letters such as EUR or GBP (got {Text.Quote(options.Currency)}).");
        }

        if (!string.IsNullOrWhiteSpace(options.PublicUrl)
            && (!Uri.TryCreate(options.PublicUrl.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http")
                || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment) || !string.IsNullOrEmpty(url.UserInfo)))
        {
            failures.Add($"{SiteOptions.PublicUrlSetting} must be the dashboard's absolute http or https address, such as https://stock.example.com, "
                + $"without a query or fragment (got {Text.Quote(options.PublicUrl)}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
