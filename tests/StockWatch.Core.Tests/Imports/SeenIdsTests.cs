using StockWatch.Core.Catalog;
using StockWatch.Core.Imports;

namespace StockWatch.Core.Tests.Imports;

public sealed class SeenIdsTests
{
    private static List<int?> FirstOns(SeenIds seen, params string[] ids) =>
        [.. ids.Select((id, i) => seen.FirstOn(ProductId.Parse(id), i + 2))];

    [Fact]
    public void FirstOn_IdsInAndOutOfOrder_FindsEveryRepeatWithItsFirstLine()
    {
        // Lines 2..: B D A F D A C H C B Ü (ordinal order: Ü sorts after every ASCII id).
        var firstOns = FirstOns(new SeenIds(), "B", "D", "A", "F", "D", "A", "C", "H", "C", "B", "Ü", "Ü");

        firstOns.Should().Equal(null, null, null, null, 3, 4, null, null, 8, 2, null, 12);
    }

    [Fact]
    public void FirstOn_MoreAscendingIdsThanTheArrayHolds_GoesOnInTheHashTable()
    {
        // Room for "A1A2A3" only: A4 and later ids, ascending or not, are kept in the hash table, repeats still found.
        var firstOns = FirstOns(new SeenIds(capacity: 6), "A1", "A2", "A3", "A4", "A5", "A4", "A2", "A0", "A0", "A6", "A5");

        firstOns.Should().Equal(null, null, null, null, null, 5, 3, null, 9, null, 6);
    }

    [Fact]
    public void FirstOn_AMillionAscendingIds_EachNewThenEachARepeat()
    {
        var seen = new SeenIds();
        for (var i = 0; i < 1_000_000; i++)
        {
            seen.FirstOn(ProductId.Parse($"SKU{i:D7}"), i + 2).Should().BeNull();
        }

        seen.FirstOn(ProductId.Parse("SKU0000000"), 0).Should().Be(2);
        seen.FirstOn(ProductId.Parse("SKU0500000"), 0).Should().Be(500_002);
        seen.FirstOn(ProductId.Parse("SKU0999999"), 0).Should().Be(1_000_001);
        seen.FirstOn(ProductId.Parse("SKU0500000x"), 0).Should().BeNull("it sorts between two ascending ids without being one");
    }
}
