using System.CommandLine;
using System.Globalization;
using StockWatch.Contracts;
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
        var command = new Command("weekly",
            "Make the weekly report (by default of the latest scheduled time, as the scheduler would) and print where it is saved. "
            + "A report made before for the same period is shown as it is.") { end, week };
        command.SetReadHandler(async (context, cancellationToken) =>
        {
            var reports = context.Service<WeeklyReports>();
            var made = await reports.MakeAsync(reports.PeriodEnd(context.Get(end), context.Get(week), optionPrefix: "--"), cancellationToken);
            var response = ReportResponse.From(made);
            context.Write(response, output =>
            {
                var t = made.Content.Totals;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(made.Created ? "Made" : "Found")} the weekly report {made.Report.ReportId} for {made.Report.PeriodStart:yyyy-MM-dd HH:mm} – {made.Report.PeriodEnd:yyyy-MM-dd HH:mm} UTC: "
                    + $"{t.Units:N0} units, revenue {t.Revenue:N2}, {t.Sales:N0} sale lines, {t.ProductsSold:N0} products."));
                output.WriteLine($"Saved: {made.Report.ReportLocation}");
            });
            return CliApp.Ok;
        });
        return command;
    }
}
