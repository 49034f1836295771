using StockWatch.Cli;

namespace StockWatch.Tests.Cli;

/// <summary>Runs the CLI in-process against a data folder, capturing what it prints.</summary>
public static class Cli
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(string dataFolder, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(["--data", dataFolder, .. args], output, error, TestContext.Current.CancellationToken);
        return new Result(code, output.ToString(), error.ToString());
    }
}
