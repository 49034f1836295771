using System.CommandLine;
using StockWatch.Core;
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
            var listen = context.Get(urls) ?? StockWatchServer.DefaultUrls;
            foreach (var url in listen.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).DefaultIfEmpty(""))
            {
                // Kestrel's "any address" hosts (* and +) are not host names to Uri.
                var host = url.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal);
                if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/")
                {
                    throw StockWatchException.Invalid("--urls",
                        $"--urls takes http:// or https:// addresses with a port from 0 to 65535, separated by ';' (got {Text.Quote(url)}), e.g. http://127.0.0.1:5080.");
                }
            }

            await using var app = StockWatchServer.Build(context.DataFolder, listen, context.Get(demo));
            try
            {
                await app.RunAsync();
            }
            catch (IOException ex) when (ex.Message.StartsWith("Failed to bind", StringComparison.Ordinal))
            {
                throw StockWatchException.Invalid("--urls", $"{ex.Message} Is another serve running there? Give another address with --urls.");
            }

            return CliApp.Ok;
        });
        return command;
    }
}
