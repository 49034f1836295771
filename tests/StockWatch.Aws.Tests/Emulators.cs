using System.Diagnostics;
using System.Text.RegularExpressions;
using StockWatch.Aws.Tests;
using StockWatch.Testing;

[assembly: AssemblyFixture(typeof(Emulators))]

namespace StockWatch.Aws.Tests;

/// <summary>
/// DynamoDB Local and fauxqs for the whole test run: started with the kit users run (deploy/aws/local/start.sh, which
/// installs what it needs, picks free loopback ports and checks that nothing listens beyond loopback), its export lines
/// applied to this process (the SDK and the functions read them, as on a user's machine), stopped with stop.sh.
/// </summary>
public sealed partial class Emulators : IAsyncLifetime
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "stockwatch-aws-tests", Guid.NewGuid().ToString("N"));

    public static string Kit { get; } = Path.Combine(Repository.Root(), "deploy", "aws", "local");

    public async ValueTask InitializeAsync()
    {
        var (code, output, error) = await RunAsync("start.sh");
        if (code != 0)
        {
            throw new InvalidOperationException($"start.sh failed ({code}): {error}");
        }

        foreach (Match line in Export().Matches(output))
        {
            Environment.SetEnvironmentVariable(line.Groups[1].Value, line.Groups[2].Value);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("stop.sh");
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(string script)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Kit, script)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["STOCKWATCH_AWS_LOCAL_STATE"] = _state;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"^export (\w+)=(\S*)$", RegexOptions.Multiline)]
    private static partial Regex Export();
}
