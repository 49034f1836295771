using System.Text.Json.Nodes;

namespace StockWatch.Deploy.Tests;

/// <summary>The template's plain CloudFormation resources against the resource specification, and a broken copy.</summary>
public sealed class ResourceSpecificationTests(TemplateChecks checks)
{
    [Fact]
    public async Task PlainResources_MatchTheCloudFormationSpecification()
    {
        (await checks.SpecProblemsAsync(checks.Template)).Should().BeEmpty();
    }

    [Fact]
    public async Task CloudFormationSpecification_MisspeltPropertyWrongTypeAndUnknownType_AreNamed()
    {
        var broken = checks.Copy();
        Template.Properties(broken, "ImportQueue")["VisibilityTimeout"] = new JsonArray(1800);
        Template.Properties(broken, "ImportDeadLetterQueue")["MessageRetentionPeriods"] = 1209600;
        Template.Resource(broken, "AlertsTopic")["Type"] = "AWS::SNS::Topics";

        var problems = await checks.SpecProblemsAsync(broken);

        problems.Should().BeEquivalentTo(
            "ImportQueue.Properties.VisibilityTimeout: expected an integer, got [1800]",
            "ImportDeadLetterQueue.Properties.MessageRetentionPeriods: no such property",
            "AlertsTopic: AWS::SNS::Topics is not a CloudFormation resource type");
    }
}
