using System.Globalization;
using System.Text;
using StockWatch.Core.Catalog;

namespace StockWatch.Bench;

/// <summary>
/// Instructions per event on the single-event path, counted by <c>valgrind --tool=callgrind</c>: repeatable where the
/// events per second swing with this machine's load (issue 21). Each side runs as a process under callgrind twice, with
/// <see cref="Few"/> and with <see cref="Many"/> stock movements on a fresh database; the difference of the two totals
/// over the difference of the counts is what one more event costs, start-up, seeding and compilation cancelled out.
/// StockWatch runs with tiered compilation off (every method compiled once, fully), so both runs compile the same code.
/// </summary>
public static class CallgrindBench
{
    public const string Heading = "## Instructions per event (issue 21)";
    private const int Few = 2_000;
    private const int Many = 6_000;

    /// <param name="StockWatch">Instructions (callgrind's <c>Ir</c>, every thread) per stock movement through <c>MoveStock</c>.</param>
    /// <param name="Python">The same for bench/python/single_event.py with one thread.</param>
    public sealed record Result(double StockWatch, double Python, string Valgrind);

    public static Result Run(string work) => new(
        PerEvent(n => Count(Path.Combine(work, $"cg-sw-{n}"), ["dotnet", Path.Combine(AppContext.BaseDirectory, "StockWatch.Bench.dll"), "--part", "single-events", Path.Combine(work, $"sw-{n}"), Path.Combine(work, $"sw-{n}.json"), n.ToString(CultureInfo.InvariantCulture)])),
        PerEvent(n => Count(Path.Combine(work, $"cg-py-{n}"), [Python(), Path.Combine(AppContext.BaseDirectory, "single_event.py"), Seeding.CreateForScript(Path.Combine(work, $"py-{n}")).Path, n.ToString(CultureInfo.InvariantCulture), "0", "1"])),
        Processes.Output("valgrind", "--version").Trim());

    /// <summary>The child's side (<c>--part single-events</c>): <paramref name="events"/> stock movements, one writer, untimed.</summary>
    public static async Task<int> MoveAsync(string folder, int events)
    {
        var (_, store) = Seeding.Create(folder);
        var move = new MoveStock(store, TimeProvider.System);
        for (var i = 0; i < events; i++)
        {
            await move.HandleAsync(Seeding.Id(i), StockMovement.By(i % 2 == 0 ? -1 : 1, "bench"));
        }

        return events;
    }

    public static void WriteSection(string path, Result result)
    {
        string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
        var text = new StringBuilder()
            .AppendLine(Heading)
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured by `bench/run.sh --callgrind` on {TimeProvider.System.GetUtcNow():yyyy-MM-dd} ({result.Valgrind}, .NET {Environment.Version}):"))
            .AppendLine("one stock movement as the single-event section above makes it (read the product, write it, append the change,")
            .AppendLine("commit), counted in instructions rather than timed, so the figure does not move with the machine's load. Each side")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"runs as a process under `valgrind --tool=callgrind` with {Few:N0} and with {Many:N0} movements on a fresh database; the"))
            .AppendLine("difference of the totals (every thread: the runtime's, SQLite's and ours) over the difference of the counts is one event's")
            .AppendLine("cost, start-up and compilation cancelled. StockWatch runs with tiered compilation off, so both runs compile the same code.")
            .AppendLine()
            .AppendLine("| | instructions per event | against Python's (below 1: fewer) |")
            .AppendLine("|---|---:|---:|")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| StockWatch (`MoveStock`, one writer) | {N(result.StockWatch)} | {result.StockWatch / result.Python:0.00}× |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| Python sqlite3 (`single_event.py`, one thread) | {N(result.Python)} | 1.00× |"));
        Report.ReplaceSection(path, Heading, text.ToString());
    }

    /// <summary>The interpreter itself: callgrind follows no exec, and <c>python3</c> may be a launcher script (pyenv's shims are).</summary>
    private static string Python() => Processes.Output("python3", "-c", "import sys; print(sys.executable)").Trim();

    private static double PerEvent(Func<int, long> count) => (double)(count(Many) - count(Few)) / (Many - Few);

    /// <summary>Runs <paramref name="command"/> under callgrind and returns its total instructions.</summary>
    private static long Count(string output, string[] command)
    {
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_TieredCompilation"] = "0",
            ["DOTNET_TieredPGO"] = "0",
            ["DOTNET_gcConcurrent"] = "0",
        };
        Processes.Output("env", [.. environment.Select(e => $"{e.Key}={e.Value}"), "valgrind", "--tool=callgrind", "--quiet", $"--callgrind-out-file={output}", .. command]);
        var totals = File.ReadLines(output).LastOrDefault(line => line.StartsWith("totals:", StringComparison.Ordinal))
            ?? File.ReadLines(output).Last(line => line.StartsWith("summary:", StringComparison.Ordinal));
        return long.Parse(totals[(totals.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
    }
}
