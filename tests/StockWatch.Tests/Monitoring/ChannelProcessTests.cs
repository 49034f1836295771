using System.Text.Json;
using MimeKit;
using StockWatch.Testing;
using StockWatch.Tests.Receivers;

namespace StockWatch.Tests.Monitoring;

/// <summary>
/// serve's channels against real receivers on loopback: a Python webhook receiver that checks the signature and Python's
/// SMTP server. The CLI changes the catalogue beside serve, as a shop would.
/// </summary>
public sealed class ChannelProcessTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly TempFolder _received = new();
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;
    private readonly int _hookPort = StockWatchProcess.FreePort();
    private readonly int _smtpPort = StockWatchProcess.FreePort();

    public void Dispose()
    {
        _data.Dispose();
        _received.Dispose();
    }

    private string HookLog => Path.Combine(_received.Path, "webhook.jsonl");

    private string MailFolder => Path.Combine(_received.Path, "mail");

    /// <summary>serve with a webhook (every message) and an e-mail channel (stock alerts only), set by environment variables.</summary>
    private StockWatchProcess.Child Serve() => StockWatchProcess.Start(_data.Path, new Dictionary<string, string>
    {
        ["StockWatch__Channels__0__Name"] = "hook",
        ["StockWatch__Channels__0__Type"] = "webhook",
        ["StockWatch__Channels__0__Url"] = $"http://127.0.0.1:{_hookPort}/stockwatch",
        ["StockWatch__Channels__0__Secret"] = Receivers.Receivers.Secret,
        ["StockWatch__Channels__1__Name"] = "mail",
        ["StockWatch__Channels__1__Type"] = "email",
        ["StockWatch__Channels__1__Host"] = "127.0.0.1",
        ["StockWatch__Channels__1__Port"] = _smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["StockWatch__Channels__1__From"] = "stockwatch@example.com",
        ["StockWatch__Channels__1__To"] = "owner@example.com",
        ["StockWatch__Channels__1__AlertTypes__0"] = "LOW_STOCK",
        ["StockWatch__Channels__1__AlertTypes__1"] = "OUT_OF_STOCK",
        ["StockWatch__Delivery__InitialBackoff"] = "00:00:00.2",
        ["StockWatch__Delivery__MaxBackoff"] = "00:00:01",
        ["StockWatch__Delivery__Timeout"] = "00:00:05",
    }, "serve", "--urls", $"http://127.0.0.1:{StockWatchProcess.FreePort()}");

    private async Task Cli(params string[] args)
    {
        var result = await StockWatchProcess.RunAsync(_data.Path, args);
        result.ExitCode.Should().Be(0, result.Error);
    }

    private async Task<List<long>> AlertIds()
    {
        var result = await StockWatchProcess.RunAsync(_data.Path, "alerts", "list", "--json");
        return [.. JsonDocument.Parse(result.Output).RootElement.EnumerateArray().Select(a => a.GetProperty("alert_id").GetInt64())];
    }

    private async Task<JsonElement> DeliveryLog(long alertId, string channel)
    {
        var result = await StockWatchProcess.RunAsync(_data.Path, "alerts", "show", alertId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        result.ExitCode.Should().Be(0, result.Error);
        return JsonDocument.Parse(result.Output).RootElement.GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("channel").GetString() == channel).Clone();
    }

    /// <summary>The alert ids the webhook accepted in single-alert messages (a rejected request has no body).</summary>
    private static List<long> HookAlertIds(IReadOnlyList<JsonElement> received) =>
        [.. received.Select(r => r.TryGetProperty("body", out var body) ? body : default)
            .Where(body => body.ValueKind == JsonValueKind.Object && body.GetProperty("kind").GetString() == "alert")
            .Select(body => body.GetProperty("alerts")[0].GetProperty("alert_id").GetInt64())];

    private List<MimeMessage> Mails() =>
        Directory.Exists(MailFolder) ? [.. Directory.GetFiles(MailFolder, "*.eml").Order().Select(path => MimeMessage.Load(path))] : [];

    [Fact]
    public async Task WebhookAndEmail_ReceiveEachAlertOnce_AcrossAReceiverOutage()
    {
        using var smtp = await Receivers.Receivers.SmtpAsync(_smtpPort, MailFolder, _cancel);
        var hook = await Receivers.Receivers.WebhookAsync(_hookPort, HookLog, _cancel);
        using var serve = Serve();
        await serve.WaitForOutputAsync("Application started", _cancel);

        await Cli("products", "set", "DRILL", "--name", "Drill <b>&</b>", "--category", "Tools", "--stock", "3", "--threshold", "5");
        var first = await AlertIds();
        first.Should().HaveCount(2, "PRODUCT_ADDED and LOW_STOCK");
        await Eventually.Until(() => Task.FromResult(HookAlertIds(Receivers.Receivers.Received(HookLog))), ids => ids.Count == 2, "the webhook is up", _cancel);

        hook.Dispose();
        await Cli("products", "set", "DRILL", "--stock", "0");
        await Cli("products", "set", "SAW", "--name", "Saw", "--category", "Tools", "--stock", "1", "--threshold", "5");
        var all = await AlertIds();
        all.Should().HaveCount(5, "OUT_OF_STOCK for the drill; PRODUCT_ADDED and LOW_STOCK for the saw");
        var failing = await Eventually.Until(() => DeliveryLog(all[^1], "hook"), log => log.GetProperty("attempts").GetInt32() >= 2,
            "the webhook is down, so its deliveries fail and are retried", _cancel);
        failing.GetProperty("status").GetString().Should().Be("pending");
        failing.GetProperty("last_error").GetString().Should().NotBeNullOrEmpty();

        using var back = await Receivers.Receivers.WebhookAsync(_hookPort, HookLog, _cancel);
        var received = await Eventually.Until(() => Task.FromResult(Receivers.Receivers.Received(HookLog)),
            lines => HookAlertIds(lines).Count >= 5, "the webhook is back and the retries reach it", _cancel);
        var mails = await Eventually.Until(() => Task.FromResult(Mails()), m => m.Count >= 3, "stock alerts are mailed", _cancel);

        received.Where(r => r.TryGetProperty("rejected", out var _)).Should().BeEmpty("every request carries a valid signature");
        HookAlertIds(received).Should().BeEquivalentTo(all, "each alert arrives exactly once");
        received.Select(r => r.GetProperty("delivery_id").GetString()).Should().OnlyHaveUniqueItems();
        var drill = received.Select(r => r.GetProperty("body")).Single(b => b.GetProperty("kind").GetString() == "alert" && b.GetProperty("subject").GetString() == "OUT_OF_STOCK: DRILL");
        drill.GetProperty("alerts")[0].GetProperty("category").GetString().Should().Be("Tools");
        var delivered = await DeliveryLog(all[2], "hook");
        delivered.GetProperty("status").GetString().Should().Be("delivered");
        delivered.GetProperty("attempts").GetInt32().Should().BeGreaterThan(1);

        mails.Select(m => m.Subject).Should().BeEquivalentTo(["[StockWatch] LOW_STOCK: DRILL", "[StockWatch] OUT_OF_STOCK: DRILL", "[StockWatch] LOW_STOCK: SAW"],
            "the mail channel asks for stock alerts only, and each comes once");
        var mail = mails.Single(m => m.Subject!.Contains("OUT_OF_STOCK", StringComparison.Ordinal));
        (mail.From.ToString(), mail.To.ToString()).Should().Be(("stockwatch@example.com", "owner@example.com"));
        mail.TextBody!.Should().Contain("Out of stock: DRILL");
        mail.HtmlBody!.Should().Contain("<h1>OUT_OF_STOCK: DRILL</h1>");
    }

    [Fact]
    public async Task Serve_KilledWhileDeliveriesArePending_MakesEachOnceAfterRestart()
    {
        using var smtp = await Receivers.Receivers.SmtpAsync(_smtpPort, MailFolder, _cancel);
        var serve = Serve();
        await serve.WaitForOutputAsync("Application started", _cancel);
        await Cli("products", "set", "DRILL", "--name", "Drill", "--stock", "0", "--threshold", "5");
        await Cli("products", "set", "SAW", "--name", "Saw", "--stock", "2", "--threshold", "5");
        var all = await AlertIds();
        await Eventually.Until(() => DeliveryLog(all[^1], "hook"), log => log.GetProperty("attempts").GetInt32() >= 1,
            "no webhook receiver runs yet, so the deliveries fail", _cancel);

        serve.Process.Kill(entireProcessTree: true);
        await serve.Process.WaitForExitAsync(_cancel);
        serve.Dispose();
        using var hook = await Receivers.Receivers.WebhookAsync(_hookPort, HookLog, _cancel);
        using var restarted = Serve();
        await restarted.WaitForOutputAsync("Application started", _cancel);

        var received = await Eventually.Until(() => Task.FromResult(Receivers.Receivers.Received(HookLog)),
            lines => HookAlertIds(lines).Count >= all.Count, "the restarted serve makes the pending deliveries", _cancel);
        await Eventually.Until(async () => (await Task.WhenAll(all.Select(id => DeliveryLog(id, "hook")))).Select(l => l.GetProperty("status").GetString()).ToList(),
            statuses => statuses.All(s => s == "delivered"), "each delivery is recorded as made", _cancel);

        HookAlertIds(Receivers.Receivers.Received(HookLog)).Should().BeEquivalentTo(all, "each pending delivery is made once");
        received.Where(r => r.TryGetProperty("rejected", out var _)).Should().BeEmpty();
    }
}
