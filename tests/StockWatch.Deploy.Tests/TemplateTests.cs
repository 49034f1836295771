using System.Reflection;
using System.Text.Json.Nodes;
using StockWatch.Aws;
using StockWatch.Lambda;
using StockWatch.Testing;

namespace StockWatch.Deploy.Tests;

/// <summary>
/// deploy/aws/template.yaml against the SAM schema, the CloudFormation resource specification and the project's
/// cfn-guard rules; each check is also shown failing on a broken copy of the template, so a check that can never fail
/// is caught.
/// </summary>
public sealed class TemplateTests(TemplateChecks checks)
{
    /// <summary>Each rule of stockwatch.guard and an edit of the template that breaks it.</summary>
    private static readonly Dictionary<string, Action<JsonObject>> Breakers = new()
    {
        ["streams_carry_old_and_new_images"] = t => Properties(t, "AlertsTable")["StreamSpecification"]!["StreamViewType"] = "NEW_IMAGE",
        ["products_table_has_a_stream"] = t => Properties(t, "ProductsTable").Remove("StreamSpecification"),
        ["partial_batch_responses"] = t => Event(t, "ImportFunction", "Uploads").Remove("FunctionResponseTypes"),
        ["functions_have_least_privilege_roles"] = t => Properties(t, "WeeklyReportFunction").Remove("Role"),
        ["no_wildcards_in_function_policies"] = t => Statements(t, "ImportRole")[0]!["Action"] = "sqs:*",
        ["buckets_refuse_plain_http"] = t => Statements(t, "DataBucketPolicy", "PolicyDocument")[0]!["Condition"]!["Bool"]!["aws:SecureTransport"] = "true",
        ["buckets_block_public_access_and_encrypt"] = t => Properties(t, "DataBucket")["PublicAccessBlockConfiguration"]!["RestrictPublicBuckets"] = false,
        ["capacity_within_the_free_tier"] = t => t["Parameters"]!["WriteCapacityPerTable"]!["Default"] = 4,
        ["weekly_report_on_thursday_at_five"] = t => Event(t, "WeeklyReportFunction", "Thursday")["Schedule"] = "cron(0 17 ? * FRI *)",
    };

    public static TheoryData<string> GuardRules => [.. Breakers.Keys];

    [Fact]
    public async Task Template_MatchesTheSamSchema()
    {
        (await checks.SchemaProblemsAsync(checks.Template)).Should().BeEmpty();
    }

    [Fact]
    public async Task SamSchema_MisspeltFunctionAndEventProperties_AreNamed()
    {
        var broken = Copy();
        Properties(broken, "ImportFunction")["Handlr"] = Properties(broken, "ImportFunction")["Handler"]!.DeepClone();
        Properties(broken, "ImportFunction").Remove("Handler");
        var stream = Event(broken, "ProductChangesFunction", "ProductsStream");
        stream["BisectBatchOnFunctionErrors"] = true;

        var problems = await checks.SchemaProblemsAsync(broken);

        problems.Should().Contain(p => p.Contains("ImportFunction") && p.Contains("(Handlr)"));
        problems.Should().Contain(p => p.Contains("Events/ProductsStream") && p.Contains("(BisectBatchOnFunctionErrors)"));
    }

    [Fact]
    public async Task PlainResources_MatchTheCloudFormationSpecification()
    {
        (await checks.SpecProblemsAsync(checks.Template)).Should().BeEmpty();
    }

    [Fact]
    public async Task CloudFormationSpecification_MisspeltPropertyWrongTypeAndUnknownType_AreNamed()
    {
        var broken = Copy();
        Properties(broken, "ImportQueue")["VisibilityTimeout"] = new JsonArray(1800);
        Properties(broken, "ImportDeadLetterQueue")["MessageRetentionPeriods"] = 1209600;
        Resource(broken, "AlertsTopic")["Type"] = "AWS::SNS::Topics";

        var problems = await checks.SpecProblemsAsync(broken);

        problems.Should().BeEquivalentTo(
            "ImportQueue.Properties.VisibilityTimeout: expected an integer, got [1800]",
            "ImportDeadLetterQueue.Properties.MessageRetentionPeriods: no such property",
            "AlertsTopic: AWS::SNS::Topics is not a CloudFormation resource type");
    }

    [Fact]
    public async Task Template_PassesEveryGuardRule()
    {
        var result = await checks.GuardAsync(checks.Template);

        result.Rules.Should().BeEquivalentTo(Breakers.Keys.ToDictionary(rule => rule, _ => "PASS"), result.Report);
    }

    [Theory]
    [MemberData(nameof(GuardRules))]
    public async Task GuardRule_OnABrokenCopy_FailsAndOnlyThatRule(string rule)
    {
        var broken = Copy();
        Breakers[rule](broken);

        var result = await checks.GuardAsync(broken);

        result.Rules.Where(r => r.Value == "FAIL").Select(r => r.Key).Should().Equal([rule], result.Report);
    }

    [Fact]
    public void Tables_DeclareTheKeysIndexesAndStreamsThePart1StoreUses()
    {
        foreach (var table in AwsTables.Definitions(new AwsOptions()))
        {
            var declared = Properties(checks.Template, $"{table.TableName}Table");
            Pairs(declared["KeySchema"], "AttributeName", "KeyType").Should().BeEquivalentTo(
                table.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)), table.TableName);
            Pairs(declared["AttributeDefinitions"], "AttributeName", "AttributeType").Should().BeEquivalentTo(
                table.AttributeDefinitions.Select(a => (a.AttributeName, a.AttributeType.Value)), table.TableName);
            var indexes = declared["GlobalSecondaryIndexes"]?.AsArray() ?? [];
            indexes.Select(i => i!["IndexName"]!.GetValue<string>()).Should().BeEquivalentTo(
                (table.GlobalSecondaryIndexes ?? []).Select(i => i.IndexName), table.TableName);
            foreach (var index in table.GlobalSecondaryIndexes ?? [])
            {
                var match = indexes.Single(i => i!["IndexName"]!.GetValue<string>() == index.IndexName)!;
                Pairs(match["KeySchema"], "AttributeName", "KeyType").Should().BeEquivalentTo(index.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));
                match["Projection"]!["ProjectionType"]!.GetValue<string>().Should().Be(index.Projection.ProjectionType.Value);
                (match["Projection"]!["NonKeyAttributes"]?.AsArray().Select(a => a!.GetValue<string>()) ?? [])
                    .Should().BeEquivalentTo(index.Projection.NonKeyAttributes ?? []);
            }

            declared.ContainsKey("StreamSpecification").Should().Be(table.StreamSpecification is not null, $"{table.TableName} has a stream in part 1's definitions");
            declared["PointInTimeRecoverySpecification"]!["PointInTimeRecoveryEnabled"]!.GetValue<bool>().Should().BeTrue();
        }
    }

    [Fact]
    public void Functions_HaveEveryTableNameAndTheTopicTheirOptionsRead()
    {
        var variables = checks.Template["Globals"]!["Function"]!["Environment"]!["Variables"]!.AsObject();

        foreach (var setting in typeof(AwsOptions).GetProperties().Where(p => p.CanWrite))
        {
            variables.Should().ContainKey($"StockWatch__Aws__{setting.Name}", "the functions find the stack's resources by these names");
        }
    }

    [Fact]
    public void EveryFunctionOfTheLambdaAssembly_IsDeployed_OnDotnet10WithItsOwnRoleAndLogGroup()
    {
        var deployed = Resources(checks.Template, "AWS::Serverless::Function").ToDictionary(
            f => f.Value["Properties"]!["Handler"]!.GetValue<string>(), f => f.Value["Properties"]!.AsObject());
        var handlers = typeof(Functions).Assembly.GetTypes()
            .Where(t => t.IsPublic && t.GetConstructor(Type.EmptyTypes) is not null
                && t.GetMethod("Handler", [typeof(Stream)])?.ReturnType == typeof(Task<Stream>))
            .Select(t => $"StockWatch.Lambda::{t.FullName}::Handler")
            .ToList();

        handlers.Should().Contain("StockWatch.Lambda::StockWatch.Lambda.ProductChanges::Handler");
        deployed.Keys.Should().Contain(handlers);
        checks.Template["Globals"]!["Function"]!["Runtime"]!.GetValue<string>().Should().Be("dotnet10");
        var roles = deployed.Values.Select(f => f["Role"]!["Fn::GetAtt"]![0]!.GetValue<string>()).ToList();
        roles.Should().OnlyHaveUniqueItems("each function has a role of its own");
        foreach (var function in deployed.Values)
        {
            var logGroup = Properties(checks.Template, function["LoggingConfig"]!["LogGroup"]!["Ref"]!.GetValue<string>());
            logGroup["RetentionInDays"]!["Ref"]!.GetValue<string>().Should().Be("LogRetentionDays");
        }
    }

    [Fact]
    public void Alarms_AtMostTheFreeTen_EachNotifyingTheTopic()
    {
        var alarms = Resources(checks.Template, "AWS::CloudWatch::Alarm").Select(a => a.Value["Properties"]!).ToList();

        alarms.Should().HaveCountLessThanOrEqualTo(10);
        alarms.Should().AllSatisfy(a => a["AlarmActions"]!.AsArray().Select(x => x!["Ref"]!.GetValue<string>()).Should().Equal("AlertsTopic"));
        var watched = alarms.Select(a => (a["MetricName"]!.GetValue<string>(), a["Dimensions"]![0]!["Value"]!.AsObject().First().Value!.ToJsonString())).ToList();
        foreach (var queue in new[] { "ImportDeadLetterQueue", "ProductChangesFailureQueue", "AlertCreatedFailureQueue" })
        {
            watched.Should().Contain(("ApproximateNumberOfMessagesVisible", $"""["{queue}","QueueName"]"""), $"{queue} not empty is an alarm");
        }

        watched.Should().Contain(("ApproximateAgeOfOldestMessage", """["ImportQueue","QueueName"]"""));
        alarms.Single(a => a["MetricName"]!.GetValue<string>() == "ApproximateAgeOfOldestMessage")["Threshold"]!.GetValue<int>().Should().Be(900);
        foreach (var function in Resources(checks.Template, "AWS::Serverless::Function").Select(f => f.Key))
        {
            watched.Should().Contain(("Errors", $"\"{function}\""), $"{function}'s errors are an alarm");
        }

        foreach (var function in new[] { "ProductChangesFunction", "AlertCreatedFunction" })
        {
            watched.Should().Contain(("IteratorAge", $"\"{function}\""), $"{function} falling behind its stream is an alarm");
        }
    }

    [Fact]
    public void Package_TheBuildScriptWritesWhereTheTemplateTakesTheCode()
    {
        var codeUri = checks.Template["Globals"]!["Function"]!["CodeUri"]!.GetValue<string>();
        var package = Path.GetRelativePath(Repository.Root(), Path.GetFullPath(Path.Combine(Path.GetDirectoryName(TemplateChecks.TemplatePath)!, codeUri)));

        File.ReadAllText(Path.Combine(Repository.Root(), "deploy", "aws", "build.sh")).Should().Contain($"\"$root/{package}\"");
    }

    private JsonObject Copy() => checks.Template.DeepClone().AsObject();

    private static JsonObject Resource(JsonObject template, string name) => template["Resources"]![name]!.AsObject();

    private static JsonObject Properties(JsonObject template, string name) => Resource(template, name)["Properties"]!.AsObject();

    private static JsonObject Event(JsonObject template, string function, string name) =>
        Properties(template, function)["Events"]![name]!["Properties"]!.AsObject();

    private static JsonArray Statements(JsonObject template, string name, string document = "Policies") => document == "Policies"
        ? Properties(template, name)["Policies"]![0]!["PolicyDocument"]!["Statement"]!.AsArray()
        : Properties(template, name)[document]!["Statement"]!.AsArray();

    private static IEnumerable<KeyValuePair<string, JsonNode>> Resources(JsonObject template, string type) =>
        template["Resources"]!.AsObject().Where(r => r.Value!["Type"]!.GetValue<string>() == type)!;

    private static IEnumerable<(string, string)> Pairs(JsonNode? list, string first, string second) =>
        list!.AsArray().Select(item => (item![first]!.GetValue<string>(), item[second]!.GetValue<string>()));
}
