using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core;
using StockWatch.Core.Reports;
using StockWatch.Lambda.Events;

namespace StockWatch.Lambda;

/// <summary>
/// The <c>WeeklyReport</c> function, on the EventBridge rule <c>cron(0 17 ? * THU *)</c>: the weekly report of the 7 days
/// before the event's <c>time</c>, made by the core's <see cref="WeeklyReports"/> on the tables (sales through the
/// <c>by_day</c> index): JSON, CSV and HTML under <c>reports/weekly/&lt;period end date&gt;/</c> in the bucket (SSE-S3), the
/// <c>Reports</c> item with an <c>s3://</c> location, and the announcement on the channels with a presigned HTTPS link.
/// One report per period whatever the retries: the id and the files follow from the period, the item is put if
/// absent, and a report found made is answered as it is (not announced again).
/// Answers <c>{"report_id", "report_location", "period_start", "period_end", "created"}</c>.
/// Handler: <c>StockWatch.Lambda::StockWatch.Lambda.WeeklyReport::Handler</c>.
/// </summary>
public sealed class WeeklyReport
{
    public const string Name = "weekly-report";

    private readonly WeeklyReports _reports;
    private readonly EmfMetrics _metrics;

    public WeeklyReport() : this(LambdaServices.FromEnvironment)
    {
    }

    internal WeeklyReport(IServiceProvider services)
    {
        _reports = services.GetRequiredService<WeeklyReports>();
        _metrics = services.GetRequiredService<EmfMetrics>();
    }

    /// <summary>Takes an EventBridge scheduled event.</summary>
    /// <exception cref="InvalidEventException">The event is not a scheduled event with a UTC time.</exception>
    public Task<Stream> Handler(Stream input) => _metrics.MeasureAsync(Name, async () =>
    {
        var (_, time) = ScheduledEvent.Read(input, Name);
        var made = await _reports.MakeAsync(time, CancellationToken.None);
        var output = new MemoryStream();
        JsonSerializer.Serialize(output, new WeeklyReportResponse(made.Report.ReportId, made.Report.ReportLocation.AbsoluteUri,
            Timestamp.Format(made.Report.PeriodStart), Timestamp.Format(made.Report.PeriodEnd), made.Created), ScheduledEventJson.Default.WeeklyReportResponse);
        output.Position = 0;
        return (Stream)output;
    });
}
