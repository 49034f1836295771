using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Aws;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Imports;
using StockWatch.Core.Notifications;
using StockWatch.Core.Reports;
using StockWatch.Notifications;

namespace StockWatch.Lambda;

/// <summary>
/// The functions' composition: configuration from environment variables (<c>StockWatch__Aws__TopicArn</c>,
/// <c>StockWatch__Channels__0__Type</c>…), the options checked at start, the AWS adapters and the channels. Built once per process, never per invocation.
/// </summary>
public static class LambdaServices
{
    private static readonly Lazy<IServiceProvider> Shared = new(() => Build(new ConfigurationBuilder().AddEnvironmentVariables().Build()));

    /// <summary>The process's services, from its environment.</summary>
    public static IServiceProvider FromEnvironment => Shared.Value;

    /// <param name="configuration">The settings.</param>
    /// <param name="configure">Registrations that replace the composed ones (the benchmark's metered DynamoDB client).</param>
    /// <exception cref="OptionsValidationException">A setting is invalid; the message names it.</exception>
    public static IServiceProvider Build(IConfiguration configuration, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<AlertOptions>().BindSection(AlertOptions.Section);
        services.AddSingleton<IValidateOptions<AlertOptions>, AlertOptionsValidator>();
        services.AddStockWatchAws();
        services.AddChannelsOptions(validateOnStart: false);
        services.AddSingleton(provider => new EmfMetrics(Console.Out, provider.GetRequiredService<TimeProvider>()));
        services.AddAwsChannels();
        services.AddOptions<ReportOptions>().BindSection(ReportOptions.Section);
        services.AddSingleton<IValidateOptions<ReportOptions>, ReportOptionsValidator>();
        // WeeklyReports logs what its answer says already.
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(Microsoft.Extensions.Logging.Abstractions.NullLogger<>));
        services.AddSingleton<WeeklyReports>();
        services.AddSingleton<Core.Alerts.ReminderSweep>();
        services.AddOptions<ImportOptions>().BindSection(ImportOptions.Section);
        services.AddSingleton<ImportFile>();
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptions<AlertOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<AwsOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<ChannelsOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<ReportOptions>>().Value;
        return provider;
    }
}
