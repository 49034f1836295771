using System.Xml.Linq;

namespace StockWatch.Aws;

/// <summary>
/// The SNS Query API (no .NET package of it is served): form-encoded POSTs signed with SigV4 for <c>sns</c>, XML
/// answers. Only what StockWatch needs: publish, and create a topic and subscribe to it (local setup and tests).
/// Errors are <see cref="AwsApiException"/>s with SNS's code (<c>NotFound</c>, <c>InvalidParameter</c>…).
/// </summary>
public sealed class Sns(SignedHttp http) : IDisposable
{
    private static readonly XNamespace Ns = "http://sns.amazonaws.com/doc/2010-03-31/";

    public static Sns FromEnvironment() => new(SignedHttp.Create("sns", "SNS", "sns.{0}.amazonaws.com"));

    /// <summary>Publishes a message with string message attributes; returns SNS's message id.</summary>
    public async Task<string> PublishAsync(string topicArn, string subject, string message, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken = default)
    {
        List<KeyValuePair<string, string>> form = [new("TopicArn", topicArn), new("Subject", subject), new("Message", message)];
        var entry = 0;
        foreach (var (name, value) in attributes)
        {
            entry++;
            form.Add(new($"MessageAttributes.entry.{entry}.Name", name));
            form.Add(new($"MessageAttributes.entry.{entry}.Value.DataType", "String"));
            form.Add(new($"MessageAttributes.entry.{entry}.Value.StringValue", value));
        }

        return (await CallAsync("Publish", form, cancellationToken)).Descendants(Ns + "MessageId").Single().Value;
    }

    /// <summary>Creates the topic (or finds it: SNS's CreateTopic is idempotent); returns its ARN.</summary>
    public async Task<string> CreateTopicAsync(string name, CancellationToken cancellationToken = default) =>
        (await CallAsync("CreateTopic", [new("Name", name)], cancellationToken)).Descendants(Ns + "TopicArn").Single().Value;

    /// <summary>Subscribes an endpoint (an SQS queue's ARN, say) with subscription attributes (<c>FilterPolicy</c>, <c>RawMessageDelivery</c>…); returns the subscription's ARN.</summary>
    public async Task<string> SubscribeAsync(string topicArn, string protocol, string endpoint, IReadOnlyDictionary<string, string>? attributes = null, CancellationToken cancellationToken = default)
    {
        List<KeyValuePair<string, string>> form = [new("TopicArn", topicArn), new("Protocol", protocol), new("Endpoint", endpoint)];
        var entry = 0;
        foreach (var (key, value) in attributes ?? new Dictionary<string, string>())
        {
            entry++;
            form.Add(new($"Attributes.entry.{entry}.key", key));
            form.Add(new($"Attributes.entry.{entry}.value", value));
        }

        return (await CallAsync("Subscribe", form, cancellationToken)).Descendants(Ns + "SubscriptionArn").Single().Value;
    }

    public void Dispose() => http.Dispose();

    private async Task<XDocument> CallAsync(string action, List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        form.Insert(0, new("Action", action));
        form.Insert(1, new("Version", "2010-03-31"));
        using var content = new FormUrlEncodedContent(form);
        using var response = await http.Client.PostAsync(http.Endpoint, content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        XDocument document;
        try
        {
            document = XDocument.Parse(body);
        }
        catch (System.Xml.XmlException)
        {
            throw new AwsApiException(response.StatusCode.ToString(), $"SNS answered {action} with something other than XML: {body[..Math.Min(body.Length, 200)]}", (int)response.StatusCode);
        }

        if (!response.IsSuccessStatusCode)
        {
            var error = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            throw new AwsApiException(
                error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? response.StatusCode.ToString(),
                error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? body,
                (int)response.StatusCode);
        }

        return document;
    }
}
