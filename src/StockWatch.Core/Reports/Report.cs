namespace StockWatch.Core.Reports;

/// <summary>A saved report: where it is, which period it covers, and which version of that period's report it is.</summary>
public sealed record Report(string ReportId, DateTimeOffset ReportDate, string ReportType, Uri ReportLocation, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd)
{
    /// <summary>1 when first made; each rebuild of the same period adds one.</summary>
    public int Version { get; init; } = 1;
}
