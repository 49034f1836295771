using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using YamlDotNet.RepresentationModel;

namespace StockWatch.Aws;

/// <summary>A queue as the template declares it (logical id; attributes as SQS names them; the dead-letter queue by logical id).</summary>
public sealed record QueueDeclaration(string LogicalId, IReadOnlyDictionary<string, string> Attributes, string? DeadLetterQueue, int? MaxReceiveCount);

/// <summary>
/// An event source mapping as a function's <c>Events</c> declare it: a stream (<c>Type: DynamoDB</c>, the table by
/// logical id) or a queue (<c>Type: SQS</c>).
/// </summary>
/// <param name="Function">The handler's class name (<c>ProductChanges</c>).</param>
/// <param name="EventNames">The event filter's <c>eventName</c> values; empty: every record.</param>
public sealed record MappingDeclaration(
    string Function, string Type, string Source, int BatchSize, int? MaximumRetryAttempts, int? MaximumRecordAgeInSeconds, bool BisectBatchOnFunctionError,
    IReadOnlyList<string> EventNames, string? OnFailureQueue, bool ReportBatchItemFailures);

/// <summary>A CloudWatch alarm on an SQS queue's metric (the queue by logical id).</summary>
public sealed record QueueAlarmDeclaration(string LogicalId, string Queue, string MetricName, double Threshold, string ComparisonOperator);

/// <summary>
/// The stack as <c>deploy/aws/template.yaml</c> declares it (embedded in this assembly), read with YamlDotNet: the
/// tables (keys, attribute types, indexes and their projections, stream views), the queues (visibility, retention,
/// redrive), the functions' event source mappings and the queue alarms. <c>local-setup</c>, the tests and the
/// harness make the emulators' resources from it, so they run on what will be deployed. CloudFormation's short tags
/// (<c>!Ref</c>, <c>!GetAtt</c>, <c>!Sub</c>, <c>!If</c>) are node tags: <c>!GetAtt X.Arn</c> names resource X;
/// capacity settings (<c>!If Provisioned</c>) are the deployed stack's: the emulator's tables are on demand.
/// </summary>
public sealed class StackTemplate
{
    private readonly YamlMappingNode _resources;

    private StackTemplate(YamlMappingNode resources) => _resources = resources;

    /// <summary>The template this build deploys.</summary>
    public static StackTemplate Deployed { get; } = Load();

    /// <exception cref="InvalidDataException">Not a template with <c>Resources</c>.</exception>
    public static StackTemplate Parse(TextReader yaml)
    {
        var stream = new YamlStream();
        stream.Load(yaml);
        return stream.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root && root.Children.TryGetValue("Resources", out var resources)
            && resources is YamlMappingNode mapping
            ? new StackTemplate(mapping)
            : throw new InvalidDataException("The template has no Resources.");
    }

    private static StackTemplate Load()
    {
        using var stream = typeof(StackTemplate).Assembly.GetManifestResourceStream("template.yaml")
            ?? throw new InvalidDataException("The template is not embedded in StockWatch.Aws.");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }

    /// <summary>Each table's creation as the template declares it, named as <paramref name="names"/> names it (on demand).</summary>
    /// <exception cref="InvalidDataException">A table the settings do not name.</exception>
    public IReadOnlyList<CreateTableRequest> Tables(AwsOptions names) => [.. Resources("AWS::DynamoDB::Table").Select(table =>
    {
        var (id, properties) = table;
        var request = new CreateTableRequest
        {
            TableName = names.TableNamed(id) ?? throw new InvalidDataException($"The template's table {id} is no table of {AwsOptions.Section}."),
            BillingMode = BillingMode.PAY_PER_REQUEST,
            KeySchema = Keys(properties["KeySchema"]),
            AttributeDefinitions = [.. Sequence(properties["AttributeDefinitions"]).Select(a =>
                new AttributeDefinition(Text(a["AttributeName"]), new ScalarAttributeType(Text(a["AttributeType"]))))],
        };
        if (Optional(properties, "GlobalSecondaryIndexes") is { } indexes)
        {
            request.GlobalSecondaryIndexes = [.. Sequence(indexes).Select(index => new GlobalSecondaryIndex
            {
                IndexName = Text(index["IndexName"]),
                KeySchema = Keys(index["KeySchema"]),
                Projection = new Projection
                {
                    ProjectionType = new ProjectionType(Text(index["Projection"]["ProjectionType"])),
                    NonKeyAttributes = Optional((YamlMappingNode)index["Projection"], "NonKeyAttributes") is { } attributes ? [.. Sequence(attributes).Select(Text)] : null,
                },
            })];
        }

        if (Optional(properties, "StreamSpecification") is YamlMappingNode stream)
        {
            request.StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = new StreamViewType(Text(stream["StreamViewType"])) };
        }

        return request;
    })];

    /// <summary>Every queue, those that are another's dead-letter queue first (a redrive policy names an existing queue).</summary>
    public IReadOnlyList<QueueDeclaration> Queues => [.. Resources("AWS::SQS::Queue").Select(queue =>
    {
        var (id, properties) = queue;
        Dictionary<string, string> attributes = [];
        foreach (var name in new[] { "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds" })
        {
            if (Optional(properties, name) is { } value)
            {
                attributes[name] = Text(value);
            }
        }

        var redrive = Optional(properties, "RedrivePolicy") as YamlMappingNode;
        return new QueueDeclaration(id, attributes, redrive is null ? null : GetAtt(redrive["deadLetterTargetArn"]).Resource,
            redrive is null ? null : int.Parse(Text(redrive["maxReceiveCount"]), CultureInfo.InvariantCulture));
    }).OrderBy(queue => queue.DeadLetterQueue is null ? 0 : 1)];

    /// <summary>Every function's event source mappings (streams and queues).</summary>
    public IReadOnlyList<MappingDeclaration> Mappings => [.. Resources("AWS::Serverless::Function").SelectMany(function =>
    {
        var (_, properties) = function;
        var handler = Text(properties["Handler"]);
        var type = handler.Split("::")[1];
        var name = type[(type.LastIndexOf('.') + 1)..];
        var events = Optional(properties, "Events") as YamlMappingNode;
        return (events?.Children.Values ?? []).OfType<YamlMappingNode>().Where(e => Text(e["Type"]) is "DynamoDB" or "SQS").Select(e =>
        {
            var settings = (YamlMappingNode)e["Properties"];
            int? Number(string key) => Optional(settings, key) is { } value ? int.Parse(Text(value), CultureInfo.InvariantCulture) : null;
            var filters = Optional(settings, "FilterCriteria") is YamlMappingNode criteria
                ? Sequence(criteria["Filters"]).SelectMany(filter => JsonNode.Parse(Text(filter["Pattern"]))?["eventName"]?.AsArray() ?? [])
                    .Select(value => (string)value!).ToList()
                : [];
            var onFailure = Optional(settings, "DestinationConfig") is YamlMappingNode destination ? GetAtt(destination["OnFailure"]["Destination"]).Resource : null;
            var responseTypes = Optional(settings, "FunctionResponseTypes") is { } types ? Sequence(types).Select(Text).ToList() : [];
            return new MappingDeclaration(name, Text(e["Type"]), GetAtt(settings[Text(e["Type"]) == "SQS" ? "Queue" : "Stream"]).Resource, Number("BatchSize") ?? 10,
                Number("MaximumRetryAttempts"), Number("MaximumRecordAgeInSeconds"), Optional(settings, "BisectBatchOnFunctionError") is { } bisect && Text(bisect) == "true",
                filters, onFailure, responseTypes.Contains("ReportBatchItemFailures"));
        });
    })];

    /// <summary>Every alarm on an SQS queue's metric.</summary>
    public IReadOnlyList<QueueAlarmDeclaration> QueueAlarms => [.. Resources("AWS::CloudWatch::Alarm")
        .Where(alarm => Optional(alarm.Properties, "Namespace") is { } space && Text(space) == "AWS/SQS")
        .Select(alarm => new QueueAlarmDeclaration(alarm.Id,
            GetAtt(Sequence(alarm.Properties["Dimensions"]).Single(d => Text(d["Name"]) == "QueueName")["Value"]).Resource,
            Text(alarm.Properties["MetricName"]), double.Parse(Text(alarm.Properties["Threshold"]), CultureInfo.InvariantCulture),
            Text(alarm.Properties["ComparisonOperator"])))];

    private IEnumerable<(string Id, YamlMappingNode Properties)> Resources(string type) =>
        _resources.Children.Where(pair => pair.Value is YamlMappingNode resource && resource.Children.TryGetValue("Type", out var t) && Text(t) == type)
            .Select(pair => (Text(pair.Key), (YamlMappingNode)((YamlMappingNode)pair.Value)["Properties"]));

    private static List<KeySchemaElement> Keys(YamlNode schema) =>
        [.. Sequence(schema).Select(k => new KeySchemaElement(Text(k["AttributeName"]), new KeyType(Text(k["KeyType"]))))];

    /// <summary><c>!GetAtt Resource.Attribute</c> (or its long form <c>Fn::GetAtt: [Resource, Attribute]</c>).</summary>
    private static (string Resource, string Attribute) GetAtt(YamlNode node) => node switch
    {
        YamlScalarNode { Tag.Value: "!GetAtt" } scalar when scalar.Value!.Split('.', 2) is [var resource, var attribute] => (resource, attribute),
        YamlMappingNode longForm when longForm.Children.TryGetValue("Fn::GetAtt", out var pair) && pair is YamlSequenceNode { Children: [var r, var a] } => (Text(r), Text(a)),
        _ => throw new InvalidDataException($"Expected !GetAtt RESOURCE.ATTRIBUTE at {node.Start}."),
    };

    private static YamlNode? Optional(YamlMappingNode mapping, string key) => mapping.Children.TryGetValue(key, out var value) ? value : null;

    private static IEnumerable<YamlNode> Sequence(YamlNode node) =>
        node is YamlSequenceNode sequence ? sequence.Children : throw new InvalidDataException($"Expected a list at {node.Start}.");

    private static string Text(YamlNode node) =>
        node is YamlScalarNode { Value: { } value } ? value : throw new InvalidDataException($"Expected a value at {node.Start}.");
}
