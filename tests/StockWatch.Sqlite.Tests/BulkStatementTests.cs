using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests;

/// <summary>
/// BulkStatement hands SQLite its text in a buffer of its own that the next execution reuses: each execution must store
/// exactly its own values, text too long for the buffer included, and a constant must stay bound throughout.
/// </summary>
public sealed class BulkStatementTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Execute_ManyRowsOfTextOfEveryLength_StoresEachRowsOwnValues()
    {
        using var database = SqliteDatabase.InFolder(_folder.Path);
        using var session = database.Open();
        session.Execute("CREATE TABLE t (n INTEGER, a TEXT, b TEXT, c TEXT, k TEXT)");
        // Three values per row whose lengths together go past the buffer every few rows, the last one alone past it.
        string Value(int row, int column) => new string((char)('a' + column), ((row * 977) + (column * 3001)) % 9000) + $"é{row}";
        var expected = Enumerable.Range(0, 200).Select(row => (row, Value(row, 0), Value(row, 1), row % 50 == 0 ? new string('z', 40_000) : Value(row, 2))).ToList();

        using (var insert = new BulkStatement(session, "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)"))
        {
            insert.Constant(5, "the same for every row");
            session.Execute("BEGIN");
            foreach (var (row, a, b, c) in expected)
            {
                insert.Integer(1, row);
                insert.Text(2, a);
                insert.Text(3, System.Text.Encoding.UTF8.GetBytes(b));
                insert.Text(4, c);
                insert.Execute().Should().Be(1);
            }

            session.Execute("COMMIT");
        }

        var stored = new List<(int, string, string, string)>();
        using (var select = new BulkStatement(session, "SELECT n, a, b, c FROM t WHERE k = ?1 ORDER BY n"))
        {
            select.Text(1, "the same for every row");
            while (select.Read())
            {
                stored.Add(((int)select.GetInteger(0), select.GetText(1), select.GetText(2), select.GetText(3)));
            }
        }

        stored.Should().Equal(expected);
    }
}
