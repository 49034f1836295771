using StockWatch.Core.Alerts;

namespace StockWatch.Core.Notifications;

/// <summary>A way to tell people about alerts: the log, a webhook, e-mail.</summary>
public interface IAlertChannel
{
    /// <summary>The channel's name in <c>StockWatch:Channels</c>; deliveries name their channel by it.</summary>
    string Name { get; }

    /// <summary>What the channel wants to hear of.</summary>
    ChannelFilter Filter { get; }

    /// <summary>Sends one message; throws when the channel did not take it (the delivery is retried).</summary>
    /// <param name="deliveryId">The delivery's id, the same on every attempt: receivers use it to drop repeats.</param>
    Task SendAsync(string deliveryId, Announcement message, CancellationToken cancellationToken);
}

/// <summary>The channels of this process, by name; disposing the set disposes the channels that hold resources.</summary>
public sealed class ChannelSet(IEnumerable<IAlertChannel> channels) : IDisposable
{
    private readonly Dictionary<string, IAlertChannel> _byName = channels.ToDictionary(c => c.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<IAlertChannel> All => _byName.Values;

    public void Dispose()
    {
        foreach (var channel in _byName.Values.OfType<IDisposable>())
        {
            channel.Dispose();
        }
    }
}

/// <summary>
/// A channel's <c>AlertTypes</c> and <c>Categories</c> (empty: all). An alert passes when its type and its product's
/// category are listed; an announcement that is not about one alert passes on its topic (<c>WEEKLY_REPORT</c>,
/// <c>QUEUE_STUCK</c>, <c>DELIVERY_FAILING</c>), whatever the categories.
/// </summary>
public sealed class ChannelFilter(IEnumerable<string> types, IEnumerable<string> categories)
{
    public static readonly ChannelFilter All = new([], []);

    private readonly HashSet<string> _types = new(types, StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _categories = new(categories, StringComparer.OrdinalIgnoreCase);

    public bool Accepts(Alert alert) =>
        Accepts(alert.Type.ToWire()) && (_categories.Count == 0 || (alert.Category is { } category && _categories.Contains(category)));

    public bool Accepts(string topic) => _types.Count == 0 || _types.Contains(topic);
}

/// <summary>
/// One message for the channels: an alert, the alerts of one import as a digest, a weekly report made, an operational
/// alarm. <see cref="Alerts"/> are the stored alerts it tells of.
/// </summary>
public sealed record Announcement(string Kind, string Subject, string Text, Uri? Link, IReadOnlyList<Alert> Alerts)
{
    public const string SingleAlert = "alert";
    public const string ImportDigest = "import_digest";
    public const string ReminderDigest = "reminder_digest";
    public const string WeeklyReport = "weekly_report";
    public const string OperationalAlert = "operational_alert";

    /// <summary>The topic of a weekly report's announcement, as channels name it in <c>AlertTypes</c>.</summary>
    public const string WeeklyReportTopic = "WEEKLY_REPORT";

    /// <summary>The topic channels filter on when the message is not about stored alerts (<c>WEEKLY_REPORT</c>, an alarm's type).</summary>
    public string? Topic { get; init; }

    /// <summary>The same key records the announcement once however often it is announced (a report's id); none: each time.</summary>
    public string? Key { get; init; }

    /// <summary>How many alerts a digest's text lists one by one; the rest are counted.</summary>
    public const int DigestLines = 25;

    /// <summary>One alert: the subject names its type and product; the link is the alert's page on the dashboard (with <c>StockWatch:PublicUrl</c>).</summary>
    public static Announcement ForAlert(Alert alert, SiteOptions? site = null) =>
        new(SingleAlert, $"{alert.Type.ToWire()}: {alert.ProductId}", alert.Describe(site?.Code), site?.Alert(alert.Id), [alert]);

    /// <summary>
    /// The alerts one import caused: <c>Import imp-… raised 3 alerts: 2 LOW_STOCK, 1 OUT_OF_STOCK</c>, then one line per
    /// alert (the first <see cref="DigestLines"/>), each with its page's link.
    /// </summary>
    public static Announcement ForImport(string importId, IReadOnlyList<Alert> alerts, SiteOptions? site = null) =>
        Digest(ImportDigest, $"Import {importId} raised {alerts.Count} alert{(alerts.Count == 1 ? string.Empty : "s")}", alerts, site);

    /// <summary>The LOW_STOCK reminders of one sweep, for one channel: products that have stayed low since their last alert.</summary>
    public static Announcement ForReminders(IReadOnlyList<Alert> reminders, SiteOptions? site = null) =>
        Digest(ReminderDigest, $"{reminders.Count} product{(reminders.Count == 1 ? " is" : "s are")} still low", reminders, site);

    private static Announcement Digest(string kind, string subject, IReadOnlyList<Alert> alerts, SiteOptions? site)
    {
        var counts = string.Join(", ", alerts.GroupBy(a => a.Type).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToWire()}"));
        var lines = alerts.Take(DigestLines).Select(a => $"- {a.Describe(site?.Code)}{(site?.Alert(a.Id) is { } link ? $" {link.AbsoluteUri}" : string.Empty)}");
        var more = alerts.Count > DigestLines ? [$"… and {alerts.Count - DigestLines} more."] : Array.Empty<string>();
        return new Announcement(kind, subject, string.Join('\n', [$"{subject}: {counts}", .. lines, .. more]), site?.Dashboard("alerts"), alerts);
    }

    /// <summary>The topic of an import's digest (<c>IMPORT</c>), as channels name it in <c>AlertTypes</c>.</summary>
    public const string ImportTopic = "IMPORT";

    /// <summary>An import done (the AWS shape's digest: its alerts follow on their own, from the stream), linking its result.</summary>
    public static Announcement ForImportDone(string importId, string text, Uri result) =>
        new(ImportDigest, $"Import {importId} done", text, result, []) { Topic = ImportTopic, Key = $"import-{importId}" };

    /// <summary>A report made (version 1) or rebuilt (an update: its own subject and key, so it is told again).</summary>
    public static Announcement ForReport(string reportId, int version, string text, Uri? link) => version == 1
        ? new(WeeklyReport, $"Weekly report {reportId}", text, link, []) { Topic = WeeklyReportTopic, Key = $"report-{reportId}" }
        : new(WeeklyReport, $"Weekly report {reportId} updated (version {version})", text, link, []) { Topic = WeeklyReportTopic, Key = $"report-{reportId}-v{version}" };

    public static Announcement ForAlarm(string alarmType, string subject, string text) =>
        new(OperationalAlert, subject, text, null, []) { Topic = alarmType };
}
