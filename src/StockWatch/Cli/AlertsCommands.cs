using System.CommandLine;
using Microsoft.Extensions.Options;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Alerts;
using StockWatch.Core.Catalog;
using StockWatch.Core.Notifications;

namespace StockWatch.Cli;

/// <summary><c>stockwatch alerts list</c> and <c>alerts show ID</c>.</summary>
internal static class AlertsCommands
{
    public static Command Create() => new("alerts", "Read stored alerts.") { List(), Show() };

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The alert's id (alert_id in alerts list)." };
        var command = new Command("show", "Show one alert and its delivery log: each channel's delivery, its attempts and how it ended.") { id };
        command.SetReadHandler((context, _) =>
        {
            var alert = Api.AlertsEndpoints.WithDeliveries(
                Values.ParseId(context.Get(id), "alert_id"), context.Service<IInventoryStore>(), context.Embedded<IDeliveryStore>(),
                context.Service<IOptions<SiteOptions>>().Value.Code);
            context.Write(alert, output =>
            {
                output.WriteLine($"Alert {alert.AlertId} {alert.AlertType} at {alert.AlertTime}: {alert.Summary}");
                if (alert.Deliveries is not { } deliveries)
                {
                    output.WriteLine("Deliveries: the AWS shape keeps no delivery log; alert-created's log (CloudWatch Logs) records each message it sends.");
                    return;
                }

                Tables.Write(output,
                    ["delivery_id", "channel", "status", "attempts", "last_attempt_at", "last_error"],
                    deliveries.Select(d => new[] { d.DeliveryId, d.Channel, d.Status, d.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture), d.LastAttemptAt ?? "-", d.LastError ?? "-" }));
            });
            return Task.FromResult(CliApp.Ok);
        });
        return command;
    }

    private static Command List()
    {
        var since = new Option<string?>("--since") { Description = "Only alerts at or after this UTC time (ISO-8601)." };
        var type = new Option<string?>("--type") { Description = $"Only alerts of this type: {string.Join(", ", AlertTypes.All)}." };
        var product = new Option<string?>("--product") { Description = "Only alerts about this product." };
        var limit = new Option<string?>("--limit") { Description = "At most this many of the newest alerts (default 100)." };
        var command = new Command("list", "List stored alerts, oldest first.") { since, type, product, limit };
        command.SetReadHandler((context, _) =>
        {
            var query = new AlertQuery(
                context.Parsed(since, text => Timestamp.Parse(text, "since")),
                context.Parsed(type, text => AlertTypes.Parse(text, "type")),
                context.Get(product) is { } id ? ProductId.Parse(id) : null,
                context.Parsed(limit, text => Values.ParseCount(text, "limit", min: 1)) ?? 100);
            var currency = context.Service<IOptions<SiteOptions>>().Value.Code;
            var alerts = context.Service<IInventoryStore>().ListAlerts(query).Select(a => AlertResponse.From(a, currency)).ToList();
            context.Write(alerts, output => Tables.Write(output,
                ["alert_id", "alert_time", "alert_type", "product_id", "summary"],
                alerts.Select(a => new[] { a.AlertId.ToString(System.Globalization.CultureInfo.InvariantCulture), a.AlertTime, a.AlertType, a.ProductId, a.Summary })));
            return Task.FromResult(CliApp.Ok);
        });
        return command;
    }
}
