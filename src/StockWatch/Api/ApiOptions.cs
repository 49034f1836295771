using Microsoft.Extensions.Options;

namespace StockWatch.Api;

/// <summary>The <c>StockWatch:Api</c> settings.</summary>
public sealed class ApiOptions
{
    public const string Section = "StockWatch:Api";

    /// <summary>Largest JSON request body (bytes).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Sustained requests per second per key.</summary>
    public int RateLimitPerSecond { get; set; } = 2000;

    /// <summary>Requests a key may make at once above the sustained rate.</summary>
    public int RateLimitBurst { get; set; } = 4000;
}

public sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        List<string> failures = [];
        if (options.MaxRequestBodyBytes is < 1024 or > 1L << 40)
        {
            failures.Add($"{ApiOptions.Section}:MaxRequestBodyBytes must be from 1024 to {1L << 40} (got {options.MaxRequestBodyBytes}).");
        }

        if (options.RateLimitPerSecond < 1)
        {
            failures.Add($"{ApiOptions.Section}:RateLimitPerSecond must be at least 1 (got {options.RateLimitPerSecond}).");
        }

        if (options.RateLimitBurst < 1)
        {
            failures.Add($"{ApiOptions.Section}:RateLimitBurst must be at least 1 (got {options.RateLimitBurst}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
