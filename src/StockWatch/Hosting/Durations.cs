using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace StockWatch.Hosting;

/// <summary>
/// Durations in settings read as people write them: <c>24:00:00</c> is 24 hours. .NET's own TimeSpan parsing reads
/// it as 24 days (hours above 23 spill into days) and refuses <c>36:00:00</c>, which would silently turn a daily
/// reminder into a monthly one.
/// </summary>
public static partial class Durations
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <paramref name="section"/>, first rewriting every TimeSpan setting
    /// written as hours:minutes:seconds into .NET's unambiguous days.hours:minutes:seconds.
    /// </summary>
    public static OptionsBuilder<TOptions> BindSection<TOptions>(this OptionsBuilder<TOptions> builder, string section)
        where TOptions : class =>
        builder.Configure<IConfiguration>((options, configuration) =>
        {
            var settings = configuration.GetSection(section);
            Dictionary<string, string?> rewritten = [];
            foreach (var property in typeof(TOptions).GetProperties().Where(p => p.PropertyType == typeof(TimeSpan)))
            {
                if (settings[property.Name] is { } text && HoursMinutesSeconds().Match(text.Trim()) is { Success: true } match)
                {
                    var duration = TimeSpan.FromHours(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture))
                        + TimeSpan.FromMinutes(int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
                        + TimeSpan.FromSeconds(double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
                    rewritten[$"{section}:{property.Name}"] = duration.ToString("c", CultureInfo.InvariantCulture);
                }
            }

            // Over the whole configuration, so a binding error still names the full setting path.
            new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(rewritten).Build()
                .GetSection(section).Bind(options);
        });

    [GeneratedRegex(@"^(\d{1,6}):([0-5]\d):([0-5]\d(?:\.\d{1,7})?)$")]
    private static partial Regex HoursMinutesSeconds();
}
