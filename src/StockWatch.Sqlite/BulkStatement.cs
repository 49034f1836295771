using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace StockWatch.Sqlite;

/// <summary>
/// A statement prepared once and run row after row through SQLite's own C API, for an import's per-row statements:
/// Microsoft.Data.Sqlite binds every parameter by name on every execution, and SQLitePCL's wrappers take and release
/// a handle on every call, each of which costs more than the value it passes. Bind with <see cref="Text(int, string)"/>,
/// <see cref="Integer(int, long)"/> and <see cref="Null"/> (1-based, as SQLite counts), then <see cref="Execute"/>, or
/// <see cref="Read"/> the rows of a query and <see cref="Reset"/>.
/// <para>
/// Text is copied once, into the statement's own buffer, and SQLite reads it from there (no copy of its own). The
/// buffer is reused after each execution, so a statement's text values are bound again before each one; a value bound
/// once for every execution goes through <see cref="Constant"/>, which SQLite copies.
/// </para>
/// </summary>
internal sealed unsafe partial class BulkStatement : IDisposable
{
    private const string Library = "e_sqlite3";

    // SQLITE_TRANSIENT: SQLite copies the bytes, so the buffer is free again at once. SQLITE_STATIC: SQLite reads them
    // where they are, until they are bound again.
    private static readonly IntPtr Transient = new(-1);
    private static readonly IntPtr Static = IntPtr.Zero;

    // Room for the text of one execution: 32 rows of short fields. Longer text is bound as Constant binds it.
    private const int BufferSize = 16 * 1024;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly IntPtr _handle;
    private readonly byte* _buffer = (byte*)NativeMemory.Alloc(BufferSize);
    private int _used;

    public BulkStatement(SqliteSession session, string sql)
    {
        _db = session.Connection.Handle!;
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
        _handle = _statement.DangerousGetHandle();
    }

    public int ParameterCount => BindParameterCount(_handle);

    public void Text(int index, string value)
    {
        if (Encoding.UTF8.GetMaxByteCount(value.Length) <= BufferSize - _used)
        {
            var written = Encoding.UTF8.GetBytes(value, new Span<byte>(_buffer + _used, BufferSize - _used));
            BindBuffered(index, written);
        }
        else
        {
            Constant(index, value);
        }
    }

    public void Text(int index, ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length <= BufferSize - _used)
        {
            utf8.CopyTo(new Span<byte>(_buffer + _used, BufferSize - _used));
            BindBuffered(index, utf8.Length);
        }
        else
        {
            BindCopied(index, utf8);
        }
    }

    /// <summary>Binds text that stays bound for every execution (SQLite keeps its own copy).</summary>
    public void Constant(int index, string value) => BindCopied(index, Encoding.UTF8.GetBytes(value));

    public void Integer(int index, long value) => Check(BindInt64(_handle, index, value));

    public void Null(int index) => Check(BindNull(_handle, index));

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
        var result = Step(_handle);
        Reset();
        if (result != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(result, _db);
        }

        return raw.sqlite3_changes(_db);
    }

    /// <summary>Steps a query: true while it has a row; call <see cref="Reset"/> when done with it.</summary>
    public bool Read()
    {
        var result = Step(_handle);
        if (result == raw.SQLITE_ROW)
        {
            return true;
        }

        Reset();
        if (result != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(result, _db);
        }

        return false;
    }

    /// <summary>Ends a run of the statement: its buffered text is free for the next one's values.</summary>
    public void Reset()
    {
        ResetStatement(_handle);
        _used = 0;
    }

    public bool IsNull(int column) => ColumnType(_handle, column) == raw.SQLITE_NULL;

    public string GetText(int column) => Encoding.UTF8.GetString(GetBytes(column));

    /// <summary>A text column's UTF-8 bytes, valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> GetBytes(int column)
    {
        var text = ColumnText(_handle, column);
        return text is null ? [] : new ReadOnlySpan<byte>(text, ColumnBytes(_handle, column));
    }

    public long GetInteger(int column) => ColumnInt64(_handle, column);

    /// <summary>The rowid of the row the last <see cref="Execute"/> inserted (valid when it changed one).</summary>
    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_db);

    public void Dispose()
    {
        // Finalized first: SQLite may read static text until then.
        _statement.Dispose();
        NativeMemory.Free(_buffer);
    }

    private void BindBuffered(int index, int length)
    {
        Check(BindText(_handle, index, _buffer + _used, length, Static));
        _used += length;
    }

    private void BindCopied(int index, ReadOnlySpan<byte> utf8)
    {
        fixed (byte* bytes = utf8)
        {
            // A null pointer would bind NULL; an empty text needs a valid one.
            byte empty = 0;
            Check(BindText(_handle, index, utf8.IsEmpty ? &empty : bytes, utf8.Length, Transient));
        }
    }

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(result, _db);
        }
    }

    // The binding and column calls are short and never block (the connection is this thread's alone), so they run
    // without the runtime's transition to native code and back, which costs more than they do; sqlite3_step and
    // sqlite3_reset, which do the work, keep it.
    [LibraryImport(Library, EntryPoint = "sqlite3_bind_text")]
    [SuppressGCTransition]
    private static partial int BindText(IntPtr statement, int index, byte* text, int length, IntPtr destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_parameter_count")]
    [SuppressGCTransition]
    private static partial int BindParameterCount(IntPtr statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_int64")]
    [SuppressGCTransition]
    private static partial int BindInt64(IntPtr statement, int index, long value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_null")]
    [SuppressGCTransition]
    private static partial int BindNull(IntPtr statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_step")]
    private static partial int Step(IntPtr statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_reset")]
    private static partial int ResetStatement(IntPtr statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_type")]
    [SuppressGCTransition]
    private static partial int ColumnType(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_text")]
    [SuppressGCTransition]
    private static partial byte* ColumnText(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes")]
    [SuppressGCTransition]
    private static partial int ColumnBytes(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64")]
    [SuppressGCTransition]
    private static partial long ColumnInt64(IntPtr statement, int column);
}
