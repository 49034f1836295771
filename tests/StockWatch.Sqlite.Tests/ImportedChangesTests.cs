using StockWatch.Core;
using StockWatch.Core.Catalog;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

public sealed class ImportedChangesTests
{
    [Fact]
    public void HeldChanges_OverManyChunks_ReadBackAsWritten()
    {
        // Names of up to 200 characters, some of them 4 UTF-8 bytes each: about 40 MB, ten chunks and more, so that
        // changes end close to a chunk's end of every kind. Categories shared and not, long and not (the reader shares
        // the strings of those up to 128 UTF-8 bytes within a read).
        var random = new Random(7);
        var writer = new ImportedChanges.Writer(101, new ChangeStamp(Builders.T0, "import"));
        List<(Product? Before, Product After, long Mark)> written = [];
        for (var i = 0; i < 60_000; i++)
        {
            var after = Image(random, i);
            var before = random.Next(3) == 0 ? null : Image(random, i) with { Version = after.Version - 1 };
            var mark = random.NextInt64(0, long.MaxValue);
            writer.Add(before, after, mark);
            written.Add((before, after, mark));
        }

        var run = writer.Done();

        (run.First, run.Last).Should().Be((101L, 101L + written.Count - 1));
        // In ranges of any length, as the stream reads its batches (a single change, a few thousand).
        for (var first = 0; first < written.Count;)
        {
            var last = Math.Min(written.Count - 1, first + random.Next(0, 3000));
            var held = new ImportedChanges.Change[last - first + 1];
            run.Read(101 + first, held);
            for (var i = first; i <= last; i++)
            {
                held[i - first].Should().Be(new ImportedChanges.Change(written[i].After.Id, written[i].Before, written[i].After, written[i].Mark), $"change {i}");
            }

            first = last + 1;
        }
    }

    private static Product Image(Random random, int i) => new()
    {
        Id = ProductId.Parse($"SKU-{i}-\u00e9"),
        Name = new string('n', random.Next(1, 150)) + string.Concat(Enumerable.Repeat("\U0001F600", random.Next(0, 50))),
        Category = random.Next(3) switch
        {
            0 => "Kitchen",
            1 => $"Garden {random.Next(5)} \U0001F600",
            _ => new string('\u4e2d', random.Next(1, 101)),
        },
        Stock = random.Next(0, int.MaxValue),
        Price = Money.FromTenThousandths(random.NextInt64(0, 10_000_000_000_000)),
        LowStockThreshold = random.Next(2) == 0 ? null : random.Next(0, 1000),
        Version = random.NextInt64(1, long.MaxValue),
        UpdatedAt = Builders.T0.AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 3650)),
        StockCounted = random.Next(2) == 0,
    };
}
