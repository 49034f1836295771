using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace StockWatch.Core;

/// <summary>
/// Binds settings as people write them and refuses, naming it, every setting that does not fit its shape:
/// <list type="bullet">
/// <item>A duration written <c>hh:mm:ss</c> means hours: <c>24:00:00</c> is 24 hours. .NET's own TimeSpan parsing reads
/// it as 24 days (hours above 23 spill into days) and refuses <c>36:00:00</c>, which would silently turn a daily
/// reminder into a monthly one.</item>
/// <item>A text setting given empty (<c>StockWatch__Aws__Bucket=</c>) is empty, for its validator to refuse when it is
/// required; an optional one (<c>string?</c>) given empty is not set. The binder alone keeps the default silently.</item>
/// <item>A list is given as a list (<c>To:0</c>, <c>To:1</c>; <c>"To": ["a", "b"]</c> in JSON) or as one value whose
/// items are separated by <c>,</c>.</item>
/// <item>A key the options do not have, a list or section where one value belongs, a value where a section belongs, and
/// a value of the wrong type (the binder's own message, with the setting's path) are all reported at once.</item>
/// </list>
/// The binder alone would skip most of these silently, or fail with messages that name no setting
/// ("Cannot create instance of type 'System.String'").
/// </summary>
public static partial class SettingsBinding
{
    /// <summary>Binds <typeparamref name="TOptions"/> from <paramref name="section"/> with <see cref="Bind{TOptions}"/>.</summary>
    public static OptionsBuilder<TOptions> BindSection<TOptions>(this OptionsBuilder<TOptions> builder, string section)
        where TOptions : class =>
        builder.Configure<IConfiguration>((options, configuration) => Bind(configuration, section, options));

    /// <summary>Sets each writable property of <paramref name="options"/> that <paramref name="section"/> (a path such as <c>StockWatch:Alerts</c>) gives.</summary>
    /// <returns><paramref name="options"/>.</returns>
    /// <exception cref="OptionsValidationException">Every setting under <paramref name="section"/> that is unknown, of the wrong shape or of the wrong type, each named by its path.</exception>
    public static TOptions Bind<TOptions>(IConfiguration configuration, string section, TOptions options)
        where TOptions : class
    {
        var settings = configuration.GetSection(section);
        var properties = typeof(TOptions).GetProperties().Where(p => p.CanWrite).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        List<string> failures = [];
        if (settings.Value is { } value)
        {
            failures.Add($"{section} must be a section of settings ({string.Join(", ", properties.Keys)}), not one value (got {Core.Text.Quote(value)}).");
        }

        Dictionary<string, string?> rewritten = [];
        List<(System.Reflection.PropertyInfo Property, string Path)> given = [];
        foreach (var setting in settings.GetChildren())
        {
            if (!properties.TryGetValue(setting.Key, out var property))
            {
                failures.Add($"{setting.Path} is not a setting; {section} has {string.Join(", ", properties.Keys)}.");
                continue;
            }

            var shape = Shape(setting, property.PropertyType, rewritten);
            if (shape is null)
            {
                given.Add((property, setting.Path));
            }
            else
            {
                failures.Add(shape);
            }
        }

        var shaped = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(rewritten).Build();
        foreach (var (property, path) in given)
        {
            try
            {
                if (property.PropertyType == typeof(string) && configuration[path] is "")
                {
                    // The binder skips an empty value, leaving the default in place: a required name (not null) given
                    // empty is kept empty for its validator to refuse; an optional one (string?) given empty is unset.
                    property.SetValue(options, new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable ? null : string.Empty);
                }
                else if (shaped.GetSection(path).Get(property.PropertyType) is { } bound)
                {
                    property.SetValue(options, bound);
                }
            }
            catch (InvalidOperationException ex)
            {
                // "Failed to convert configuration value 'x' at 'StockWatch:…' to type '…'.", and a duration's format (ADR 0003).
                failures.Add(property.PropertyType == typeof(TimeSpan) ? $"{ex.Message} {path} is a duration written hours:minutes:seconds, such as 00:05:00." : ex.Message);
            }
        }

        return failures.Count == 0 ? options : throw new OptionsValidationException(section, typeof(TOptions), failures);
    }

    /// <summary>Null when <paramref name="setting"/> has the shape of <paramref name="type"/>, rewriting it to what the binder reads; else why not.</summary>
    private static string? Shape(IConfigurationSection setting, Type type, Dictionary<string, string?> rewritten)
    {
        if (ListItems(type) is null)
        {
            if (setting.GetChildren().FirstOrDefault() is { } child)
            {
                return $"{setting.Path} must be one value, not a list or section (got {child.Path}).";
            }

            if (type == typeof(TimeSpan) && setting.Value is { } text && HoursMinutesSeconds().Match(text.Trim()) is { Success: true } match)
            {
                var duration = TimeSpan.FromHours(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture))
                    + TimeSpan.FromMinutes(int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
                    + TimeSpan.FromSeconds(double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
                rewritten[setting.Path] = duration.ToString("c", CultureInfo.InvariantCulture);
            }

            return null;
        }

        if (setting.Value is { } list)
        {
            rewritten[setting.Path] = null;
            var items = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            for (var i = 0; i < items.Length; i++)
            {
                rewritten[$"{setting.Path}:{i}"] = items[i];
            }

            return null;
        }

        return setting.GetChildren().SelectMany(item => item.GetChildren()).FirstOrDefault() is { } nested
            ? $"{setting.Path} must be a list of values, not of sections (got {nested.Path})."
            : null;
    }

    /// <summary>The item type of the list types settings use (<c>T[]</c>, <c>List&lt;T&gt;</c>); null for one value.</summary>
    private static Type? ListItems(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0]
        : null;

    [GeneratedRegex(@"^(\d{1,6}):([0-5]\d):([0-5]\d(?:\.\d{1,7})?)$")]
    private static partial Regex HoursMinutesSeconds();
}
