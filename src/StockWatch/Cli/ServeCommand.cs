using System.CommandLine;
using StockWatch.Hosting;

namespace StockWatch.Cli;

/// <summary><c>stockwatch serve</c>: runs the long-lived work until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run StockWatch: the stream processor and the background work.");
        command.SetHandler(async (context, cancellationToken) =>
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
            {
                ContentRootPath = AppContext.BaseDirectory,
            });
            builder.Configuration.AddStockWatchConfiguration(context.DataFolder);
            builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
                console.UseUtcTimestamp = true;
            });
            builder.Services.AddStockWatch(context.DataFolder, server: true);
            builder.Services.AddHostedService<StreamProcessorWorker>();
            builder.Services.AddHostedService<WalCheckpointWorker>();

            using var host = builder.Build();
            await host.RunAsync(cancellationToken);
            return CliApp.Ok;
        });
        return command;
    }
}
