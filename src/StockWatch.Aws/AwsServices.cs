using Amazon.DynamoDBv2;
using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Queues;
using StockWatch.Core.Reports;
using StockWatch.Core.Storage;

namespace StockWatch.Aws;

/// <summary>The AWS shape's adapters, registered once per process by every host that runs on it (functions, CLI).</summary>
public static class AwsServices
{
    /// <summary>S3's endpoint when one is set (<c>AWS_ENDPOINT_URL_S3</c>, as the SDK reads it: an emulator), else <c>null</c>.</summary>
    public static Uri? S3Endpoint => Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3") is { Length: > 0 } url ? new Uri(url) : null;

    /// <summary>
    /// Registers <see cref="AwsOptions"/> (checked at start), the SDK clients (region, endpoint and credentials from the
    /// standard AWS settings), the store on DynamoDB as <see cref="IInventoryStore"/>, <see cref="DynamoAlertStore"/> and <see cref="IReminderStore"/>,
    /// the object store on S3, the work queue on SQS, the import's store, and the weekly report's source and ledger on the tables.
    /// </summary>
    public static IServiceCollection AddStockWatchAws(this IServiceCollection services)
    {
        services.AddOptions<AwsOptions>()
            .BindSection(AwsOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AwsOptions>, AwsOptionsValidator>();
        services.AddSingleton<IAmazonDynamoDB>(_ => new AmazonDynamoDBClient());
        services.AddSingleton<IAmazonSQS>(_ => new AmazonSQSClient());
        // Path-style addresses when an endpoint is set (an emulator): BUCKET.127.0.0.1 would not resolve.
        services.AddSingleton<IAmazonS3>(_ => new AmazonS3Client(new AmazonS3Config { ForcePathStyle = S3Endpoint is not null }));
        services.AddSingleton<S3ObjectStore>();
        services.AddSingleton<IObjectStore>(provider => provider.GetRequiredService<S3ObjectStore>());
        services.AddSingleton<IWorkQueue, SqsWorkQueue>();
        services.AddSingleton<IImportStore, DynamoImportStore>();
        services.AddSingleton<DynamoImports>();
        services.AddSingleton<S3Imports>();
        services.AddSingleton<IReportSource, DynamoReportSource>();
        services.AddSingleton<IReportLedger, DynamoReportLedger>();
        services.AddSingleton<DynamoInventoryStore>();
        services.AddSingleton<IInventoryStore>(provider => provider.GetRequiredService<DynamoInventoryStore>());
        services.AddSingleton<DynamoAlertStore>();
        services.AddSingleton<DynamoReminderStore>();
        services.AddSingleton<IReminderStore>(provider => provider.GetRequiredService<DynamoReminderStore>());
        return services;
    }
}
