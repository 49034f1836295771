using StockWatch.Testing;

namespace StockWatch.Tests.Cli;

/// <summary>Every CLI command, given malformed or hostile input: one clear sentence on stderr, exit 2, nothing changed.</summary>
public sealed class BadInputTests : IDisposable
{
    private static readonly string Long65 = new('x', 65);
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    public static TheoryData<string, string[]> Cases() => new()
    {
        { "product_id must not be empty", ["products", "show", ""] },
        { "product_id must not start or end with a space", ["products", "show", " 85123A"] },
        { "product_id must be at most 64 characters (got 65)", ["products", "show", Long65] },
        { "product_id must not contain control characters", ["products", "show", "85\u0001123A"] },
        { "product_id must not start or end with a space", ["products", "set", "85123A ", "--name", "Heart"] },
        { "product_name is required to create product NEW", ["products", "set", "NEW", "--stock", "3"] },
        { "product_name must not be empty", ["products", "set", "85123A", "--name", "   "] },
        { "product_name must be at most 200 characters (got 201)", ["products", "set", "85123A", "--name", new string('n', 201)] },
        { "product_name must not contain control characters", ["products", "set", "85123A", "--name", "Heart\u0000"] },
        { "product_category must not be empty", ["products", "set", "85123A", "--category", ""] },
        { "product_price must not be negative (got -1)", ["products", "set", "85123A", "--price", "-1"] },
        { "product_price must have at most 4 decimals", ["products", "set", "85123A", "--price", "1.23456"] },
        { "product_price must be a number such as 12.50 (got \"abc\")", ["products", "set", "85123A", "--price", "abc"] },
        { "product_price must be a number such as 12.50 (got \"1,000\")", ["products", "set", "85123A", "--price", "1,000"] },
        { "product_price must be a number such as 12.50 (got \"NaN\")", ["products", "set", "85123A", "--price", "NaN"] },
        { "stock_count must be a whole number from 0 to 2147483647 (got \"-1\")", ["products", "set", "85123A", "--stock", "-1"] },
        { "stock_count must be a whole number from 0 to 2147483647 (got \"1.5\")", ["products", "set", "85123A", "--stock", "1.5"] },
        { "stock_count must be a whole number from 0 to 2147483647 (got \"99999999999\")", ["products", "set", "85123A", "--stock", "99999999999"] },
        { "low_stock_threshold must be a whole number from 0 to 2147483647 (got \"-2\")", ["products", "set", "85123A", "--threshold", "-2"] },
        { "product_id must not be empty", ["products", "delete", ""] },
        { "product_id must be at most 64 characters", ["products", "delete", Long65] },
        { "product_id must not start or end with a space", ["sales", "record", "--product", " 85123A", "--quantity", "1"] },
        { "quantity must be a non-zero whole number", ["sales", "record", "--product", "85123A", "--quantity", "0"] },
        { "quantity must be a non-zero whole number", ["sales", "record", "--product", "85123A", "--quantity", "abc"] },
        { "quantity must be a non-zero whole number", ["sales", "record", "--product", "85123A", "--quantity", "1.5"] },
        { "quantity must be a non-zero whole number", ["sales", "record", "--product", "85123A", "--quantity", "99999999999"] },
        { "current_price must not be negative", ["sales", "record", "--product", "85123A", "--quantity", "1", "--price", "-0.01"] },
        { "current_price must be a number", ["sales", "record", "--product", "85123A", "--quantity", "1", "--price", "=1+1"] },
        { "sale_date must be an ISO-8601 date", ["sales", "record", "--product", "85123A", "--quantity", "1", "--date", "yesterday"] },
        { "sale_date must be an ISO-8601 date", ["sales", "record", "--product", "85123A", "--quantity", "1", "--date", "2026-13-45"] },
        { "sale_id must not start or end with a space", ["sales", "record", "--product", "85123A", "--quantity", "1", "--sale-id", "S1 "] },
        { "sale_id must be at most 128 characters", ["sales", "record", "--product", "85123A", "--quantity", "1", "--sale-id", new string('s', 129)] },
        { "Option '--quantity' is required", ["sales", "record", "--product", "85123A"] },
        { "since must be an ISO-8601 date", ["alerts", "list", "--since", "last week"] },
        { "type must be one of LOW_STOCK", ["alerts", "list", "--type", "LOW"] },
        { "product_id must not start or end with a space", ["alerts", "list", "--product", "85123A\t"] },
        { "limit must be a whole number from 1", ["alerts", "list", "--limit", "0"] },
        { "alert_id must be a whole number from 1", ["alerts", "show", "first"] },
        { "alert_id must be a whole number from 1", ["alerts", "show", "-3"] },
        { "end must be an ISO-8601 date such as 2026-11-24", ["report", "weekly", "--end", "last thursday"] },
        { "week must be an ISO week such as 2026-W47, of a year from 1900 to 9998 (got \"2026-W54\")", ["report", "weekly", "--week", "2026-W54"] },
        { "week must be an ISO week such as 2026-W47", ["report", "weekly", "--week", "=cmd|' /C calc'!A0"] },
        { "Give --end or --week, not both.", ["report", "weekly", "--week", "2026-W47", "--end", "2026-11-19"] },
        { "Unrecognized command or argument 'frobnicate'", ["frobnicate"] },
        { "Unrecognized command or argument '--bogus'", ["products", "list", "--bogus"] },
        { "Required command was not provided", ["products"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Command_BadInput_ExitsTwoWithOneSentenceAndChangesNothing(string expected, string[] args)
    {
        (await Cli.RunAsync(_data.Path, "products", "set", "85123A", "--name", "Heart", "--stock", "5", "--threshold", "2")).ExitCode.Should().Be(0);
        var before = Snapshot();

        var result = await Cli.RunAsync(_data.Path, args);

        result.ExitCode.Should().Be(2);
        result.Output.Should().BeEmpty();
        result.Error.Should().Contain(expected);
        result.Error.TrimEnd().Should().NotContain("\n", "the error is one sentence on one line").And.NotContain(" at StockWatch");
        Snapshot().Should().Be(before);
    }

    private string Snapshot()
    {
        var path = Path.Combine(_data.Path, "stockwatch.db");
        return string.Join(" ",
            TestStore.ScalarIn(path, "SELECT COUNT(*) FROM changes"),
            TestStore.ScalarIn(path, "SELECT COUNT(*) FROM sales"),
            TestStore.ScalarIn(path, "SELECT COUNT(*) FROM alerts"),
            TestStore.ScalarIn(path, "SELECT COUNT(*) FROM reports"),
            TestStore.ScalarIn(path, "SELECT stock_count * 1000000 + version FROM products WHERE product_id = '85123A'"));
    }
}
