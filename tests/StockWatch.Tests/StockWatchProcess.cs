using System.Diagnostics;

namespace StockWatch.Tests;

/// <summary>The real <c>stockwatch</c> executable, run as a child process of the tests.</summary>
public static class StockWatchProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    private static string Executable => Path.Combine(AppContext.BaseDirectory, "stockwatch.dll");

    public static Task<Result> RunAsync(string dataFolder, params string[] args) =>
        RunAsync(dataFolder, new Dictionary<string, string>(), args);

    public static async Task<Result> RunAsync(string dataFolder, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Start(dataFolder, environment, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }

    public static Process Start(string dataFolder, params string[] args) => Start(dataFolder, new Dictionary<string, string>(), args);

    public static Process Start(string dataFolder, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Executable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--data");
        start.ArgumentList.Add(dataFolder);
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start stockwatch.");
    }
}
