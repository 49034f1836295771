using System.Text.Json.Nodes;
using StockWatch.Aws;
using StockWatch.Lambda;
using StockWatch.Testing;

namespace StockWatch.Deploy.Tests;

/// <summary>
/// What the template must declare that the rules cannot express: the tables part 1's store uses, the settings the
/// functions read, every function of the Lambda assembly, the alarms, and the package the build script makes.
/// </summary>
public sealed class TemplateShapeTests(TemplateChecks checks)
{
    [Fact]
    public void Tables_DeclareTheKeysIndexesAndStreamsThePart1StoreUses()
    {
        foreach (var table in AwsTables.Definitions(new AwsOptions()))
        {
            var declared = Template.Properties(checks.Template, $"{table.TableName}Table");
            Template.Pairs(declared["KeySchema"], "AttributeName", "KeyType").Should().BeEquivalentTo(
                table.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)), table.TableName);
            Template.Pairs(declared["AttributeDefinitions"], "AttributeName", "AttributeType").Should().BeEquivalentTo(
                table.AttributeDefinitions.Select(a => (a.AttributeName, a.AttributeType.Value)), table.TableName);
            var indexes = declared["GlobalSecondaryIndexes"]?.AsArray() ?? [];
            indexes.Select(i => i!["IndexName"]!.GetValue<string>()).Should().BeEquivalentTo(
                (table.GlobalSecondaryIndexes ?? []).Select(i => i.IndexName), table.TableName);
            foreach (var index in table.GlobalSecondaryIndexes ?? [])
            {
                var match = indexes.Single(i => i!["IndexName"]!.GetValue<string>() == index.IndexName)!;
                Template.Pairs(match["KeySchema"], "AttributeName", "KeyType").Should().BeEquivalentTo(index.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));
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
        var deployed = Template.Resources(checks.Template, "AWS::Serverless::Function").ToDictionary(
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
            var logGroup = Template.Properties(checks.Template, function["LoggingConfig"]!["LogGroup"]!["Ref"]!.GetValue<string>());
            logGroup["RetentionInDays"]!["Ref"]!.GetValue<string>().Should().Be("LogRetentionDays");
        }
    }

    [Fact]
    public void Alarms_AtMostTheFreeTen_EachNotifyingTheTopic_AndEveryFunctionsFailuresAreTold()
    {
        var alarms = Template.Resources(checks.Template, "AWS::CloudWatch::Alarm").Select(a => a.Value["Properties"]!).ToList();

        alarms.Should().HaveCountLessThanOrEqualTo(10);
        alarms.Should().AllSatisfy(a => a["AlarmActions"]!.AsArray().Select(x => x!["Ref"]!.GetValue<string>()).Should().Equal("AlertsTopic"));
        var watched = alarms.Select(a => (a["MetricName"]!.GetValue<string>(), a["Dimensions"]![0]!["Value"]!.AsObject().First().Value!.ToJsonString())).ToList();
        foreach (var queue in new[] { "ImportDeadLetterQueue", "ProductChangesFailureQueue", "AlertCreatedFailureQueue" })
        {
            watched.Should().Contain(("ApproximateNumberOfMessagesVisible", $"""["{queue}","QueueName"]"""), $"{queue} not empty is an alarm");
        }

        watched.Should().Contain(("ApproximateAgeOfOldestMessage", """["ImportQueue","QueueName"]"""));
        alarms.Single(a => a["MetricName"]!.GetValue<string>() == "ApproximateAgeOfOldestMessage")["Threshold"]!.GetValue<int>().Should().Be(900);
        foreach (var (function, declared) in Template.Resources(checks.Template, "AWS::Serverless::Function"))
        {
            // Or, for a function invoked asynchronously (a schedule's), its failed events go to the topic.
            if (declared["Properties"]!["EventInvokeConfig"]?["DestinationConfig"]?["OnFailure"] is { } onFailure)
            {
                onFailure["Type"]!.GetValue<string>().Should().Be("SNS");
                onFailure["Destination"]!["Ref"]!.GetValue<string>().Should().Be("AlertsTopic", $"{function}'s failures are told on the topic");
            }
            else
            {
                watched.Should().Contain(("Errors", $"\"{function}\""), $"{function}'s errors are an alarm");
            }
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
}
