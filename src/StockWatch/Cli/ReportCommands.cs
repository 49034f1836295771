using System.CommandLine;
using System.Globalization;
using StockWatch.Contracts;
using StockWatch.Core;
using StockWatch.Core.Reports;

namespace StockWatch.Cli;

/// <summary><c>stockwatch report weekly</c>.</summary>
internal static class ReportCommands
{
    public static Command Create() => new("report", "Make reports.") { Weekly() };

    private static Command Weekly()
    {
        var end = new Option<string?>("--end") { Description = "The period ends at this UTC time (ISO-8601); it covers the 7 days before." };
        var week = new Option<string?>("--week")
        {
            Description = "The report whose period ends at the scheduled time in this ISO week, such as 2011-W45: with the default "
                + "schedule (Thursday 17:00 UTC) that is Thursday 3 November 17:00 to Thursday 10 November 17:00, mostly ISO week 44.",
        };
        var preview = new Option<bool>("--preview")
        {
            Description = "Compute the report of any period, ended or not, and print it without storing or announcing it (--json: the whole report).",
        };
        var rebuild = new Option<bool>("--rebuild")
        {
            Description = "Make the report of an ended period again from the sales stored now (after late sales): a new version of it, announced as an update.",
        };
        var command = new Command("weekly",
            "Make the weekly report (by default of the latest scheduled time, as the scheduler would) and print where it is saved. "
            + "A period is made only once it has ended; a report made before for the same period is shown as it is (--rebuild makes a new version).")
        {
            end, week, preview, rebuild,
        };
        command.SetReadHandler(async (context, cancellationToken) =>
        {
            var reports = context.Service<WeeklyReports>();
            var periodEnd = reports.PeriodEnd(context.Get(end), context.Get(week), optionPrefix: "--");
            if (context.Get(preview))
            {
                if (context.Get(rebuild))
                {
                    throw StockWatchException.Invalid("preview", "Give --preview or --rebuild, not both.");
                }

                var content = reports.Preview(periodEnd);
                if (context.Json)
                {
                    context.Out.WriteLine(ReportFormats.Json(content));
                }
                else
                {
                    context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"Preview of the weekly report for the week ending {ReportFormats.Ending(content.Period.End)} (not saved): {Figures(content)}"));
                }

                return CliApp.Ok;
            }

            var made = context.Get(rebuild)
                ? await reports.RebuildAsync(periodEnd, cancellationToken, preview: "--preview")
                : await reports.MakeAsync(periodEnd, cancellationToken, preview: "--preview");
            context.Write(ReportResponse.From(made), output =>
            {
                var what = (made.Created, made.Report.Version) switch
                {
                    (false, _) => "Found",
                    (true, 1) => "Made",
                    (true, var version) => $"Rebuilt (version {version})",
                };
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{what} the weekly report {made.Report.ReportId} for {made.Report.PeriodStart:yyyy-MM-dd HH:mm} – {made.Report.PeriodEnd:yyyy-MM-dd HH:mm} UTC: {Figures(made.Content)}"));
                output.WriteLine($"Saved: {made.Report.ReportLocation}");
            });
            return CliApp.Ok;
        });
        return command;
    }

    private static string Figures(WeeklyReport report) => string.Create(CultureInfo.InvariantCulture,
        $"{report.Totals.Units:N0} units, revenue {report.Totals.Revenue:N2}, {report.Totals.Sales:N0} sale lines, {report.Totals.ProductsSold:N0} products; "
        + $"{report.LowStock.Count:N0} low and {report.OutOfStock.Count:N0} out of stock.");
}
