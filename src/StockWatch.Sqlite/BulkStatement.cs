using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace StockWatch.Sqlite;

/// <summary>
/// A statement prepared once and bound by position through SQLite's own API, for an import's per-row statements:
/// Microsoft.Data.Sqlite binds every parameter by name on every execution, which costs more than the row it writes.
/// Bind with <see cref="Text"/>, <see cref="Integer"/> and <see cref="Null"/> (1-based, as SQLite counts), then
/// <see cref="Execute"/>, or <see cref="Read"/> the rows of a query and <see cref="Reset"/>.
/// </summary>
internal sealed class BulkStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[] _utf8 = new byte[256];

    public BulkStatement(SqliteSession session, string sql)
    {
        _db = session.Connection.Handle!;
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
    }

    public void Text(int index, string value)
    {
        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (length > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(length, _utf8.Length * 2)];
        }

        // SQLite copies the bytes (SQLITE_TRANSIENT), so the buffer is free again at once.
        var written = Encoding.UTF8.GetBytes(value, _utf8);
        Check(raw.sqlite3_bind_text(_statement, index, _utf8.AsSpan(0, written)));
    }

    public void Text(int index, ReadOnlySpan<byte> utf8) => Check(raw.sqlite3_bind_text(_statement, index, utf8));

    public void Integer(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Null(int index) => Check(raw.sqlite3_bind_null(_statement, index));

    public void Integer(int index, long? value)
    {
        if (value is { } number)
        {
            Integer(index, number);
        }
        else
        {
            Null(index);
        }
    }

    /// <summary>Runs a statement that returns no rows; the number of rows it changed.</summary>
    public int Execute()
    {
        var result = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (result != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(result, _db);
        }

        return raw.sqlite3_changes(_db);
    }

    /// <summary>Steps a query: true while it has a row; call <see cref="Reset"/> when done with it.</summary>
    public bool Read()
    {
        var result = raw.sqlite3_step(_statement);
        if (result == raw.SQLITE_ROW)
        {
            return true;
        }

        raw.sqlite3_reset(_statement);
        if (result != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(result, _db);
        }

        return false;
    }

    public void Reset() => raw.sqlite3_reset(_statement);

    public bool IsNull(int column) => raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL;

    public string GetText(int column) => Encoding.UTF8.GetString(raw.sqlite3_column_blob(_statement, column));

    /// <summary>A text column's UTF-8 bytes, valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> GetBytes(int column) => raw.sqlite3_column_blob(_statement, column);

    public long GetInteger(int column) => raw.sqlite3_column_int64(_statement, column);

    public void Dispose() => _statement.Dispose();

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(result, _db);
        }
    }
}
