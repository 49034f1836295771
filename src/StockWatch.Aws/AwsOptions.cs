using Microsoft.Extensions.Options;
using StockWatch.Core;
using StockWatch.Core.Notifications;

namespace StockWatch.Aws;

/// <summary>
/// The <c>StockWatch:Aws</c> settings: the names of the AWS shape's resources. The defaults are the template's, so the
/// functions, <c>local-setup</c>, <c>local-run</c> and the CLI find the same tables with no settings. Region, endpoints
/// and credentials come from the standard AWS settings (<c>AWS_REGION</c>, <c>AWS_ENDPOINT_URL_DYNAMODB</c>…).
/// </summary>
public sealed class AwsOptions
{
    public const string Section = "StockWatch:Aws";

    /// <summary>Products (key <c>product_id</c>; stream NEW_AND_OLD_IMAGES, read by <c>ProductChanges</c>).</summary>
    public string ProductsTable { get; set; } = "Products";

    /// <summary>Sales (key <c>sale_id</c>; indexes by product and date, and by day).</summary>
    public string SalesTable { get; set; } = "Sales";

    /// <summary>Alerts (key <c>alert_id</c>; stream read by <c>AlertCreated</c>).</summary>
    public string AlertsTable { get; set; } = "Alerts";

    /// <summary>What the alert rules remember per product (key <c>product_id</c>; no stream).</summary>
    public string AlertStateTable { get; set; } = "AlertState";

    /// <summary>Weekly reports (key <c>report_id</c>; part 2 writes them).</summary>
    public string ReportsTable { get; set; } = "Reports";

    /// <summary>Imports done (key <c>import_id</c>; each with its source and summary).</summary>
    public string ImportsTable { get; set; } = "Imports";

    /// <summary>The bucket of uploads (<c>uploads/</c>), import results (<c>imports/</c>) and reports (<c>reports/</c>).</summary>
    public string Bucket { get; set; } = "stockwatch";

    /// <summary>
    /// The import queue (S3's notifications of <c>uploads/*.csv</c>): the <c>Import</c> function sends a large file's
    /// follow-up message there. None: an import never pauses.
    /// </summary>
    public string? ImportQueueUrl { get; set; }

    /// <summary>
    /// How long one <c>Import</c> invocation imports before it pauses at a checkpoint and continues in a follow-up
    /// message: the function's timeout less a margin for the last batch and the checkpoint (the template: 300 s, 240 s).
    /// </summary>
    public TimeSpan ImportBudget { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>
    /// How often a running <c>Import</c> keeps a checkpoint and renews its hold on the import (its lease, this and a
    /// minute): a delivery that dies loses at most this much work, and the next one goes on from that checkpoint once
    /// the lease has ended (docs/decisions/0015-aws-imports.md).
    /// </summary>
    public TimeSpan ImportCheckpointEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The SNS topic alerts are published to; none: alerts are stored but not published.</summary>
    public string? TopicArn { get; set; }

    /// <summary>
    /// The settings (configuration keys) that name every table <c>PREFIX-Name</c> and the bucket <c>PREFIX</c>: a stack of
    /// one's own on the emulators, where DynamoDB Local keeps one database for everyone (tests, benchmarks).
    /// </summary>
    public static Dictionary<string, string?> Prefixed(string prefix) => new()
    {
        [$"{Section}:{nameof(ProductsTable)}"] = $"{prefix}-Products",
        [$"{Section}:{nameof(SalesTable)}"] = $"{prefix}-Sales",
        [$"{Section}:{nameof(AlertsTable)}"] = $"{prefix}-Alerts",
        [$"{Section}:{nameof(AlertStateTable)}"] = $"{prefix}-AlertState",
        [$"{Section}:{nameof(ReportsTable)}"] = $"{prefix}-Reports",
        [$"{Section}:{nameof(ImportsTable)}"] = $"{prefix}-Imports",
        [$"{Section}:{nameof(Bucket)}"] = prefix,
    };

    /// <summary>The name of the table the template declares as <paramref name="logicalId"/> (<c>ProductsTable</c>…); null: none of ours.</summary>
    public string? TableNamed(string logicalId) => logicalId switch
    {
        nameof(ProductsTable) => ProductsTable,
        nameof(SalesTable) => SalesTable,
        nameof(AlertsTable) => AlertsTable,
        nameof(AlertStateTable) => AlertStateTable,
        nameof(ReportsTable) => ReportsTable,
        nameof(ImportsTable) => ImportsTable,
        _ => null,
    };

    /// <summary>Every table's name, as the configuration gives them.</summary>
    public IEnumerable<string> Tables => [ProductsTable, SalesTable, AlertsTable, AlertStateTable, ReportsTable, ImportsTable];
}

public sealed class AwsOptionsValidator : IValidateOptions<AwsOptions>
{
    public ValidateOptionsResult Validate(string? name, AwsOptions options)
    {
        List<string> failures = [];
        foreach (var (setting, table) in new[]
        {
            (nameof(AwsOptions.ProductsTable), options.ProductsTable), (nameof(AwsOptions.SalesTable), options.SalesTable),
            (nameof(AwsOptions.AlertsTable), options.AlertsTable), (nameof(AwsOptions.AlertStateTable), options.AlertStateTable),
            (nameof(AwsOptions.ReportsTable), options.ReportsTable), (nameof(AwsOptions.ImportsTable), options.ImportsTable),
        })
        {
            if (string.IsNullOrWhiteSpace(table) || table.Length is < 3 or > 255 || !table.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                failures.Add($"{AwsOptions.Section}:{setting} must be a DynamoDB table name: 3 to 255 letters, digits, '_', '-' or '.' (got \"{table}\").");
            }
        }

        if (string.IsNullOrEmpty(options.Bucket) || options.Bucket.Length is < 3 or > 63 || !options.Bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
        {
            failures.Add($"{AwsOptions.Section}:Bucket must be an S3 bucket name: 3 to 63 lowercase letters, digits, '-' or '.' (got \"{options.Bucket}\").");
        }

        failures.AddRange(Settings.NonPositiveDurations(AwsOptions.Section, "00:04:00", (nameof(AwsOptions.ImportBudget), options.ImportBudget)));
        failures.AddRange(Settings.NonPositiveDurations(AwsOptions.Section, "00:00:30", (nameof(AwsOptions.ImportCheckpointEvery), options.ImportCheckpointEvery)));

        if (options.ImportQueueUrl is { } queue && !(Uri.TryCreate(queue, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
        {
            failures.Add($"{AwsOptions.Section}:ImportQueueUrl must be an SQS queue URL: absolute http(s), such as https://sqs.us-east-1.amazonaws.com/123456789012/ImportQueue (got \"{queue}\").");
        }

        if (options.TopicArn is { } arn && !ChannelOptions.IsTopicArn(arn))
        {
            failures.Add($"{AwsOptions.Section}:TopicArn must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:stockwatch-alerts (got \"{arn}\").");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
