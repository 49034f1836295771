namespace StockWatch.Core.Reports;

/// <summary>A saved report: where it is and which period it covers.</summary>
public sealed record Report(string ReportId, DateTimeOffset ReportDate, string ReportType, Uri ReportLocation, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd);
