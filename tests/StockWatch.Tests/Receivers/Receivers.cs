using System.Diagnostics;
using System.Text.Json;

namespace StockWatch.Tests.Receivers;

/// <summary>The tests' webhook receiver and SMTP server, each a Python process of its own on a loopback port.</summary>
public static class Receivers
{
    public const string Secret = "test-webhook-secret";

    /// <summary>Starts <c>webhook_receiver.py</c>; what it accepts is appended to <paramref name="log"/>.</summary>
    public static Task<StockWatchProcess.Child> WebhookAsync(int port, string log, CancellationToken cancellationToken) =>
        StartAsync("webhook_receiver.py", cancellationToken, port.ToString(System.Globalization.CultureInfo.InvariantCulture), Secret, log);

    /// <summary>Starts <c>smtp_sink.py</c>; each message it receives becomes a file in <paramref name="folder"/>.</summary>
    public static Task<StockWatchProcess.Child> SmtpAsync(int port, string folder, CancellationToken cancellationToken) =>
        StartAsync("smtp_sink.py", cancellationToken, port.ToString(System.Globalization.CultureInfo.InvariantCulture), folder);

    /// <summary>The lines the webhook receiver wrote: each accepted delivery, or a rejection.</summary>
    public static IReadOnlyList<JsonElement> Received(string log) =>
        File.Exists(log) ? [.. File.ReadAllLines(log).Select(line => JsonDocument.Parse(line).RootElement.Clone())] : [];

    private static async Task<StockWatchProcess.Child> StartAsync(string script, CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Receivers", script));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var child = new StockWatchProcess.Child(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {script}."));
        await child.WaitForOutputAsync("listening", cancellationToken);
        return child;
    }
}
