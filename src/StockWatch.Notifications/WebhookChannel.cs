using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using StockWatch.Core.Notifications;

namespace StockWatch.Notifications;

/// <summary>
/// POSTs each message as JSON, signed: <c>X-StockWatch-Signature: sha256=&lt;hex HMAC-SHA256 of "&lt;timestamp&gt;.&lt;body&gt;"&gt;</c>
/// with <c>X-StockWatch-Timestamp</c> (Unix seconds) and <c>X-StockWatch-Delivery</c> (the same on every attempt).
/// Any answer but 2xx is a failure.
/// </summary>
public sealed class WebhookChannel(string name, ChannelFilter filter, Uri url, string secret, TimeProvider time) : IAlertChannel, IDisposable
{
    public const string SignatureHeader = "X-StockWatch-Signature";
    public const string TimestampHeader = "X-StockWatch-Timestamp";
    public const string DeliveryHeader = "X-StockWatch-Delivery";

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout.InfiniteTimeSpan };

    public string Name => name;

    public ChannelFilter Filter => filter;

    public static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    public async Task SendAsync(string deliveryId, Announcement message, CancellationToken cancellationToken)
    {
        var body = Channels.Payload(deliveryId, message);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(SignatureHeader, Sign(secret, timestamp, body));
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(DeliveryHeader, deliveryId);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("StockWatch", "1"));
        using var response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }
    }

    public void Dispose() => _http.Dispose();
}
