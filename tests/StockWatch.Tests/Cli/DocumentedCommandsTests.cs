using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using StockWatch.Testing;

namespace StockWatch.Tests.Cli;

/// <summary>
/// The README's install command and every <c>stockwatch</c> command in the README and docs/, run as written: the tool
/// packed and installed as the README says, each command run by bash in a folder holding the files the examples
/// name, in the order the documents give them.
/// </summary>
public sealed partial class DocumentedCommandsTests : IDisposable
{
    private readonly TempFolder _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task EveryDocumentedStockwatchCommand_RunsAsWrittenWithTheInstalledTool()
    {
        var tools = await InstallAsync();
        await WriteExampleFilesAsync();
        var commands = Documents().SelectMany(Commands).ToList();
        commands.Select(c => c.Text).Should().Contain(c => c.StartsWith("stockwatch stock adjust", StringComparison.Ordinal))
            .And.Contain(c => c.StartsWith("stockwatch import online-retail.csv", StringComparison.Ordinal), "continued lines are joined");

        List<string> failures = [];
        foreach (var command in commands)
        {
            var (exitCode, output, error) = await BashAsync(command.Text, tools);
            // 0 done, 1 refused (an example naming an alert this data does not have); 2 (bad usage) and 70 (a bug) are
            // what a wrong example gives.
            if (exitCode is not (0 or 1) || error.Contains("--help' for usage", StringComparison.Ordinal))
            {
                failures.Add($"{command.Where}: {command.Text}{Environment.NewLine}  exit {exitCode}: {error.Trim()}{output.Trim()}");
            }
        }

        failures.Should().BeEmpty();
    }

    /// <summary>The README's install command, with the package made from the build the suite already has.</summary>
    private async Task<string> InstallAsync()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root(), "README.md"), TestContext.Current.CancellationToken);
        var install = readme.Split('\n').Single(line => line.StartsWith("dotnet pack src/StockWatch", StringComparison.Ordinal)).Trim();
        install.Should().Be("dotnet pack src/StockWatch -c Release && dotnet tool update --global --add-source artifacts/tool StockWatch");

        // As written, but packed without building (the suite built it; a rebuild would race the tests running from it),
        // into a feed of the test's own, and installed into a tool path of its own instead of the user's ~/.dotnet/tools.
        var feed = Path.Combine(_home.Path, "feed");
        var tools = Path.Combine(_home.Path, "tools");
        var configuration = typeof(DocumentedCommandsTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;
        var pack = await RunAsync("dotnet", Repository.Root(), ["pack", "src/StockWatch", "-c", configuration, "--no-build", "-o", feed]);
        pack.ExitCode.Should().Be(0, pack.Output + pack.Error);
        var installed = await RunAsync("dotnet", _home.Path, ["tool", "update", "--tool-path", tools, "--add-source", feed, "StockWatch"]);
        installed.ExitCode.Should().Be(0, installed.Output + installed.Error);
        File.Exists(Path.Combine(tools, "stockwatch")).Should().BeTrue();

        // Run again on a new build (after a `git pull`), the command installs it: each pack is a package version of its
        // own (the same version again would be "already installed"), and only the newest stays in the folder.
        var first = Directory.GetFiles(feed, "*.nupkg").Should().ContainSingle().Subject;
        var repack = await RunAsync("dotnet", Repository.Root(), ["pack", "src/StockWatch", "-c", configuration, "--no-build", "-o", feed]);
        repack.ExitCode.Should().Be(0, repack.Output + repack.Error);
        var second = Directory.GetFiles(feed, "*.nupkg").Should().ContainSingle().Subject;
        second.Should().NotBe(first);
        var updated = await RunAsync("dotnet", _home.Path, ["tool", "update", "--tool-path", tools, "--add-source", feed, "StockWatch"]);
        updated.ExitCode.Should().Be(0, updated.Output + updated.Error);
        var listed = await RunAsync("dotnet", _home.Path, ["tool", "list", "--tool-path", tools]);
        listed.Output.Should().Contain(Path.GetFileNameWithoutExtension(second)["StockWatch.".Length..], "the package just packed is the one installed");
        return tools;
    }

    private async Task WriteExampleFilesAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await File.WriteAllTextAsync(Path.Combine(_home.Path, "products.csv"),
            "product_id,product_name,product_category,stock_count,product_price\n22423,REGENCY CAKESTAND 3 TIER,Kitchen,40,12.75\n", ct);
        await File.WriteAllTextAsync(Path.Combine(_home.Path, "sales.csv"), "product_id,quantity,sale_date\n22423,2,2026-11-20\n", ct);
        await File.WriteAllTextAsync(Path.Combine(_home.Path, "kassa-export.csv"), "product_id;product_name;product_price\nK1;Kaffee;1.234,56\nK2;Tee;0,99 €\n", ct);
        await File.WriteAllTextAsync(Path.Combine(_home.Path, "till.csv"), "product_id,quantity,sale_date\n22423,1,20/11/2026 10:00\n22423,1,21/11/26 11:30\n", ct);
        // The first rows of the real retail export the README's mapping is written for.
        await using var retail = new GZipStream(File.OpenRead(RealData.PathOf("online-retail-uci.csv.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(retail);
        await using var head = new StreamWriter(Path.Combine(_home.Path, "online-retail.csv"));
        for (var i = 0; i < 200 && await reader.ReadLineAsync(ct) is { } line; i++)
        {
            await head.WriteLineAsync(line);
        }
    }

    private static IEnumerable<string> Documents() =>
        [
            Path.Combine(Repository.Root(), "README.md"),
            .. Directory.GetFiles(Path.Combine(Repository.Root(), "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal),
        ];

    private sealed record Documented(string Where, string Text);

    /// <summary>
    /// The <c>stockwatch</c> commands in a document's <c>sh</c> blocks, continued lines joined: all but <c>serve</c>
    /// (it runs until stopped; its own tests start it) and those of a block that points the CLI at the AWS shape (the
    /// AWS tests run those against the emulators).
    /// </summary>
    private static IEnumerable<Documented> Commands(string document)
    {
        var lines = File.ReadAllLines(document);
        var inBlock = false;
        var onAws = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inBlock = !inBlock && line.Trim() == "```sh";
                onAws = false;
                continue;
            }

            if (!inBlock)
            {
                continue;
            }

            var number = i + 1;
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + lines[++i].Trim();
            }

            onAws |= line.Contains("StockWatch__Store=dynamodb", StringComparison.Ordinal);
            var text = Substitution().Match(line) is { Success: true } inner ? inner.Groups[1].Value : line.Trim();
            if (!onAws && text.StartsWith("stockwatch ", StringComparison.Ordinal) && !text.StartsWith("stockwatch serve", StringComparison.Ordinal))
            {
                yield return new Documented($"{Path.GetRelativePath(Repository.Root(), document)}:{number}", text);
            }
        }
    }

    /// <summary><c>VAR=$(stockwatch …)</c>: the command inside.</summary>
    [GeneratedRegex(@"^[A-Z_]+=\$\((stockwatch [^)]*)\)")]
    private static partial Regex Substitution();

    private Task<(int ExitCode, string Output, string Error)> BashAsync(string command, string tools) =>
        RunAsync("bash", _home.Path, ["-c", command], new Dictionary<string, string>
        {
            ["PATH"] = $"{tools}:{Environment.GetEnvironmentVariable("PATH")}",
            ["HOME"] = _home.Path,
            ["STOCKWATCH_DATA"] = Path.Combine(_home.Path, "data"),
        });

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string file, string folder, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
