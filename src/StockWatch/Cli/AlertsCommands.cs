using System.CommandLine;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;

namespace StockWatch.Cli;

/// <summary><c>stockwatch alerts list</c>.</summary>
internal static class AlertsCommands
{
    public static Command Create() => new("alerts", "Read stored alerts.") { List() };

    private static Command List()
    {
        var since = new Option<string?>("--since") { Description = "Only alerts at or after this UTC time (ISO-8601)." };
        var type = new Option<string?>("--type") { Description = $"Only alerts of this type: {string.Join(", ", AlertTypes.All)}." };
        var product = new Option<string?>("--product") { Description = "Only alerts about this product." };
        var limit = new Option<string?>("--limit") { Description = "At most this many of the newest alerts (default 100)." };
        var command = new Command("list", "List stored alerts, oldest first.") { since, type, product, limit };
        command.SetHandler((context, _) =>
        {
            var query = new AlertQuery(
                context.Parsed(since, text => Timestamp.Parse(text, "since")),
                context.Parsed(type, text => AlertTypes.Parse(text, "type")),
                context.Get(product) is { } id ? ProductId.Parse(id) : null,
                context.Parsed(limit, text => Values.ParseCount(text, "limit", min: 1)) ?? 100);
            var alerts = context.Service<IInventoryStore>().ListAlerts(query).Select(AlertResponse.From).ToList();
            context.Write(alerts, output => Tables.Write(output,
                ["alert_id", "alert_time", "alert_type", "product_id", "summary"],
                alerts.Select(a => new[] { a.AlertId.ToString(System.Globalization.CultureInfo.InvariantCulture), a.AlertTime, a.AlertType, a.ProductId, a.Summary })));
            return Task.FromResult(CliApp.Ok);
        });
        return command;
    }
}
