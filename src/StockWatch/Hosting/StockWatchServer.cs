using StockWatch.Api;
using StockWatch.Core;
using StockWatch.Demo;

namespace StockWatch.Hosting;

/// <summary><c>stockwatch serve</c>: the HTTP API and the background work, on one host.</summary>
public static class StockWatchServer
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <param name="dataFolder">The data folder.</param>
    /// <param name="urls">Where to listen; 127.0.0.1 unless told otherwise.</param>
    /// <param name="demo">Seed a sample catalogue and keep simulating sales.</param>
    /// <param name="settings">Settings that win over every other source (the command line, tests).</param>
    /// <exception cref="StockWatchException">StockWatch:Store names the AWS shape, which serve does not run, or neither store.</exception>
    public static WebApplication Build(string dataFolder, string urls, bool demo, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddStockWatchConfiguration(dataFolder, settings);
        builder.Logging.ClearProviders().AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
            console.UseUtcTimestamp = true;
        });
        builder.WebHost.UseUrls(urls);
        // SIGTERM ends serve within 5 s whatever its clients do: requests still running after 3 s are aborted (an
        // import still running is not committed; its job is received again after the restart).
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(3));

        builder.Services.AddStockWatch(dataFolder, server: true);
        if (builder.Services.AddConfiguredStore(builder.Configuration))
        {
            throw StockWatchException.Invalid(StockWatchApp.StoreSetting,
                $"serve runs the embedded shape; with {StockWatchApp.StoreSetting}=dynamodb the functions do its work (locally: local-run, see the README).");
        }

        builder.AddStockWatchApi();
        if (demo)
        {
            // First of the background work: its catalogue and history are in place before the first report is made.
            builder.Services.AddHostedService<DemoSimulator>();
        }

        builder.Services.AddHostedService<StreamProcessorWorker>();
        builder.Services.AddHostedService<WalCheckpointWorker>();
        builder.Services.AddHostedService<ImportWorker>();
        builder.Services.AddHostedService<LeftoversCleanup>();
        builder.Services.AddHostedService<ReportScheduler>();
        builder.Services.AddHostedService<ReminderWorker>();
        builder.Services.AddHostedService<AlarmWorker>();
        builder.Services.AddHostedService<DeliveryWorker>();
        builder.Services.AddHostedService(provider => new ImportInboxWorker(
            ImportInbox.Create(provider, dataFolder),
            provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Core.Imports.ImportOptions>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<ImportInboxWorker>>()));
        PrometheusBridge.Start();
        // Every setting is checked at once, before the host is built: building it creates the server, whose options
        // read StockWatch:Api, and a failure there would hide every other.
        using (var check = builder.Services.BuildServiceProvider())
        {
            check.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        }

        var app = builder.Build();
        // Resolved at the first scrape, not here: the channels' settings are checked with every other setting at start.
        Core.Telemetry.Instruments.Queues = () => app.Services.GetRequiredService<Core.Monitoring.Alarms>().QueuesAndDeadLetters
            .Select(name => app.Services.GetRequiredService<Core.Queues.IWorkQueue>().Stats(name) is var stats
                ? (name, stats.Visible + stats.InFlight, stats.OldestAge?.TotalSeconds ?? 0)
                : default);
        app.MapStockWatchApi();
        return app;
    }
}
