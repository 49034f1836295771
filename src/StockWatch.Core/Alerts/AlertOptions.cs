using Microsoft.Extensions.Options;

namespace StockWatch.Core.Alerts;

/// <summary>The <c>StockWatch:Alerts</c> settings.</summary>
public sealed class AlertOptions
{
    public const string Section = "StockWatch:Alerts";

    public int DefaultLowStockThreshold { get; set; } = 10;
    public TimeSpan ReminderCooldown { get; set; } = TimeSpan.FromHours(24);
    public int LeadTimeDays { get; set; } = 7;
    public int ForecastWindowDays { get; set; } = 28;
}

public sealed class AlertOptionsValidator : IValidateOptions<AlertOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        List<string> failures = [];
        if (options.DefaultLowStockThreshold < 0)
        {
            failures.Add($"{AlertOptions.Section}:DefaultLowStockThreshold must not be negative (got {options.DefaultLowStockThreshold}).");
        }

        failures.AddRange(Settings.NonPositiveDurations(AlertOptions.Section, "24:00:00", (nameof(AlertOptions.ReminderCooldown), options.ReminderCooldown)));

        if (options.LeadTimeDays is < 1 or > 365)
        {
            failures.Add($"{AlertOptions.Section}:LeadTimeDays must be from 1 to 365 (got {options.LeadTimeDays}).");
        }

        if (options.ForecastWindowDays is < 1 or > 365)
        {
            failures.Add($"{AlertOptions.Section}:ForecastWindowDays must be from 1 to 365 (got {options.ForecastWindowDays}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
