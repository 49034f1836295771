using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Catalog;
using StockWatch.Lambda;

namespace StockWatch.Aws.Tests;

/// <summary>The functions' metrics as CloudWatch Embedded Metric Format lines, read back as CloudWatch reads them.</summary>
public sealed class EmfMetricsTests
{
    [Fact]
    public async Task AnInvocation_WritesLinesCloudWatchTurnsIntoMetrics_WithTheNamesOfMetrics()
    {
        var output = new StringWriter();
        await using var aws = await AwsStack.CreateAsync(configure: services =>
            services.AddSingleton(provider => new EmfMetrics(TextWriter.Synchronized(output), provider.GetRequiredService<TimeProvider>())));
        aws.Create("85123A", stock: 5);
        await aws.MoveStock.HandleAsync(ProductId.Parse("85123A"), StockMovement.To(0, "count"));

        var mappings = await aws.MappingsAsync();
        await mappings[0].DrainAsync(TestContext.Current.CancellationToken);

        var metrics = Read(output.ToString());
        // Other tests' functions run in this process too: only this stack's invocation and alerts are counted here.
        metrics.Should().Contain(m => m.Name == "stockwatch_processor_invocations_total" && m.Unit == "Count" && m.Properties["processor"] == "product-changes");
        metrics.Should().Contain(m => m.Name == "stockwatch_processor_duration_seconds" && m.Unit == "Seconds" && m.Values.All(v => v > 0));
        metrics.Where(m => m.Name == "stockwatch_alerts_total").Select(m => m.Properties["type"])
            .Should().Contain(["PRODUCT_ADDED", "LOW_STOCK", "OUT_OF_STOCK"]);
        metrics.Select(m => m.Name).Distinct().Should().BeSubsetOf(
        [
            "stockwatch_processor_invocations_total", "stockwatch_processor_errors_total", "stockwatch_processor_duration_seconds",
            "stockwatch_alerts_total", "stockwatch_import_rows_total", "stockwatch_deliveries_total",
        ], "the stack keeps within CloudWatch's 10 free custom metrics");
    }

    private sealed record Metric(string Name, string Unit, IReadOnlyList<double> Values, IReadOnlyDictionary<string, string> Properties);

    /// <summary>
    /// Each line as CloudWatch reads it: a JSON object whose <c>_aws</c> names a timestamp and metric directives; each
    /// directive's dimensions (here: none) and metrics name members of the same object, a number or up to 100 numbers.
    /// </summary>
    private static List<Metric> Read(string lines)
    {
        List<Metric> metrics = [];
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var root = JsonNode.Parse(line)!.AsObject();
            var aws = root["_aws"]!.AsObject();
            aws["Timestamp"]!.GetValue<long>().Should().BePositive();
            foreach (var directive in aws["CloudWatchMetrics"]!.AsArray())
            {
                directive!["Namespace"]!.GetValue<string>().Should().Be("StockWatch");
                directive["Dimensions"]!.AsArray().Should().ContainSingle().Which!.AsArray().Should().BeEmpty();
                var properties = root.Where(p => p.Value is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String)
                    .ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
                foreach (var metric in directive["Metrics"]!.AsArray())
                {
                    var name = metric!["Name"]!.GetValue<string>();
                    var value = root[name]!;
                    IReadOnlyList<double> values = value is JsonArray array ? [.. array.Select(v => v!.GetValue<double>())] : [value.GetValue<double>()];
                    values.Count.Should().BeInRange(1, 100);
                    metrics.Add(new Metric(name, metric["Unit"]!.GetValue<string>(), values, properties));
                }
            }
        }

        return metrics;
    }
}
