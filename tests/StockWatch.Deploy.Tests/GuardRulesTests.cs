using System.Text.Json.Nodes;

namespace StockWatch.Deploy.Tests;

/// <summary>The template against stockwatch.guard; each rule fails, alone, on a copy of the template broken for it.</summary>
public sealed class GuardRulesTests(TemplateChecks checks)
{
    /// <summary>Each rule of stockwatch.guard and an edit of the template that breaks it.</summary>
    private static readonly Dictionary<string, Action<JsonObject>> Breakers = new()
    {
        ["streams_carry_old_and_new_images"] = t => Template.Properties(t, "AlertsTable")["StreamSpecification"]!["StreamViewType"] = "NEW_IMAGE",
        ["products_table_has_a_stream"] = t => Template.Properties(t, "ProductsTable").Remove("StreamSpecification"),
        ["partial_batch_responses"] = t => Template.Event(t, "ImportFunction", "Uploads").Remove("FunctionResponseTypes"),
        ["functions_have_least_privilege_roles"] = t => Template.Properties(t, "WeeklyReportFunction").Remove("Role"),
        ["no_wildcards_in_function_policies"] = t => Template.Statements(t, "ImportRole")[0]!["Action"] = "sqs:*",
        ["buckets_refuse_plain_http"] = t => Template.Properties(t, "DataBucketPolicy")["PolicyDocument"]!["Statement"]![0]!["Condition"]!["Bool"]!["aws:SecureTransport"] = "true",
        ["buckets_block_public_access_and_encrypt"] = t => Template.Properties(t, "DataBucket")["PublicAccessBlockConfiguration"]!["RestrictPublicBuckets"] = false,
        ["capacity_within_the_free_tier"] = t => t["Parameters"]!["WriteCapacityPerTable"]!["Default"] = 4,
        ["weekly_report_on_thursday_at_five"] = t => Template.Event(t, "WeeklyReportFunction", "Thursday")["Schedule"] = "cron(0 17 ? * FRI *)",
    };

    public static TheoryData<string> GuardRules => [.. Breakers.Keys];

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
        var broken = checks.Copy();
        Breakers[rule](broken);

        var result = await checks.GuardAsync(broken);

        result.Rules.Where(r => r.Value == "FAIL").Select(r => r.Key).Should().Equal([rule], result.Report);
    }
}
