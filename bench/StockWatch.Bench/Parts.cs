using System.Globalization;
using System.Text.Json;

namespace StockWatch.Bench;

/// <summary>
/// The full run's parts, each measured in a process of its own: what one part leaves in a process (its heap, its
/// threads, the code it had compiled) slowed the next one measured there (a 1M-product import took 3.3 s after the
/// single-event part against 2.3 s on its own), and a <c>stockwatch</c> command starts afresh as well.
/// </summary>
public static class Parts
{
    /// <summary>Runs this harness again as <c>--part NAME WORK RESULT.json ARGS</c> and reads back what the part measured.</summary>
    public static T InProcessOfItsOwn<T>(string part, string work, params string[] args)
    {
        var result = Path.Combine(work, $"{part}.result.json");
        Processes.Output("dotnet", [Path.Combine(AppContext.BaseDirectory, "StockWatch.Bench.dll"), "--part", part, work, result, .. args]);
        return JsonSerializer.Deserialize<T>(File.ReadAllText(result))
            ?? throw new InvalidOperationException($"The {part} part wrote no result.");
    }

    /// <summary>The child's side: measures one part and writes its result as JSON.</summary>
    public static async Task RunAsync(string part, string work, string resultFile, string[] args)
    {
        object result = part switch
        {
            "single" => await SingleEventBench.RunAsync(work),
            "commit-to-alert" => await CommitToAlertBench.RunAsync(work),
            "api" => await ApiBench.RunAsync(work),
            "import-products" => await ImportBench.ProductsAsync(work, double.Parse(args[0], CultureInfo.InvariantCulture)),
            "import-sales" => ImportBench.MeasureSales(work, double.Parse(args[0], CultureInfo.InvariantCulture)),
            "report" => await ReportBench.RunAsync(args[0]),
            "dashboard" => await DashboardBench.RunAsync(work),
            "stream-imports" => StreamBench.MeasureImports(work, int.Parse(args[0], CultureInfo.InvariantCulture), int.Parse(args[1], CultureInfo.InvariantCulture),
                args[2] is "" ? null : args[2], args[3] is "" ? null : args[3]),
            "stream-drain-products" => await StreamBench.DrainProductsAsync(work, int.Parse(args[0], CultureInfo.InvariantCulture)),
            "stream-drain-sales" => await StreamBench.DrainSalesAsync(work, int.Parse(args[0], CultureInfo.InvariantCulture)),
            "single-events" => await CallgrindBench.MoveAsync(work, int.Parse(args[0], CultureInfo.InvariantCulture)),
            "stream-latency" => await StreamBench.LatencyAsync(work, int.Parse(args[0], CultureInfo.InvariantCulture)),
            _ => throw new ArgumentException($"No benchmark part is called {part}.", nameof(part)),
        };
        await File.WriteAllTextAsync(resultFile, JsonSerializer.Serialize(result, result.GetType()));
    }
}
