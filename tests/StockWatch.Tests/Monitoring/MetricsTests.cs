using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using StockWatch.Testing;

namespace StockWatch.Tests.Monitoring;

/// <summary><c>/metrics</c> of a real <c>serve</c> process after a known sequence of events, read by a Prometheus text parser.</summary>
public sealed class MetricsTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Metrics_AfterAKnownSequence_CountWhatHappened()
    {
        var key = (await Cli.Cli.RunAsync(_data.Path, "keys", "create", "--role", "writer", "--name", "metrics")).Output.Trim();
        var port = StockWatchProcess.FreePort();
        using var serve = StockWatchProcess.Start(_data.Path, "serve", "--urls", $"http://127.0.0.1:{port}");
        await serve.WaitForOutputAsync("Application started", _cancel);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // One product added, one sale taking it low, one import of three rows with one refused.
        (await client.PutAsync("/api/products/M1", Api.ApiServerFixture.Json("""{"product_name":"Mug","stock_count":12,"product_price":3}"""), _cancel)).EnsureSuccessStatusCode();
        (await client.PostAsync("/api/sales", Api.ApiServerFixture.Json("""{"sale_id":"m-1","product_id":"M1","quantity":5}"""), _cancel)).EnsureSuccessStatusCode();
        using var upload = await client.PostAsync("/api/imports",
            new StringContent("product_id,product_name,stock_count\nM2,Plate,100\nM3,Bowl,200\nM4,Cup,many\n", Encoding.UTF8, "text/csv"), _cancel);
        upload.StatusCode.Should().Be(HttpStatusCode.Accepted);
        await Eventually.Until(async () => JsonDocument.Parse(await client.GetStringAsync(upload.Headers.Location, _cancel)).RootElement,
            record => record.GetProperty("status").GetString() == "done", "the import worker runs the job", _cancel);
        await Eventually.Until(async () => JsonDocument.Parse(await client.GetStringAsync("/api/alerts", _cancel)).RootElement,
            alerts => alerts.GetArrayLength() == 2, "the stream processor stores the two alerts", _cancel);

        using var anonymous = await new HttpClient().GetAsync($"http://127.0.0.1:{port}/metrics", _cancel);
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        // The log channel is told of the two alerts and of the weekly report serve made at start, once planned and sent.
        var metrics = await Eventually.Until(async () =>
        {
            using var response = await client.GetAsync("/metrics", _cancel);
            response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
            return PrometheusText.Parse(await response.Content.ReadAsStringAsync(_cancel));
        }, m => m.Value("stockwatch_deliveries_total", ("channel", "log"), ("outcome", "delivered")) == 3, "the delivery worker sends the three messages", _cancel);

        metrics.TypeOf("stockwatch_alerts_total").Should().Be("counter");
        metrics.Value("stockwatch_alerts_total", ("type", "PRODUCT_ADDED")).Should().Be(1);
        metrics.Value("stockwatch_alerts_total", ("type", "LOW_STOCK")).Should().Be(1);
        metrics.Value("stockwatch_import_rows_total", ("outcome", "accepted")).Should().Be(2);
        metrics.Value("stockwatch_import_rows_total", ("outcome", "rejected")).Should().Be(1);
        metrics.Value("stockwatch_queue_sent_total", ("queue", "imports")).Should().Be(1);
        metrics.Value("stockwatch_queue_received_total", ("queue", "imports")).Should().Be(1);
        metrics.Value("stockwatch_queue_deleted_total", ("queue", "imports")).Should().Be(1);
        metrics.Value("stockwatch_queue_visible_messages", ("queue", "imports")).Should().Be(0);
        metrics.Value("stockwatch_queue_visible_messages", ("queue", "imports-dlq")).Should().Be(0);
        metrics.Value("stockwatch_queue_dead_lettered_total", ("queue", "imports")).Should().BeNull("nothing was dead-lettered");
        metrics.Value("stockwatch_deliveries_total", ("channel", "log"), ("outcome", "failed")).Should().BeNull("the log never fails");
        metrics.Value("stockwatch_queue_sent_total", ("queue", "deliveries-log")).Should().Be(3);
        metrics.Value("stockwatch_queue_deleted_total", ("queue", "deliveries-log")).Should().Be(3);
        metrics.TypeOf("stockwatch_processor_duration_seconds").Should().Be("histogram");
        // A scrape reads the counter and the histogram one after the other while the processors run on (the stream
        // every 250 ms), so each bound compares two scrapes, one before the other: a step is counted when it starts and
        // timed when it ends, and only one step of a processor runs at a time.
        using var again = await client.GetAsync("/metrics", _cancel);
        var later = PrometheusText.Parse(await again.Content.ReadAsStringAsync(_cancel));
        foreach (var processor in new[] { "stream", "imports", "inbox", "reports", "deliveries" })
        {
            var invocations = metrics.Value("stockwatch_processor_invocations_total", ("processor", processor));
            invocations.Should().BePositive(processor);
            later.Value("stockwatch_processor_duration_seconds_count", ("processor", processor))
                .Should().BeGreaterThanOrEqualTo(invocations!.Value - 1, $"every {processor} step but the one running is timed");
            metrics.Value("stockwatch_processor_duration_seconds_count", ("processor", processor))
                .Should().BeLessThanOrEqualTo(later.Value("stockwatch_processor_invocations_total", ("processor", processor))!.Value, $"no {processor} step is timed without being counted");
            metrics.Value("stockwatch_processor_errors_total", ("processor", processor)).Should().BeNull(processor);
        }
    }
}
