using System.Text.Json.Nodes;

namespace StockWatch.Deploy.Tests;

/// <summary>deploy/aws/template.yaml against the official SAM JSON schema, and a broken copy it refuses.</summary>
public sealed class SamSchemaTests(TemplateChecks checks)
{
    [Fact]
    public async Task Template_MatchesTheSamSchema()
    {
        (await checks.SchemaProblemsAsync(checks.Template)).Should().BeEmpty();
    }

    [Fact]
    public async Task SamSchema_MisspeltFunctionAndEventProperties_AreNamed()
    {
        var broken = checks.Copy();
        Template.Properties(broken, "ImportFunction")["Handlr"] = Template.Properties(broken, "ImportFunction")["Handler"]!.DeepClone();
        Template.Properties(broken, "ImportFunction").Remove("Handler");
        var stream = Template.Event(broken, "ProductChangesFunction", "ProductsStream");
        stream["BisectBatchOnFunctionErrors"] = true;

        var problems = await checks.SchemaProblemsAsync(broken);

        problems.Should().Contain(p => p.Contains("ImportFunction") && p.Contains("(Handlr)"));
        problems.Should().Contain(p => p.Contains("Events/ProductsStream") && p.Contains("(BisectBatchOnFunctionErrors)"));
    }
}
