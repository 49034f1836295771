using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.VisualBasic.FileIO;
using StockWatch.Testing;

namespace StockWatch.Tests.Reports;

/// <summary>The weekly report over the real retail file, against a computation of its own over the CSV.</summary>
public sealed class ReportRealDataTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task WeeklyReport_OfTheRetailHistory_MatchesAnIndependentComputation()
    {
        var cancel = TestContext.Current.CancellationToken;
        var file = Path.Combine(_data.Path, "online-retail.csv");
        await using (var gz = new GZipStream(File.OpenRead(RealData.PathOf("online-retail-uci.csv.gz")), CompressionMode.Decompress))
        await using (var csv = File.Create(file))
        {
            await gz.CopyToAsync(csv, cancel);
        }

        var import = await Cli.Cli.RunAsync(_data.Path, "import", file, "--map", "StockCode=product_id", "--map", "Description=product_name",
            "--map", "Quantity=quantity", "--map", "InvoiceDate=sale_date", "--map", "UnitPrice=current_price", "--create-products", "--stock", "ignore");
        import.ExitCode.Should().Be(1, "the two rows with a negative price are refused");

        // ISO week 2011-W45: the period ends Thursday 2011-11-10 17:00 UTC.
        var made = await Cli.Cli.RunAsync(_data.Path, "report", "weekly", "--week", "2011-W45", "--json");
        made.ExitCode.Should().Be(0, made.Error);
        var response = JsonDocument.Parse(made.Output).RootElement;
        var html = new Uri(response.GetProperty("report_location").GetString()!).LocalPath;
        var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(html, ".json"), cancel)).RootElement;
        var end = new DateTime(2011, 11, 10, 17, 0, 0, DateTimeKind.Utc);
        var expected = Independent(file, end.AddDays(-7), end);

        report.GetProperty("period").GetProperty("start").GetString().Should().Be("2011-11-03T17:00:00Z");
        report.GetProperty("period").GetProperty("end").GetString().Should().Be("2011-11-10T17:00:00Z");
        var totals = report.GetProperty("totals");
        (totals.GetProperty("units").GetInt64(), totals.GetProperty("revenue").GetDecimal(), totals.GetProperty("sales").GetInt64(), totals.GetProperty("products_sold").GetInt64())
            .Should().Be((expected.Units, expected.Revenue, expected.Lines, expected.Products.Count));
        expected.Lines.Should().BeGreaterThan(10_000, "the week chosen is a busy one");
        Top(report, "top_by_revenue").Should().Equal(expected.Products.OrderByDescending(p => p.Value.Revenue).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(10).Select(p => (p.Key, p.Value.Units, p.Value.Revenue)));
        Top(report, "top_by_units").Should().Equal(expected.Products.OrderByDescending(p => p.Value.Units).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(10).Select(p => (p.Key, p.Value.Units, p.Value.Revenue)));
        response.GetProperty("totals").GetProperty("sales").GetInt64().Should().Be(expected.Lines);
    }

    private static IEnumerable<(string, long, decimal)> Top(JsonElement report, string list) =>
        report.GetProperty(list).EnumerateArray().Select(p => (p.GetProperty("product_id").GetString()!, p.GetProperty("units").GetInt64(), p.GetProperty("revenue").GetDecimal()));

    /// <summary>The week's figures straight from the CSV, with .NET's own CSV parser.</summary>
    private static (long Units, decimal Revenue, long Lines, Dictionary<string, (long Units, decimal Revenue)> Products) Independent(string file, DateTime start, DateTime end)
    {
        using var parser = new TextFieldParser(file) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        var header = parser.ReadFields()!;
        int Column(string name) => Array.IndexOf(header, name);
        var (code, quantity, date, price) = (Column("StockCode"), Column("Quantity"), Column("InvoiceDate"), Column("UnitPrice"));
        long units = 0, lines = 0;
        decimal revenue = 0;
        Dictionary<string, (long Units, decimal Revenue)> products = new(StringComparer.Ordinal);
        while (parser.ReadFields() is { } row)
        {
            var at = DateTime.ParseExact(row[date], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            var unitPrice = decimal.Parse(row[price], CultureInfo.InvariantCulture);
            if (at < start || at >= end || unitPrice < 0)
            {
                continue;
            }

            var q = long.Parse(row[quantity], CultureInfo.InvariantCulture);
            units += q;
            revenue += q * unitPrice;
            lines++;
            var id = row[code].Trim();
            var (u, r) = products.GetValueOrDefault(id);
            products[id] = (u + q, r + q * unitPrice);
        }

        return (units, revenue, lines, products);
    }
}
