using Amazon.DynamoDBv2;
using Amazon.SQS;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Core.Catalog;

namespace StockWatch.Aws;

/// <summary>The AWS shape's adapters, registered once per process by every host that runs on it (functions, CLI).</summary>
public static class AwsServices
{
    /// <summary>
    /// Registers <see cref="AwsOptions"/> (checked at start), the SDK clients (region, endpoint and credentials from the
    /// standard AWS settings), the store on DynamoDB as <see cref="IInventoryStore"/> and <see cref="DynamoAlertStore"/>.
    /// </summary>
    public static IServiceCollection AddStockWatchAws(this IServiceCollection services)
    {
        services.AddOptions<AwsOptions>()
            .Configure<IConfiguration>((options, configuration) => configuration.GetSection(AwsOptions.Section).Bind(options))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AwsOptions>, AwsOptionsValidator>();
        services.AddSingleton<IAmazonDynamoDB>(_ => new AmazonDynamoDBClient());
        services.AddSingleton<IAmazonSQS>(_ => new AmazonSQSClient());
        services.AddSingleton<DynamoInventoryStore>();
        services.AddSingleton<IInventoryStore>(provider => provider.GetRequiredService<DynamoInventoryStore>());
        services.AddSingleton<DynamoAlertStore>();
        return services;
    }
}
