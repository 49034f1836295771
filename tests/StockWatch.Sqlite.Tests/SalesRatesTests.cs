using StockWatch.Core;
using StockWatch.Core.Catalog;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

public sealed class SalesRatesTests : IDisposable
{
    private readonly TestStore _db = new();

    public void Dispose() => _db.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void NetUnitsSold_AcrossBatchesMarksAndWindows_IsWhatTheSalesUpToTheMarkSay(int seed)
    {
        var random = new Random(seed);
        string[] products = ["A", "B", "C"];
        var t0 = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        using var session = _db.Database.Open();
        session.Execute("BEGIN");
        for (var i = 0; i < 3000; i++)
        {
            var insert = session.Command("INSERT INTO sales (sale_id, product_id, sale_date, quantity, current_price_e4) VALUES ($id, $p, $d, $q, 10000)");
            insert.Parameters.AddWithValue("$id", $"s{i}");
            insert.Parameters.AddWithValue("$p", products[random.Next(products.Length)]);
            insert.Parameters.AddWithValue("$d", Timestamp.FormatSortable(t0.AddHours(random.Next(24 * 40))));
            insert.Parameters.AddWithValue("$q", random.Next(1, 5) * (random.Next(8) == 0 ? -1 : 1));
            insert.ExecuteNonQuery();
        }

        session.Execute("COMMIT");
        var rates = new SalesRates();
        var mark = 0L;
        var checks = 0;
        while (mark < 3000)
        {
            // A batch: increasing marks, sometimes a jump back (another processor, a restart) or far ahead.
            var first = random.Next(10) == 0 ? random.Next(3000) : mark + random.Next(5);
            List<long> marks = [first];
            for (var i = 1; i < 20; i++)
            {
                marks.Add(Math.Min(3000, marks[^1] + random.Next(0, 30)));
            }

            rates.Begin(session, marks[0], marks[^1]);
            foreach (var at in marks)
            {
                var product = ProductId.Parse(products[random.Next(products.Length)]);
                var to = t0.AddDays(10 + random.Next(3));
                var from = to.AddDays(-28);
                var expected = Direct(session, product, from, to, at);

                rates.NetUnitsSold(session, product, from, to, at).Should().Be(expected, $"mark {at}, {product}, ({from}, {to}]");
                checks++;
            }

            mark = Math.Max(mark, marks[^1]) + 1;
        }

        checks.Should().BeGreaterThanOrEqualTo(100);
    }

    private static long Direct(SqliteSession session, ProductId id, DateTimeOffset from, DateTimeOffset to, long mark)
    {
        var command = session.Command(
            "SELECT IFNULL(SUM(quantity), 0) FROM sales WHERE product_id = $id AND sale_date > $from AND sale_date <= $to AND rowid <= $mark");
        command.Parameters.AddWithValue("$id", id.Value);
        command.Parameters.AddWithValue("$from", Timestamp.FormatSortable(from));
        command.Parameters.AddWithValue("$to", Timestamp.FormatSortable(to));
        command.Parameters.AddWithValue("$mark", mark);
        return (long)command.ExecuteScalar()!;
    }
}
