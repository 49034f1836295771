using System.CommandLine;
using StockWatch.Hosting;

namespace StockWatch.Cli;

/// <summary><c>stockwatch serve</c>: runs until Ctrl+C or SIGTERM, then lets requests in flight finish.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = $"Where to listen (default {StockWatchServer.DefaultUrls})." };
        var demo = new Option<bool>("--demo") { Description = "Seed a sample catalogue and keep simulating sales, so alerts and reports appear." };
        var command = new Command("serve", "Run StockWatch: the HTTP API, the stream processor and the background work.") { urls, demo };
        command.SetHandler(async (context, _) =>
        {
            await using var app = StockWatchServer.Build(context.DataFolder, context.Get(urls) ?? StockWatchServer.DefaultUrls, context.Get(demo));
            await app.RunAsync();
            return CliApp.Ok;
        });
        return command;
    }
}
