using Microsoft.Extensions.Options;
using StockWatch.Aws;
using StockWatch.Core;
using StockWatch.Core.Access;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;
using StockWatch.Core.Monitoring;
using StockWatch.Core.Notifications;
using StockWatch.Core.Queues;
using StockWatch.Core.Reports;
using StockWatch.Core.Sales;
using StockWatch.Core.Storage;
using StockWatch.Core.Stream;
using StockWatch.Notifications;
using StockWatch.Sqlite;
using StockWatch.Sqlite.Objects;

namespace StockWatch.Hosting;

/// <summary>The composition root shared by every host: the CLI commands and <c>serve</c>.</summary>
public static class StockWatchApp
{
    public const string DataEnvironmentVariable = "STOCKWATCH_DATA";

    /// <summary>Where the inventory lives: <c>sqlite</c> (the default: the data folder) or <c>dynamodb</c> (the AWS shape's tables).</summary>
    public const string StoreSetting = "StockWatch:Store";

    /// <summary>The data folder: <c>--data</c>, else <c>STOCKWATCH_DATA</c>, else <c>./data</c>.</summary>
    /// <exception cref="Core.StockWatchException">Invalid (<c>data</c>) for an empty folder name.</exception>
    public static string ResolveDataFolder(string? option) =>
        (option ?? Environment.GetEnvironmentVariable(DataEnvironmentVariable) ?? "data") is { } folder && !string.IsNullOrWhiteSpace(folder)
            ? Path.GetFullPath(folder)
            : throw Core.StockWatchException.Invalid("data", "The data folder is empty; give --data (or STOCKWATCH_DATA) a folder, or leave both out for ./data.");

    /// <summary>
    /// Configuration in the order SPEC gives: <c>appsettings.json</c> beside the executable, then
    /// <c>&lt;data&gt;/stockwatch.json</c>, then environment variables, then command-line options.
    /// </summary>
    public static void AddStockWatchConfiguration(this IConfigurationBuilder configuration, string dataFolder, IDictionary<string, string?>? commandLine = null)
    {
        configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddJsonFile(Path.Combine(dataFolder, "stockwatch.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(commandLine ?? new Dictionary<string, string?>());
    }

    /// <summary>Registers the store, the use cases, the stream processor and the channels.</summary>
    /// <param name="server">True for <c>serve</c>: WAL checkpoints run in the background, off the commit path.</param>
    public static IServiceCollection AddStockWatch(this IServiceCollection services, string dataFolder, bool server)
    {
        services.AddSingleton(TimeProvider.System);

        services.AddOptions<AlertOptions>().BindSection(AlertOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertOptions>, AlertOptionsValidator>();
        services.AddOptions<ReportOptions>().BindSection(ReportOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReportOptions>, ReportOptionsValidator>();
        services.AddOptions<AlarmOptions>().BindSection(AlarmOptions.Section).ValidateOnStart();
        services.AddOptions<SiteOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            options.Currency = configuration[SiteOptions.CurrencySetting];
            options.PublicUrl = configuration[SiteOptions.PublicUrlSetting];
        }).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SiteOptions>, SiteOptionsValidator>();
        services.AddSingleton<IValidateOptions<AlarmOptions>, AlarmOptionsValidator>();
        // Each channel bound on its own, so a failure names its setting (StockWatch:Channels:1:Port). Only serve sends, so
        // only serve checks the channels' values at start: a CLI command runs without the webhook secrets serve is given.
        var channels = services.AddOptions<ChannelsOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            var list = configuration.GetSection(ChannelsOptions.Section);
            List<string> failures = list.Value is { } value
                ? [$"{ChannelsOptions.Section} must be a list of channels ({ChannelsOptions.Section}:0:Name, …), not one value (got {Core.Text.Quote(value)})."]
                : [];
            foreach (var channel in list.GetChildren())
            {
                try
                {
                    options.Channels.Add(SettingsBinding.Bind(configuration, channel.Path, new ChannelOptions()));
                }
                catch (OptionsValidationException ex)
                {
                    failures.AddRange(ex.Failures);
                }
            }

            if (failures.Count > 0)
            {
                throw new OptionsValidationException(ChannelsOptions.Section, typeof(ChannelsOptions), failures);
            }
        });
        if (server)
        {
            channels.ValidateOnStart();
        }

        services.AddSingleton<IValidateOptions<ChannelsOptions>, ChannelsOptionsValidator>();
        services.AddOptions<DeliveryOptions>().BindSection(DeliveryOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();
        services.AddOptions<ImportOptions>().BindSection(ImportOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ImportOptions>, ImportOptionsValidator>();

        services.AddSingleton(_ =>
        {
            var database = SqliteDatabase.InFolder(dataFolder, manualCheckpoints: server);
            database.Migrate();
            return database;
        });
        services.AddSingleton<SqliteInventoryStore>();
        services.AddSingleton<IInventoryStore>(provider => provider.GetRequiredService<SqliteInventoryStore>());
        services.AddSingleton<IImportStore>(provider => provider.GetRequiredService<SqliteInventoryStore>());
        services.AddSingleton<ICatalogViews>(provider => provider.GetRequiredService<SqliteInventoryStore>());
        services.AddSingleton<IChangeStream, SqliteChangeStream>();
        services.AddSingleton<IApiKeyStore, SqliteApiKeyStore>();
        services.AddSingleton<ApiKeys>();

        services.AddSingleton<SetProduct>();
        services.AddSingleton<DeleteProduct>();
        services.AddSingleton<MoveStock>();
        services.AddSingleton<RecordSale>();
        services.AddSingleton<ImportFile>();
        services.AddSingleton<ImportJobs>();
        services.AddSingleton<IImportLedger, SqliteImportLedger>();
        services.AddSingleton<IWorkQueue, SqliteWorkQueue>();
        services.AddSingleton(_ => new FolderObjectStore(Path.Combine(dataFolder, "objects")));
        services.AddSingleton<IObjectStore>(provider => provider.GetRequiredService<FolderObjectStore>());
        services.AddSingleton<IReportSource, SqliteReportSource>();
        services.AddSingleton<IReportLedger, SqliteReportLedger>();
        services.AddSingleton<WeeklyReports>();
        services.AddSingleton<StreamProcessor>();
        services.AddSingleton<IReminderStore, SqliteReminderStore>();
        services.AddSingleton<ReminderSweep>();
        services.AddSingleton<IDeliveryStore, SqliteDeliveryStore>();
        services.AddSingleton<IAnnouncements>(provider => provider.GetRequiredService<IDeliveryStore>());
        services.AddSingleton<Notifier>();
        services.AddSingleton<Deliveries>();
        services.AddSingleton<ChannelHealth>();
        services.AddSingleton<Alarms>();

        // The configured channels, and any a host adds in code.
        services.AddSingleton(provider => new ChannelSet([
            .. provider.GetRequiredService<IOptions<ChannelsOptions>>().Value.Effective.Select(options => Channels.Create(options, provider)),
            .. provider.GetServices<IAlertChannel>()]));
        return services;
    }

    /// <summary>
    /// Puts the store <c>StockWatch:Store</c> names in place. <c>sqlite</c> (or nothing) keeps the embedded store
    /// <see cref="AddStockWatch"/> registered; <c>dynamodb</c> puts the AWS shape's tables behind the inventory store
    /// (<see cref="AwsServices.AddStockWatchAws"/>: table names from <c>StockWatch:Aws</c>, region, endpoints and
    /// credentials from the standard AWS settings), and anything that would open the embedded database instead refuses
    /// with a message naming the setting. Reports are made on the tables and the bucket and announced on the topic and
    /// the channels at once, as the <c>WeeklyReport</c> function does.
    /// </summary>
    /// <returns>True on the AWS shape: alerts are then made by its functions from the tables' streams.</returns>
    /// <exception cref="StockWatchException">The setting names neither store.</exception>
    public static bool AddConfiguredStore(this IServiceCollection services, IConfiguration configuration)
    {
        switch (configuration[StoreSetting]?.Trim().ToLowerInvariant())
        {
            case null or "" or "sqlite":
                return false;
            case "dynamodb":
                services.AddStockWatchAws();
                services.AddAwsChannels();
                services.AddSingleton<SqliteDatabase>(_ => throw StockWatchException.Invalid(StoreSetting,
                    $"This command works on the embedded store only; with {StoreSetting}=dynamodb use products, sales record, alerts list and show, import and report weekly."));
                return true;
            default:
                throw StockWatchException.Invalid(StoreSetting, $"{StoreSetting} must be sqlite or dynamodb (got {Text.Quote(configuration[StoreSetting])}).");
        }
    }
}
