using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Queues;
using StockWatch.Testing;

namespace StockWatch.Tests.Monitoring;

public sealed class HealthAlarmTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Serve_WithADeadLetteredImport_ShowsDegradedHealthWithTheReason()
    {
        var cancel = TestContext.Current.CancellationToken;
        using (var services = Composed.Services(_data.Path))
        {
            await services.GetRequiredService<IWorkQueue>().SendAsync("imports-dlq", """{"import_id":"imp-dead"}""");
        }

        var port = StockWatchProcess.FreePort();
        var environment = new Dictionary<string, string> { ["StockWatch__Alarms__EvaluationInterval"] = "00:00:00.1" };
        using var serve = StockWatchProcess.Start(_data.Path, environment, "serve", "--urls", $"http://127.0.0.1:{port}");
        await serve.WaitForOutputAsync("Application started", cancel);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var health = await Eventually.Until(async () =>
        {
            using var response = await client.GetAsync("/health", cancel);
            response.StatusCode.Should().Be(HttpStatusCode.OK, "degraded is still up");
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel)).RootElement.Clone();
        }, health => health.GetProperty("status").GetString() == "degraded", "alarms are evaluated every 100 ms here", cancel);

        var alarms = health.GetProperty("checks").GetProperty("alarms");
        alarms.GetProperty("detail").GetString().Should().Be("QUEUE_STUCK: dead-letter queue imports-dlq holds 1 message");
        await serve.WaitForOutputAsync("QUEUE_STUCK: dead-letter queue imports-dlq holds 1 message.", cancel); // announced on the log channel
    }
}
