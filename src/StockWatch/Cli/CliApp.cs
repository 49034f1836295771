using System.CommandLine;
using Microsoft.Extensions.Options;
using StockWatch.Core;

namespace StockWatch.Cli;

/// <summary>
/// The <c>stockwatch</c> command line. Exit codes: 0 done; 1 refused (not found, conflict, stale version);
/// 2 bad usage, bad input or bad configuration; 70 an unexpected failure (a bug). Errors are one sentence on stderr, never a stack trace.
/// </summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int Refused = 1;
    public const int Usage = 2;
    public const int Failed = 70;

    internal static readonly Option<string?> DataOption = new("--data")
    {
        Description = "The data folder (default: $STOCKWATCH_DATA, else ./data).",
        Recursive = true,
    };

    internal static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print machine-readable JSON.",
        Recursive = true,
    };

    // No response files: an argument such as a product id '@shelf-2' is the id, not a file to read arguments from.
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    // Built once: parsing does not change the tree, so concurrent runs (the tests) can share it.
    private static readonly RootCommand Root = new("StockWatch: watches your inventory and tells you what matters.")
    {
        DataOption,
        JsonOption,
        ProductsCommands.Create(),
        SalesCommands.Create(),
        StockCommands.Create(),
        AlertsCommands.Create(),
        ReportCommands.Create(),
        ImportCommand.Create(),
        KeysCommands.Create(),
        BackupCommand.Create(),
        ServeCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var parse = Root.Parse(args, Parsing);
        if (parse.Errors.Count > 0)
        {
            // A mistyped word explains more than the missing command it caused.
            var first = parse.Errors.OrderBy(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal) ? 0 : 1).First();
            await error.WriteLineAsync($"{Sentence(first.Message)} Run '{PathOf(parse.CommandResult.Command)} --help' for usage.");
            return Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            // serve's host handles Ctrl+C and SIGTERM itself, letting requests in flight finish.
            ProcessTerminationTimeout = null,
        }, cancellationToken);
    }

    /// <summary>Gives a command that may write its action, with the one error policy every command shares; it creates the store when there is none.</summary>
    internal static void SetHandler(this Command command, Func<CommandContext, CancellationToken, Task<int>> action) =>
        command.SetHandler(action, readsOnly: false);

    /// <summary>
    /// Gives a command that only reads its action: on a data folder without a store it stops with exit 2 instead of
    /// creating an empty one (a mistyped <c>--data</c> would otherwise answer "no products").
    /// </summary>
    internal static void SetReadHandler(this Command command, Func<CommandContext, CancellationToken, Task<int>> action) =>
        command.SetHandler(action, readsOnly: true);

    private static void SetHandler(this Command command, Func<CommandContext, CancellationToken, Task<int>> action, bool readsOnly) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            try
            {
                using var context = new CommandContext(parse, readsOnly);
                return await action(context, cancellationToken);
            }
            catch (StockWatchException ex)
            {
                await error.WriteLineAsync(ex.Message);
                return ex.Kind == ErrorKind.Invalid ? Usage : Refused;
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex) when (ex.SqliteErrorCode is 11 or 26)
            {
                // SQLITE_CORRUPT, SQLITE_NOTADB: the wrong file put in place, or a damaged one.
                await error.WriteLineAsync($"The database in {Path.GetFullPath(Hosting.StockWatchApp.ResolveDataFolder(parse.GetValue(DataOption)))} "
                    + $"is not a StockWatch database or is damaged ({ex.Message}); restore a backup (docs/operations.md).");
                return Usage;
            }
            catch (Amazon.Runtime.AmazonServiceException ex) when (ex.ErrorCode is "ResourceNotFoundException" or "NoSuchBucket")
            {
                // A table or the bucket StockWatch:Aws names does not exist: a setting to fix, not a bug.
                await error.WriteLineAsync($"{ex.Message} Check the StockWatch:Aws table and bucket names (the stack's outputs) and the region.");
                return Usage;
            }
            catch (Amazon.Runtime.AmazonClientException ex)
            {
                // No credentials or no region for the AWS shape's store: the SDK's settings, before any call.
                await error.WriteLineAsync($"{ex.Message} Set the AWS credentials and region (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE, AWS_REGION).");
                return Usage;
            }
            catch (HttpRequestException ex)
            {
                // Only the AWS shape's store is reached over the network from a command.
                await error.WriteLineAsync($"AWS cannot be reached: {ex.Message} Check the region, the AWS_ENDPOINT_URL_* settings and the network.");
                return Usage;
            }
            catch (Exception ex) when (ConfigurationFailures(ex) is { } failures)
            {
                await error.WriteLineAsync($"Invalid configuration: {failures}");
                return Usage;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync("Cancelled.");
                return Failed;
            }
            catch (Exception ex)
            {
                // A bug, not bad input: still one line for the user; the details are for a bug report.
                await error.WriteLineAsync($"StockWatch failed unexpectedly: {ex.GetType().Name}: {ex.Message}"
                    + (Environment.GetEnvironmentVariable("STOCKWATCH_DEBUG") is "1" ? Environment.NewLine + ex : " (set STOCKWATCH_DEBUG=1 for details)"));
                return Failed;
            }
        });

    /// <summary>Parses an option's raw text with a domain parser, when the option was given.</summary>
    internal static T? Parsed<T>(this CommandContext context, Option<string?> option, Func<string, T> parse) where T : struct =>
        context.Get(option) is { } text ? parse(text) : null;

    /// <summary>What is wrong with the configuration, when <paramref name="exception"/> is about it; else null.</summary>
    private static string? ConfigurationFailures(Exception exception) => exception switch
    {
        OptionsValidationException ex => string.Join(" ", ex.Failures),
        // The start-up validator reports each options class that failed.
        AggregateException ex when ex.InnerExceptions.All(e => e is OptionsValidationException) =>
            string.Join(" ", ex.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures)),
        InvalidDataException ex when ex.Message.StartsWith("Failed to load configuration", StringComparison.Ordinal) => $"{ex.Message} {ex.InnerException?.Message}",
        _ => null,
    };

    private static string PathOf(Command command)
    {
        List<string> names = [];
        for (var current = command; current is not null and not RootCommand; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, current.Name);
        }

        return string.Join(' ', names.Prepend("stockwatch"));
    }

    private static string Sentence(string message) =>
        message.EndsWith('.') ? message : message + ".";
}
