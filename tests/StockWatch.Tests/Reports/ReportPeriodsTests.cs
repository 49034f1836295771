using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Notifications;
using StockWatch.Testing;

namespace StockWatch.Tests.Reports;

/// <summary>A period is made once it has ended; a preview makes nothing; a rebuild is a new version, announced as an update.</summary>
public sealed class ReportPeriodsTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    public void Dispose() => _data.Dispose();

    private async Task Run(params string[] args)
    {
        var result = await Cli.Cli.RunAsync(_data.Path, args);
        result.ExitCode.Should().Be(0, result.Error);
    }

    private long StoredReports => TestStore.ScalarIn(Path.Combine(_data.Path, "stockwatch.db"), "SELECT COUNT(*) FROM reports");

    [Theory]
    [InlineData("--week", "2030-W01", "The week ending Thu 3 Jan 2030, 17:00 UTC has not ended yet: its report can be made from 2030-01-03T17:00:00Z.")]
    [InlineData("--end", "2030-01-01", "The week ending Tue 1 Jan 2030, 00:00 UTC has not ended yet: its report can be made from 2030-01-01T00:00:00Z.")]
    public async Task ReportWeekly_OfAPeriodNotEnded_Exits1NamingWhenItCanBeMade_AndStoresNothing(string option, string value, string expected)
    {
        await Run("products", "set", "P-1", "--name", "Mug", "--price", "3", "--stock", "20");

        var result = await StockWatchProcess.RunAsync(_data.Path, "report", "weekly", option, value);

        result.ExitCode.Should().Be(1, result.Error);
        result.Error.Trim().Should().Be(expected + " Use --preview to see its figures so far without storing them.");
        StoredReports.Should().Be(0);
        Directory.Exists(Path.Combine(_data.Path, "objects", "reports")).Should().BeFalse();
    }

    [Fact]
    public async Task ReportWeekly_Preview_ComputesAPeriodNotEnded_WithoutStoringIt()
    {
        await Run("products", "set", "P-1", "--name", "Mug", "--price", "3", "--stock", "20");
        await Run("sales", "record", "--product", "P-1", "--quantity", "4");

        var json = await StockWatchProcess.RunAsync(_data.Path, "report", "weekly", "--end", "2030-01-01T00:00:00Z", "--preview", "--json");
        var text = await StockWatchProcess.RunAsync(_data.Path, "report", "weekly", "--week", "2030-W01", "--preview");
        var both = await Cli.Cli.RunAsync(_data.Path, "report", "weekly", "--week", "2030-W01", "--preview", "--rebuild");

        json.ExitCode.Should().Be(0, json.Error);
        var report = JsonDocument.Parse(json.Output).RootElement;
        report.GetProperty("period").GetProperty("end").GetString().Should().Be("2030-01-01T00:00:00Z");
        text.ExitCode.Should().Be(0, text.Error);
        text.Output.Should().StartWith("Preview of the weekly report for the week ending Thu 3 Jan 2030, 17:00 UTC (not saved): ");
        (both.ExitCode, both.Error.Trim()).Should().Be((2, "Give --preview or --rebuild, not both."));
        StoredReports.Should().Be(0);
        Directory.Exists(Path.Combine(_data.Path, "objects", "reports")).Should().BeFalse();
    }

    [Fact]
    public async Task ReportWeekly_Rebuild_AfterLateSales_IsVersion2OfTheSamePeriod_AnnouncedAsAnUpdate()
    {
        await Run("products", "set", "P-1", "--name", "Mug", "--price", "3", "--stock", "50");
        await Run("sales", "record", "--product", "P-1", "--quantity", "2", "--date", "2026-11-10T10:00:00Z");
        var first = await StockWatchProcess.RunAsync(_data.Path, "report", "weekly", "--week", "2026-W46");
        await Run("sales", "record", "--product", "P-1", "--quantity", "5", "--date", "2026-11-11T10:00:00Z");
        var found = await Cli.Cli.RunAsync(_data.Path, "report", "weekly", "--week", "2026-W46");

        var rebuilt = await StockWatchProcess.RunAsync(_data.Path, "report", "weekly", "--week", "2026-W46", "--rebuild", "--json");

        first.ExitCode.Should().Be(0, first.Error);
        first.Output.Should().StartWith("Made the weekly report weekly-20261112T1700Z").And.Contain("2 units");
        found.Output.Should().StartWith("Found the weekly report weekly-20261112T1700Z").And.Contain("2 units", "a stored report is returned as made");
        rebuilt.ExitCode.Should().Be(0, rebuilt.Error);
        var response = JsonDocument.Parse(rebuilt.Output).RootElement;
        (response.GetProperty("report_id").GetString(), response.GetProperty("version").GetInt32(), response.GetProperty("totals").GetProperty("units").GetInt64())
            .Should().Be(("weekly-20261112T1700Z", 2, 7L));
        var html = new Uri(response.GetProperty("report_location").GetString()!).LocalPath;
        Path.GetFileName(html).Should().Be("weekly-20261112T1700Z-v2.html");
        File.Exists(Path.Combine(Path.GetDirectoryName(html)!, "weekly-20261112T1700Z.html")).Should().BeTrue("the first version's files stay");
        (await File.ReadAllTextAsync(html, _cancel)).Should().Contain("version 2, rebuilt");
        StoredReports.Should().Be(1, "one entry per period, at its latest version");

        var channel = new RecordingChannel();
        using var services = Composed.Services(_data.Path, configure: s => s.AddSingleton<IAlertChannel>(channel));
        await services.GetRequiredService<Notifier>().PlanAsync(_cancel);
        await services.GetRequiredService<Deliveries>().RunOnceAsync(_cancel);
        var reports = channel.Messages.Where(m => m.Kind == Announcement.WeeklyReport).OrderBy(m => m.Subject, StringComparer.Ordinal).ToList();
        reports.Select(m => m.Subject).Should().Equal("Weekly report weekly-20261112T1700Z", "Weekly report weekly-20261112T1700Z updated (version 2)");
        reports[1].Text.Should().StartWith("Updated weekly report (version 2), week ending Thu 12 Nov 2026, 17:00 UTC: 7 units, revenue 21.00");
    }
}
