using System.Globalization;
using System.Text;
using Cronos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StockWatch.Core.Alerts;
using StockWatch.Core.Notifications;
using StockWatch.Core.Storage;

namespace StockWatch.Core.Reports;

// The change-stream feature's namespace (StockWatch.Core.Stream) would hide System.IO.Stream here.
using Stream = System.IO.Stream;

/// <summary>The <c>StockWatch:Reports</c> settings.</summary>
public sealed class ReportOptions
{
    public const string Section = "StockWatch:Reports";

    /// <summary>When the weekly report is made: a cron expression (5 fields), in UTC.</summary>
    public string Schedule { get; set; } = "0 17 * * THU";

    /// <summary>How many products the top lists, slow movers and stock lists show.</summary>
    public int TopN { get; set; } = 10;
}

public sealed class ReportOptionsValidator : IValidateOptions<ReportOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportOptions options)
    {
        List<string> failures = [];
        try
        {
            ReportSchedule.Parse(options.Schedule);
        }
        catch (StockWatchException ex)
        {
            failures.Add(ex.Message);
        }

        if (options.TopN is < 1 or > 1000)
        {
            failures.Add($"{ReportOptions.Section}:TopN must be from 1 to 1000 (got {options.TopN}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>When weekly reports are due: the occurrences of a cron expression in UTC.</summary>
public sealed class ReportSchedule
{
    private readonly CronExpression _cron;

    private ReportSchedule(CronExpression cron) => _cron = cron;

    public static ReportSchedule Parse(string? text)
    {
        try
        {
            return new ReportSchedule(CronExpression.Parse(text ?? string.Empty, CronFormat.Standard));
        }
        catch (CronFormatException ex)
        {
            throw StockWatchException.Invalid("schedule",
                $"{ReportOptions.Section}:Schedule must be a cron expression of 5 fields such as \"0 17 * * THU\" (got {Text.Quote(text)}: {ex.Message.TrimEnd('.')}).");
        }
    }

    /// <summary>The next scheduled time after <paramref name="now"/>.</summary>
    public DateTimeOffset? Next(DateTimeOffset now) => _cron.GetNextOccurrence(now, TimeZoneInfo.Utc);

    /// <summary>The scheduled time in ISO week <c>2026-W47</c> (the first, if the schedule has several).</summary>
    public DateTimeOffset InWeek(string isoWeek)
    {
        var match = System.Text.RegularExpressions.Regex.Match(isoWeek.Trim(), @"^(\d{4})-W(\d{2})$");
        var year = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var week = match.Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        if (year is < 1900 or > 9998 || week < 1 || week > ISOWeek.GetWeeksInYear(year))
        {
            throw StockWatchException.Invalid("week", $"week must be an ISO week such as 2026-W47, of a year from 1900 to 9998 (got {Text.Quote(isoWeek)}).");
        }

        var monday = new DateTimeOffset(ISOWeek.ToDateTime(year, week, DayOfWeek.Monday), TimeSpan.Zero);
        return Next(monday.AddTicks(-1)) is { } due && due < monday.AddDays(7)
            ? due
            : throw StockWatchException.Invalid("week", $"The report schedule has no time in week {isoWeek}.");
    }

    /// <summary>The latest scheduled time at or before <paramref name="now"/> (within the last 400 days).</summary>
    public DateTimeOffset? Latest(DateTimeOffset now)
    {
        for (var lookBack = TimeSpan.FromDays(1); lookBack <= TimeSpan.FromDays(400); lookBack *= 2)
        {
            DateTimeOffset? latest = null;
            foreach (var occurrence in _cron.GetOccurrences(now - lookBack, now, TimeZoneInfo.Utc, fromInclusive: true, toInclusive: true))
            {
                latest = occurrence;
            }

            if (latest is not null)
            {
                return latest;
            }
        }

        return null;
    }
}

/// <summary>A report made (or a new version of it), or found made already for the same period.</summary>
public sealed record ReportMade(Report Report, WeeklyReport Content, bool Created);

/// <summary>The Reports ledger port: one entry per type and period end, at its latest version.</summary>
public interface IReportLedger
{
    /// <summary>Records the report unless one of its type and period end exists; false then.</summary>
    Task<bool> TryAddAsync(Report report);

    /// <summary>
    /// Records <paramref name="report"/> (<see cref="Report.Version"/> 2 or more) in place of its period's entry, if
    /// that entry is still at the version before; false when another rebuild got there first.
    /// </summary>
    Task<bool> TryReplaceAsync(Report report);

    Report? Find(string reportId);

    Report? FindByPeriod(string reportType, DateTimeOffset periodEnd);

    /// <summary>Newest period first.</summary>
    IReadOnlyList<Report> List(int limit);
}

/// <summary>
/// Makes weekly reports: the figures, saved as JSON, CSV and HTML under <c>reports/weekly/&lt;period end date&gt;/</c>,
/// announced and recorded. One report per period: the id, the files and the announcement's deliveries follow from the
/// period, so two makers racing (two processes, a restart mid-run) leave one report, announced once. A period is
/// made only once it has ended (a preview computes any period without storing it); a rebuild after late sales stores
/// a new version of the same period and announces it as an update (docs/decisions/0016-report-periods-and-links.md).
/// </summary>
public sealed partial class WeeklyReports(
    IReportSource source,
    IReportLedger ledger,
    IObjectStore objects,
    IAnnouncements announcements,
    IOptions<ReportOptions> reportOptions,
    IOptions<AlertOptions> alertOptions,
    IOptions<SiteOptions> siteOptions,
    TimeProvider time,
    ILogger<WeeklyReports> logger)
{
    public const string Type = "weekly";
    public static readonly TimeSpan Length = TimeSpan.FromDays(7);

    /// <summary>The earliest and latest period ends a report can have: its weeks, and the week before, are real dates.</summary>
    public static readonly DateTimeOffset FirstPeriodEnd = new(1900, 1, 15, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset LastPeriodEnd = new(9998, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public static string IdFor(DateTimeOffset periodEnd) => $"weekly-{periodEnd.UtcDateTime:yyyyMMdd'T'HHmm'Z'}";

    /// <summary>Where a version's file is kept: <c>weekly-…Z.html</c> for the first, <c>weekly-…Z-v2.html</c> for a rebuild.</summary>
    public static ObjectKey KeyFor(DateTimeOffset periodEnd, string format, int version = 1) =>
        ObjectKey.Parse($"reports/weekly/{periodEnd.UtcDateTime:yyyy-MM-dd}/{IdFor(periodEnd)}{(version == 1 ? string.Empty : $"-v{version}")}.{format}");

    public ReportSchedule Schedule { get; } = ReportSchedule.Parse(reportOptions.Value.Schedule);

    /// <summary>
    /// The period end a request names: <paramref name="end"/> (ISO-8601), the scheduled time of ISO week
    /// <paramref name="week"/>, or by default the latest scheduled time (what the scheduler makes).
    /// </summary>
    /// <param name="optionPrefix">How the caller spells its options in messages: <c>--</c> on the command line.</param>
    /// <exception cref="StockWatchException">Invalid: both given, unreadable, or outside <see cref="FirstPeriodEnd"/>–<see cref="LastPeriodEnd"/>.</exception>
    public DateTimeOffset PeriodEnd(string? end, string? week, string optionPrefix = "")
    {
        var periodEnd = (end, week) switch
        {
            ({ }, { }) => throw StockWatchException.Invalid("week", $"Give {optionPrefix}end or {optionPrefix}week, not both."),
            ({ } text, null) => Timestamp.Parse(text, "end"),
            (null, { } text) => Schedule.InWeek(text),
            _ => Schedule.Latest(time.GetUtcNow()) ?? throw StockWatchException.Invalid("end", $"The schedule has had no time yet; give {optionPrefix}end."),
        };
        return periodEnd >= FirstPeriodEnd && periodEnd <= LastPeriodEnd
            ? periodEnd
            : throw StockWatchException.Invalid(week is null ? "end" : "week",
                $"A report period must end from {Timestamp.Format(FirstPeriodEnd)} to {Timestamp.Format(LastPeriodEnd)} (got {Timestamp.Format(periodEnd)}).");
    }

    /// <summary>Makes the report of the latest scheduled time, unless it is made already (the scheduler's catch-up).</summary>
    public async Task<ReportMade?> MakeDueAsync(CancellationToken cancellationToken) =>
        Schedule.Latest(time.GetUtcNow()) is { } due ? await MakeAsync(due, cancellationToken) : null;

    /// <summary>The report of the 7 days before <paramref name="periodEnd"/>: made now, or as made before.</summary>
    /// <param name="preview">How the caller spells a preview, for the refusal's message (<c>--preview</c> on the command line).</param>
    /// <exception cref="StockWatchException">Conflict (<c>end</c>): the period has not ended, and no report of it exists.</exception>
    public async Task<ReportMade> MakeAsync(DateTimeOffset periodEnd, CancellationToken cancellationToken, string preview = "preview=true")
    {
        periodEnd = Seconds(periodEnd);
        if (ledger.FindByPeriod(Type, periodEnd) is { } existing)
        {
            return new ReportMade(existing, Read(existing), Created: false);
        }

        Ended(periodEnd, preview);
        var content = Build(periodEnd);
        var report = await SaveAsync(content, cancellationToken);

        // Announced before it is recorded, so a crash in between cannot leave a report nobody hears of; the
        // announcement's key is the report's id, so a second maker's announcement plans nothing more.
        await AnnounceAsync(report, content);
        if (!await ledger.TryAddAsync(report))
        {
            // Another maker recorded it first, with the same id and files.
            var recorded = ledger.FindByPeriod(Type, periodEnd)!;
            return new ReportMade(recorded, Read(recorded), Created: false);
        }

        LogMade(report.ReportId, report.Version, report.ReportLocation);
        return new ReportMade(report, content, Created: true);
    }

    /// <summary>
    /// Makes the period's report again from the sales stored now (late sales, a corrected import): a new version of the
    /// same report, its files beside the earlier versions', recorded in their place and announced as an update. A
    /// period without a report is made as <see cref="MakeAsync"/> makes it.
    /// </summary>
    /// <exception cref="StockWatchException">Conflict (<c>end</c>): the period has not ended, or another rebuild recorded this version first.</exception>
    public async Task<ReportMade> RebuildAsync(DateTimeOffset periodEnd, CancellationToken cancellationToken, string preview = "preview=true")
    {
        periodEnd = Seconds(periodEnd);
        Ended(periodEnd, preview);
        if (ledger.FindByPeriod(Type, periodEnd) is not { } stored)
        {
            return await MakeAsync(periodEnd, cancellationToken, preview);
        }

        var content = Build(periodEnd) with { Version = stored.Version + 1 };
        var report = await SaveAsync(content, cancellationToken);
        await AnnounceAsync(report, content);
        if (!await ledger.TryReplaceAsync(report))
        {
            throw StockWatchException.Conflict(
                $"Report {report.ReportId} was rebuilt by another request at the same time (now version {ledger.FindByPeriod(Type, periodEnd)?.Version}); nothing more was recorded.", "end");
        }

        LogMade(report.ReportId, report.Version, report.ReportLocation);
        return new ReportMade(report, content, Created: true);
    }

    /// <summary>The period's figures as they stand now, ended or not, stored nowhere and announced to no one.</summary>
    public WeeklyReport Preview(DateTimeOffset periodEnd) => Build(Seconds(periodEnd));

    /// <summary>The saved content of a report in one of its formats (json, csv, html), or <c>null</c> when missing.</summary>
    public Stream? Open(Report report, string format) => objects.Open(KeyFor(report.PeriodEnd, format, report.Version));

    /// <summary>
    /// The report's figures. The week's sales per product (the one sort the report needs) are read while the week's
    /// days and the previous week's totals are read beside them on another connection; the catalogue is read once,
    /// for the inventory value and the slow movers together.
    /// </summary>
    public WeeklyReport Build(DateTimeOffset periodEnd)
    {
        var options = reportOptions.Value;
        var alerts = alertOptions.Value;
        var start = periodEnd - Length;
        var beside = Task.Run(() => (Previous: source.Totals(start - Length, start), Days: source.SalesByDay(start, periodEnd)));
        var sales = source.SalesByProduct(start, periodEnd);
        var (inventoryValue, slow, slowCount) = source.Catalog(sales.Select(s => s.ProductId).ToHashSet(StringComparer.Ordinal), options.TopN);
        // Every product at or below its reorder point (the JSON and CSV list them all), those that sell fastest first.
        var concerns = source.AtOrBelowThreshold(alerts.DefaultLowStockThreshold, periodEnd - TimeSpan.FromDays(alerts.ForecastWindowDays), periodEnd, int.MaxValue)
            .Select(row => Concern(row, alerts))
            .OrderByDescending(c => c.DailyRate).ThenBy(c => c.Stock).ThenBy(c => c.ProductId, StringComparer.Ordinal)
            .ToList();
        var products = sales.Select(s => new ProductSales(s.ProductId, s.ProductName, s.ProductCategory, s.Units, s.Revenue)).ToList();
        var totals = new ReportTotals(sales.Sum(s => s.Units), sales.Sum(s => s.Revenue), sales.Sum(s => s.Lines), sales.Count);
        var (previous, days) = beside.GetAwaiter().GetResult();
        return new WeeklyReport
        {
            ReportId = IdFor(periodEnd),
            Currency = siteOptions.Value.Code,
            Period = new ReportPeriod(start, periodEnd),
            GeneratedAt = time.GetUtcNow(),
            Totals = totals,
            PreviousTotals = previous,
            Change = new ReportChange(
                Percent(totals.Units, previous.Units), Percent(totals.Revenue, previous.Revenue),
                Percent(totals.Sales, previous.Sales), Percent(totals.ProductsSold, previous.ProductsSold)),
            TopByRevenue = [.. products.OrderByDescending(p => p.Revenue).ThenBy(p => p.ProductId, StringComparer.Ordinal).Take(options.TopN)],
            TopByUnits = [.. products.OrderByDescending(p => p.Units).ThenBy(p => p.ProductId, StringComparer.Ordinal).Take(options.TopN)],
            Categories = [.. products.GroupBy(p => p.ProductCategory)
                .Select(g => new CategorySales(g.Key, g.Sum(p => p.Units), g.Sum(p => p.Revenue), g.Count()))
                .OrderByDescending(c => c.Revenue).ThenBy(c => c.Category, StringComparer.Ordinal)],
            Days = Days(start, periodEnd, days),
            SlowMovers = slow,
            SlowMoverCount = slowCount,
            LowStock = [.. concerns.Where(c => c.Stock > 0)],
            OutOfStock = [.. concerns.Where(c => c.Stock == 0)],
            AlertsByType = source.AlertsByType(start, periodEnd),
            InventoryValue = inventoryValue,
        };
    }

    /// <summary>A product low or out of stock, with its <see cref="StockCover"/>.</summary>
    public static StockConcern Concern(StockRow row, AlertOptions options)
    {
        var cover = StockCover.Of(row.Stock, row.Threshold, row.UnitsInWindow, options);
        return new StockConcern(row.ProductId.Value, row.ProductName, row.ProductCategory, row.Stock, row.Threshold, cover.DailyRate, cover.DaysOfCover,
            cover.ReorderQuantity);
    }

    /// <summary>Every day of the period, those without sales too.</summary>
    private static List<DaySales> Days(DateTimeOffset start, DateTimeOffset end, IReadOnlyList<DaySales> sold)
    {
        var byDate = sold.ToDictionary(d => d.Date);
        List<DaySales> days = [];
        for (var day = DateOnly.FromDateTime(start.UtcDateTime); day.ToDateTime(TimeOnly.MinValue) < end.UtcDateTime; day = day.AddDays(1))
        {
            days.Add(byDate.GetValueOrDefault(day) ?? new DaySales(day, 0, 0));
        }

        return days;
    }

    private static decimal? Percent(decimal now, decimal before) => before == 0 ? null : Math.Round((now - before) / Math.Abs(before) * 100, 1);

    private WeeklyReport Read(Report report)
    {
        using var json = Open(report, "json")
            ?? throw StockWatchException.NotFound($"The content of report {report.ReportId} is missing from the object store.");
        return ReportFormats.ReadJson(json);
    }

    private static DateTimeOffset Seconds(DateTimeOffset time) => new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>Refuses a period that has not ended: its figures would be stored, and later returned, half-made.</summary>
    private void Ended(DateTimeOffset periodEnd, string preview)
    {
        if (periodEnd > time.GetUtcNow())
        {
            throw StockWatchException.Conflict(
                $"The week ending {ReportFormats.Ending(periodEnd)} has not ended yet: its report can be made from {Timestamp.Format(periodEnd)}. "
                + $"Use {preview} to see its figures so far without storing them.", "end");
        }
    }

    /// <summary>Saves the JSON, CSV and HTML of <paramref name="content"/>'s version; the ledger entry it makes points at the HTML.</summary>
    private async Task<Report> SaveAsync(WeeklyReport content, CancellationToken cancellationToken)
    {
        var (end, version) = (content.Period.End, content.Version);
        await Put(KeyFor(end, "json", version), ReportFormats.Json(content), cancellationToken);
        await Put(KeyFor(end, "csv", version), ReportFormats.Csv(content), cancellationToken);
        await Put(KeyFor(end, "html", version), ReportFormats.Html(content), cancellationToken);
        return new Report(content.ReportId, content.GeneratedAt, Type, objects.LocationOf(KeyFor(end, "html", version)), content.Period.Start, end) { Version = version };
    }

    private Task Put(ObjectKey key, string text, CancellationToken cancellationToken) =>
        objects.PutAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(text)), cancellationToken);

    /// <summary>
    /// Tells of the report with its true counts. The link is the dashboard's page for the report with
    /// <c>StockWatch:PublicUrl</c>; without it, a file on this server is named by its path (a <c>file:</c> link opens
    /// nowhere else) and an object in a bucket by its location (the AWS shape's channels send a presigned link).
    /// </summary>
    private async Task AnnounceAsync(Report report, WeeklyReport content)
    {
        var site = siteOptions.Value;
        var what = report.Version == 1 ? "Weekly report" : $"Updated weekly report (version {report.Version})";
        var (link, where) = (site.Report(report.ReportId), report.ReportLocation) switch
        {
            ({ } page, _) => (page, page.AbsoluteUri),
            (null, { IsFile: true } file) => (null, $"Saved on the server at {file.LocalPath}"),
            (null, var location) => (location, location.AbsoluteUri),
        };
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{what}, week ending {ReportFormats.Ending(content.Period.End)}: {content.Totals.Units:N0} units, revenue {site.Amount(content.Totals.Revenue)}"
            + $", {content.LowStock.Count:N0} low and {content.OutOfStock.Count:N0} out of stock. {where}");
        await announcements.AnnounceAsync(Announcement.ForReport(report.ReportId, report.Version, summary, link));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Weekly report {ReportId} version {Version} made: {Location}")]
    private partial void LogMade(string reportId, int version, Uri location);
}
