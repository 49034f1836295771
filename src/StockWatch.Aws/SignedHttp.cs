using System.Net.Http.Headers;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Signing;

namespace StockWatch.Aws;

/// <summary>
/// HTTP to an AWS API the served SDK packages do not cover (DynamoDB Streams, SNS), signed with AWSSDK.Core's SigV4
/// handler. Region and credentials come from the standard AWS settings, as the SDK's own clients find them; the
/// endpoint from <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c>, then the service's public one.
/// </summary>
public sealed class SignedHttp : IDisposable
{
    private SignedHttp(HttpClient client, Uri endpoint)
    {
        Client = client;
        Endpoint = endpoint;
    }

    public HttpClient Client { get; }

    public Uri Endpoint { get; }

    /// <param name="signingName">The service's SigV4 name (<c>dynamodb</c>, <c>sns</c>).</param>
    /// <param name="environmentName">The service's part of <c>AWS_ENDPOINT_URL_…</c> (<c>DYNAMODB_STREAMS</c>, <c>SNS</c>).</param>
    /// <param name="publicHost">The public host with <c>{0}</c> for the region (<c>sns.{0}.amazonaws.com</c>).</param>
    public static SignedHttp Create(string signingName, string environmentName, string publicHost)
    {
        var region = RegionEndpoint.GetBySystemName(Environment.GetEnvironmentVariable("AWS_REGION")
            ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION")
            ?? throw new InvalidOperationException("No AWS region: set AWS_REGION (us-east-1, say)."));
        var endpoint = Environment.GetEnvironmentVariable($"AWS_ENDPOINT_URL_{environmentName}")
            ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL")
            ?? $"https://{string.Format(System.Globalization.CultureInfo.InvariantCulture, publicHost, region.SystemName)}";
        var credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
        var handler = new SigV4SigningHandler(credentials, region, signingName, new SocketsHttpHandler { AllowAutoRedirect = false });
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("StockWatch", "1.0"));
        return new SignedHttp(client, new Uri(endpoint.TrimEnd('/') + "/"));
    }

    public void Dispose() => Client.Dispose();
}

/// <summary>An error an AWS API answered with: its code (<c>ResourceNotFoundException</c>…) and message.</summary>
public sealed class AwsApiException(string code, string message, int status) : Exception($"{code}: {message}")
{
    public string Code { get; } = code;

    public int Status { get; } = status;
}
