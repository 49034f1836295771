using StockWatch.Core.Alerts;

namespace StockWatch.Core.Notifications;

/// <summary>A way to tell people about alerts: the log, a webhook, e-mail, SNS.</summary>
public interface IAlertChannel
{
    string Name { get; }

    /// <summary>Tells of each alert on its own.</summary>
    Task DeliverAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken);

    /// <summary>Tells of many alerts in one message: those one import caused.</summary>
    Task AnnounceAsync(AlertDigest digest, CancellationToken cancellationToken);
}

/// <summary>The alerts one import caused, announced together (each is still stored on its own).</summary>
public sealed record AlertDigest(string ImportId, IReadOnlyList<Alert> Alerts)
{
    /// <summary>One line for people: <c>Import imp-… raised 3 alerts: 2 LOW_STOCK, 1 OUT_OF_STOCK</c>.</summary>
    public string Describe() =>
        $"Import {ImportId} raised {Alerts.Count} alert{(Alerts.Count == 1 ? string.Empty : "s")}: "
        + string.Join(", ", Alerts.GroupBy(a => a.Type).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToWire()}"));
}
