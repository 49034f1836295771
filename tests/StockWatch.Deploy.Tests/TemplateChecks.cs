using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StockWatch.Deploy.Tests;
using StockWatch.Testing;

[assembly: AssemblyFixture(typeof(TemplateChecks))]

namespace StockWatch.Deploy.Tests;

/// <summary>
/// The checkers of deploy/aws/validate, installed for the whole run: its files copied to a temporary folder, the npm
/// packages its lockfile pins installed there with <c>npm ci</c>, the folder deleted after the run. <c>check.mjs</c>
/// runs as one process for the run (the SAM schema and the resource specification load once). Reads the template
/// once, as JSON with intrinsic functions in their long form, so tests can edit copies of it.
/// </summary>
public sealed partial class TemplateChecks : IAsyncLifetime
{
    private static readonly string[] Files = ["package.json", "package-lock.json", ".npmrc", "check.mjs", "sam.schema.json", "stockwatch.guard"];
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly TempFolder _kit = new();
    private readonly SemaphoreSlim _checkerTurn = new(1, 1);
    private Process? _checker;

    /// <summary>deploy/aws/template.yaml.</summary>
    public static string TemplatePath { get; } = Path.Combine(Repository.Root(), "deploy", "aws", "template.yaml");

    /// <summary>The template as JSON; tests edit a <see cref="Copy"/>.</summary>
    public JsonObject Template { get; private set; } = [];

    private string CfnGuard => Path.Combine(_kit.Path, "node_modules", "@cdklabs", "cdk-validator-cfnguard", "bin", "ubuntu",
        RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "aarch64" : "x86_64", "cfn-guard");

    public async ValueTask InitializeAsync()
    {
        var source = Path.Combine(Repository.Root(), "deploy", "aws", "validate");
        foreach (var file in Files)
        {
            File.Copy(Path.Combine(source, file), Path.Combine(_kit.Path, file));
        }

        var install = await RunAsync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"]);
        if (install.Code != 0)
        {
            throw new InvalidOperationException($"npm ci in {_kit.Path} failed ({install.Code}): {install.Error}");
        }

        _checker = Process.Start(new ProcessStartInfo("node", [Path.Combine(_kit.Path, "check.mjs"), "serve"])
        {
            WorkingDirectory = _kit.Path,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        Template = (await CheckAsync("json", TemplatePath)).AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        if (_checker is not null)
        {
            _checker.StandardInput.Close();
            using var timeout = new CancellationTokenSource(Timeout);
            await _checker.WaitForExitAsync(timeout.Token);
            _checker.Dispose();
        }

        _checkerTurn.Dispose();
        _kit.Dispose();
    }

    /// <summary>A copy of the template, to break.</summary>
    public JsonObject Copy() => Template.DeepClone().AsObject();

    /// <summary>What the official SAM JSON schema finds wrong with a template (none: empty).</summary>
    public async Task<IReadOnlyList<string>> SchemaProblemsAsync(JsonObject template) => await ProblemsAsync("schema", template);

    /// <summary>What the CloudFormation resource specification finds wrong with a template's plain resources.</summary>
    public async Task<IReadOnlyList<string>> SpecProblemsAsync(JsonObject template) => await ProblemsAsync("spec", template);

    /// <summary>Each rule of stockwatch.guard with its outcome (PASS, FAIL or SKIP) on a template, and cfn-guard's report.</summary>
    public async Task<GuardResult> GuardAsync(JsonObject template)
    {
        var file = Write(template);
        var run = await RunAsync(CfnGuard, ["validate", "--rules", Path.Combine(_kit.Path, "stockwatch.guard"), "--data", file, "--show-summary", "all"]);
        File.Delete(file);
        // 0: every rule passed; 19: some rule failed. Anything else is cfn-guard failing to run.
        if (run.Code is not (0 or 19))
        {
            throw new InvalidOperationException($"cfn-guard failed ({run.Code}): {run.Error}{run.Output}");
        }

        var outcomes = GuardSummary().Matches(run.Output).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        return new GuardResult(outcomes, run.Output);
    }

    private async Task<IReadOnlyList<string>> ProblemsAsync(string command, JsonObject template)
    {
        var file = Write(template);
        var problems = await CheckAsync(command, file);
        File.Delete(file);
        return [.. problems.AsArray().Select(problem => problem!.GetValue<string>())];
    }

    /// <summary>One request to the checker process, answered on one line: <c>{"result"}</c> or <c>{"error"}</c>.</summary>
    private async Task<JsonNode> CheckAsync(string command, string file)
    {
        await _checkerTurn.WaitAsync();
        try
        {
            await _checker!.StandardInput.WriteLineAsync(new JsonObject { ["command"] = command, ["file"] = file }.ToJsonString());
            await _checker.StandardInput.FlushAsync();
            var line = await _checker.StandardOutput.ReadLineAsync()
                ?? throw new InvalidOperationException($"check.mjs stopped (exit code {(_checker.HasExited ? _checker.ExitCode : -1)}).");
            var answer = JsonNode.Parse(line)!;
            return answer["result"] ?? throw new InvalidOperationException($"check.mjs {command} {file}: {answer["error"]}");
        }
        finally
        {
            _checkerTurn.Release();
        }
    }

    private string Write(JsonObject template)
    {
        var file = Path.Combine(_kit.Path, $"template-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, template.ToJsonString());
        return file;
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = _kit.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"^stockwatch\.guard/(\w+)\s+(PASS|FAIL|SKIP)\s*$", RegexOptions.Multiline)]
    private static partial Regex GuardSummary();
}

/// <summary>cfn-guard's verdict on a template: each rule's outcome, and the report to show when a test fails.</summary>
public sealed record GuardResult(IReadOnlyDictionary<string, string> Rules, string Report);
