using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StockWatch.Contracts;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Stream;
using StockWatch.Hosting;

namespace StockWatch.Cli;

/// <summary>What a one-shot command works with: its parsed options, its output, and the composed services.</summary>
/// <param name="readsOnly">The command only reads: a data folder without a store is bad usage, not a store to create.</param>
internal sealed class CommandContext(ParseResult parse, bool readsOnly) : IDisposable
{
    private ServiceProvider? _services;
    private bool _onAws;

    public TextWriter Out { get; } = parse.InvocationConfiguration.Output;

    /// <summary>Where notes for the person go, apart from the output a script reads.</summary>
    public TextWriter Error { get; } = parse.InvocationConfiguration.Error;

    public bool Json => parse.GetValue(CliApp.JsonOption);

    public string DataFolder { get; } = DataFolderOf(parse);

    public T Get<T>(Option<T> option) => parse.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => parse.GetValue(argument)!;

    /// <summary>The composed services, built and validated on first use.</summary>
    public T Service<T>() where T : notnull
    {
        _services ??= Build(DataFolder, readsOnly, out _onAws);
        return _services.GetRequiredService<T>();
    }

    /// <summary>A service of the embedded store (its database, its views); null on the AWS shape, which has none.</summary>
    public T? Embedded<T>() where T : class => OnAws ? null : Service<T>();

    /// <summary>True when the store is the AWS shape's (<c>StockWatch:Store=dynamodb</c>); composes the services to know.</summary>
    public bool OnAws
    {
        get
        {
            _services ??= Build(DataFolder, readsOnly, out _onAws);
            return _onAws;
        }
    }

    /// <summary>Prints <paramref name="value"/> as JSON with <c>--json</c>, else lets <paramref name="human"/> print it.</summary>
    public void Write<T>(T value, Action<TextWriter> human)
    {
        if (Json)
        {
            Out.WriteLine(JsonSerializer.Serialize(value, Wire.Options));
        }
        else
        {
            human(Out);
        }
    }

    /// <summary>Processes every pending change (this command's and any others), storing their alerts; returns them.</summary>
    public async Task<IReadOnlyList<Alert>> DrainAsync(CancellationToken cancellationToken) =>
        OnAws
            ? [] // The AWS shape's ProductChanges function makes the alerts from the Products table's stream.
            : await Service<StreamProcessor>().DrainAsync(cancellationToken);

    /// <summary>
    /// Runs the command's <paramref name="write"/> of <paramref name="product"/>, then processes every pending change, so
    /// the user sees the write's alerts at once: those about the product from a change made since the write began (an
    /// alert's time is its change's), read from the store once every change up to the write is processed, whoever
    /// processed it (this command, another one running beside it, or <c>serve</c>). Alerts this command stored on the
    /// way for other changes (another command's, or those an interrupted import left unprocessed) are not its own:
    /// stderr counts them. A command writing the same product at the same moment shows that command's alerts too.
    /// </summary>
    public async Task<(T Result, IReadOnlyList<AlertResponse> Alerts)> WithAlertsAsync<T>(ProductId product, Func<Task<T>> write, CancellationToken cancellationToken)
    {
        var since = Service<TimeProvider>().GetUtcNow();
        var result = await write();
        var stored = await DrainAsync(cancellationToken);
        bool Own(Alert alert) => alert.ProductId == product && alert.Time >= since;
        if (stored.Count(alert => !Own(alert)) is var others and > 0)
        {
            Error.WriteLine($"Also stored {others:N0} {(others == 1 ? "alert" : "alerts")} of other changes that were waiting to be processed (see 'stockwatch alerts list').");
        }

        // On AWS the ProductChanges function makes the alerts, later.
        IReadOnlyList<Alert> own = OnAws ? [] : Service<IInventoryStore>().ListAlerts(new AlertQuery(Since: since, ProductId: product));
        return (result, [.. own.Select(AlertResponse.From)]);
    }

    public void Dispose() => _services?.Dispose();

    /// <summary>The data folder the options name; a file there is bad usage (exit 2), not a crash.</summary>
    private static string DataFolderOf(ParseResult parse)
    {
        var folder = StockWatchApp.ResolveDataFolder(parse.GetValue(CliApp.DataOption));
        for (var path = folder; path is not null; path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                throw Core.StockWatchException.Invalid("data", path == folder
                    ? $"The data folder {folder} is a file; give --data (or STOCKWATCH_DATA) a folder."
                    : $"The data folder {folder} cannot be: {path} is a file; give --data (or STOCKWATCH_DATA) a folder.");
            }
        }

        return folder;
    }

    private static ServiceProvider Build(string dataFolder, bool readsOnly, out bool onAws)
    {
        var configuration = new ConfigurationBuilder();
        configuration.AddStockWatchConfiguration(dataFolder);
        var builtConfiguration = configuration.Build();
        var collection = new ServiceCollection()
            .AddSingleton<IConfiguration>(builtConfiguration)
            .AddLogging(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                .AddSimpleConsole(console => console.SingleLine = true)
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace))
            .AddStockWatch(dataFolder, server: false);
        onAws = collection.AddConfiguredStore(builtConfiguration);
        var services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        // A bad setting stops the command here, naming the setting, rather than half-way through its work.
        services.GetService<IStartupValidator>()?.Validate();
        if (readsOnly && !onAws && !File.Exists(Path.Combine(dataFolder, Sqlite.SqliteDatabase.FileName)))
        {
            services.Dispose();
            throw Core.StockWatchException.Invalid("data",
                $"The data folder {dataFolder} holds no StockWatch data (no {Sqlite.SqliteDatabase.FileName}); give --data (or STOCKWATCH_DATA) the "
                + "folder serve and imports use. Commands that write (products set, import, serve…) create it.");
        }

        return services;
    }
}
