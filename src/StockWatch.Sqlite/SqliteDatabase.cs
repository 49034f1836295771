using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using StockWatch.Core.Catalog;

namespace StockWatch.Sqlite;

/// <summary>
/// The SQLite file under the data folder. Opens pooled connections in WAL mode with a generous busy timeout, so
/// several processes (the CLI while <c>serve</c> runs) share it without "database is locked" reaching the user.
/// </summary>
public sealed class SqliteDatabase
{
    public const string FileName = "stockwatch.db";
    private const int BusyTimeoutMs = 30_000;

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private readonly Channel<bool> _committed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <param name="path">The database file.</param>
    /// <param name="manualCheckpoints">
    /// True in the long-running server: commits never run a WAL checkpoint, <see cref="Checkpoint"/> does it off the
    /// commit path. One-shot commands leave SQLite's automatic checkpoints on so the WAL cannot grow unchecked.
    /// </param>
    public SqliteDatabase(string path, bool manualCheckpoints = false)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
        _pragmas = $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
            + (manualCheckpoints ? " PRAGMA wal_autocheckpoint = 0;" : string.Empty);
    }

    public string Path { get; }

    /// <summary>The database in a data folder, created with the folder when missing.</summary>
    public static SqliteDatabase InFolder(string dataFolder, bool manualCheckpoints = false)
    {
        Directory.CreateDirectory(dataFolder);
        return new SqliteDatabase(System.IO.Path.Combine(dataFolder, FileName), manualCheckpoints);
    }

    /// <summary>Brings the schema up to date; safe when several processes start at once.</summary>
    public void Migrate() => Migrations.Apply(this, Migrations.Latest);

    /// <summary>Copies the WAL into the database file without blocking writers.</summary>
    public void Checkpoint()
    {
        using var session = Open();
        session.Execute("PRAGMA wal_checkpoint(PASSIVE);");
    }

    /// <summary>Leases an open session; disposing the lease returns it, with its prepared statements, to the pool.</summary>
    internal SqliteSession Open()
    {
        if (_idle.TryTake(out var session))
        {
            return session;
        }

        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        session = new SqliteSession(this, connection);
        session.Execute(_pragmas);
        return session;
    }

    internal void Return(SqliteSession session) => _idle.Add(session);

    /// <summary>
    /// One writer at a time within this process: local writers queue here instead of meeting in SQLite's busy
    /// handler, which sleeps in steps of milliseconds. Other processes are still kept out by SQLite's own lock.
    /// </summary>
    internal SemaphoreSlim WriteGate { get; } = new(1, 1);

    /// <summary>Tells in-process readers of the change stream that a change was committed.</summary>
    internal void NotifyCommitted() => _committed.Writer.TryWrite(true);

    internal async Task WaitForCommitAsync(CancellationToken cancellationToken)
    {
        await _committed.Reader.WaitToReadAsync(cancellationToken);
        _committed.Reader.TryRead(out _);
    }
}

/// <summary>
/// One open connection with its prepared statements, leased from <see cref="SqliteDatabase"/>. Product writes go
/// through <see cref="BeginWrite(ChangeStamp)"/>, which stamps the change records the triggers append with the write's
/// time and cause.
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private ChangeStamp? _stamp;
    private bool _holdsWriteGate;

    public SqliteSession(SqliteDatabase database, SqliteConnection connection)
    {
        _database = database;
        Connection = connection;
        connection.CreateFunction("sw_change_time", () => Core.Timestamp.FormatSortable(Stamp.Time));
        connection.CreateFunction("sw_change_cause", () => Stamp.Cause);
    }

    public SqliteConnection Connection { get; }

    private ChangeStamp Stamp => _stamp ?? throw new InvalidOperationException("A product was written outside BeginWrite, so its change record has no time or cause.");

    /// <summary>Starts an immediate (write-locking) transaction, so the reads inside it see what the write will replace.</summary>
    public WriteTransaction BeginWrite(ChangeStamp stamp)
    {
        var transaction = BeginWrite();
        _stamp = stamp;
        return transaction;
    }

    /// <summary>
    /// An immediate transaction for writes that touch no product. It runs prepared BEGIN/COMMIT statements rather than
    /// ADO.NET transactions, which prepare them anew each time (a third of a small write's cost).
    /// </summary>
    public WriteTransaction BeginWrite()
    {
        _database.WriteGate.Wait();
        _holdsWriteGate = true;
        Command("BEGIN IMMEDIATE").ExecuteNonQuery();
        return new WriteTransaction(this);
    }

    /// <summary>The prepared command for <paramref name="sql"/>, with no parameters; owned by the session, not disposed by callers.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _prepared[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    /// <summary>Runs statements once, without keeping them prepared (pragmas, migrations).</summary>
    public void Execute(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Returns the session to the pool; the caller's transaction has been disposed (committed or rolled back) by now.</summary>
    public void Dispose()
    {
        _stamp = null;
        if (SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) == 0)
        {
            // Never hand the next user a connection inside someone else's transaction.
            Command("ROLLBACK").ExecuteNonQuery();
        }

        if (_holdsWriteGate)
        {
            _holdsWriteGate = false;
            _database.WriteGate.Release();
        }

        _database.Return(this);
    }
}

/// <summary>A write transaction on a session: committed explicitly, rolled back when disposed without a commit.</summary>
internal sealed class WriteTransaction(SqliteSession session) : IDisposable
{
    private bool _done;

    public void Commit()
    {
        session.Command("COMMIT").ExecuteNonQuery();
        _done = true;
    }

    public void Dispose()
    {
        if (!_done)
        {
            _done = true;
            session.Command("ROLLBACK").ExecuteNonQuery();
        }
    }
}
